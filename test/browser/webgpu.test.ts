// backend 'webgpu' end to end: tfjs-webgpu on Chromium's SwiftShader WebGPU adapter (no GPU here,
// so ~2–3 s per model call: correctness, not speed). It used to fail at start-up with
// `createBuffer … too large`: the model warm-up read its output with dataSync(), which tfjs-webgpu
// does through a WebGPU canvas, and on this adapter that loses the device (see warmUpGraphModel).
import * as tf from '@tensorflow/tfjs-core';
import { createPrivacyTrack, UnsupportedEnvironmentError, type PrivacyTrack } from '../../src/index.js';
import { debugHooks } from '../../src/internal/debug.js';
import { assert, atLeast, atMost, deepEqual, equal } from './assert.js';
import { camera, fedTrack, frameReader, loadPortrait, MODEL_BASE, pixels, portraitIds, scoreColourOutput, sleep, startFeeding } from './helpers.js';

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

  it("compositor 'webgpu' where a WebGPU canvas loses the device when it presents (Chromium's usual flags here): a typed error before any frame, and tfjs keeps working", async function () {
    this.timeout(120000);
    const tensors0 = tf.engine().state.numTensors;
    // The fake camera, not a fed track: when the track never starts nobody reads a fed track, and
    // its pending write would hold the test's teardown.
    const input = await camera(640, 360);
    let outputs = 0;
    debugHooks.onOutput = () => void outputs++;
    let track: PrivacyTrack | null = null;
    let error: unknown = null;
    try {
      track = await createPrivacyTrack(input, {
        modelBaseUrl: MODEL_BASE, backend: 'webgpu', compositor: 'webgpu', worker: false, maskTimeoutMs: 5000, effect: { type: 'color', color: '#00f' },
      });
    } catch (e) {
      error = e;
    } finally {
      debugHooks.onOutput = null;
    }
    try {
      if (track) {
        // A Chromium whose WebGPU canvases present (a real GPU, or the webgpu-resident group's
        // flags): the resident path runs, protected from its first frame.
        console.log('[webgpu] this browser presents WebGPU canvases: the resident path started');
        equal(track.privacy.stats.compositor, 'webgpu');
        equal(track.privacy.protection, 'protected');
      } else {
        console.log(`[webgpu] compositor 'webgpu' refused: ${String(error)}`);
        assert(error instanceof UnsupportedEnvironmentError, `an UnsupportedEnvironmentError (got ${String(error)})`);
        assert(error.missing.includes('WebGPU canvas'), `it names the WebGPU canvas (${error.missing.join(', ')})`);
        equal(outputs, 0, 'no frame was output');
      }
    } finally {
      track?.stop();
      input.stop();
    }
    // tfjs still runs on webgpu (rebuilt on a new device where the probe lost the old one).
    equal(tf.getBackend(), 'webgpu');
    const t = tf.tidy(() => tf.add(tf.ones([4]), 1));
    deepEqual(Array.from(await t.data()), [2, 2, 2, 2], 'a tfjs op on webgpu afterwards');
    t.dispose();
    const deadline = performance.now() + 15000;
    while (tf.engine().state.numTensors !== tensors0 && performance.now() < deadline) await sleep(200);
    equal(tf.engine().state.numTensors, tensors0, 'tensors back to baseline');
  });
});
