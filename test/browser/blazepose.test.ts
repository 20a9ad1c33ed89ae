// BlazePose GHUM segmenter (lite / full / heavy) with the real models on wasm: mask quality on
// single-person dev portraits, ms per frame (tracking and with the detector), tensors back to
// baseline after dispose.
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backends/index.js';
import type { FramePixels } from '../../src/frame/pixels.js';
import type { BlazePoseVariant } from '../../src/segmenter/blazepose/constants.js';
import { createBlazePoseSegmenter } from '../../src/segmenter/blazepose/segmenter.js';
import type { Mask } from '../../src/segmenter/types.js';
import { assert, atLeast, equal } from './assert.js';
import { framePixels, loadPortrait, maskIoU, MODEL_BASE, portraitIds, type Portrait } from './helpers.js';

const BASE = new URL(MODEL_BASE, location.href);
/** Portraits scored per model (the first ones with exactly one person detected). */
const SUBSET = 8;


const median = (a: number[]): number => [...a].sort((x, y) => x - y)[a.length >> 1] ?? NaN;

describe('BlazePose segmenter (real models, wasm)', () => {
  let portraits: Portrait[] = [];
  before(async () => {
    await initBackend('wasm', new URL('wasm/', BASE));
    const ids = await portraitIds();
    portraits = await Promise.all(ids.slice(0, 16).map(loadPortrait));
  });
  after(() => {
    for (const p of portraits) p.image.close();
  });

  for (const variant of ['lite', 'full', 'heavy'] as BlazePoseVariant[]) {
    it(`${variant}: IoU >= 0.8 on single-person portraits, tensors back to baseline after dispose`, async () => {
      const baseline = tf.memory().numTensors;
      const seg = await createBlazePoseSegmenter({ variant, backend: 'wasm', modelBaseUrl: BASE });
      const ious: string[] = [];
      let sum = 0, n = 0, skipped = 0;
      for (const p of portraits) {
        if (n >= SUBSET) break;
        const frame = framePixels(p.image, p.width, p.height);
        seg.reset(); // a new photo: detect first (video frames would track instead)
        let mask = await seg.segment(frame);
        if (seg.people.count !== 1) { skipped++; continue; }
        // Second frame: tracked from the first frame's landmarks, as in a video.
        mask = await seg.segment(frame);
        const iou = maskIoU(mask, p);
        ious.push(`${p.id}:${iou.toFixed(3)}`);
        sum += iou;
        n++;
      }
      // Timing on a 1280×720 frame (the first portrait stretched): tracking vs detector + landmark.
      const hd = framePixels(portraits[0]!.image, 1280, 720);
      const track: number[] = [], detect: number[] = [];
      await seg.segment(hd);
      for (let i = 0; i < 8; i++) {
        let t = performance.now(); await seg.segment(hd); track.push(performance.now() - t);
        seg.reset();
        t = performance.now(); await seg.segment(hd); detect.push(performance.now() - t);
      }
      seg.dispose();
      seg.dispose(); // idempotent
      console.log(`[blazepose] ${variant}: mIoU ${(sum / n).toFixed(4)} over ${n} single-person portraits (${skipped} skipped: not exactly one person) ${ious.join(' ')}`);
      console.log(`[blazepose] ${variant}: 720p ms/frame median tracking ${median(track).toFixed(1)}, with detector ${median(detect).toFixed(1)}`);
      atLeast(n, 5, 'single-person portraits scored');
      atLeast(sum / n, 0.8, `${variant} mIoU ${(sum / n).toFixed(4)}`);
      equal(tf.memory().numTensors, baseline, 'tensors back to baseline after dispose');
    });
  }

  it('stepDown: heavy → full while frames keep being segmented; no step from full; tensors back to baseline', async () => {
    const baseline = tf.memory().numTensors;
    const seg = await createBlazePoseSegmenter({ variant: 'heavy', backend: 'wasm', modelBaseUrl: BASE });
    const p = portraits[0]!;
    const frame = framePixels(p.image, p.width, p.height);
    await seg.segment(frame);
    const heavyIoU = maskIoU(await seg.segment(frame), p);
    // Frames keep coming while full loads and warms up (calls on heavy overlap the switch; the
    // replaced model is freed when its last call ends — the tensor count below checks it).
    let done = false;
    const switched = seg.stepDown!().finally(() => (done = true));
    let during = 0, worst = 1;
    while (!done) {
      worst = Math.min(worst, maskIoU(await seg.segment(frame), p));
      during++;
      // Camera frames arrive as tasks; without one the wasm backend's reads resolve as
      // microtasks and this loop would starve the fetch of the full model.
      await new Promise((r) => setTimeout(r, 10));
    }
    equal(await switched, true, 'stepped down');
    equal(seg.model, 'full', 'model after the step');
    const fullIoU = maskIoU(await seg.segment(frame), p);
    console.log(`[blazepose] stepDown: IoU heavy ${heavyIoU.toFixed(3)}, ${during} frames during the switch (worst IoU ${worst.toFixed(3)}), full ${fullIoU.toFixed(3)}`);
    atLeast(during, 1, 'frames were segmented while full loaded');
    atLeast(worst, 0.8, 'frames segmented during the switch');
    atLeast(fullIoU, 0.8, 'full after the switch');
    equal(await seg.stepDown!(), false, 'full never steps to lite');
    equal(seg.model, 'full', 'still full');
    seg.dispose();
    seg.dispose();
    equal(tf.memory().numTensors, baseline, 'tensors back to baseline: heavy freed at the switch, full on dispose');
  });

  it('an empty frame gives an empty mask (nobody found: all background)', async () => {
    const seg = await createBlazePoseSegmenter({ variant: 'lite', backend: 'wasm', modelBaseUrl: BASE });
    const canvas = new OffscreenCanvas(640, 360);
    const ctx = canvas.getContext('2d')!;
    ctx.fillStyle = '#6a7'; ctx.fillRect(0, 0, 640, 360);
    const mask = await seg.segment(framePixels(canvas, 640, 360));
    seg.dispose();
    equal(seg.people.count, 0, 'people found');
    assert(mask.data.every((v) => v === 0), 'mask is all background');
  });
});

describe('model: \'lite\' through createPrivacyTrack', () => {
  it('protects the output track with BlazePose lite; tensors back to baseline after stop', async () => {
    const { createPrivacyTrack } = await import('../../src/index.js');
    const { fedTrack, frameReader, pixels, scoreColourOutput, startFeeding } = await import('./helpers.js');
    const [id] = await portraitIds();
    const p = await loadPortrait(id!);
    const baseline = tf.memory().numTensors;
    const input = fedTrack();
    const starter = startFeeding(input, p.image, p.width, p.height, 50);
    const track = await createPrivacyTrack(input.track, { modelBaseUrl: MODEL_BASE, model: 'lite', compositor: 'cpu', effect: { type: 'color', color: 'rgb(255,0,255)' } });
    await starter.stop();
    equal(track.privacy.stats.model, 'lite', 'stats.model');
    const reader = frameReader(track);
    let ts = starter.lastTimestamp;
    let score = { iou: 0, leak: 1, retention: 0 };
    for (let i = 0; i < 2; i++) {
      ts += 33_333;
      await input.write(p.image, ts, p.width, p.height);
      const out = await reader.frameAt(ts, 20_000);
      assert(out, 'no output frame');
      score = scoreColourOutput(pixels(out, p.width, p.height), pixels(p.image, p.width, p.height), p, [255, 0, 255]);
      out.close();
    }
    reader.cancel();
    track.stop();
    await input.close();
    p.image.close();
    console.log(`[blazepose] lite via createPrivacyTrack, portrait ${p.id}: IoU ${score.iou.toFixed(3)} leak ${score.leak.toFixed(3)}`);
    atLeast(score.iou, 0.8, `IoU ${score.iou.toFixed(3)}`);
    equal(tf.memory().numTensors, baseline, 'tensors back to baseline after stop');
  });
});
