// backend 'webgpu' end to end: tfjs-webgpu on Chromium's SwiftShader WebGPU adapter (no GPU here,
// so ~2–3 s per model call: correctness, not speed). It used to fail at start-up with
// `createBuffer … too large`: the model warm-up read its output with dataSync(), which tfjs-webgpu
// does through a WebGPU canvas, and on this adapter that loses the device (see warmUpGraphModel).
import * as tf from '@tensorflow/tfjs-core';
import { createPrivacyTrack } from '../../src/index.js';
import { assert, atLeast, atMost, equal } from './assert.js';
import { fedTrack, frameReader, loadPortrait, MODEL_BASE, pixels, portraitIds, scoreColourOutput, sleep, startFeeding } from './helpers.js';

const COLOUR: [number, number, number] = [255, 0, 255];

describe("backend 'webgpu'", () => {
  it('starts, protects the first frame, and masks a portrait as well as the quality bar asks', async function () {
    this.timeout(240000);
    assert('gpu' in navigator && (await navigator.gpu.requestAdapter()), 'no WebGPU adapter (needs --enable-unsafe-webgpu)');
    const p = await loadPortrait((await portraitIds())[0]!);
    const tensors0 = tf.engine().state.numTensors;
    const input = fedTrack();
    const feeder = startFeeding(input, p.image, p.width, p.height, 100);
    const t0 = performance.now();
    // A model call takes seconds on software WebGPU: give each frame time to get its mask.
    const track = await createPrivacyTrack(input.track, {
      modelBaseUrl: MODEL_BASE, backend: 'webgpu', compositor: 'cpu', worker: false, maskTimeoutMs: 5000,
      effect: { type: 'color', color: 'rgb(255,0,255)' },
    });
    const startMs = performance.now() - t0;
    const reader = frameReader(track);
    try {
      equal(track.privacy.stats.backend, 'webgpu');
      equal(tf.getBackend(), 'webgpu');
      // Frames already in flight keep the colour; look at the first few that show the person.
      const original = pixels(p.image, p.width, p.height);
      let best = { iou: 0, leak: 1, retention: 0 };
      let leakiest = 0;
      for (let i = 0; i < 4; i++) {
        const out = await reader.next(60000);
        assert(out, `no output frame ${i}`);
        const s = scoreColourOutput(pixels(out, p.width, p.height), original, p, COLOUR);
        out.close();
        leakiest = Math.max(leakiest, s.leak);
        if (s.iou > best.iou) best = s;
      }
      console.log(`[webgpu] start ${(startMs / 1000).toFixed(1)} s; best of 4 frames IoU ${best.iou.toFixed(3)}, leak ${(best.leak * 100).toFixed(2)} %, worst leak ${(leakiest * 100).toFixed(2)} %`);
      atLeast(best.iou, 0.85, 'IoU of the person shown with the ground truth');
      atMost(leakiest, 0.05, 'share of background shown in any of the first frames');
    } finally {
      reader.cancel();
      await feeder.stop();
      track.stop();
      await input.close();
      p.image.close();
    }
    // A model call still in flight at stop() frees its output when its (seconds-long) read ends.
    const deadline = performance.now() + 15000;
    while (tf.engine().state.numTensors !== tensors0 && performance.now() < deadline) await sleep(200);
    equal(tf.engine().state.numTensors, tensors0, `tensors back to baseline after stop (${tf.engine().state.numTensors} vs ${tensors0})`);
  });
});
