// Worker mode (src/worker/): frames flow through one worker or two (segmentation ∥ compositing),
// stats and events cross, effects (image and video sources included) switch live, the workers'
// tensors stay constant while running, teardown terminates every worker, and the main thread's
// own resources stay at their baseline. 'auto' falls back to the main thread when the worker
// script cannot be loaded; `worker: true` then rejects instead.
import * as tf from '@tensorflow/tfjs-core';
import { createPrivacyTrack, UnsupportedEnvironmentError, type PrivacyTrack } from '../../src/index.js';
import { debugCounters, debugHooks, type OutputMarks } from '../../src/internal/debug.js';
import { assert, atLeast, equal, rejects } from './assert.js';
import { camera, frameReader, MODEL_BASE, pixels, sleep } from './helpers.js';

/** Main-thread tensor count without initialising a backend (worker mode never needs one here). */
const mainTensors = (): number => tf.engine().state.numTensors;

async function countFrames(track: MediaStreamTrack, ms: number): Promise<number> {
  const reader = frameReader(track);
  const end = performance.now() + ms;
  let frames = 0;
  while (performance.now() < end) {
    const f = await reader.next(2000);
    if (!f) break;
    frames++;
    f.close();
  }
  reader.cancel();
  return frames;
}

/** Mean RGB of the top-left 10 % corner of the next output frame. */
async function cornerColour(track: MediaStreamTrack): Promise<[number, number, number]> {
  const reader = frameReader(track);
  const f = await reader.next(5000);
  reader.cancel();
  assert(f, 'an output frame');
  const w = f.displayWidth, h = f.displayHeight;
  const px = pixels(f, w, h);
  f.close();
  let r = 0, g = 0, b = 0, n = 0;
  for (let y = 0; y < h / 10; y++) {
    for (let x = 0; x < w / 10; x++) {
      const i = (y * w + x) * 4;
      r += px[i]!; g += px[i + 1]!; b += px[i + 2]!; n++;
    }
  }
  return [r / n, g / n, b / n];
}

describe('worker mode', () => {
  let cam: MediaStreamTrack | null = null;
  let track: PrivacyTrack | null = null;
  afterEach(() => {
    track?.stop();
    cam?.stop();
    track = null;
    cam = null;
    debugHooks.workerLayout = null;
    debugHooks.onOutputTime = null;
  });

  for (const layout of ['split', 'single'] as const) {
    it(`${layout}: frames flow, stats cross, worker tensors stay constant, stop terminates every worker`, async () => {
      debugHooks.workerLayout = layout;
      const tensors = mainTensors();
      // The timing tap (benchmarks): only timestamps cross over, in this page's clock.
      const times: Array<[number, number, OutputMarks]> = [];
      debugHooks.onOutputTime = (timestampUs, outputAtMs, marks) => void times.push([timestampUs, outputAtMs, marks]);
      const t0 = performance.now();
      cam = await camera(1280, 720);
      track = await createPrivacyTrack(cam, { modelBaseUrl: MODEL_BASE, worker: true, effect: { type: 'blur' } });
      const workers = layout === 'split' ? 2 : 1;
      equal(debugCounters.liveWorkers, workers, 'live workers');
      equal(track.privacy.state, 'running');
      const handle = [...debugHooks.workers][0]!;
      const before = await handle.memory();
      const frames = await countFrames(track, 3000);
      atLeast(frames, 10, `frames in 3 s from the worker (${frames})`);
      const after = await handle.memory();
      equal(after.numTensors, before.numTensors, 'worker tensors constant while running (no per-frame leak)');
      equal(after.numBytes, before.numBytes, 'worker tensor bytes constant while running');
      atLeast(before.numTensors, 1, 'the model\'s tensors live in the worker');
      const now = performance.now();
      atLeast(times.length, 10, `timing tap calls (${times.length})`);
      for (let i = 1; i < times.length; i++) assert(times[i]![0] > times[i - 1]![0], `output timestamps increase (${times[i - 1]![0]} → ${times[i]![0]})`);
      for (const [, at, marks] of times) {
        assert(at >= t0 && at <= now, `output time ${at.toFixed(1)} lies in this test's window [${t0.toFixed(1)}, ${now.toFixed(1)}] of this page's clock`);
        // Marks come in order, in this page's clock: read → (segmented, split only) → compositing → output.
        const { readAtMs, segmentedAtMs, compositeStartAtMs } = marks;
        assert((segmentedAtMs === null) === (layout === 'single'), `segmentedAtMs is set only in split mode (${segmentedAtMs})`);
        const chain = [t0, readAtMs, ...(segmentedAtMs === null ? [] : [segmentedAtMs]), compositeStartAtMs, at];
        for (let i = 1; i < chain.length; i++) assert(chain[i]! >= chain[i - 1]! - 0.1, `marks in order: ${chain.map((x) => x.toFixed(1)).join(' ≤ ')}`);
      }
      await sleep(1200);
      const stats = track.privacy.stats;
      console.log(`[worker] ${layout} stats`, JSON.stringify(stats));
      equal(stats.worker, true, 'stats.worker');
      atLeast(stats.fps, 1, 'stats.fps relayed from the worker');
      atLeast(stats.segmentationMs, 0.1, 'segmentation time relayed');
      equal(stats.protection, 'protected');
      track.stop();
      track.stop(); // idempotent
      equal(track.readyState, 'ended');
      equal(track.privacy.state, 'stopped');
      equal(debugCounters.liveWorkers, 0, 'every worker terminated after stop');
      equal(debugHooks.workers.size, 0, 'no worker handle left');
      equal(mainTensors(), tensors, 'main-thread tensors untouched');
      equal(debugCounters.openFrames, 0, 'no main-thread frame left open');
      equal(debugCounters.livePipelines, 0, 'no main-thread pipeline');
    });
  }

  it('colour, image and video effects switch live in the worker', async () => {
    cam = await camera(1280, 720);
    track = await createPrivacyTrack(cam, { modelBaseUrl: MODEL_BASE, worker: true, effect: { type: 'color', color: 'rgb(0,0,255)' } });
    await sleep(300);
    const near = (c: number[], want: number[], label: string): void => {
      const d = Math.max(...c.map((v, i) => Math.abs(v - want[i]!)));
      assert(d < 40, `${label}: corner ${c.map(Math.round).join(',')} is not ~${want.join(',')}`);
    };
    near(await cornerColour(track), [0, 0, 255], 'colour');
    const red = new OffscreenCanvas(64, 36);
    const rc = red.getContext('2d')!;
    rc.fillStyle = 'rgb(255,0,0)';
    rc.fillRect(0, 0, 64, 36);
    await track.privacy.setEffect({ type: 'image', source: await createImageBitmap(red) });
    await sleep(300);
    near(await cornerColour(track), [255, 0, 0], 'image');
    // A video effect: the page's <video> plays a canvas stream in green; its frames go to the worker.
    const green = document.createElement('canvas');
    green.width = 64;
    green.height = 36;
    const gc = green.getContext('2d')!;
    gc.fillStyle = 'rgb(0,255,0)';
    gc.fillRect(0, 0, 64, 36);
    const stream = green.captureStream(30);
    const timer = setInterval(() => gc.fillRect(0, 0, 64, 36), 33);
    const video = document.createElement('video');
    video.muted = true;
    video.srcObject = stream;
    await video.play();
    try {
      await track.privacy.setEffect({ type: 'video', source: video });
      equal(track.privacy.effect.type, 'video');
      await sleep(600);
      near(await cornerColour(track), [0, 255, 0], 'video');
      await track.privacy.setEffect({ type: 'blur' });
      equal(track.privacy.effect.type, 'blur');
    } finally {
      clearInterval(timer);
      video.pause();
      stream.getTracks().forEach((t) => t.stop());
    }
  });

  it("'auto' runs on the main thread when the worker script cannot be loaded; true rejects", async () => {
    cam = await camera(640, 360);
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => void warnings.push(args.map(String).join(' '));
    try {
      track = await createPrivacyTrack(cam, { modelBaseUrl: MODEL_BASE, worker: 'auto', workerUrl: '/no-such-worker.js', effect: { type: 'color', color: '#00f' } });
      equal(track.privacy.stats.worker, false, 'fell back to the main thread');
      equal(debugCounters.liveWorkers, 0, 'no worker left behind');
      track.stop();
      // The fallback is said once per page, naming the script and the fix.
      track = await createPrivacyTrack(cam, { modelBaseUrl: MODEL_BASE, worker: 'auto', workerUrl: '/no-such-worker.js', effect: { type: 'color', color: '#00f' } });
      track.stop();
    } finally {
      console.warn = warn;
    }
    const ours = warnings.filter((w) => w.startsWith('videochat-privacy:'));
    equal(ours.length, 1, `one fallback warning (${JSON.stringify(ours)})`);
    assert(ours[0]!.includes('no-such-worker.js') && ours[0]!.includes('dist/worker.js') && ours[0]!.includes('worker: false'), `the warning names the script and the fixes: ${ours[0]}`);
    track = null;
    const e = await rejects(() => createPrivacyTrack(cam!, { modelBaseUrl: MODEL_BASE, worker: true, workerUrl: '/no-such-worker.js' }));
    assert(e instanceof UnsupportedEnvironmentError && e.missing.includes('Worker'), `worker: true rejects with UnsupportedEnvironmentError (${String(e)})`);
    const c = await rejects(() => createPrivacyTrack(cam!, { modelBaseUrl: MODEL_BASE, worker: true, transport: 'canvas' }));
    assert(c instanceof UnsupportedEnvironmentError, `worker: true on the canvas transport rejects (${String(c)})`);
    equal(debugCounters.liveWorkers, 0, 'no worker left behind');
  });
});
