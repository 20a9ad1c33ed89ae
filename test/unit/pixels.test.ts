// toModelInput: frame planes → HWC float RGB in 0..1, resized (stretched) to the model input.
import { describe, expect, it } from 'vitest';
import { toModelInput, yuvCoefficients } from '../../src/frame/pixels.js';
import type { PixelFormat } from '../../src/frame/pixels.js';
import { makeFrame } from './frames.js';

const TOL = 2 / 255;

/** Pixel (x, y) of an HWC RGB buffer `w` wide. */
function px(out: Float32Array, w: number, x: number, y: number): [number, number, number] {
  const i = (y * w + x) * 3;
  return [out[i]!, out[i + 1]!, out[i + 2]!];
}

function expectRgb(actual: [number, number, number], rgb: readonly [number, number, number], label: string): void {
  actual.forEach((v, c) => expect(Math.abs(v - rgb[c]! / 255), `${label} channel ${c}: ${v}`).toBeLessThanOrEqual(TOL));
}

const COLOURS: ReadonlyArray<readonly [number, number, number]> = [
  [255, 255, 255], [0, 0, 0], [128, 128, 128], [200, 30, 30], [20, 160, 60], [40, 70, 220], [250, 220, 10],
];
const YUV_VARIANTS = [
  { matrix: 'bt601', fullRange: false },
  { matrix: 'bt601', fullRange: true },
  { matrix: 'bt709', fullRange: false },
  { matrix: 'bt709', fullRange: true },
] as const;

describe('toModelInput', () => {
  it.each(['I420', 'NV12'] as const)('%s: a solid colour maps to its RGB within 2/255 (all matrices and ranges)', (format) => {
    for (const meta of YUV_VARIANTS) {
      for (const colour of COLOURS) {
        const frame = makeFrame(format, 64, 36, () => [colour[0], colour[1], colour[2]], { ...meta, pad: 5 });
        const out = new Float32Array(16 * 16 * 3).fill(-1);
        toModelInput(frame, out, 16, 16);
        for (const [x, y] of [[0, 0], [15, 0], [0, 15], [15, 15], [7, 8]] as const) {
          expectRgb(px(out, 16, x, y), colour, `${format} ${meta.matrix} full=${meta.fullRange} ${colour.join(',')} @${x},${y}`);
        }
      }
    }
  });

  it.each(['RGBA', 'BGRA'] as const)('%s: a solid colour maps exactly to c/255', (format) => {
    for (const colour of COLOURS) {
      const frame = makeFrame(format, 30, 20, () => [colour[0], colour[1], colour[2]], { pad: 8 });
      const out = new Float32Array(8 * 8 * 3);
      toModelInput(frame, out, 8, 8);
      for (let i = 0; i < 64; i++) {
        expect(out[i * 3]).toBeCloseTo(colour[0] / 255, 6);
        expect(out[i * 3 + 1]).toBeCloseTo(colour[1] / 255, 6);
        expect(out[i * 3 + 2]).toBeCloseTo(colour[2] / 255, 6);
      }
    }
  });

  it.each(['I420', 'NV12', 'RGBA', 'BGRA'] as const)('%s: HWC order, RGB channels, row-major, frame stretched to the square', (format: PixelFormat) => {
    // Quadrants: top-left red, top-right green, bottom-left blue, bottom-right white; 16:9 frame.
    const W = 128;
    const H = 72;
    const quad = (x: number, y: number): [number, number, number] =>
      y < H / 2 ? (x < W / 2 ? [255, 0, 0] : [0, 255, 0]) : (x < W / 2 ? [0, 0, 255] : [255, 255, 255]);
    const frame = makeFrame(format, W, H, quad, { fullRange: true });
    const S = 32;
    const out = new Float32Array(S * S * 3 + 3).fill(7); // one spare pixel: must stay untouched
    toModelInput(frame, out, S, S);
    expect(Array.from(out.subarray(S * S * 3))).toEqual([7, 7, 7]);
    expect(out.subarray(0, S * S * 3).every((v) => v >= 0 && v <= 1)).toBe(true);
    // Quadrant centres (the frame is stretched, not letterboxed: each quadrant is S/2 × S/2).
    const tol = format === 'RGBA' || format === 'BGRA' ? 1e-6 : 4 / 255;
    const check = (x: number, y: number, rgb: [number, number, number]): void => {
      px(out, S, x, y).forEach((v, c) => expect(Math.abs(v - rgb[c]! / 255), `${format} @${x},${y} c${c}`).toBeLessThanOrEqual(tol));
    };
    check(S / 4, S / 4, [255, 0, 0]);
    check((3 * S) / 4, S / 4, [0, 255, 0]);
    check(S / 4, (3 * S) / 4, [0, 0, 255]);
    check((3 * S) / 4, (3 * S) / 4, [255, 255, 255]);
    // Corners too (edge clamping).
    check(0, 0, [255, 0, 0]);
    check(S - 1, S - 1, [255, 255, 255]);
  });

  it('supports non-square outputs (width first, then height)', () => {
    const frame = makeFrame('RGBA', 40, 40, (x) => (x < 20 ? [255, 0, 0] : [0, 0, 255]));
    const out = new Float32Array(10 * 4 * 3);
    toModelInput(frame, out, 10, 4);
    for (let y = 0; y < 4; y++) {
      expect(px(out, 10, 0, y)).toEqual([1, 0, 0]);
      expect(px(out, 10, 9, y)).toEqual([0, 0, 1]);
    }
  });

  it('interpolates bilinearly between pixels when downscaling by a non-integer factor', () => {
    // Horizontal luma ramp in RGBA: the output is a monotone ramp.
    const frame = makeFrame('RGBA', 100, 10, (x) => [Math.round((x * 255) / 99), 0, 0]);
    const out = new Float32Array(7 * 3 * 3);
    toModelInput(frame, out, 7, 3);
    const row = Array.from({ length: 7 }, (_, x) => px(out, 7, x, 1)[0]);
    for (let x = 1; x < 7; x++) expect(row[x]!).toBeGreaterThan(row[x - 1]!);
    // Centre of the middle output pixel samples the centre of the source: x = 49.5 → ~0.5.
    expect(row[3]!).toBeCloseTo(0.5, 1);
  });

  it('yuvCoefficients are the standard BT.601 / BT.709 ones', () => {
    expect(yuvCoefficients('bt601')).toEqual([1.402, -0.344136, -0.714136, 1.772]);
    expect(yuvCoefficients('bt709')).toEqual([1.5748, -0.1873, -0.4681, 1.8556]);
  });
});
