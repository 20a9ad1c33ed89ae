// The WebGPU refiner (src/refine/webgpu/) against its TypeScript reference (src/refine/refiner.ts):
// the same frames and masks go to both, on a device of the test's own; the refined masks must
// agree to the same bar as the WebGL refiner's (test/browser/refine-gpu.test.ts).
import type { FramePixels } from '../../../src/frame/pixels.js';
import { createGpuContext, type GpuContext } from '../../../src/gpu/webgpu/gpu.js';
import { createGuidedRefiner, outputGeometry } from '../../../src/refine/refiner.js';
import { DEFAULT_REFINE_PARAMS } from '../../../src/refine/constants.js';
import { createWebGpuRefiner, type GpuHost } from '../../../src/refine/webgpu/index.js';
import type { Mask } from '../../../src/segmenter/types.js';
import { debugCounters } from '../../../src/internal/debug.js';
import { assert, equal } from '../assert.js';
import { loadPortrait, portraitIds } from '../helpers.js';

const FW = 640, FH = 360, MS = 256;

/** RGBA frame from a portrait, shifted by `dx` pixels (a moving person for the temporal stage). */
function frameOf(image: ImageBitmap, dx = 0): FramePixels {
  const c = new OffscreenCanvas(FW, FH);
  const g = c.getContext('2d', { willReadFrequently: true })!;
  g.drawImage(image, dx, 0, FW, FH);
  const d = g.getImageData(0, 0, FW, FH).data;
  return {
    format: 'RGBA', width: FW, height: FH, data: new Uint8Array(d.buffer, d.byteOffset, d.byteLength),
    planes: [{ offset: 0, stride: FW * 4 }], matrix: 'bt601', fullRange: true, colorSpace: {},
  };
}

/** A soft person-like blob mask, 256×256 bytes. */
function blobMask(shift = 0): Mask {
  const data = new Uint8Array(MS * MS);
  for (let y = 0; y < MS; y++) {
    for (let x = 0; x < MS; x++) {
      const u = (x + 0.5) / MS - 0.5 - shift, v = (y + 0.5) / MS - 0.65;
      const d = Math.sqrt((u / 0.22) ** 2 + (v / 0.45) ** 2);
      data[y * MS + x] = Math.round(255 / (1 + Math.exp((d - 1) * 14)));
    }
  }
  return { data, width: MS, height: MS };
}

describe('WebGPU refiner agrees with the TypeScript reference', () => {
  let device: GPUDevice;
  let ctx: GpuContext;
  let image: ImageBitmap;
  before(async () => {
    const adapter = await navigator.gpu.requestAdapter();
    assert(adapter, 'a WebGPU adapter');
    device = await adapter.requestDevice();
    ctx = createGpuContext(device);
    image = (await loadPortrait((await portraitIds())[0]!)).image;
  });
  after(() => {
    ctx.dispose();
    device.destroy();
  });

  it('the whole refiner over 4 moving frames: bytes within 1 (99.9 %) and 3 (all); objects destroyed on dispose', async () => {
    const g = outputGeometry(FW, FH, MS, MS, DEFAULT_REFINE_PARAMS);
    const nO = g.ow * g.oh;
    let encoder: GPUCommandEncoder | null = null;
    const host: GpuHost = {
      generation: 0, check: () => {}, tracker: () => createGpuContext(device),
      encoder: () => (encoder ??= device.createCommandEncoder()),
    };
    const ref = createGuidedRefiner();
    const frameTex = ctx.target(FW, FH, 'rgba8unorm', GPUTextureUsage.COPY_DST | GPUTextureUsage.TEXTURE_BINDING);
    const maskBuf = ctx.buffer(MS * MS * 4, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST);
    const rowBytes = Math.ceil((g.ow * 4) / 256) * 256;
    const readBuf = ctx.buffer(rowBytes * g.oh, GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ);
    const objects0 = debugCounters.gpuObjects; // the test's own objects above are counted too
    const gpu = createWebGpuRefiner(host);
    for (let k = 0; k < 4; k++) {
      const f = frameOf(image, k * 3);
      const m = blobMask(k * 0.004);
      const r = ref.refine(f, m);
      device.queue.writeTexture({ texture: frameTex.texture }, new Uint8Array(f.data), { bytesPerRow: FW * 4 }, [FW, FH]);
      device.queue.writeBuffer(maskBuf, 0, Float32Array.from(m.data, (v) => v / 255));
      device.pushErrorScope('validation');
      const q = gpu.refine({ texture: frameTex.texture, view: frameTex.view, width: FW, height: FH }, { kind: 'buffer', buffer: maskBuf, width: MS, height: MS });
      assert(q.kind === 'texture', 'a refined mask texture');
      equal(`${q.width}x${q.height}`, `${r.width}x${r.height}`, 'refined mask size');
      const enc = host.encoder();
      enc.copyTextureToBuffer({ texture: q.texture }, { buffer: readBuf, bytesPerRow: rowBytes }, [q.width, q.height]);
      device.queue.submit([enc.finish()]);
      encoder = null;
      const error = await device.popErrorScope();
      assert(!error, `GPU validation error: ${error?.message}`);
      await readBuf.mapAsync(GPUMapMode.READ);
      const bytes = new Uint8Array(readBuf.getMappedRange().slice(0));
      readBuf.unmap();
      let worst = 0, over1 = 0, person = 0;
      for (let y = 0; y < g.oh; y++) {
        for (let x = 0; x < g.ow; x++) {
          const i = y * g.ow + x;
          const d = Math.abs(bytes[y * rowBytes + x * 4]! - r.data[i]!);
          worst = Math.max(worst, d);
          if (d > 1) over1++;
          if (r.data[i]! > 127) person++;
        }
      }
      console.log(`[refine-webgpu] refiner frame ${k}: max |Δ| ${worst}/255, ${over1} of ${nO} pixels > 1, person pixels ${person}`);
      assert(person > nO * 0.05, 'the refined mask has a person (the test can fail)');
      assert(over1 <= nO * 0.001, `${over1} pixels differ by more than 1/255`);
      assert(worst <= 3, `a pixel differs by ${worst}/255`);
    }
    gpu.dispose();
    gpu.dispose();
    equal(debugCounters.gpuObjects, objects0, 'the refiner destroyed every texture and buffer it made');
  });
});
