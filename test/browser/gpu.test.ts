// The GPU-resident path (backend 'webgl' + compositor 'webgl'): camera texture → GPU resize →
// model → dataToGPU mask → WebGL refiner → compositor in tfjs's own context → output frame.
// Checks: no per-frame readback (counted by wrapping every readback API), protected from the first
// frame, context loss fails closed and recovers, tensors and GL objects back to baseline.
import * as tf from '@tensorflow/tfjs-core';
import { calibrateAuto } from '../../src/backends/calibrate-runner.js';
import { createPrivacyTrack, getCapabilities, type PrivacyStateDetail, type PrivacyTrack } from '../../src/index.js';
import { debugCounters, debugHooks } from '../../src/internal/debug.js';
import { assert, atLeast, equal } from './assert.js';
import { fedTrack, loadPortrait, MODEL_BASE, pixels, portraitIds, sleep, startFeeding, type FedTrack, type Portrait } from './helpers.js';
import { backgroundLeak, makeScene, type Scene } from './scene.js';

const GPU = { backend: 'webgl', compositor: 'webgl' } as const;
/** Same bar as the privacy tests: a frame leaks when > 5 % of the measured background shows. */
const LEAKED_FRAME = 0.05;

type Counts = Record<string, number>;

/**
 * Wrap every API that copies GPU or frame data to the CPU; count calls until `restore()`.
 * (A test seam from outside: it also catches calls made inside tfjs.)
 */
function countReadbacks(): { counts: Counts; largestSync: number; where: Set<string>; restore(): void } {
  const counts: Counts = {};
  const spy = { largestSync: 0, where: new Set<string>() };
  const undo: Array<() => void> = [];
  const wrap = (proto: object | undefined, name: string, label: string): void => {
    if (!proto) return;
    const original: unknown = Reflect.get(proto, name);
    if (typeof original !== 'function') return;
    counts[label] = 0;
    Reflect.set(proto, name, function (this: unknown, ...args: unknown[]) {
      counts[label]!++;
      if (this instanceof tf.Tensor) {
        // Shape, size and permutation operands are int32 vectors of at most rank-many values.
        spy.largestSync = Math.max(spy.largestSync, this.dtype === 'int32' && this.size <= 6 ? 0 : this.size);
        spy.where.add(`${this.dtype}[${this.shape.join(',')}] ${new Error().stack?.split('\n').slice(2, 5).map((l) => l.trim()).join(' < ')}`);
      }
      return Reflect.apply(original, this, args);
    });
    undo.push(() => Reflect.set(proto, name, original));
  };
  wrap(WebGL2RenderingContext.prototype, 'readPixels', 'gl.readPixels');
  wrap(WebGL2RenderingContext.prototype, 'getBufferSubData', 'gl.getBufferSubData');
  wrap(WebGL2RenderingContext.prototype, 'clientWaitSync', 'gl.clientWaitSync');
  wrap(WebGL2RenderingContext.prototype, 'getError', 'gl.getError');
  wrap(tf.Tensor.prototype, 'dataSync', 'tensor.dataSync');
  wrap(tf.Tensor.prototype, 'data', 'tensor.data');
  wrap(tf.Tensor.prototype, 'arraySync', 'tensor.arraySync');
  wrap(tf.Tensor.prototype, 'array', 'tensor.array');
  wrap(VideoFrame.prototype, 'copyTo', 'VideoFrame.copyTo');
  wrap(CanvasRenderingContext2D.prototype, 'getImageData', 'canvas2d.getImageData');
  wrap(OffscreenCanvasRenderingContext2D.prototype, 'getImageData', 'offscreen2d.getImageData');
  return {
    counts,
    get largestSync() {
      return spy.largestSync;
    },
    where: spy.where,
    restore: () => undo.forEach((u) => u()),
  };
}

/** Start a GPU-path track on a fed input showing `scene`; every output frame is scored. */
async function startOn(scene: Scene): Promise<{ input: FedTrack; track: PrivacyTrack; leaks: number[]; feeder: ReturnType<typeof startFeeding>; score: { on: boolean } }> {
  const input = fedTrack();
  const leaks: number[] = [];
  const score = { on: true };
  debugHooks.onOutput = (frame) => {
    if (score.on) leaks.push(backgroundLeak(pixels(frame, scene.width, scene.height), scene));
  };
  const feeder = startFeeding(input, scene.image, scene.width, scene.height, 50);
  const track = await createPrivacyTrack(input.track, { modelBaseUrl: MODEL_BASE, ...GPU, effect: { type: 'color', color: '#00f' } });
  return { input, track, leaks, feeder, score };
}

describe('GPU-resident path (webgl backend + webgl compositor)', () => {
  let portrait: Portrait;
  before(async () => {
    portrait = await loadPortrait((await portraitIds())[0]!);
  });
  afterEach(() => {
    debugHooks.onOutput = null;
  });

  it('is protected from the first frame, and makes no readback per frame', async () => {
    const scene = makeScene(portrait, 'checker', 960, 540);
    const tensors0 = tf.engine().state.numTensors;
    const gl0 = debugCounters.glObjects;
    const frames0 = debugCounters.gpuFrames;
    const { input, track, leaks, feeder, score } = await startOn(scene);
    try {
      equal(track.privacy.stats.backend, 'webgl');
      equal(track.privacy.stats.compositor, 'webgl');
      atLeast(debugCounters.gpuFrames - frames0, 1, 'frames went through the GPU-resident reader');
      await sleep(500);
      // Count readbacks over a window of output frames (output frames are not inspected meanwhile).
      score.on = false;
      let out = 0;
      debugHooks.onOutput = () => void out++;
      const spy = countReadbacks();
      const before = debugCounters.gpuFrames;
      try {
        // Output frames from tfjs's canvas are slow to write here (software GPU, shared 2 cores):
        // count over 8 frames rather than a fixed time.
        const deadline = performance.now() + 90000;
        while (out < 8 && performance.now() < deadline) await sleep(100);
      } finally {
        spy.restore();
      }
      const uploaded = debugCounters.gpuFrames - before;
      console.log(`[gpu] ${out} output frames, ${uploaded} frames uploaded; readbacks ${JSON.stringify(spy.counts)}`);
      atLeast(out, 8, `output frames in the counting window (${out})`);
      console.log(`[gpu] tensor reads: ${[...spy.where].join(' | ')}`);
      // GPU→CPU transfers: none at all.
      for (const api of ['gl.readPixels', 'gl.getBufferSubData', 'gl.clientWaitSync', 'gl.getError', 'tensor.data', 'tensor.array', 'VideoFrame.copyTo', 'canvas2d.getImageData', 'offscreen2d.getImageData']) {
        equal(spy.counts[api], 0, `${api} called ${spy.counts[api]} times over ${out} frames`);
      }
      // tfjs-converter reads the graph's shape, size and permutation operands (int32, ≤ 6 values)
      // with dataSync; those constants live on the CPU (no readPixels above), so no GPU copy
      // happens. Any other synchronous read (a float tensor, or anything bigger) fails here.
      equal(spy.largestSync, 0, `dataSync/arraySync on a tensor of ${spy.largestSync} values other than an int32 shape operand (a mask or image readback)`);
      atLeast(leaks.length, 1, 'frames scored before the window');
      const leaked = leaks.filter((l) => l > LEAKED_FRAME).length;
      console.log(`[gpu] first frames: ${leaks.length}, leaked ${leaked}, worst ${(Math.max(...leaks) * 100).toFixed(2)} %`);
      equal(leaked, 0, 'no leaked frame from the first one on');
    } finally {
      await feeder.stop();
      track.stop();
      await input.close();
    }
    equal(tf.engine().state.numTensors, tensors0, 'tensors back to baseline after stop');
    equal(debugCounters.glObjects, gl0, 'our GL objects back to baseline after stop');
    equal(debugHooks.webglCanvases.size, 0, 'no live WebGL canvas registered after stop');
  });

  it('L4: tfjs context lost and restored: frames withheld or veiled, never raw; protected again', async () => {
    const scene = makeScene(portrait, 'checker', 960, 540);
    const { input, track, leaks, feeder } = await startOn(scene);
    try {
      await sleep(500);
      const canvas = [...debugHooks.webglCanvases][0];
      assert(canvas, 'the GPU session registered tfjs\'s canvas');
      const lose = (canvas.getContext('webgl2') as WebGL2RenderingContext).getExtension('WEBGL_lose_context');
      assert(lose, 'WEBGL_lose_context available');
      const states: PrivacyStateDetail[] = [];
      track.privacy.addEventListener('state', (e) => states.push(e.detail));
      const from = leaks.length;
      lose.loseContext();
      await sleep(800);
      lose.restoreContext();
      // Rebuilding the tfjs backend and recompiling the model's shaders under SwiftShader takes seconds.
      const deadline = performance.now() + 20000;
      while (track.privacy.protection !== 'protected' && performance.now() < deadline) await sleep(200);
      const after = leaks.length;
      while (leaks.length < after + 3 && performance.now() < deadline + 30000) await sleep(200);
      const leaked = leaks.filter((l) => l > LEAKED_FRAME).length;
      console.log(`[gpu] L4: ${leaks.length} frames (${leaks.length - from} since loss), leaked ${leaked}, states ${states.map((s) => s.protection).join(',')}`);
      equal(leaked, 0, 'no leaked frame');
      assert(states.some((s) => s.protection === 'withheld' || s.protection === 'veiled'), 'frames were withheld or veiled while the context was lost');
      equal(track.privacy.protection, 'protected', 'protected again after restore');
      atLeast(leaks.length - from, 3, 'frames flowed again after restore');
    } finally {
      await feeder.stop();
      track.stop();
      await input.close();
    }
  });
});

describe("backend 'auto' calibration on the real model", () => {
  it('times wasm and webgl (as on a machine with a GPU), picks the faster, and getCapabilities reports it', async () => {
    const here = await getCapabilities();
    console.log(`[calibrate] here: candidates ${JSON.stringify(here.backendCandidates)}, auto ${here.autoBackend}`);
    // This machine has software WebGL: 'auto' times nothing and keeps wasm. Pretend the GPU is real.
    const caps = { ...here, softwareWebgl: false, webgpu: false };
    const tensors0 = tf.engine().state.numTensors;
    const result = await calibrateAuto(caps, new URL(MODEL_BASE, location.href), new URL(`${MODEL_BASE}wasm/`, location.href));
    console.log(`[calibrate] ${JSON.stringify(result)}`);
    equal(result.probes.length, 2, 'two backends timed');
    for (const p of result.probes) {
      assert(p.medianMs !== null && p.medianMs > 0, `${p.backend} was timed (${p.error ?? ''})`);
      atLeast(p.runs, 1, `${p.backend} runs`);
    }
    const fastest = result.probes.reduce((a, b) => (a.medianMs! <= b.medianMs! ? a : b));
    equal(result.pick, fastest.backend, 'the pick is the lowest median');
    equal(tf.getBackend(), result.pick, 'the picked backend is active');
    equal(tf.engine().state.numTensors, tensors0, 'calibration leaves no tensor behind');
    const after = await getCapabilities();
    equal(after.backendCalibration, result, 'getCapabilities reports the calibration');
    equal(after.autoBackend, result.pick, 'and what auto picks');
  });
});
