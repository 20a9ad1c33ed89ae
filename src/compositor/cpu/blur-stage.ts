/**
 * Mask-aware background blur on the CPU, at low resolution (about {@link BLUR_GRID_ROWS} rows,
 * whatever the camera's resolution): box-downsample each plane with the person weighted out,
 * separable Gaussian on the premultiplied values and on the weights, then divide. The person is
 * never smeared into the background (leak vector L7). Output: per-channel low-res background
 * grids that the blend upsamples bilinearly.
 */
import type { Mask } from '../../segmenter/types.js';
import type { Plane } from './planes.js';

/** Target rows of the blur grid. */
export const BLUR_GRID_ROWS = 96;
/** Mask values in [lo, hi] fade from full to zero weight in the background estimate. */
export const BLUR_EXCLUDE: readonly [number, number] = [0.2, 0.5];

/** Weight of a cell's own plain average in the weighted mean (only matters where no background is near). */
const FALLBACK_WEIGHT = 0.005;

/** Scratch buffers of {@link cellWeights}, kept by the stage across frames. */
interface WeightScratch {
  x0s: Int32Array;
  x1s: Int32Array;
  rowMax: Uint8Array;
}

/** Per-cell background weight: 1 − smoothstep(BLUR_EXCLUDE) of the max mask value over the cell's footprint. */
function cellWeights(mask: Mask, width: number, height: number, gw: number, gh: number, block: number, out: Float32Array, scratch: WeightScratch): void {
  const { data, width: mw, height: mh } = mask;
  const [lo, hi] = BLUR_EXCLUDE;
  // Mask texel range [first, last] that full-res pixels [p0, p1) sample bilinearly.
  const first = (p0: number, full: number, m: number): number => Math.max(0, Math.floor(((p0 + 0.5) * m) / full - 0.5));
  const last = (p1: number, full: number, m: number): number => Math.min(m - 1, Math.floor(((p1 - 0.5) * m) / full - 0.5) + 1);
  if (scratch.x0s.length < gw) {
    scratch.x0s = new Int32Array(gw);
    scratch.x1s = new Int32Array(gw);
  }
  if (scratch.rowMax.length < mh * gw) scratch.rowMax = new Uint8Array(mh * gw);
  const { x0s, x1s, rowMax } = scratch;
  for (let gx = 0; gx < gw; gx++) {
    x0s[gx] = first(gx * block, width, mw);
    x1s[gx] = last((gx + 1) * block, width, mw);
  }
  // Per mask row, the max over each cell's x range; then the max of those over the cell's rows.
  for (let y = 0; y < mh; y++) {
    const row = y * mw;
    for (let gx = 0; gx < gw; gx++) {
      let max = 0;
      for (let x = x0s[gx]!, xe = x1s[gx]!; x <= xe; x++) if (data[row + x]! > max) max = data[row + x]!;
      rowMax[y * gw + gx] = max;
    }
  }
  for (let gy = 0; gy < gh; gy++) {
    const y0 = first(gy * block, height, mh);
    const y1 = last((gy + 1) * block, height, mh);
    for (let gx = 0; gx < gw; gx++) {
      let max = 0;
      for (let y = y0; y <= y1; y++) if (rowMax[y * gw + gx]! > max) max = rowMax[y * gw + gx]!;
      const t = Math.min(1, Math.max(0, (max / 255 - lo) / (hi - lo)));
      out[gy * gw + gx] = 1 - t * t * (3 - 2 * t);
    }
  }
}

/** Low-resolution background, one Float32Array per plane channel, all `width`×`height`. */
export interface LowBackground {
  width: number;
  height: number;
  /** Full-res pixels per grid cell (luma). */
  block: number;
  /** [plane][channel] → grid values (0..255). */
  channels: Float32Array[][];
}

function gaussian(sigma: number): Float32Array {
  const taps = Math.max(1, Math.ceil(sigma * 2.5));
  const w = new Float32Array(taps + 1);
  let sum = 0;
  for (let i = 0; i <= taps; i++) {
    w[i] = Math.exp((-i * i) / (2 * sigma * sigma));
    sum += i ? 2 * w[i]! : w[i]!;
  }
  for (let i = 0; i <= taps; i++) w[i]! /= sum;
  return w;
}

/**
 * Blur `src` (w×h) into `dst` along x then y, using `tmp` and the row accumulator `acc` (≥ w);
 * edges clamp. Interior pixels skip the clamping; the vertical pass runs along rows. Every
 * output is summed in the same order as the plain definition (centre, then pairs by distance).
 */
function blur2d(src: Float32Array, dst: Float32Array, tmp: Float32Array, acc: Float64Array, w: number, h: number, k: Float32Array): void {
  const taps = k.length - 1;
  const k0 = k[0]!;
  const inner0 = Math.min(taps, w);
  const inner1 = Math.max(inner0, w - taps);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      if (x === inner0 && x < inner1) {
        // Interior: no tap leaves the row.
        for (; x < inner1; x++) {
          let a = src[row + x]! * k0;
          for (let i = 1; i <= taps; i++) a += (src[row + x - i]! + src[row + x + i]!) * k[i]!;
          tmp[row + x] = a;
        }
        if (x >= w) break;
      }
      let a = src[row + x]! * k0;
      for (let i = 1; i <= taps; i++) {
        a += (src[row + (x - i < 0 ? 0 : x - i)]! + src[row + (x + i >= w ? w - 1 : x + i)]!) * k[i]!;
      }
      tmp[row + x] = a;
    }
  }
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) acc[x] = tmp[row + x]! * k0;
    for (let i = 1; i <= taps; i++) {
      const ra = (y - i < 0 ? 0 : y - i) * w;
      const rb = (y + i >= h ? h - 1 : y + i) * w;
      const ki = k[i]!;
      for (let x = 0; x < w; x++) acc[x] = acc[x]! + (tmp[ra + x]! + tmp[rb + x]!) * ki;
    }
    for (let x = 0; x < w; x++) dst[row + x] = acc[x]!;
  }
}

/** The wasm twin of {@link blur2d} (kernels/kernels.as.ts), on byte offsets into its memory. */
export interface BlurKernels {
  readonly buffer: ArrayBuffer;
  /** Lay out scratch regions (see CpuKernels.reserve); their contents last until the next call. */
  reserve(sizes: readonly number[]): number[];
  blur2d(src: number, dst: number, tmp: number, w: number, h: number, k: number, taps: number): void;
}

/** The CPU blur stage. */
export interface CpuBlurStage {
  /**
   * Build the low-res background of `data` (planes `planes`, frame `width`×`height`).
   * `radius` is the blur radius in pixels at 720p. `mask === null` blurs the whole frame.
   */
  render(data: Uint8Array, planes: readonly Plane[], width: number, height: number, mask: Mask | null, radius: number): LowBackground;
}

/**
 * Create the stage; buffers are reused across frames and regrown on resize. With `kernels` the
 * Gaussian passes run in wasm (same values bit for bit; the grids are copied in and out).
 */
export function createCpuBlurStage(kernels: BlurKernels | null = null): CpuBlurStage {
  let grid: LowBackground | null = null;
  let weight = new Float32Array(0);
  let weightBlur = new Float32Array(0);
  let scratch = new Float32Array(0);
  let plain = new Float32Array(0);
  let tmp = new Float32Array(0);
  let acc = new Float64Array(0);
  const weightScratch: WeightScratch = { x0s: new Int32Array(0), x1s: new Int32Array(0), rowMax: new Uint8Array(0) };
  let kernel: Float32Array | null = null;
  let kernelSigma = -1;

  /** {@link blur2d}, by the wasm kernel when there is one. */
  const gauss = (src: Float32Array, dst: Float32Array, w: number, h: number, k: Float32Array): void => {
    if (!kernels) {
      blur2d(src, dst, tmp, acc, w, h, k);
      return;
    }
    const n = w * h;
    const [s, d, t, kk] = kernels.reserve([n * 4, n * 4, n * 4, k.length * 4]) as [number, number, number, number];
    const buf = kernels.buffer;
    new Float32Array(buf, s, n).set(src.subarray(0, n));
    new Float32Array(buf, kk, k.length).set(k);
    kernels.blur2d(s, d, t, w, h, kk, k.length - 1);
    dst.set(new Float32Array(buf, d, n));
  };

  return {
    render(data, planes, width, height, mask, radius) {
      // Even block so 4:2:0 chroma blocks are whole.
      const block = Math.max(2, 2 * Math.round(height / BLUR_GRID_ROWS / 2));
      const gw = Math.max(1, Math.floor(width / block));
      const gh = Math.max(1, Math.floor(height / block));
      const n = gw * gh;
      if (!grid || grid.width !== gw || grid.height !== gh || grid.channels.length !== planes.length) {
        grid = { width: gw, height: gh, block, channels: planes.map((p) => Array.from({ length: p.colourChannels }, () => new Float32Array(n))) };
        weight = new Float32Array(n);
        weightBlur = new Float32Array(n);
        scratch = new Float32Array(n);
        plain = new Float32Array(n);
        tmp = new Float32Array(n);
        acc = new Float64Array(gw);
      }
      // Background weight per cell from the *largest* mask value over the cell's footprint
      // (every mask texel its pixels interpolate from): a cell holding any person pixel is kept
      // out of the background estimate, wherever the edge falls inside it.
      if (mask) cellWeights(mask, width, height, gw, gh, block, weight, weightScratch);
      else weight.fill(1);
      const sigma = Math.max(0.5, ((radius / 2) * (height / 720)) / block);
      if (sigma !== kernelSigma) {
        kernel = gaussian(sigma);
        kernelSigma = sigma;
      }
      gauss(weight, weightBlur, gw, gh, kernel!);
      const sc = scratch;
      const pl = plain;
      const wt = weight;
      const wb = weightBlur;
      for (let pi = 0; pi < planes.length; pi++) {
        const plane = planes[pi]!;
        const b = block / plane.subsample;
        // Blocks of 4+ pixels are sampled on a stride-2 lattice: a quarter of the reads, and
        // still 4+ samples per cell before a Gaussian of 1.5+ cells.
        const step = b >= 4 ? 2 : 1;
        const samples = (b / step) * (b / step);
        const inv = 1 / samples;
        const nc = plane.channels;
        for (let c = 0; c < plane.colourChannels; c++) {
          for (let gy = 0; gy < gh; gy++) {
            for (let gx = 0; gx < gw; gx++) {
              let sum = 0;
              const x0 = gx * b;
              for (let yy = gy * b, ye = yy + b; yy < ye; yy += step) {
                let i = plane.offset + yy * plane.stride + x0 * nc + c;
                for (let k = 0; k < b; k += step, i += step * nc) sum += data[i]!;
              }
              const avg = sum * inv;
              pl[gy * gw + gx] = avg;
              sc[gy * gw + gx] = avg * wt[gy * gw + gx]!;
            }
          }
          const out = grid!.channels[pi]![c]!;
          gauss(sc, out, gw, gh, kernel!);
          // Weighted mean; where no background is near (deep inside the person, hidden by it)
          // it falls back smoothly to the cell's own average, so values stay in range.
          for (let i = 0; i < n; i++) out[i] = (out[i]! + FALLBACK_WEIGHT * pl[i]!) / (wb[i]! + FALLBACK_WEIGHT);
        }
      }
      return grid;
    },
  };
}
