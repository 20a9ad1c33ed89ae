// Which GPU-resident path a configuration runs on (src/gpu/select.ts), and what compositor 'auto'
// picks once the backend is known: the rule create.ts follows, on fake capabilities.
import { describe, expect, it } from 'vitest';
import type { Capabilities } from '../../src/capabilities.js';
import { resolveCompositor } from '../../src/compositor/index.js';
import { UnsupportedEnvironmentError } from '../../src/errors.js';
import { autoCompositor, isGpuResident, residentPath, type CompositorProbe } from '../../src/gpu/select.js';

const BACKENDS = ['wasm', 'webgl', 'webgpu'] as const;
const COMPOSITORS = ['cpu', 'webgl', 'webgpu'] as const;
const MODELS = ['selfie', 'selfie-landscape', 'lite', 'full', 'heavy'] as const;

describe('residentPath', () => {
  it('webgl + webgl and webgpu + webgpu with the selfie model and people all are resident, on their own API', () => {
    expect(residentPath('webgl', 'webgl', 'selfie', 'all')).toBe('webgl');
    expect(residentPath('webgpu', 'webgpu', 'selfie', 'all')).toBe('webgpu');
  });

  it('every other backend × compositor pair uses CPU planes (webgpu + cpu included)', () => {
    for (const b of BACKENDS) {
      for (const c of COMPOSITORS) {
        const expected = b === 'webgl' && c === 'webgl' ? 'webgl' : b === 'webgpu' && c === 'webgpu' ? 'webgpu' : null;
        expect(residentPath(b, c, 'selfie', 'all'), `${b} + ${c}`).toBe(expected);
        expect(isGpuResident(b, c, 'selfie', 'all'), `${b} + ${c}`).toBe(expected !== null);
      }
    }
    expect(residentPath('webgpu', 'cpu', 'selfie', 'all')).toBeNull();
    expect(residentPath('webgpu', 'webgl', 'selfie', 'all')).toBeNull();
    expect(residentPath('webgl', 'webgpu', 'selfie', 'all')).toBeNull();
  });

  it('other models and people primary are never resident', () => {
    for (const m of MODELS.filter((x) => x !== 'selfie')) {
      expect(residentPath('webgpu', 'webgpu', m, 'all'), m).toBeNull();
      expect(residentPath('webgl', 'webgl', m, 'all'), m).toBeNull();
    }
    expect(residentPath('webgpu', 'webgpu', 'selfie', 'primary')).toBeNull();
    expect(residentPath('webgl', 'webgl', 'selfie', 'primary')).toBeNull();
  });
});

describe('autoCompositor (compositor auto, once the backend is known)', () => {
  const hardware: CompositorProbe = { autoCompositor: 'webgl', webgpu: true, softwareWebgl: false };
  const software: CompositorProbe = { autoCompositor: 'cpu', webgpu: true, softwareWebgl: true };

  it('backend webgpu on a hardware GPU with the selfie model: the resident WebGPU compositor', () => {
    expect(autoCompositor('webgpu', 'selfie', 'all', hardware)).toBe('webgpu');
  });

  it('backend webgpu on a software GPU (this machine): the probe\'s pick, the CPU compositor', () => {
    expect(autoCompositor('webgpu', 'selfie', 'all', software)).toBe('cpu');
  });

  it('backend webgpu with a model that cannot run resident: the probe\'s pick', () => {
    expect(autoCompositor('webgpu', 'lite', 'all', hardware)).toBe('webgl');
    expect(autoCompositor('webgpu', 'selfie', 'primary', hardware)).toBe('webgl');
  });

  it('without navigator.gpu, or with another backend: the probe\'s pick', () => {
    expect(autoCompositor('webgpu', 'selfie', 'all', { ...hardware, webgpu: false })).toBe('webgl');
    expect(autoCompositor('webgl', 'selfie', 'all', hardware)).toBe('webgl');
    expect(autoCompositor('wasm', 'selfie', 'all', hardware)).toBe('webgl');
    expect(autoCompositor('wasm', 'selfie', 'all', software)).toBe('cpu');
  });

  it('and what it picks is resident exactly for webgpu on a hardware GPU', () => {
    for (const b of BACKENDS) {
      for (const probe of [hardware, software]) {
        const picked = autoCompositor(b, 'selfie', 'all', probe);
        const resident = residentPath(b, picked, 'selfie', 'all');
        if (b === 'webgpu') expect(resident).toBe(probe === hardware ? 'webgpu' : null);
        if (b === 'wasm') expect(resident).toBeNull();
      }
    }
  });
});

describe('resolveCompositor webgpu', () => {
  const caps = (webgpu: boolean): Capabilities => ({
    insertableStreams: true, videoTrackGenerator: false, requestVideoFrameCallback: true, canvasCaptureStream: true,
    webgl2: true, softwareWebgl: true, webgpu, wasm: true, wasmSimd: true, wasmThreads: false, crossOriginIsolated: false,
    workerStreams: true, autoBackend: 'wasm', backendCandidates: ['wasm'], backendCalibration: null,
    autoTransport: 'insertable-streams', autoCompositor: 'cpu',
  });

  it('is kept where navigator.gpu exists (a forced choice is honoured on a software GPU)', () => {
    expect(resolveCompositor('webgpu', caps(true))).toBe('webgpu');
  });

  it('throws UnsupportedEnvironmentError naming WebGPU without navigator.gpu', () => {
    let caught: unknown;
    try {
      resolveCompositor('webgpu', caps(false));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(UnsupportedEnvironmentError);
    expect(caught instanceof UnsupportedEnvironmentError && caught.missing).toEqual(['WebGPU']);
  });
});
