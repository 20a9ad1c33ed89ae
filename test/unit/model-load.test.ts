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

  it('passes the verified bytes to the converter as in-memory artifacts', async () => {
    let artifacts: tf.io.ModelArtifacts | undefined;
    const capture = {
      ...converter,
      loadGraphModel: async (handler: Parameters<typeof converter.loadGraphModel>[0]): Promise<never> => {
        if (typeof handler === 'string' || !handler.load) throw new Error('expected an IOHandler');
        artifacts = await handler.load();
        throw new Error('stop here');
      },
    };
    await rejection(loadVerifiedGraphModel(capture, BASE, 'selfie', { fetch: fakeServer().fetch }));
    expect(artifacts).toBeDefined();
    const json = JSON.parse(new TextDecoder().decode(fileBytes('selfie.json'))) as { weightsManifest: Array<{ weights: unknown[] }> };
    expect(artifacts!.weightSpecs).toEqual(json.weightsManifest.flatMap((g) => g.weights));
    expect(artifacts!.format).toBe('graph-model');
    const data = artifacts!.weightData;
    expect(data instanceof ArrayBuffer).toBe(true);
    expect(new Uint8Array(data as ArrayBuffer)).toEqual(fileBytes('selfie.bin'));
  });

  it('builds the selfie model with its bias adds fused: same mask as the graph as shipped, fewer nodes', async () => {
    const topologies: unknown[] = [];
    const capture = {
      ...converter,
      loadGraphModel: async (handler: Parameters<typeof converter.loadGraphModel>[0]) => {
        if (typeof handler === 'string' || !handler.load) throw new Error('expected an IOHandler');
        topologies.push((await handler.load()).modelTopology);
        return converter.loadGraphModel(handler);
      },
    };
    const fused = await loadVerifiedGraphModel(capture, BASE, 'selfie', { fetch: fakeServer().fetch });
    const shipped = await loadVerifiedGraphModel(capture, BASE, 'selfie', { fetch: fakeServer().fetch, fuse: false });
    const fusedOps = (t: unknown) => (t as { node: Array<{ op: string }> }).node.filter((n) => n.op === '_FusedConv2D' || n.op === 'FusedDepthwiseConv2dNative');
    expect(fusedOps(topologies[0])).toHaveLength(53);
    expect(fusedOps(topologies[1])).toHaveLength(0);
    // A smooth, person-sized blob on a textured background: a mask with both classes in it.
    const input = tf.tidy(() => {
      const [y, x] = tf.meshgrid(tf.linspace(-1, 1, 256), tf.linspace(-1, 1, 256));
      const blob = tf.sigmoid(tf.mul(tf.sub(0.5, tf.add(tf.square(x!), tf.square(tf.add(y!, -0.3)))), 8));
      const texture = tf.mul(tf.add(tf.sin(tf.mul(x!, 40)), 1), 0.25);
      return tf.reshape(tf.stack([tf.maximum(blob, texture), blob, texture], 2), [1, 256, 256, 3]);
    });
    // Compared before the final sigmoid (which would squash differences): the logits.
    const logits = (m: converter.GraphModel) => tf.tidy(() => (m.execute(input, 'segment_add') as tf.Tensor).dataSync());
    const a = logits(shipped);
    const b = logits(fused);
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
    expect(maxDiff).toBeLessThan(1e-4);
    expect(Math.max(...a) - Math.min(...a)).toBeGreaterThan(2); // the logits vary over the image
    input.dispose();
    fused.dispose();
    shipped.dispose();
  });
});
