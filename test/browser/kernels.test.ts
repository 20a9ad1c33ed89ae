// The CPU compositor's wasm SIMD kernels (src/compositor/cpu/kernels) in Chromium: they load,
// the compositor uses them, and its output frame is byte for byte the JavaScript compositor's, on
// a real camera frame (I420 from the fake camera) and a person-shaped mask, at two sizes (the
// kernels' memory grows between them).
import { createCpuCompositor } from '../../src/compositor/cpu/index.js';
import { loadCpuKernels } from '../../src/compositor/cpu/kernels/index.js';
import { createFrameReader } from '../../src/frame/pixels.js';
import type { Mask } from '../../src/segmenter/types.js';
import { assert, atLeast, equal } from './assert.js';
import { camera } from './helpers.js';

function personMask(): Mask {
  const data = new Uint8Array(256 * 256);
  for (let y = 0; y < 256; y++) {
    for (let x = 0; x < 256; x++) data[y * 256 + x] = Math.max(0, Math.min(255, Math.round((1.05 - Math.hypot((x - 128) / 70, (y - 170) / 110)) * 900)));
  }
  return { data, width: 256, height: 256 };
}

async function bytesOf(frame: VideoFrame): Promise<Uint8Array> {
  const out = new Uint8Array(frame.allocationSize());
  await frame.copyTo(out);
  return out;
}

describe('wasm SIMD compositor kernels', () => {
  it('load in Chromium, are used for a blur, and give the JavaScript compositor\'s bytes', async () => {
    const kernels = await loadCpuKernels();
    assert(kernels, 'kernels did not load (WebAssembly SIMD missing?)');
    const withKernels = createCpuCompositor(undefined, kernels);
    const plain = createCpuCompositor();
    const track = await camera(1280, 720);
    const reader = new MediaStreamTrackProcessor({ track: track as MediaStreamVideoTrack }).readable.getReader();
    const frameReader = createFrameReader();
    const mask = personMask();
    try {
      for (const scale of [0.5, 1]) {
        const { value: frame } = await reader.read();
        assert(frame, 'no camera frame');
        // A smaller frame first, then the camera's own size: the kernels' memory grows in between.
        const w = Math.round(frame.displayWidth * scale) & ~1;
        const h = Math.round(frame.displayHeight * scale) & ~1;
        const source = scale === 1 ? frame : new VideoFrame(await createImageBitmap(frame, { resizeWidth: w, resizeHeight: h }), { timestamp: frame.timestamp });
        const pixels = await frameReader.read(source);
        const calls0 = kernels.calls;
        withKernels.render(pixels, mask);
        plain.render(pixels, mask);
        atLeast(kernels.calls - calls0, pixels.height, `kernel calls for a ${w}×${h} blur (about one per row)`);
        const a = withKernels.toVideoFrame(frame.timestamp);
        const b = plain.toVideoFrame(frame.timestamp);
        const [ba, bb] = [await bytesOf(a), await bytesOf(b)];
        a.close();
        b.close();
        if (source !== frame) source.close();
        frame.close();
        equal(ba.length, bb.length);
        let diff = 0;
        for (let i = 0; i < ba.length; i++) if (ba[i] !== bb[i]) diff++;
        console.log(`[kernels] ${pixels.format} ${w}×${h}: ${diff} of ${ba.length} bytes differ`);
        equal(diff, 0, `${diff} bytes differ at ${w}×${h}`);
      }
    } finally {
      reader.cancel().catch(() => {});
      track.stop();
      withKernels.dispose();
      plain.dispose();
    }
  });
});
