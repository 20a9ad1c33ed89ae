// backend 'auto' calibration: which backends are timed (from fake Capabilities) and which one is
// picked (fake runners with scripted timings, failures, and budgets).
import { describe, expect, it } from 'vitest';
import { calibrate, calibrationCandidates, median, type CalibrationRunner } from '../../src/backends/calibrate.js';
import type { Capabilities } from '../../src/capabilities.js';
import type { BackendName } from '../../src/options.js';

function caps(over: Partial<Capabilities> = {}): Capabilities {
  return {
    insertableStreams: true, videoTrackGenerator: false, requestVideoFrameCallback: true, canvasCaptureStream: true,
    webgl2: true, softwareWebgl: false, webgpu: true, wasm: true, wasmSimd: true, wasmThreads: false,
    crossOriginIsolated: false, workerStreams: true, autoBackend: 'wasm', autoTransport: 'insertable-streams', autoCompositor: 'webgl',
    backendCandidates: [], backendCalibration: null, ...over,
  };
}

/** A runner whose clock advances by the scripted ms of each run; `fail` backends reject on start. */
function fakeRunner(msPerRun: Partial<Record<BackendName, number>>, fail: BackendName[] = []) {
  let clock = 0;
  let current: BackendName | null = null;
  const log: string[] = [];
  const runner: CalibrationRunner = {
    async start(b) {
      log.push(`start ${b}`);
      if (fail.includes(b)) throw new Error(`${b} failed`);
      current = b;
    },
    async run() {
      clock += current ? msPerRun[current] ?? 1 : 0;
    },
    stop() {
      log.push(`stop ${current}`);
      current = null;
    },
    now: () => clock,
  };
  return { runner, log };
}

describe('calibrationCandidates', () => {
  it('no GPU (software WebGL) + wasm SIMD: wasm only, so nothing is timed (the fast heuristic on this machine)', () => {
    expect(calibrationCandidates(caps({ softwareWebgl: true }))).toEqual(['wasm']);
  });
  it('a hardware GPU: wasm, webgl and webgpu are timed', () => {
    expect(calibrationCandidates(caps())).toEqual(['wasm', 'webgl', 'webgpu']);
    expect(calibrationCandidates(caps({ webgpu: false }))).toEqual(['wasm', 'webgl']);
  });
  it('wasm forbidden by CSP: the GPU backends, or the heuristic pick alone', () => {
    expect(calibrationCandidates(caps({ wasm: false, wasmSimd: false }))).toEqual(['webgl', 'webgpu']);
    expect(calibrationCandidates(caps({ wasm: false, wasmSimd: false, softwareWebgl: true, autoBackend: 'webgl' }))).toEqual(['webgl']);
  });
  it('nothing usable: no candidate', () => {
    expect(calibrationCandidates(caps({ wasm: false, wasmSimd: false, webgl2: false, webgpu: false, autoBackend: null }))).toEqual([]);
  });
});

describe('calibrate', () => {
  it('picks the lowest median and reports every probe', async () => {
    const { runner, log } = fakeRunner({ wasm: 9, webgl: 4, webgpu: 6 });
    const r = await calibrate(['wasm', 'webgl', 'webgpu'], runner, 300, 5);
    expect(r.pick).toBe('webgl');
    expect(r.probes.map((p) => [p.backend, p.medianMs, p.runs])).toEqual([['wasm', 9, 5], ['webgl', 4, 5], ['webgpu', 6, 5]]);
    expect(log).toEqual(['start wasm', 'stop wasm', 'start webgl', 'stop webgl', 'start webgpu', 'stop webgpu']);
  });
  it('splits the budget: a slow backend gets fewer runs; overshoot is at most one run each', async () => {
    const { runner } = fakeRunner({ wasm: 8, webgl: 150 });
    const r = await calibrate(['wasm', 'webgl'], runner, 200, 5);
    expect(r.pick).toBe('wasm');
    expect(r.probes[1]).toMatchObject({ backend: 'webgl', runs: 1, medianMs: 150 });
    expect(r.timedMs).toBe(8 * 5 + 150);
  });
  it('skips a backend that fails to start, and reports why', async () => {
    const { runner } = fakeRunner({ wasm: 9, webgl: 3 }, ['webgl']);
    const r = await calibrate(['wasm', 'webgl'], runner);
    expect(r.pick).toBe('wasm');
    expect(r.probes[1]).toMatchObject({ backend: 'webgl', medianMs: null, error: 'Error: webgl failed' });
  });
  it('one candidate: no timing at all', async () => {
    const { runner, log } = fakeRunner({ wasm: 9 });
    const r = await calibrate(['wasm'], runner);
    expect(r).toEqual({ probes: [{ backend: 'wasm', medianMs: null, runs: 0 }], pick: 'wasm', timedMs: 0 });
    expect(log).toEqual([]);
  });
  it('throws when no backend works', async () => {
    const { runner } = fakeRunner({}, ['wasm', 'webgl']);
    await expect(calibrate(['wasm', 'webgl'], runner)).rejects.toThrow(/No backend could run the model/);
  });
  it('median of odd and even lists', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});
