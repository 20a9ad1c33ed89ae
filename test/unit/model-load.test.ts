/// <reference types="node" />
// fetchVerified / loadVerifiedGraphModel with an injected fetch serving the real shipped files
// from models/ (present after `node scripts/models.mjs`, which `npm ci` runs via `prepare`).
//
// The success path of loadVerifiedGraphModel builds the real selfie model on tfjs's CPU backend.
// @tensorflow/tfjs-backend-cpu is not a direct dependency: it is installed (4.22.0) as a
// dependency of the wasm/webgl/webgpu backends. If it ever disappears this import fails loudly.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as converter from '@tensorflow/tfjs-converter';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelLoadError, PrivacyTrackError } from '../../src/errors.js';
import type { LoadProgress } from '../../src/options.js';
import { fetchVerified, loadVerifiedGraphModel } from '../../src/models/load.js';
import { MODEL_MANIFEST, manifestEntry } from '../../src/models/manifest.js';

const modelsDir = new URL('../../models/', import.meta.url);
const BASE = new URL('https://app.example/static/models/');

function fileBytes(file: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(file, modelsDir)));
}

interface FakeServer {
  fetch: typeof fetch;
  requests: Array<{ url: string; init: RequestInit | undefined }>;
}

/**
 * A fetch that serves models/ from disk under BASE, streamed in `chunk`-byte pieces.
 * `tamper` may change a file's bytes (or return a status number to fail with that status).
 */
function fakeServer(tamper: (file: string, bytes: Uint8Array) => Uint8Array | number = (_f, b) => b, chunk = 16 * 1024): FakeServer {
  const requests: FakeServer['requests'] = [];
  const fake = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    requests.push({ url, init });
    if (!url.startsWith(BASE.href)) return new Response('not found', { status: 404 });
    const file = url.slice(BASE.href.length);
    let bytes: Uint8Array;
    try {
      bytes = fileBytes(file);
    } catch {
      return new Response('not found', { status: 404 });
    }
    const served = tamper(file, bytes);
    if (typeof served === 'number') return new Response('error', { status: served });
    let offset = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= served.byteLength) {
          controller.close();
          return;
        }
        controller.enqueue(served.slice(offset, offset + chunk));
        offset += chunk;
      },
    });
    return new Response(body, { status: 200 });
  };
  return { fetch: fake, requests };
}

async function rejection(p: Promise<unknown>): Promise<ModelLoadError> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(ModelLoadError);
  if (!(caught instanceof ModelLoadError)) throw new Error('unreachable');
  expect(caught).toBeInstanceOf(PrivacyTrackError);
  expect(caught.code).toBe('model-load');
  expect(caught.name).toBe('ModelLoadError');
  return caught;
}

describe('shipped files', () => {
  it('every manifest entry exists on disk with its manifest size', () => {
    expect(MODEL_MANIFEST.length).toBeGreaterThan(0);
    for (const e of MODEL_MANIFEST) expect(fileBytes(e.file).byteLength, e.file).toBe(e.size);
  });
});

describe('fetchVerified', () => {
  it('returns verified bytes for each file, in order, and reports progress monotonically up to total', async () => {
    const server = fakeServer();
    const progress: LoadProgress[] = [];
    const files = ['selfie.json', 'selfie.bin'];
    const out = await fetchVerified(BASE, files, { fetch: server.fetch, onProgress: (p) => progress.push({ ...p }) });

    expect(out).toHaveLength(2);
    files.forEach((f, i) => expect(new Uint8Array(out[i]!)).toEqual(fileBytes(f)));

    const total = manifestEntry('selfie.json')!.size + manifestEntry('selfie.bin')!.size;
    expect(progress[0]).toEqual({ loaded: 0, total });
    expect(progress.length).toBeGreaterThan(10); // streamed in 16 KiB chunks
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]!.total).toBe(total);
      expect(progress[i]!.loaded).toBeGreaterThanOrEqual(progress[i - 1]!.loaded);
      expect(progress[i]!.loaded).toBeLessThanOrEqual(total);
    }
    expect(progress.at(-1)).toEqual({ loaded: total, total });
  });

  it('fetches each file under baseUrl, same-origin credentials, forwarding the signal', async () => {
    const server = fakeServer();
    const controller = new AbortController();
    await fetchVerified(BASE, ['selfie.json'], { fetch: server.fetch, signal: controller.signal });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.url).toBe(`${BASE.href}selfie.json`);
    expect(server.requests[0]!.init?.credentials).toBe('same-origin');
    expect(server.requests[0]!.init?.signal).toBe(controller.signal);
  });

  it('HTTP 404 → ModelLoadError with the url', async () => {
    const base = new URL('https://app.example/elsewhere/');
    const err = await rejection(fetchVerified(base, ['selfie.json'], { fetch: fakeServer().fetch }));
    expect(err.url).toBe('https://app.example/elsewhere/selfie.json');
    expect(err.message).toContain('HTTP 404');
    expect(err.message).toContain('modelBaseUrl');
  });

  it('HTTP 500 on one of several files rejects the whole load', async () => {
    const server = fakeServer((file, b) => (file === 'selfie.bin' ? 500 : b));
    const err = await rejection(fetchVerified(BASE, ['selfie.json', 'selfie.bin'], { fetch: server.fetch }));
    expect(err.url).toBe(`${BASE.href}selfie.bin`);
    expect(err.message).toContain('HTTP 500');
  });

  it('one corrupted byte → ModelLoadError naming sha256', async () => {
    const server = fakeServer((file, b) => {
      if (file !== 'selfie.bin') return b;
      const c = b.slice();
      c[1000] = c[1000]! ^ 0x01;
      return c;
    });
    const err = await rejection(fetchVerified(BASE, ['selfie.bin'], { fetch: server.fetch }));
    expect(err.message).toMatch(/sha256/);
    expect(err.message).toContain(manifestEntry('selfie.bin')!.sha256);
    expect(err.url).toBe(`${BASE.href}selfie.bin`);
  });

  it.each([
    ['truncated', (b: Uint8Array) => b.slice(0, b.byteLength - 1)],
    ['padded', (b: Uint8Array) => { const c = new Uint8Array(b.byteLength + 7); c.set(b); return c; }],
    ['empty', () => new Uint8Array(0)],
  ])('wrong size (%s) → ModelLoadError with both sizes', async (_label, change) => {
    const server = fakeServer((_f, b) => change(b));
    const progress: LoadProgress[] = [];
    const err = await rejection(fetchVerified(BASE, ['selfie.json'], { fetch: server.fetch, onProgress: (p) => progress.push(p) }));
    expect(err.message).toContain(`manifest says ${manifestEntry('selfie.json')!.size}`);
    expect(err.url).toBe(`${BASE.href}selfie.json`);
    for (const p of progress) expect(p.loaded).toBeLessThanOrEqual(p.total);
  });

  it('a file not in the manifest → ModelLoadError before any request', async () => {
    const server = fakeServer();
    const err = await rejection(fetchVerified(BASE, ['selfie.json', 'evil.bin'], { fetch: server.fetch }));
    expect(err.message).toContain('evil.bin');
    expect(err.message).toMatch(/manifest/);
    expect(server.requests).toHaveLength(0);
  });

  it('fetch throwing → ModelLoadError with the cause and url', async () => {
    const boom = new TypeError('Failed to fetch');
    const failing = async (): Promise<Response> => {
      throw boom;
    };
    const err = await rejection(fetchVerified(BASE, ['selfie.json'], { fetch: failing }));
    expect(err.cause).toBe(boom);
    expect(err.url).toBe(`${BASE.href}selfie.json`);
    expect(err.message).toContain('Failed to fetch');
  });

  it('an aborted download → ModelLoadError whose cause is the abort', async () => {
    const controller = new AbortController();
    const abortable = (_input: RequestInfo | URL, init?: RequestInit): Promise<Response> => new Promise((_resolve, reject) => {
      init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
    });
    const p = fetchVerified(BASE, ['selfie.json'], { fetch: abortable, signal: controller.signal });
    controller.abort();
    const err = await rejection(p);
    expect(err.cause).toBeInstanceOf(DOMException);
    expect((err.cause as DOMException).name).toBe('AbortError');
  });
});

describe('loadVerifiedGraphModel', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    await tf.ready();
  });

  it('builds the selfie model from verified bytes, progress ends at total, and frees every tensor on dispose', async () => {
    const before = tf.memory().numTensors;
    const server = fakeServer();
    const progress: LoadProgress[] = [];
    const model = await loadVerifiedGraphModel(converter, BASE, 'selfie', { fetch: server.fetch, onProgress: (p) => progress.push({ ...p }) });
    expect(server.requests.map((r) => r.url).sort()).toEqual([`${BASE.href}selfie.bin`, `${BASE.href}selfie.json`]);
    const total = manifestEntry('selfie.json')!.size + manifestEntry('selfie.bin')!.size;
    expect(progress.at(-1)).toEqual({ loaded: total, total });

    expect(model.inputs[0]!.shape).toEqual([1, 256, 256, 3]);
    const out = tf.tidy(() => model.execute(tf.zeros([1, 256, 256, 3])) as tf.Tensor);
    expect(out.shape).toEqual([1, 256, 256, 1]);
    const values = out.dataSync();
    expect(values.every((v) => v >= 0 && v <= 1)).toBe(true); // sigmoid probabilities
    out.dispose();

    expect(tf.memory().numTensors).toBeGreaterThan(before); // weights are resident
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('an unknown model name → ModelLoadError, no request', async () => {
    const server = fakeServer();
    const err = await rejection(loadVerifiedGraphModel(converter, BASE, 'nope', { fetch: server.fetch }));
    expect(err.message).toContain('nope');
    expect(server.requests).toHaveLength(0);
  });

  it('a corrupted weight file never reaches the converter', async () => {
    let converterCalled = false;
    const spy = { ...converter, loadGraphModel: (...args: Parameters<typeof converter.loadGraphModel>) => {
      converterCalled = true;
      return converter.loadGraphModel(...args);
    } };
    const server = fakeServer((file, b) => {
      if (file !== 'selfie.bin') return b;
      const c = b.slice();
      c[c.length - 1] = c[c.length - 1]! ^ 0xff;
      return c;
    });
    const err = await rejection(loadVerifiedGraphModel(spy, BASE, 'selfie', { fetch: server.fetch }));
    expect(err.message).toMatch(/sha256/);
    expect(converterCalled).toBe(false);
  });

  it('a 404 for the weights → ModelLoadError with the weight url', async () => {
    const server = fakeServer((file, b) => (file === 'selfie.bin' ? 404 : b));
    const err = await rejection(loadVerifiedGraphModel(converter, BASE, 'selfie', { fetch: server.fetch }));
    expect(err.url).toBe(`${BASE.href}selfie.bin`);
  });

  it('a converter failure → ModelLoadError with the cause', async () => {
    const boom = new Error('kernel missing');
    const failing = { ...converter, loadGraphModel: async (): Promise<never> => { throw boom; } };
    const err = await rejection(loadVerifiedGraphModel(failing, BASE, 'selfie', { fetch: fakeServer().fetch }));
    expect(err.cause).toBe(boom);
    expect(err.message).toContain('selfie.json');
    expect(err.message).toContain('kernel missing');
  });

  it('passes the verified bytes to the converter as in-memory artifacts (as shipped, or with constants appended)', async () => {
    const captured: tf.io.ModelArtifacts[] = [];
    const capture = {
      ...converter,
      loadGraphModel: async (handler: Parameters<typeof converter.loadGraphModel>[0]): Promise<never> => {
        if (typeof handler === 'string' || !handler.load) throw new Error('expected an IOHandler');
        captured.push(await handler.load());
        throw new Error('stop here');
      },
    };
    await rejection(loadVerifiedGraphModel(capture, BASE, 'selfie', { fetch: fakeServer().fetch, optimize: false }));
    await rejection(loadVerifiedGraphModel(capture, BASE, 'selfie', { fetch: fakeServer().fetch }));
    const [shipped, optimized] = captured;
    const json = JSON.parse(new TextDecoder().decode(fileBytes('selfie.json'))) as { weightsManifest: Array<{ weights: unknown[] }> };
    const specs = json.weightsManifest.flatMap((g) => g.weights);
    expect(shipped!.weightSpecs).toEqual(specs);
    expect(shipped!.format).toBe('graph-model');
    expect(shipped!.weightData instanceof ArrayBuffer).toBe(true);
    expect(new Uint8Array(shipped!.weightData as ArrayBuffer)).toEqual(fileBytes('selfie.bin'));
    // Optimised: the verified bytes untouched at the front, the rewrite's constants after them.
    expect(optimized!.weightSpecs!.slice(0, specs.length)).toEqual(specs);
    expect(optimized!.weightSpecs!.slice(specs.length).map((w) => w.name)).toEqual([
      'segment/block_upsampling/filter', 'segment/block_upsampling/bias', 'segment/block_upsampling/blocks_shape', 'segment/block_upsampling/perm',
    ]);
    const bin = fileBytes('selfie.bin');
    expect(new Uint8Array(optimized!.weightData as ArrayBuffer).subarray(0, bin.length)).toEqual(bin);
  });

  it('builds the selfie model optimised (convolutions fused, block upsampling rewritten): same mask as the graph as shipped', async () => {
    const topologies: unknown[] = [];
    const capture = {
      ...converter,
      loadGraphModel: async (handler: Parameters<typeof converter.loadGraphModel>[0]) => {
        if (typeof handler === 'string' || !handler.load) throw new Error('expected an IOHandler');
        topologies.push((await handler.load()).modelTopology);
        return converter.loadGraphModel(handler);
      },
    };
    const optimized = await loadVerifiedGraphModel(capture, BASE, 'selfie', { fetch: fakeServer().fetch });
    const shipped = await loadVerifiedGraphModel(capture, BASE, 'selfie', { fetch: fakeServer().fetch, optimize: false });
    const count = (t: unknown, ...ops: string[]) => (t as { node: Array<{ op: string }> }).node.filter((n) => ops.includes(n.op)).length;
    expect(count(topologies[0], '_FusedConv2D', 'FusedDepthwiseConv2dNative')).toBe(54); // 53 + the 1×1 upsampling convolution
    expect(count(topologies[0], 'Conv2DBackpropInput')).toBe(0);
    expect(count(topologies[1], '_FusedConv2D', 'FusedDepthwiseConv2dNative')).toBe(0);
    expect(count(topologies[1], 'Conv2DBackpropInput')).toBe(1);
    // (Logit-level equality of the rewrite on this model: test/unit/optimize.test.ts; on real
    // portraits in the browser: test/browser/infra.test.ts.)
    const input = tf.randomUniform([1, 256, 256, 3], 0, 1, 'float32', 11);
    const a = tf.tidy(() => (shipped.execute(input) as tf.Tensor).dataSync());
    const b = tf.tidy(() => (optimized.execute(input) as tf.Tensor).dataSync());
    expect(b.length).toBe(256 * 256);
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
    expect(maxDiff).toBeLessThan(1e-6);
    input.dispose();
    optimized.dispose();
    shipped.dispose();
  });
});
