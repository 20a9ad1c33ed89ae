/**
 * The original project's approach, for side-by-side benchmarks: the legacy MediaPipe solution
 * `@mediapipe/selfie_segmentation` (`modelSelection: 1`, landscape) on the camera's `<video>`;
 * in `onResults` the mask, the person and a blurred background are drawn onto a canvas (the
 * MediaPipe sample's compositing: mask → `source-in` image → `destination-over` blurred image);
 * output via `canvas.captureStream()` into a `<video>`. Files load from `/models/mediapipe/`
 * (the same shipped files as `model: 'selfie-landscape'`).
 *
 * URL params: ?w=1280&h=720&radius=24 (blur radius at 720p, scaled with the height like ours).
 * Exposes `window.__legacy` like bench.ts's `__bench`: { config, stats, ready, done, error?, startMs,
 * recording, outputFrames, captureToOutputMs } — stats are once a second: fps (frames drawn), segmentationMs (`send` until
 * the results callback), compositeMs (drawing), latencyMs/latencyP50Ms/latencyP95Ms (frame
 * callback of the frame sent → drawn).
 */
import { SelfieSegmentation, type Results } from '@mediapipe/selfie_segmentation';
import { percentile } from '../src/stats.ts';
import { createChart } from './chart.ts';

interface LegacyStats {
  fps: number;
  inputFps: number;
  segmentationMs: number;
  compositeMs: number;
  latencyMs: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
  framesOut: number;
  backend: string;
  transport: string;
  compositor: string;
  model: string;
  state: string;
}

interface LegacyBench {
  config: { w: number; h: number; radius: number };
  stats: LegacyStats[];
  ready: boolean;
  done: boolean;
  error?: string;
  startMs?: number;
  recording: boolean;
  /** Frames drawn on the captured canvas so far (counted per frame). */
  outputFrames: number;
  /** Camera capture (the input frame's `captureTime`) → drawn on the output canvas, ms. */
  captureToOutputMs: number[];
}

declare global {
  interface Window {
    __legacy: LegacyBench;
  }
}

const params = new URLSearchParams(location.search);
const int = (name: string, fallback: number): number => {
  const v = Number(params.get(name));
  return Number.isInteger(v) && v > 0 ? v : fallback;
};
const config = { w: int('w', 1280), h: int('h', 720), radius: int('radius', 24) };
const bench: LegacyBench = { config, stats: [], ready: false, done: false, recording: false, outputFrames: 0, captureToOutputMs: [] };
window.__legacy = bench;

const byId = <T extends HTMLElement>(id: string, ctor: new () => T): T => {
  const el = document.getElementById(id);
  if (!(el instanceof ctor)) throw new Error(`#${id} missing`);
  return el;
};
const status = byId('status', HTMLDivElement);
const input = byId('input', HTMLVideoElement);
const output = byId('output', HTMLVideoElement);
const canvas = byId('canvas', HTMLCanvasElement);
const statsBox = byId('stats', HTMLDivElement);
const fpsChart = createChart(byId('chart', HTMLCanvasElement), [{ label: 'output', color: '#6a1b9a' }], 'fps');
const stageChart = createChart(byId('stages', HTMLCanvasElement), [
  { label: 'segment (send)', color: '#ffb74d', stacked: true },
  { label: 'draw', color: '#81c784', stacked: true },
  { label: 'latency p95', color: '#c62828' },
], 'ms/frame');

async function main(): Promise<void> {
  const t0 = performance.now();
  const stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: config.w }, height: { ideal: config.h } } });
  input.srcObject = stream;
  await input.play();
  const w = input.videoWidth, h = input.videoHeight;
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas');
  const blurPx = Math.round((config.radius * h) / 720);

  const mp = new SelfieSegmentation({ locateFile: (f) => `/models/mediapipe/${f}` });
  mp.setOptions({ modelSelection: 1, selfieMode: false });
  let drawMs = 0;
  mp.onResults((r: Results) => {
    const t = performance.now();
    ctx.save();
    ctx.clearRect(0, 0, w, h);
    ctx.drawImage(r.segmentationMask, 0, 0, w, h);
    ctx.globalCompositeOperation = 'source-in';
    ctx.drawImage(r.image, 0, 0, w, h);
    ctx.globalCompositeOperation = 'destination-over';
    ctx.filter = `blur(${blurPx}px)`;
    ctx.drawImage(r.image, 0, 0, w, h);
    ctx.restore();
    drawMs = performance.now() - t;
  });
  await mp.initialize();
  output.srcObject = canvas.captureStream();

  // Per-second stats, as the library publishes them.
  let frames = 0, framesIn = 0, totalOut = 0, seg = 0, draw = 0;
  let lat: number[] = [];
  let windowStart = performance.now();
  setInterval(() => {
    const now = performance.now();
    const secs = (now - windowStart) / 1000;
    const n = Math.max(1, frames);
    lat.sort((a, b) => a - b);
    const s: LegacyStats = {
      fps: frames / secs, inputFps: framesIn / secs, segmentationMs: seg / n, compositeMs: draw / n,
      latencyMs: lat.reduce((a, b) => a + b, 0) / n, latencyP50Ms: percentile(lat, 0.5), latencyP95Ms: percentile(lat, 0.95),
      framesOut: totalOut, backend: 'mediapipe (webgl)', transport: 'canvas.captureStream', compositor: 'canvas2d', model: 'legacy landscape',
      state: 'running',
    };
    bench.stats.push(s);
    fpsChart.push([s.fps]);
    stageChart.push([s.segmentationMs - s.compositeMs, s.compositeMs, s.latencyP95Ms]);
    statsBox.textContent = [
      `fps             ${s.fps.toFixed(1)}`,
      `send ms         ${s.segmentationMs.toFixed(1)} (includes draw ${s.compositeMs.toFixed(1)})`,
      `latency ms      ${s.latencyMs.toFixed(1)} (p50 ${s.latencyP50Ms.toFixed(1)}, p95 ${s.latencyP95Ms.toFixed(1)})`,
      `size            ${w}×${h}`,
    ].join('\n');
    frames = framesIn = seg = draw = 0;
    lat = [];
    windowStart = now;
  }, 1000);

  // The original project's loop (as @mediapipe/camera_utils' Camera does): on each animation
  // frame, send the video once its current frame changed, one send at a time. A passive frame
  // callback keeps the latest frame's capture time (for capture → output).
  let latestCapture: number | undefined;
  let latestCallback = performance.now();
  const onVideoFrame = (now: number, meta: VideoFrameCallbackMetadata): void => {
    latestCapture = meta.captureTime;
    latestCallback = now;
    framesIn++;
    input.requestVideoFrameCallback(onVideoFrame);
  };
  input.requestVideoFrameCallback(onVideoFrame);
  let lastTime = -1;
  const tick = async (): Promise<void> => {
    if (input.currentTime !== lastTime) {
      lastTime = input.currentTime;
      const t = performance.now();
      const frameAt = latestCallback, capturedAt = latestCapture;
      try {
        await mp.send({ image: input });
        const done = performance.now();
        frames++;
        totalOut++;
        bench.outputFrames++;
        seg += done - t;
        draw += drawMs;
        lat.push(done - Math.min(t, frameAt));
        if (bench.recording && capturedAt !== undefined) bench.captureToOutputMs.push(done - capturedAt);
      } catch (err) {
        status.textContent = `send failed: ${String(err)}`;
      }
    }
    requestAnimationFrame(() => void tick());
  };
  requestAnimationFrame(() => void tick());
  bench.startMs = Math.round(performance.now() - t0);
  bench.ready = true;
  status.textContent = `running: legacy MediaPipe selfie (landscape), ${w}×${h}, blur ${blurPx}px — started in ${bench.startMs} ms`;
}

main().catch((err: unknown) => {
  bench.error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  bench.done = true;
  status.textContent = `failed: ${bench.error}`;
  status.className = 'error';
  console.error(err);
});
