/**
 * `backend: 'auto'` with more than one usable backend: a short timed calibration on the loaded
 * model picks the fastest. Where only one backend is worth trying (e.g. wasm SIMD beside a
 * software-rendered WebGL, as on a machine without a GPU) the fast heuristic decides and nothing
 * is timed.
 *
 * The decision logic here is pure (tested in Node with fake runners); the browser side supplies a
 * runner that starts each backend, loads the model and times `segment` on a blank frame.
 */
import type { Capabilities } from '../capabilities.js';
import type { BackendName } from '../options.js';

let last: BackendCalibration | null = null;

/** The last calibration made on this page (reported by `getCapabilities()`), or null. */
export function lastCalibration(): BackendCalibration | null {
  return last;
}

/** Remember a calibration for {@link lastCalibration}. */
export function recordCalibration(result: BackendCalibration): void {
  last = result;
}

/** Default timed budget for all backends together, ms (warm-up runs and model loads excluded). */
export const CALIBRATION_BUDGET_MS = 300;
/** Most timed runs per backend. */
export const CALIBRATION_MAX_RUNS = 5;

/** What calibration measured for one backend. */
export interface BackendProbe {
  /** The backend timed. */
  backend: BackendName;
  /** Median ms per segmentation (after one warm-up run), or null when the backend failed to start or run. */
  medianMs: number | null;
  /** Timed runs made. */
  runs: number;
  /** Why it failed, when it did. */
  error?: string;
}

/** The outcome of a calibration. */
export interface BackendCalibration {
  /** Backends timed, in the order tried. */
  probes: BackendProbe[];
  /** The fastest backend that worked. */
  pick: BackendName;
  /** Wall time the timed runs took (warm-ups and model loads excluded), ms. */
  timedMs: number;
}

/**
 * Backends worth timing for `'auto'`: wasm (SIMD) and the GPU backends that run on a hardware GPU.
 * A software-rendered WebGL (SwiftShader, llvmpipe) is 20–150× slower than wasm SIMD (RECIPES), and
 * WebGPU is timed only where WebGL is hardware (its adapter is not requested by the sync probes).
 */
export function calibrationCandidates(caps: Capabilities): BackendName[] {
  const list: BackendName[] = [];
  if (caps.wasm && caps.wasmSimd) list.push('wasm');
  if (caps.webgl2 && !caps.softwareWebgl) {
    list.push('webgl');
    if (caps.webgpu) list.push('webgpu');
  }
  if (list.length === 0 && caps.autoBackend) list.push(caps.autoBackend);
  return list;
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Runs one segmentation on a backend; resolves when its result is ready. */
export interface CalibrationRunner {
  /** Start `backend` and load the model; reject when it cannot. */
  start(backend: BackendName): Promise<void>;
  /** One segmentation, result ready (GPU work finished) when it resolves. */
  run(): Promise<void>;
  /** Free the model on the current backend. */
  stop(): void;
  /** Clock, ms (injectable for tests). */
  now(): number;
}

/**
 * Time each candidate: start it, one warm-up run, then runs until its share of `budgetMs`
 * (budget / candidates) or `maxRuns`; pick the lowest median. A run is never cut short, so the
 * timed total can exceed the budget by at most one run per backend. Backends that fail are
 * reported and skipped. With one candidate nothing is timed.
 * @throws Error when no candidate works
 */
export async function calibrate(
  candidates: readonly BackendName[], runner: CalibrationRunner, budgetMs = CALIBRATION_BUDGET_MS, maxRuns = CALIBRATION_MAX_RUNS,
): Promise<BackendCalibration> {
  if (candidates.length === 1) return { probes: [{ backend: candidates[0]!, medianMs: null, runs: 0 }], pick: candidates[0]!, timedMs: 0 };
  const probes: BackendProbe[] = [];
  const share = budgetMs / candidates.length;
  let timedMs = 0;
  for (const backend of candidates) {
    try {
      await runner.start(backend);
      try {
        await runner.run(); // warm-up: kernel compilation is not what we compare
        const times: number[] = [];
        const t0 = runner.now();
        while (times.length < maxRuns && (times.length === 0 || runner.now() - t0 < share)) {
          const t = runner.now();
          await runner.run();
          times.push(runner.now() - t);
        }
        timedMs += runner.now() - t0;
        probes.push({ backend, medianMs: median(times), runs: times.length });
      } finally {
        runner.stop();
      }
    } catch (error) {
      probes.push({ backend, medianMs: null, runs: 0, error: String(error) });
    }
  }
  let best: BackendName | null = null;
  let bestMs = Infinity;
  for (const p of probes) {
    if (p.medianMs !== null && p.medianMs < bestMs) {
      best = p.backend;
      bestMs = p.medianMs;
    }
  }
  if (!best) throw new Error(`No backend could run the model: ${probes.map((p) => `${p.backend}: ${p.error}`).join('; ')}`);
  return { probes, pick: best, timedMs };
}
