// The WebGPU-resident path (backend 'webgpu' + compositor 'webgpu'): camera texture → WGSL resize
// into a storage buffer → tf.tensor({buffer, zeroCopy}) → model → dataToGPU mask buffer → WGSL
// refiner → WGSL compositor on a webgpu canvas → output frame, all on tfjs-webgpu's own device.
// Runs in its own @web/test-runner group: a Chromium whose WebGPU is on SwiftShader's Vulkan
// (scripts/chromium-args.mjs WEBGPU_CANVAS_ARGS), where a WebGPU canvas can present.
// SwiftShader runs the model in seconds per frame here: correctness, not speed.
import * as tf from '@tensorflow/tfjs-core';
import { tfjsWebgpuDevice } from '../../../src/gpu/webgpu/session.js';
import type { PrivacyStateDetail, PrivacyTrack } from '../../../src/index.js';
import { debugCounters, debugHooks } from '../../../src/internal/debug.js';
import { assert, atLeast, atMost, equal } from '../assert.js';
import { loadPortrait, pixels, portraitIds, scoreColourOutput, sleep, type Portrait } from '../helpers.js';
import { LEAKED_FRAME, Rig } from '../rig.js';
import { makeScene, type Scene } from '../scene.js';

const RESIDENT = { backend: 'webgpu', compositor: 'webgpu', maskTimeoutMs: 5000 } as const;
const BLUE: [number, number, number] = [0, 0, 255];

type Counts = Record<string, number>;

/**
 * Wrap every API that copies GPU or frame data to the CPU, WebGPU's included; count calls until
 * `restore()`. (A test seam from outside: it also catches calls made inside tfjs.) `mapAsync` is
 * counted by mode; `tensor.dataSync` may only see int32 shape operands (≤ 6 values).
 */
function countReadbacks(): { counts: Counts; largestSync: number; where: Set<string>; restore(): void } {
  const counts: Counts = {};
  const spy = { largestSync: 0, where: new Set<string>() };
  const undo: Array<() => void> = [];
  const wrap = (proto: object | undefined, name: string, label: (self: unknown, args: unknown[]) => string): void => {
    if (!proto) return;
    const original: unknown = Reflect.get(proto, name);
    if (typeof original !== 'function') return;
    Reflect.set(proto, name, function (this: unknown, ...args: unknown[]) {
      const key = label(this, args);
      counts[key] = (counts[key] ?? 0) + 1;
      if (this instanceof tf.Tensor) {
        spy.largestSync = Math.max(spy.largestSync, this.dtype === 'int32' && this.size <= 6 ? 0 : this.size);
        spy.where.add(`${key} ${this.dtype}[${this.shape.join(',')}]`);
      }
      return Reflect.apply(original, this, args);
    });
    undo.push(() => Reflect.set(proto, name, original));
  };
  const named = (n: string) => (): string => n;
  wrap(GPUBuffer.prototype, 'mapAsync', (self, args) => {
    const mode = Number(args[0]);
    const size = self instanceof GPUBuffer ? self.size : -1;
    return `GPUBuffer.mapAsync(${mode & GPUMapMode.READ ? 'READ' : 'WRITE'}, ${size} B)`;
  });
  wrap(GPUCommandEncoder.prototype, 'copyTextureToBuffer', named('GPUCommandEncoder.copyTextureToBuffer'));
  wrap(WebGL2RenderingContext.prototype, 'readPixels', named('gl.readPixels'));
  wrap(tf.Tensor.prototype, 'dataSync', named('tensor.dataSync'));
  wrap(tf.Tensor.prototype, 'data', named('tensor.data'));
  wrap(tf.Tensor.prototype, 'arraySync', named('tensor.arraySync'));
  wrap(tf.Tensor.prototype, 'array', named('tensor.array'));
  wrap(VideoFrame.prototype, 'copyTo', named('VideoFrame.copyTo'));
  wrap(CanvasRenderingContext2D.prototype, 'getImageData', named('canvas2d.getImageData'));
  wrap(OffscreenCanvasRenderingContext2D.prototype, 'getImageData', named('offscreen2d.getImageData'));
  wrap(OffscreenCanvas.prototype, 'transferToImageBitmap', named('OffscreenCanvas.transferToImageBitmap'));
  return {
    counts,
    get largestSync() {
      return spy.largestSync;
    },
    where: spy.where,
    restore: () => undo.forEach((u) => u()),
  };
}

/** What the test records of each output frame besides the rig's leak measure. */
interface Extra {
  ts: number;
  width: number;
  height: number;
  /** IoU of the person shown with the ground truth (colour effect), or null for other effects. */
  iou: number | null;
  /** The effect the frame was drawn with. */
  effect: string;
  /** RGB of the output's pixel (4, 4): background in these scenes. */
  corner: [number, number, number];
}

/** RGB of one pixel of a frame. */
function pixelAt(frame: VideoFrame, x: number, y: number): [number, number, number] {
  const c = new OffscreenCanvas(1, 1);
  const g = c.getContext('2d', { willReadFrequently: true })!;
  g.drawImage(frame, x, y, 1, 1, 0, 0, 1, 1);
  const d = g.getImageData(0, 0, 1, 1).data;
  return [d[0]!, d[1]!, d[2]!];
}

/**
 * Score every output frame through the rig, and record its size and (colour effect) person IoU.
 * `effect()` is the effect in use (the rig knows it only once the track has resolved).
 */
function scoreOutputs(rig: Rig, scenes: Scene[], portrait: Portrait, effect: () => string): { extra: Extra[]; on: { value: boolean } } {
  const base = debugHooks.onOutput;
  const extra: Extra[] = [];
  const on = { value: true };
  const sceneRgba = new Map(scenes.map((s) => [s, pixels(s.image, s.width, s.height)]));
  debugHooks.onOutput = (frame) => {
    if (!on.value) return;
    base?.(frame);
    const last = rig.observed[rig.observed.length - 1];
    if (!last || last.ts !== frame.timestamp) return;
    const s = last.scene;
    const kind = effect();
    const iou = kind === 'color'
      ? scoreColourOutput(pixels(frame, s.width, s.height), sceneRgba.get(s)!, { ...portrait, width: s.width, height: s.height, person: s.person }, BLUE).iou
      : null;
    extra.push({ ts: frame.timestamp, width: frame.displayWidth, height: frame.displayHeight, iou, effect: kind, corner: pixelAt(frame, 4, 4) });
  };
  return { extra, on };
}

/** Wait until `cond()` or `ms` passed. */
async function until(cond: () => boolean, ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  while (!cond() && performance.now() < deadline) await sleep(100);
}

// One live track for the whole suite: each start compiles the model's WebGPU pipelines (~30 s
// under SwiftShader), and the device-loss check recompiles them on the new device; the checks run
// in order on that track, and the last one stops it.
describe('WebGPU-resident path (webgpu backend + webgpu compositor), one live track', () => {
  let portrait: Portrait;
  let scene: Scene;
  let other: Scene;
  let rig: Rig;
  let track: PrivacyTrack;
  let scored: { extra: Extra[]; on: { value: boolean } };
  const baseline = { tensors: 0, bytes: 0, gpuObjects: 0 };
  let startMs = 0;

  before(async function () {
    this.timeout(120000);
    assert('gpu' in navigator && (await navigator.gpu.requestAdapter()), 'no WebGPU adapter (needs --enable-unsafe-webgpu)');
    portrait = await loadPortrait((await portraitIds())[0]!);
    scene = makeScene(portrait, 'checker', 640, 360);
    other = makeScene(portrait, 'checker', 480, 360); // another size and aspect
    baseline.tensors = tf.engine().state.numTensors;
    baseline.bytes = tf.engine().state.numBytes;
    baseline.gpuObjects = debugCounters.gpuObjects;
    const frames0 = debugCounters.webgpuFrames;
    rig = new Rig(scene);
    scored = scoreOutputs(rig, [scene, other], portrait, () => track?.privacy.effect.type ?? 'color');
    const t0 = performance.now();
    track = await rig.start({ ...RESIDENT, effect: { type: 'color', color: '#00f' } });
    startMs = performance.now() - t0;
    atLeast(debugCounters.webgpuFrames - frames0, 1, 'frames went through the WebGPU-resident reader');
  });
  after(async () => {
    await rig?.stop();
  });

  it('runs resident, protects from the first frame, and masks the person as well as the quality bar asks', async function () {
    this.timeout(120000);
    equal(track.privacy.stats.backend, 'webgpu');
    equal(track.privacy.stats.compositor, 'webgpu');
    equal(track.privacy.protection, 'protected', 'the track resolves on a protected frame');
    atLeast(rig.observed.length, 1, 'the first output frame was observed');
    atMost(rig.observed[0]!.leak, LEAKED_FRAME, 'share of the background shown in the very first output frame');
    // The frame the track resolved on is scored already (the rig sees every output frame).
    const frames = scored.extra.filter((e) => e.iou !== null);
    atLeast(frames.length, 1, 'scored colour frames');
    const best = Math.max(...frames.map((e) => e.iou!));
    console.log(`[webgpu-resident] start ${(startMs / 1000).toFixed(1)} s; IoU with the ground truth ${frames.map((e) => e.iou!.toFixed(4)).join(', ')}`);
    atLeast(best, 0.85, 'IoU of the person shown with the ground truth');
    rig.assertNoLeak('webgpu resident, colour');
  });

  it('makes no readback per frame (mapAsync, copyTextureToBuffer, data/dataSync of a mask, getImageData, copyTo)', async function () {
    this.timeout(120000);
    // Output frames are not inspected meanwhile (the test's own inspection reads pixels back).
    scored.on.value = false;
    let out = 0;
    const scoring = debugHooks.onOutput;
    debugHooks.onOutput = () => void out++;
    const spy = countReadbacks();
    const t0 = performance.now();
    try {
      await until(() => out >= 2, 60000);
    } finally {
      spy.restore();
      debugHooks.onOutput = scoring;
      scored.on.value = true;
    }
    const msPerFrame = (performance.now() - t0) / Math.max(1, out);
    console.log(`[webgpu-resident] ${out} frames in the window (${msPerFrame.toFixed(0)} ms a frame); readbacks ${JSON.stringify(spy.counts)}; tensor reads ${[...spy.where].join(' | ') || 'none'}`);
    atLeast(out, 2, `output frames in the counting window (${out})`);
    for (const [api, n] of Object.entries(spy.counts)) {
      if (api !== 'tensor.dataSync') equal(n, 0, `${api} called ${n} times over ${out} frames`);
    }
    // tfjs-converter reads the graph's int32 shape operands (≤ 6 values, on the CPU) with dataSync.
    equal(spy.largestSync, 0, `dataSync/arraySync on a tensor of ${spy.largestSync} values other than an int32 shape operand (a mask or image readback)`);
  });

  it('L3: output frames follow a resolution change (to blur at the same time), still protected', async function () {
    this.timeout(120000);
    const from = rig.observed.length;
    const before = scored.extra.length;
    rig.show(other);
    await track.privacy.setEffect({ type: 'blur' });
    await until(() => scored.extra.slice(before).some((e) => e.width === other.width), 60000);
    atLeast(scored.extra.slice(before).filter((e) => e.width === other.width).length, 1, 'output frames at the new size');
    for (const e of scored.extra) {
      const s = rig.observed.find((o) => o.ts === e.ts)?.scene;
      assert(s, `output frame ${e.ts} matches an input frame`);
      assert(e.width === s.width && e.height === s.height, `output ${e.width}×${e.height} follows its input ${s.width}×${s.height}`);
    }
    atLeast(rig.since(from).filter((o) => o.effect.includes('blur') && o.scene === other).length, 1, 'blurred frames at the new size');
    rig.assertNoLeak('webgpu resident, resolution change and blur', rig.since(from));
  });

  it('image and video backgrounds replace the room', async function () {
    this.timeout(120000);
    const near = (rgb: readonly number[], want: readonly number[]): boolean => rgb.every((v, i) => Math.abs(v - want[i]!) <= 24);
    const red = new OffscreenCanvas(64, 36);
    const rc = red.getContext('2d')!;
    rc.fillStyle = 'rgb(255,0,0)';
    rc.fillRect(0, 0, 64, 36);
    const from = rig.observed.length;
    let before = scored.extra.length;
    await track.privacy.setEffect({ type: 'image', source: await createImageBitmap(red) });
    await until(() => scored.extra.slice(before).some((e) => e.effect === 'image'), 60000);
    const image = scored.extra.slice(before).filter((e) => e.effect === 'image');
    atLeast(image.length, 1, 'frames with the image background');
    assert(image.every((e) => near(e.corner, [255, 0, 0])), `background shows the image: ${image.map((e) => e.corner.join(',')).join(' | ')}`);
    // A playing <video> (a canvas stream in blue, far from both checker colours, so a leak
    // measure cannot mistake it for the room): its current frame is the background.
    const blue = document.createElement('canvas');
    blue.width = 64;
    blue.height = 36;
    const gc = blue.getContext('2d')!;
    gc.fillStyle = 'rgb(0,0,255)';
    gc.fillRect(0, 0, 64, 36);
    const stream = blue.captureStream(30);
    const timer = setInterval(() => gc.fillRect(0, 0, 64, 36), 33);
    const video = document.createElement('video');
    video.muted = true;
    video.srcObject = stream;
    try {
      await video.play();
      before = scored.extra.length;
      await track.privacy.setEffect({ type: 'video', source: video });
      await until(() => scored.extra.slice(before).some((e) => e.effect === 'video'), 60000);
      const shown = scored.extra.slice(before).filter((e) => e.effect === 'video');
      atLeast(shown.length, 1, 'frames with the video background');
      assert(shown.every((e) => near(e.corner, [0, 0, 255])), `background shows the video: ${shown.map((e) => e.corner.join(',')).join(' | ')}`);
    } finally {
      clearInterval(timer);
      video.pause();
      stream.getTracks().forEach((t) => t.stop());
    }
    rig.assertNoLeak('webgpu resident, image and video', rig.since(from));
  });

  it('L4: device lost: frames withheld or veiled, never raw; the backend is rebuilt and frames are protected again', async function () {
    this.timeout(180000);
    await track.privacy.setEffect({ type: 'color', color: '#00f' });
    const states: PrivacyStateDetail[] = [];
    const errors: string[] = [];
    track.privacy.addEventListener('state', (e) => states.push(e.detail));
    track.privacy.addEventListener('error', (e) => errors.push(`${e.detail.name}: ${e.detail.message}`));
    const device = tfjsWebgpuDevice();
    assert(device, 'tfjs webgpu backend has a device');
    const from = rig.observed.length;
    device.destroy(); // as a driver reset or a GPU process crash would
    await until(() => tfjsWebgpuDevice() !== device && track.privacy.protection === 'protected', 150000);
    const lostFrames = rig.observed.length - from;
    console.log(`[webgpu-resident] L4: ${lostFrames} frames until protected again; states ${states.map((s) => s.protection).join(',')}; errors ${[...new Set(errors)].join(' | ')}`);
    assert(states.some((s) => s.protection === 'withheld' || s.protection === 'veiled'), 'frames were withheld or veiled while the device was lost');
    assert(errors.length > 0, 'the loss was reported as an error event');
    assert(tfjsWebgpuDevice() !== device, 'tfjs runs on a new device');
    equal(track.privacy.protection, 'protected', 'protected again after the rebuild');
    const since = rig.since(from);
    atLeast(since.length, 1, 'frames flowed again after the rebuild');
    rig.assertNoLeak('L4 device loss', since);
  });

  it('stop() is idempotent and frees every tensor, buffer and texture (the lost device\'s included)', async function () {
    this.timeout(60000);
    track.stop();
    track.stop();
    track.privacy.stop();
    equal(track.readyState, 'ended');
    await rig.stop();
    await until(() => tf.engine().state.numTensors === baseline.tensors, 15000); // a model call in flight frees its output when it ends
    equal(tf.engine().state.numTensors, baseline.tensors, `tensors back to baseline (${tf.engine().state.numTensors} vs ${baseline.tensors})`);
    equal(tf.engine().state.numBytes, baseline.bytes, 'tensor bytes back to baseline');
    equal(debugCounters.gpuObjects, baseline.gpuObjects, 'our WebGPU textures and buffers back to baseline');
    equal(debugCounters.openFrames, 0, 'no open camera frame');
    equal(debugCounters.livePipelines, 0, 'no live pipeline');
  });
});
