// Synthetic frames and masks for the CPU-stage unit tests (no browser APIs).
import type { FramePixels, PixelFormat } from '../../src/frame/pixels.js';
import { packedLayout, planesOf, rgbToPlaneValues, type Plane } from '../../src/compositor/cpu/planes.js';
import type { Mask } from '../../src/segmenter/types.js';

/** Deterministic PRNG (mulberry32) so failures reproduce. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A frame whose planes carry `pad` spare bytes at the end of every row (like a real copyTo
 * layout with alignment), so stride bugs show up. `rgbAt(x, y)` gives the colour (0..255) of a
 * luma-resolution pixel; chroma takes the colour of the top-left pixel of its 2×2 block.
 */
export function makeFrame(
  format: PixelFormat,
  width: number,
  height: number,
  rgbAt: (x: number, y: number) => [number, number, number],
  opts: { matrix?: 'bt601' | 'bt709'; fullRange?: boolean; pad?: number } = {},
): FramePixels & { planeList: Plane[] } {
  const matrix = opts.matrix ?? 'bt601';
  const fullRange = opts.fullRange ?? false;
  const pad = opts.pad ?? 0;
  const packed = packedLayout(format, width, height).layout;
  const base = planesOf(format, width, height, packed);
  let offset = 0;
  const layout = base.map((p) => {
    const stride = p.width * p.channels + pad;
    const l = { offset, stride };
    offset += stride * p.height;
    return l;
  });
  const data = new Uint8Array(offset).fill(0xee); // padding bytes stay 0xee
  const planeList = planesOf(format, width, height, layout);
  const meta = { format, matrix, fullRange } as const;
  planeList.forEach((p, pi) => {
    for (let y = 0; y < p.height; y++) {
      for (let x = 0; x < p.width; x++) {
        const [r, g, b] = rgbAt(Math.min(width - 1, x * p.subsample), Math.min(height - 1, y * p.subsample));
        const values = rgbToPlaneValues(meta, r, g, b)[pi]!;
        for (let c = 0; c < p.channels; c++) data[p.offset + y * p.stride + x * p.channels + c] = values[c]!;
      }
    }
  });
  return {
    format, width, height, data, planes: layout, matrix, fullRange, colorSpace: {}, planeList,
  };
}

/** A 256×256 mask from a function of normalised coordinates (u, v in 0..1, pixel centres). */
export function makeMask(f: (u: number, v: number) => number, size = 256): Mask {
  const data = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) data[y * size + x] = f((x + 0.5) / size, (y + 0.5) / size);
  }
  return { data, width: size, height: size };
}

/** Value of channel `c` of pixel (x, y) of `plane` in `data`. */
export function at(data: Uint8Array, plane: Plane, x: number, y: number, c = 0): number {
  return data[plane.offset + y * plane.stride + x * plane.channels + c]!;
}
