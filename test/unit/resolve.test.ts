// resolveBackend / resolveTransport / resolveCompositor on fake Capabilities: what 'auto' picks,
// forced choices, and UnsupportedEnvironmentError (with `.missing`) when a forced choice can't run.
import { describe, expect, it } from 'vitest';
import { resolveBackend } from '../../src/backends/index.js';
import type { Capabilities } from '../../src/capabilities.js';
import { resolveCompositor } from '../../src/compositor/index.js';
import { resolveTransport, whyNoWorker } from '../../src/create.js';
import { PrivacyTrackError, UnsupportedEnvironmentError } from '../../src/errors.js';

/** Everything supported; `over` switches things off. */
function caps(over: Partial<Capabilities> = {}): Capabilities {
  return {
    insertableStreams: true,
    videoTrackGenerator: true,
    requestVideoFrameCallback: true,
    canvasCaptureStream: true,
    webgl2: true,
    softwareWebgl: false,
    webgpu: true,
    wasm: true,
    wasmSimd: true,
    wasmThreads: false,
    crossOriginIsolated: false,
    workerStreams: true,
    autoBackend: 'wasm',
    autoTransport: 'insertable-streams',
    autoCompositor: 'webgl',
    backendCandidates: ['wasm', 'webgl', 'webgpu'],
    backendCalibration: null,
    ...over,
  };
}

/** A bare environment: nothing at all. */
const NOTHING = caps({
  insertableStreams: false, videoTrackGenerator: false, requestVideoFrameCallback: false, canvasCaptureStream: false,
  webgl2: false, softwareWebgl: false, webgpu: false, wasm: false, wasmSimd: false, workerStreams: false,
  autoBackend: null, autoTransport: null, autoCompositor: 'cpu',
});

function unsupported(fn: () => unknown): UnsupportedEnvironmentError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(UnsupportedEnvironmentError);
  if (!(caught instanceof UnsupportedEnvironmentError)) throw new Error('unreachable');
  expect(caught).toBeInstanceOf(PrivacyTrackError);
  expect(caught.code).toBe('unsupported-environment');
  return caught;
}

describe('resolveBackend', () => {
  it.each(['wasm', 'webgl', 'webgpu'] as const)('auto returns the probe\'s pick (%s)', (pick) => {
    expect(resolveBackend('auto', caps({ autoBackend: pick }))).toBe(pick);
  });

  it.each(['wasm', 'webgl', 'webgpu'] as const)('a forced, available %s is kept (even when auto would pick another)', (name) => {
    expect(resolveBackend(name, caps({ autoBackend: name === 'wasm' ? 'webgl' : 'wasm' }))).toBe(name);
  });

  it('auto with nothing usable throws, naming WebAssembly and WebGL2', () => {
    expect(unsupported(() => resolveBackend('auto', NOTHING)).missing).toEqual(['WebAssembly', 'WebGL2']);
  });

  it.each([
    ['wasm', { wasm: false }, ['WebAssembly']],
    ['webgl', { webgl2: false }, ['WebGL2']],
    ['webgpu', { webgpu: false }, ['WebGPU']],
  ] as const)('forced %s without support throws with missing %j', (name, over, missing) => {
    const err = unsupported(() => resolveBackend(name, caps(over)));
    expect(err.missing).toEqual(missing);
    expect(err.message).toContain(name);
  });

  it('a forced backend only checks its own requirement', () => {
    expect(resolveBackend('webgl', caps({ wasm: false, webgpu: false, autoBackend: 'webgl' }))).toBe('webgl');
    expect(resolveBackend('wasm', caps({ webgl2: false, webgpu: false }))).toBe('wasm');
  });
});

describe('resolveTransport', () => {
  it.each(['insertable-streams', 'canvas'] as const)('auto returns the probe\'s pick (%s)', (pick) => {
    expect(resolveTransport('auto', caps({ autoTransport: pick }))).toBe(pick);
  });

  it('auto with neither path throws, naming what is missing', () => {
    const err = unsupported(() => resolveTransport('auto', NOTHING));
    expect(err.missing).toEqual(['MediaStreamTrackProcessor', 'requestVideoFrameCallback', 'HTMLCanvasElement.captureStream']);
  });

  it('forced insertable-streams without them throws', () => {
    const err = unsupported(() => resolveTransport('insertable-streams', caps({ insertableStreams: false, autoTransport: 'canvas' })));
    expect(err.missing).toEqual(['MediaStreamTrackProcessor', 'MediaStreamTrackGenerator']);
  });

  it.each([
    [{ requestVideoFrameCallback: false }],
    [{ canvasCaptureStream: false }],
  ])('forced canvas without rVFC + captureStream throws (%j)', (over) => {
    const err = unsupported(() => resolveTransport('canvas', caps(over)));
    expect(err.missing).toEqual(['requestVideoFrameCallback', 'HTMLCanvasElement.captureStream']);
  });

  it('forced choices are kept when available', () => {
    expect(resolveTransport('canvas', caps({ insertableStreams: false, autoTransport: 'canvas' }))).toBe('canvas');
    expect(resolveTransport('canvas', caps())).toBe('canvas'); // even though auto would pick insertable streams
    expect(resolveTransport('insertable-streams', caps({ requestVideoFrameCallback: false }))).toBe('insertable-streams');
  });
});

describe('resolveCompositor', () => {
  it.each(['webgl', 'cpu'] as const)('auto returns the probe\'s pick (%s)', (pick) => {
    expect(resolveCompositor('auto', caps({ autoCompositor: pick }))).toBe(pick);
  });

  it('auto never throws: the CPU compositor needs nothing', () => {
    expect(resolveCompositor('auto', NOTHING)).toBe('cpu');
    expect(resolveCompositor('cpu', NOTHING)).toBe('cpu');
  });

  it('forced webgl without WebGL2 throws with missing WebGL2', () => {
    expect(unsupported(() => resolveCompositor('webgl', caps({ webgl2: false, autoCompositor: 'cpu' }))).missing).toEqual(['WebGL2']);
  });

  it('forced webgl on a software rasteriser is honoured (the user asked for it)', () => {
    expect(resolveCompositor('webgl', caps({ softwareWebgl: true, autoCompositor: 'cpu' }))).toBe('webgl');
  });
});

describe('whyNoWorker (worker mode)', () => {
  it('allows insertable streams + wasm + transferable streams', () => {
    expect(whyNoWorker('insertable-streams', 'wasm', caps())).toBeNull();
  });
  it.each([
    ['canvas transport', 'canvas', 'wasm', caps(), 'MediaStreamTrackProcessor'],
    ['streams not transferable', 'insertable-streams', 'wasm', caps({ workerStreams: false }), 'transferable streams'],
    ['a GPU backend', 'insertable-streams', 'webgl', caps(), 'wasm'],
  ] as const)('names what is missing: %s', (_label, transport, backend, c, missing) => {
    const e = whyNoWorker(transport, backend, c);
    expect(e).toBeInstanceOf(UnsupportedEnvironmentError);
    expect(e?.missing).toEqual([missing]);
  });
});
