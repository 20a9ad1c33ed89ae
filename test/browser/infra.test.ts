// Smoke test for the browser-test infrastructure: fake camera, /media/ mount, tfjs wasm + model.
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as converter from '@tensorflow/tfjs-converter';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import { toModelInput } from '../../src/frame/pixels.js';
import { loadVerifiedGraphModel } from '../../src/models/load.js';
import { assert, atLeast, atMost, deepEqual, equal } from './assert.js';
import { framePixels, loadPortrait, MODEL_BASE, portraitIds } from './helpers.js';

/** Min/max over the RGB of a frame (drawn onto a small canvas). */
function frameRange(frame: VideoFrame): { min: number; max: number } {
  const canvas = new OffscreenCanvas(160, 90);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  assert(ctx, 'no 2d context');
  ctx.drawImage(frame, 0, 0, canvas.width, canvas.height);
  const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
  let min = 255;
  let max = 0;
  for (let i = 0; i < data.length; i += 4) {
    for (let c = 0; c < 3; c++) {
      const v = data[i + c]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return { min, max };
}

describe('browser test infrastructure', () => {
  it('fake camera gives a 1280x720 track whose frames are real pictures', async () => {
    const stream = await navigator.mediaDevices.getUserMedia({
      video: { width: 1280, height: 720 },
      audio: false,
    });
    const [track] = stream.getVideoTracks();
    assert(track, 'no video track');
    try {
      const settings = track.getSettings();
      equal(settings.width, 1280, `width ${settings.width}`);
      equal(settings.height, 720, `height ${settings.height}`);

      const reader = new MediaStreamTrackProcessor({ track }).readable.getReader();
      let frames = 0;
      let colourful = 0;
      const timestamps = new Set<number>();
      while (frames < 10) {
        const { value: frame, done } = await reader.read();
        if (done || !frame) break;
        try {
          frames++;
          timestamps.add(frame.timestamp);
          equal(frame.displayWidth, 1280);
          equal(frame.displayHeight, 720);
          const { min, max } = frameRange(frame);
          if (max - min > 32) colourful++;
        } finally {
          frame.close();
        }
      }
      await reader.cancel();
      atLeast(frames, 10, `only ${frames} frames`);
      equal(colourful, frames, `${frames - colourful} frames were (nearly) one colour`);
      atLeast(timestamps.size, 10, 'frame timestamps do not advance');
    } finally {
      track.stop();
    }
  });

  it('serves ../shared/media under /media/', async () => {
    const res = await fetch('/media/portraits/ids.txt');
    equal(res.status, 200);
    const ids = (await res.text()).split(/\s+/).filter(Boolean);
    atLeast(ids.length, 50, `ids.txt lists ${ids.length} ids`);
    const img = await fetch(`/media/portraits/images/${ids[0]}.jpg`);
    equal(img.status, 200);
    equal(img.headers.get('content-type'), 'image/jpeg');
    equal((await fetch('/media/..%2fpackage.json')).status, 404, 'traversal out of /media/');
    equal((await fetch('/media/no-such-file.txt')).status, 404);
  });

  it('runs the selfie graph model on the tfjs wasm backend', async () => {
    const wasm = await fetch('/models/wasm/tfjs-backend-wasm.wasm', { method: 'HEAD' });
    equal(wasm.headers.get('content-type'), 'application/wasm');

    setWasmPaths('/models/wasm/');
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    assert(await tf.setBackend('wasm'), 'wasm backend did not start');
    await tf.ready();
    equal(tf.getBackend(), 'wasm');

    const before = tf.memory().numTensors;
    const model = await loadGraphModel('/models/selfie.json');
    const input = tf.zeros([1, 256, 256, 3]);
    try {
      const output = model.predict(input) as tf.Tensor;
      try {
        deepEqual(output.shape, [1, 256, 256, 1]);
        const values = await output.data();
        assert(values.every((v) => v >= 0 && v <= 1), 'output outside 0..1');
      } finally {
        output.dispose();
      }
    } finally {
      input.dispose();
      model.dispose();
    }
    equal(tf.memory().numTensors, before, 'tensors leaked');
  });

  it('the optimised selfie graph (src/models/optimize.ts) gives the shipped graph\'s masks on wasm, on real portraits', async () => {
    setWasmPaths('/models/wasm/');
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    assert(await tf.setBackend('wasm'), 'wasm backend did not start');
    const base = new URL(MODEL_BASE, location.href);
    const before = tf.memory().numTensors;
    const fused = await loadVerifiedGraphModel(converter, base, 'selfie');
    const shipped = await loadVerifiedGraphModel(converter, base, 'selfie', { optimize: false });
    const input = new Float32Array(256 * 256 * 3);
    const times = { fused: [] as number[], shipped: [] as number[] };
    const run = (m: converter.GraphModel, key: keyof typeof times, x: tf.Tensor): Float32Array => {
      const t0 = performance.now();
      const out = tf.tidy(() => (m.execute(x) as tf.Tensor).dataSync() as Float32Array);
      times[key].push(performance.now() - t0);
      return out;
    };
    let worst = 0;
    let person = 0;
    try {
      for (const id of (await portraitIds()).slice(0, 6)) {
        const p = await loadPortrait(id);
        toModelInput(framePixels(p.image, p.width, p.height), input, 256, 256);
        p.image.close();
        const x = tf.tensor4d(input, [1, 256, 256, 3]);
        const a = run(shipped, 'shipped', x);
        const b = run(fused, 'fused', x);
        x.dispose();
        for (let i = 0; i < a.length; i++) {
          worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
          if (a[i]! > 0.5) person++;
        }
      }
    } finally {
      fused.dispose();
      shipped.dispose();
    }
    const med = (v: number[]): string => v.sort((x, y) => x - y)[v.length >> 1]!.toFixed(1);
    console.log(`[optimize] max |optimised − shipped| = ${worst.toExponential(2)}; execute median ms (first calls, not a benchmark): shipped ${med(times.shipped)}, optimised ${med(times.fused)}`);
    // Fusion changes the order of float additions only: far below one level of the 8-bit mask.
    atMost(worst, 1 / 255 / 4, 'largest difference of a mask probability');
    atLeast(person, 6 * 256 * 256 * 0.1, 'person pixels over six portraits (the masks are not empty)');
    equal(tf.memory().numTensors, before, 'tensors leaked');
  });
});
