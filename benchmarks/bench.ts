/**
 * Benchmark / demo page: camera → createPrivacyTrack → <video>, with live stats and two charts
 * (FPS; per-stage ms per frame, stacked, with the p95 frame latency).
 * Options come from URL params: ?w=1280&h=720&effect=blur|color|none&backend=auto|wasm|webgl|webgpu
 *   &transport=auto|insertable-streams|canvas&compositor=auto|cpu|webgl
 *   &model=selfie|selfie-landscape|lite|full|heavy
 *   &worker=auto|true|false (the pipeline worker is served at /worker.js)
 * Bundled by scripts/demo.mjs (esbuild) to .cache/bench/bench.js; models are served at /models/.
 * The original project's approach, for comparison, is legacy.html (benchmarks/legacy.ts).
 *
 * For automation the page exposes `window.__bench`:
 *   { config, stats: PrivacyStats[], ready, done, error?, startMs?, track?, recording,
 *     outputFrames, captureToOutputMs: number[], longTasks }
 * `longTasks` lists the page's main-thread long tasks (PerformanceObserver 'longtask', > 50 ms).
 * `ready` turns true when createPrivacyTrack resolved; `done` turns true when no more stats will
 * come (failed to start, or the track ended). While `recording` is true, every output frame adds
 * its capture → output time (ms) to `captureToOutputMs`.
 */
import {
  createPrivacyTrack,
  type BackendRequest,
  type CompositorRequest,
  type Effect,
  type ModelName,
  type PrivacyStats,
  type PrivacyTrack,
  type TransportRequest,
  type WorkerRequest,
} from '../src/index.ts';
import { debugHooks } from '../src/internal/debug.ts';
import { createChart } from './chart.ts';

interface BenchConfig {
  w: number;
  h: number;
  effect: 'blur' | 'color' | 'none';
  model: ModelName;
  backend: BackendRequest;
  transport: TransportRequest;
  compositor: CompositorRequest;
  worker: WorkerRequest;
  /** Show the output in the page's `<video>` (`preview=0`: the track is produced but not displayed). */
  preview: boolean;
  /** `raw=1`: no privacy track at all, the camera shown as is (what displaying a camera costs here). */
  raw: boolean;
  /** Option `adaptiveModel` (`adaptiveModel=0`: keep the model asked for, e.g. heavy's own speed). */
  adaptiveModel: boolean;
}

interface BenchState {
  config: BenchConfig;
  stats: PrivacyStats[];
  ready: boolean;
  done: boolean;
  error?: string;
  /** Milliseconds from page start until createPrivacyTrack resolved. */
  startMs?: number;
  track?: PrivacyTrack;
  /** While true, output frames record their capture → output time. */
  recording: boolean;
  /** Output frames handed to the track so far (counted per frame, not per stats window). */
  outputFrames: number;
  /**
   * Capture → output (handed to the sink) per output frame, ms: the frame's capture timestamp
   * (camera clock, µs) mapped to `performance.now()` with the clock offset estimated at start.
   */
  captureToOutputMs: number[];
  /**
   * The same frames' capture → output split into parts, ms: [capture → read, read → segmented
   * (split worker mode; NaN otherwise), segmented → compositing starts (NaN otherwise),
   * compositing start → output].
   */
  latencyParts: Array<[number, number, number, number]>;
  /** Estimated camera-clock − performance.now() offset, ms (0 on the canvas transport). */
  clockOffsetMs?: number;
  /** Main-thread long tasks since page start: start time and duration, ms. */
  longTasks: Array<{ start: number; duration: number }>;
}

declare global {
  interface Window {
    __bench: BenchState;
  }
}

const params = new URLSearchParams(location.search);
function pick<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
  const v = params.get(name);
  return v !== null && (allowed as readonly string[]).includes(v) ? (v as T) : fallback;
}
function int(name: string, fallback: number): number {
  const v = Number(params.get(name));
  return Number.isInteger(v) && v > 0 ? v : fallback;
}

const config: BenchConfig = {
  w: int('w', 1280),
  h: int('h', 720),
  effect: pick('effect', ['blur', 'color', 'none'] as const, 'blur'),
  model: pick('model', ['selfie', 'selfie-landscape', 'lite', 'full', 'heavy'] as const, 'selfie'),
  backend: pick('backend', ['auto', 'wasm', 'webgl', 'webgpu'] as const, 'auto'),
  transport: pick('transport', ['auto', 'insertable-streams', 'canvas'] as const, 'auto'),
  compositor: pick('compositor', ['auto', 'cpu', 'webgl'] as const, 'auto'),
  worker: ({ auto: 'auto', true: true, false: false } as const)[pick('worker', ['auto', 'true', 'false'] as const, 'auto')],
  preview: pick('preview', ['1', '0'] as const, '1') === '1',
  raw: pick('raw', ['1', '0'] as const, '0') === '1',
  adaptiveModel: pick('adaptiveModel', ['1', '0'] as const, '1') === '1',
};
const bench: BenchState = { config, stats: [], ready: false, done: false, recording: false, outputFrames: 0, captureToOutputMs: [], latencyParts: [], longTasks: [] };
window.__bench = bench;
if (PerformanceObserver.supportedEntryTypes?.includes('longtask')) {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) bench.longTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
}

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const status = $<HTMLDivElement>('status');
const statsBox = $<HTMLDivElement>('stats');
const video = $<HTMLVideoElement>('output');
const fpsChart = createChart($<HTMLCanvasElement>('chart'), [
  { label: 'input', color: '#bdbdbd' },
  { label: 'output', color: '#1565c0' }, // drawn last: on top when they coincide
], 'fps');
const stageChart = createChart($<HTMLCanvasElement>('stages'), [
  { label: 'segment+refine', color: '#ffb74d', stacked: true },
  { label: 'composite', color: '#81c784', stacked: true },
  { label: 'read/write/wait', color: '#b0bec5', stacked: true },
  { label: 'latency p95', color: '#c62828' },
], 'ms/frame');
const form = $<HTMLFormElement>('params');

// ---- selectors: reflect the current params, reload with new ones on submit / change
function setSelect(name: string, value: string): void {
  const el = form.elements.namedItem(name) as HTMLSelectElement | null;
  if (!el) return;
  if (![...el.options].some((o) => o.value === value)) el.add(new Option(value.replace('x', '×'), value));
  el.value = value;
}
setSelect('size', `${config.w}x${config.h}`);
for (const k of ['effect', 'model', 'backend', 'transport', 'compositor'] as const) setSelect(k, config[k]);
setSelect('adaptiveModel', config.adaptiveModel ? '1' : '0');
function reloadWithForm(): void {
  const data = new FormData(form);
  const [w, h] = String(data.get('size')).split('x');
  const next = new URLSearchParams({ w: w!, h: h! });
  for (const k of ['effect', 'model', 'backend', 'transport', 'compositor', 'adaptiveModel']) next.set(k, String(data.get(k)));
  location.search = next.toString();
}
form.addEventListener('submit', (e) => {
  e.preventDefault();
  reloadWithForm();
});
form.addEventListener('change', reloadWithForm);

function showStats(s: PrivacyStats): void {
  const lines = [
    `fps             ${s.fps.toFixed(1)}  (input ${s.inputFps.toFixed(1)})`,
    `segmentationMs  ${s.segmentationMs.toFixed(1)}`,
    `compositeMs     ${s.compositeMs.toFixed(1)}`,
    `latencyMs       ${s.latencyMs.toFixed(1)}  (p50 ${s.latencyP50Ms.toFixed(1)}, p95 ${s.latencyP95Ms.toFixed(1)})`,
    `dropped/veiled  ${s.droppedFrames} / ${s.veiledFrames}`,
    `frames out      ${s.framesOut}`,
    `size            ${s.width}×${s.height}`,
    `backend         ${s.backend}`,
    `transport       ${s.transport}`,
    `compositor      ${s.compositor}`,
    `worker          ${s.worker}`,
    `model           ${s.model}`,
    `state           ${s.state}`,
  ];
  statsBox.textContent = lines.join('\n');
}

function effectFor(type: BenchConfig['effect']): Effect {
  if (type === 'color') return { type: 'color', color: '#2e7d32' };
  if (type === 'none') return { type: 'none' };
  return { type: 'blur' };
}

function isVideoTrack(t: MediaStreamTrack): t is MediaStreamVideoTrack {
  return t.kind === 'video';
}

/**
 * Camera-clock − performance.now() offset (ms): camera VideoFrame timestamps are on the camera's
 * capture clock, not performance.now(). Read a second of frames from a clone of the camera; the
 * frame delivered with the least delay gives the offset (within that delay, ~1 ms here).
 */
async function cameraClockOffset(camera: MediaStreamTrack): Promise<number> {
  const clone = camera.clone();
  if (typeof MediaStreamTrackProcessor !== 'function' || !isVideoTrack(clone)) {
    clone.stop();
    return 0;
  }
  const reader = new MediaStreamTrackProcessor({ track: clone }).readable.getReader();
  let best = -Infinity;
  const until = performance.now() + 1000;
  try {
    while (performance.now() < until) {
      const { value, done } = await reader.read();
      if (done) break;
      best = Math.max(best, value.timestamp / 1000 - performance.now());
      value.close();
    }
  } finally {
    await reader.cancel().catch(() => {});
    clone.stop();
  }
  return Number.isFinite(best) ? best : 0;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  status.textContent = `opening camera ${config.w}×${config.h}…`;
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { width: { ideal: config.w }, height: { ideal: config.h } },
  });
  const [camera] = stream.getVideoTracks();
  if (!camera) throw new Error('no video track');
  if (config.raw) {
    // The reference: the camera in the <video>, nothing else. Output frames = frames presented.
    const onFrame = (): void => {
      bench.outputFrames++;
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
    video.srcObject = stream;
    bench.startMs = Math.round(performance.now() - t0);
    bench.ready = true;
    status.textContent = 'running: camera only, no processing';
    return;
  }
  status.textContent = 'loading model…';
  const clockOffset = await cameraClockOffset(camera);
  // Set before start: in worker mode the output tap is decided when the workers start. Only each
  // frame's timestamp and output time cross over (times are made absolute with performance.timeOrigin),
  // so the measurement adds no frame hop to the latency and almost no CPU.
  debugHooks.onOutputTime = (timestampUs, outputAtMs, marks) => {
    bench.outputFrames++;
    if (!bench.recording) return;
    const captured = timestampUs / 1000 - (bench.clockOffsetMs ?? 0);
    bench.captureToOutputMs.push(outputAtMs - captured);
    const seg = marks.segmentedAtMs;
    bench.latencyParts.push([
      marks.readAtMs - captured,
      seg === null ? NaN : seg - marks.readAtMs,
      seg === null ? NaN : marks.compositeStartAtMs - seg,
      outputAtMs - marks.compositeStartAtMs,
    ]);
  };
  const track = await createPrivacyTrack(camera, {
    effect: effectFor(config.effect),
    model: config.model,
    backend: config.backend,
    transport: config.transport,
    compositor: config.compositor,
    worker: config.worker,
    adaptiveModel: config.adaptiveModel,
    workerUrl: '/worker.js',
    modelBaseUrl: '/models/',
  });
  bench.startMs = Math.round(performance.now() - t0);
  bench.track = track;
  // Camera frames carry the camera clock (µs); the canvas transport stamps performance.now() (ms × 1000).
  bench.clockOffsetMs = track.privacy.stats.transport === 'canvas' ? 0 : clockOffset;
  track.privacy.addEventListener('stats', (e) => {
    const s = e.detail;
    bench.stats.push(s);
    fpsChart.push([s.inputFps, s.fps]);
    stageChart.push([s.segmentationMs, s.compositeMs, Math.max(0, s.latencyMs - s.segmentationMs - s.compositeMs), s.latencyP95Ms]);
    showStats(s);
  });
  track.privacy.addEventListener('error', (e) => {
    status.textContent = `runtime error (frames veiled): ${e.detail.message}`;
    status.className = 'error';
  });
  track.addEventListener('ended', () => {
    bench.done = true;
    camera.stop();
  });
  // Without a preview nothing displays the track (as when an app only sends it): the CPU then
  // counts the pipeline and the camera, not the page's video element.
  if (config.preview) video.srcObject = new MediaStream([track]);
  bench.ready = true;
  const s = track.privacy.stats;
  status.textContent = `running: ${s.backend} / ${s.transport} / ${s.compositor} — started in ${bench.startMs} ms`;
}

main().catch((err: unknown) => {
  bench.error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  bench.done = true;
  status.textContent = `failed: ${bench.error}`;
  status.className = 'error';
  console.error(err);
});
