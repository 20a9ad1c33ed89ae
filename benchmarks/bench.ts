/**
 * Benchmark / demo page: camera → createPrivacyTrack → <video>, with live stats and an FPS chart.
 * Options come from URL params: ?w=1280&h=720&effect=blur|color|none&backend=auto|wasm|webgl|webgpu
 *   &transport=auto|insertable-streams|canvas&compositor=auto|cpu|webgl&model=selfie
 *   &worker=auto|true|false (the pipeline worker is served at /worker.js)
 * Bundled by scripts/demo.mjs (esbuild) to .cache/bench/bench.js; models are served at /models/.
 *
 * For automation the page exposes `window.__bench`:
 *   { config, stats: PrivacyStats[], ready, done, error?, startMs?, track?, longTasks }
 * `longTasks` lists the page's main-thread long tasks (PerformanceObserver 'longtask', > 50 ms).
 * `ready` turns true when createPrivacyTrack resolved; `done` turns true when no more stats will
 * come (failed to start, or the track ended).
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

interface BenchConfig {
  w: number;
  h: number;
  effect: 'blur' | 'color' | 'none';
  model: ModelName;
  backend: BackendRequest;
  transport: TransportRequest;
  compositor: CompositorRequest;
  worker: WorkerRequest;
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
  model: pick('model', ['selfie', 'lite', 'full', 'heavy'] as const, 'selfie'),
  backend: pick('backend', ['auto', 'wasm', 'webgl', 'webgpu'] as const, 'auto'),
  transport: pick('transport', ['auto', 'insertable-streams', 'canvas'] as const, 'auto'),
  compositor: pick('compositor', ['auto', 'cpu', 'webgl'] as const, 'auto'),
  worker: ({ auto: 'auto', true: true, false: false } as const)[pick('worker', ['auto', 'true', 'false'] as const, 'auto')],
};
const bench: BenchState = { config, stats: [], ready: false, done: false, longTasks: [] };
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
const chart = $<HTMLCanvasElement>('chart');
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
function reloadWithForm(): void {
  const data = new FormData(form);
  const [w, h] = String(data.get('size')).split('x');
  const next = new URLSearchParams({ w: w!, h: h! });
  for (const k of ['effect', 'model', 'backend', 'transport', 'compositor']) next.set(k, String(data.get(k)));
  location.search = next.toString();
}
form.addEventListener('submit', (e) => {
  e.preventDefault();
  reloadWithForm();
});
form.addEventListener('change', reloadWithForm);

// ---- chart of fps over time
const history: number[] = [];
const MAX_POINTS = 120;
function drawChart(): void {
  const ctx = chart.getContext('2d');
  if (!ctx) return;
  const { width: W, height: H } = chart;
  const pad = 24;
  const top = Math.max(35, ...history) * 1.1;
  ctx.clearRect(0, 0, W, H);
  ctx.font = '10px monospace';
  ctx.strokeStyle = '#ddd';
  ctx.fillStyle = '#777';
  for (const v of [0, 15, 30, 60].filter((x) => x <= top)) {
    const y = H - pad / 2 - (v / top) * (H - pad);
    ctx.beginPath();
    ctx.moveTo(pad, y);
    ctx.lineTo(W, y);
    ctx.stroke();
    ctx.fillText(String(v), 2, y + 3);
  }
  ctx.fillText('fps', W - 22, 10);
  if (history.length < 2) return;
  ctx.strokeStyle = '#1565c0';
  ctx.lineWidth = 2;
  ctx.beginPath();
  history.forEach((v, i) => {
    const x = pad + (i / (MAX_POINTS - 1)) * (W - pad);
    const y = H - pad / 2 - (v / top) * (H - pad);
    if (i === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  });
  ctx.stroke();
}
drawChart();

function showStats(s: PrivacyStats): void {
  const lines = [
    `fps             ${s.fps.toFixed(1)}  (input ${s.inputFps.toFixed(1)})`,
    `segmentationMs  ${s.segmentationMs.toFixed(1)}`,
    `compositeMs     ${s.compositeMs.toFixed(1)}`,
    `latencyMs       ${s.latencyMs.toFixed(1)}`,
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

async function main(): Promise<void> {
  const t0 = performance.now();
  status.textContent = `opening camera ${config.w}×${config.h}…`;
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { width: { ideal: config.w }, height: { ideal: config.h } },
  });
  const [camera] = stream.getVideoTracks();
  if (!camera) throw new Error('no video track');
  status.textContent = 'loading model…';
  const track = await createPrivacyTrack(camera, {
    effect: effectFor(config.effect),
    model: config.model,
    backend: config.backend,
    transport: config.transport,
    compositor: config.compositor,
    worker: config.worker,
    workerUrl: '/worker.js',
    modelBaseUrl: '/models/',
  });
  bench.startMs = Math.round(performance.now() - t0);
  bench.track = track;
  track.privacy.addEventListener('stats', (e) => {
    const s = e.detail;
    bench.stats.push(s);
    history.push(s.fps);
    if (history.length > MAX_POINTS) history.shift();
    showStats(s);
    drawChart();
  });
  track.privacy.addEventListener('error', (e) => {
    status.textContent = `runtime error (frames veiled): ${e.detail.message}`;
    status.className = 'error';
  });
  track.addEventListener('ended', () => {
    bench.done = true;
    camera.stop();
  });
  video.srcObject = new MediaStream([track]);
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
