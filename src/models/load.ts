/**
 * Fetch a shipped tfjs graph model from `modelBaseUrl`, verify every byte against the embedded
 * manifest (sha256), and build it from memory. Nothing is fetched from anywhere else.
 */
import type * as tfconv from '@tensorflow/tfjs-converter';
import * as tf from '@tensorflow/tfjs-core';
import type { io } from '@tensorflow/tfjs-core';
import { ModelLoadError } from '../errors.js';
import type { LoadProgress } from '../options.js';
import { manifestEntry, type ManifestEntry } from './manifest.js';
import { optimizeGraph, type GraphNode } from './optimize.js';
import { appendWeights, readWeights } from './weights.js';

/** Options for {@link fetchVerified}. */
export interface FetchOptions {
  /** Reports bytes as they arrive. */
  onProgress?: ((p: LoadProgress) => void) | undefined;
  /** Cancels the download. */
  signal?: AbortSignal | undefined;
  /** Injectable fetch (tests). */
  fetch?: typeof fetch | undefined;
}

async function sha256Hex(bytes: ArrayBuffer): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) {
    throw new ModelLoadError('crypto.subtle is unavailable (not a secure context), so model files cannot be verified.');
  }
  const digest = new Uint8Array(await subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function readAll(response: Response, onChunk: (n: number) => void): Promise<ArrayBuffer> {
  if (!response.body) return response.arrayBuffer();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    length += value.byteLength;
    onChunk(value.byteLength);
  }
  const out = new Uint8Array(length);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out.buffer;
}

/**
 * Fetch several files from `baseUrl` and verify each against the manifest.
 * @throws ModelLoadError on HTTP failure, size or checksum mismatch, or a file not in the manifest
 */
export async function fetchVerified(baseUrl: URL, files: readonly string[], options: FetchOptions = {}): Promise<ArrayBuffer[]> {
  const doFetch = options.fetch ?? fetch;
  const entries: ManifestEntry[] = files.map((file) => {
    const entry = manifestEntry(file);
    if (!entry) throw new ModelLoadError(`${file} is not a shipped model file (not in models/manifest.json).`);
    return entry;
  });
  const total = entries.reduce((s, e) => s + e.size, 0);
  let loaded = 0;
  options.onProgress?.({ loaded, total });
  return Promise.all(entries.map(async (entry) => {
    const url = new URL(entry.file, baseUrl).href;
    let response: Response;
    try {
      response = await doFetch(url, { signal: options.signal ?? null, credentials: 'same-origin' });
    } catch (cause) {
      throw new ModelLoadError(`Could not fetch ${url}: ${String(cause)}. Serve the package's models/ folder and set modelBaseUrl.`, url, { cause });
    }
    if (!response.ok) {
      throw new ModelLoadError(`Could not fetch ${url}: HTTP ${response.status}. Serve the package's models/ folder and set modelBaseUrl.`, url);
    }
    const bytes = await readAll(response, (n) => {
      loaded += n;
      options.onProgress?.({ loaded: Math.min(loaded, total), total });
    });
    if (bytes.byteLength !== entry.size) {
      throw new ModelLoadError(`${url} has ${bytes.byteLength} bytes, the manifest says ${entry.size}.`, url);
    }
    const hash = await sha256Hex(bytes);
    if (hash !== entry.sha256) {
      throw new ModelLoadError(`${url} failed its sha256 check (got ${hash}, manifest ${entry.sha256}).`, url);
    }
    return bytes;
  }));
}

interface GraphModelJson {
  modelTopology: { node?: GraphNode[] } & Record<string, unknown>;
  weightsManifest: Array<{ paths: string[]; weights: io.WeightsManifestEntry[] }>;
  signature?: { outputs?: Record<string, { name?: string }> } & Record<string, unknown>;
  format?: string;
  generatedBy?: string;
  convertedBy?: string;
}

/** Options for {@link loadVerifiedGraphModel}. */
export interface LoadGraphOptions extends FetchOptions {
  /**
   * Rewrite the graph before building (src/models/optimize.ts): convolutions fused with their
   * bias add and activation, block transposed convolutions as 1×1 convolution + depth to space.
   * Default true; false builds the graph exactly as shipped (tests compare the two).
   */
  optimize?: boolean | undefined;
}

/**
 * Load a shipped graph model (`<name>.json` + its weight files) from `baseUrl`, verified, with
 * its graph optimised (see {@link LoadGraphOptions.optimize}).
 * @throws ModelLoadError
 */
export async function loadVerifiedGraphModel(
  converter: typeof tfconv,
  baseUrl: URL,
  name: string,
  options: LoadGraphOptions = {},
): Promise<tfconv.GraphModel> {
  const jsonFile = `${name}.json`;
  const jsonEntry = manifestEntry(jsonFile);
  if (!jsonEntry) throw new ModelLoadError(`Unknown model ${name}.`);
  // One progress total for the json and its weights: the weight files are known from the manifest.
  const weightFiles = [`${name}.bin`];
  const [jsonBytes, ...weightBytes] = await fetchVerified(baseUrl, [jsonFile, ...weightFiles], options);
  let json: GraphModelJson;
  try {
    json = JSON.parse(new TextDecoder().decode(jsonBytes)) as GraphModelJson;
  } catch (cause) {
    throw new ModelLoadError(`${jsonFile} is not valid JSON.`, new URL(jsonFile, baseUrl).href, { cause });
  }
  const paths = json.weightsManifest.flatMap((g) => g.paths);
  if (paths.length !== weightFiles.length || paths.some((p, i) => p !== weightFiles[i])) {
    throw new ModelLoadError(`${jsonFile} names weight files ${paths.join(', ')}, expected ${weightFiles.join(', ')}.`);
  }
  let topology = json.modelTopology;
  let weightSpecs = json.weightsManifest.flatMap((g) => g.weights);
  let weightData: ArrayBuffer | ArrayBuffer[] = weightBytes.length === 1 ? weightBytes[0]! : weightBytes;
  if (options.optimize !== false && Array.isArray(topology.node) && weightData instanceof ArrayBuffer) {
    const outputs = Object.values(json.signature?.outputs ?? {}).flatMap((o) => (o.name ? [o.name] : []));
    const specs = weightSpecs;
    const data = weightData;
    const result = optimizeGraph({ nodes: topology.node, outputs, read: (n) => readWeights(specs, data, [n]).get(n) });
    topology = { ...topology, node: result.nodes };
    if (result.weights.length) ({ specs: weightSpecs, data: weightData } = appendWeights(specs, data, result.weights));
  }
  const artifacts: io.ModelArtifacts = {
    modelTopology: topology,
    weightSpecs,
    weightData,
    ...(json.signature ? { signature: json.signature as object } : {}),
    format: json.format ?? 'graph-model',
  };
  try {
    return await converter.loadGraphModel({ load: async () => artifacts });
  } catch (cause) {
    throw new ModelLoadError(`${jsonFile} could not be built into a graph model: ${String(cause)}`, undefined, { cause });
  }
}

/**
 * Run `model` once on zeros of `inputShape` and wait for every output (the first execute compiles
 * the backend's kernels or shaders; doing it at load keeps the first frame fast).
 *
 * The outputs are read with `await data()`, never `dataSync()`: on tfjs-webgpu a synchronous
 * read goes through a WebGPU canvas (`getCurrentTexture`), and on Chromium's SwiftShader WebGPU
 * (no GPU) that loses the device; every later call then fails (`createBuffer … too large`).
 */
export async function warmUpGraphModel(model: tfconv.GraphModel, inputShape: readonly number[], outputs?: string[]): Promise<void> {
  const result = tf.tidy(() => {
    const out = model.execute(tf.zeros([...inputShape]), outputs);
    return Array.isArray(out) ? out : [out];
  });
  try {
    await Promise.all(result.map((t) => t.data()));
  } finally {
    tf.dispose(result);
  }
}
