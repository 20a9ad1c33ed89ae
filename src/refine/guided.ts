/**
 * Edge-aware mask refinement with the guided filter, on the CPU, at low resolution.
 *
 * ref: K. He, J. Sun, X. Tang, "Guided Image Filtering", ECCV 2010 / TPAMI 2013 (Algorithm 1).
 * ref: K. He, J. Sun, "Fast Guided Filter", arXiv:1505.00996, 2015 (coefficients on a subsampled grid).
 *
 * The mask p is filtered with the camera frame's luma I as guide: in every window the output is a
 * linear function of the guide, q = a·I + b, so the mask's edges move onto the image's edges.
 * a and b are computed on a coarse grid (the output size / `subsample`) and upsampled bilinearly.
 *
 * All buffers are Float32Array in 0..1; functions write into caller-owned buffers and allocate
 * nothing, so a frame costs no garbage.
 */
import type { FramePixels } from '../frame/pixels.js';

/** Column offset tables of {@link extractLuma}, reused between frames. */
let colA = new Int32Array(0);
let colB = new Int32Array(0);

/**
 * The frame's luma at `ow`×`oh` (0..1), each sample the mean of the 2×2 source pixels nearest to
 * the output pixel's centre (enough to tame sensor noise and aliasing at the 2–4× reductions used).
 */
export function extractLuma(frame: FramePixels, out: Float32Array, ow: number, oh: number): void {
  const { width: w, height: h, data, format } = frame;
  const plane = frame.planes[0]!;
  const { offset, stride } = plane;
  const sx = w / ow;
  const sy = h / oh;
  // Column offsets (bytes) of the two source pixels per output column.
  const rgb = format === 'RGBA' || format === 'BGRA';
  const bpp = rgb ? 4 : 1;
  if (colA.length < ow) {
    colA = new Int32Array(ow);
    colB = new Int32Array(ow);
  }
  const xa = colA;
  const xb = colB;
  for (let x = 0; x < ow; x++) {
    const c = Math.min(w - 1, Math.max(0, Math.floor((x + 0.5) * sx - 0.5)));
    xa[x] = c * bpp;
    xb[x] = Math.min(w - 1, c + 1) * bpp;
  }
  if (rgb) {
    // BT.601 luma weights; R and B swap for BGRA. 1/(4·256·255): 2×2 mean, weights ×256, 0..1.
    const wr = format === 'RGBA' ? 77 : 29;
    const wb = format === 'RGBA' ? 29 : 77;
    const k = 1 / (4 * 256 * 255);
    for (let y = 0; y < oh; y++) {
      const r0 = Math.min(h - 1, Math.max(0, Math.floor((y + 0.5) * sy - 0.5)));
      const a = offset + r0 * stride;
      const b = offset + Math.min(h - 1, r0 + 1) * stride;
      const o = y * ow;
      for (let x = 0; x < ow; x++) {
        const i0 = a + xa[x]!, i1 = a + xb[x]!, i2 = b + xa[x]!, i3 = b + xb[x]!;
        const s =
          wr * (data[i0]! + data[i1]! + data[i2]! + data[i3]!) +
          150 * (data[i0 + 1]! + data[i1 + 1]! + data[i2 + 1]! + data[i3 + 1]!) +
          wb * (data[i0 + 2]! + data[i1 + 2]! + data[i2 + 2]! + data[i3 + 2]!);
        out[o + x] = s * k;
      }
    }
    return;
  }
  // Y plane of I420/NV12. Limited range (16–235) is stretched to 0..1 so ε means the same.
  const lo = frame.fullRange ? 0 : 16;
  const k = 1 / (4 * (frame.fullRange ? 255 : 219));
  for (let y = 0; y < oh; y++) {
    const r0 = Math.min(h - 1, Math.max(0, Math.floor((y + 0.5) * sy - 0.5)));
    const a = offset + r0 * stride;
    const b = offset + Math.min(h - 1, r0 + 1) * stride;
    const o = y * ow;
    for (let x = 0; x < ow; x++) {
      const s = data[a + xa[x]!]! + data[a + xb[x]!]! + data[b + xa[x]!]! + data[b + xb[x]!]!;
      const v = (s - 4 * lo) * k;
      out[o + x] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
  }
}

/** Mean of `s`×`s` blocks: `src` is `w`×`h`, `dst` is ceil(w/s)×ceil(h/s) (edge blocks are partial). */
export function blockMean(src: Float32Array, w: number, h: number, s: number, dst: Float32Array): void {
  const lw = Math.ceil(w / s);
  const lh = Math.ceil(h / s);
  for (let ly = 0; ly < lh; ly++) {
    const y0 = ly * s;
    const y1 = Math.min(h, y0 + s);
    for (let lx = 0; lx < lw; lx++) {
      const x0 = lx * s;
      const x1 = Math.min(w, x0 + s);
      let sum = 0;
      for (let y = y0; y < y1; y++) {
        const r = y * w;
        for (let x = x0; x < x1; x++) sum += src[r + x]!;
      }
      dst[ly * lw + lx] = sum / ((y1 - y0) * (x1 - x0));
    }
  }
}

/** Running column sums and inverse window widths of {@link boxMean}, grown on demand (reused). */
let rowAcc = new Float32Array(0);
let invCount = new Float32Array(0);

/**
 * Box mean of radius `r` (window (2r+1)², clipped at the borders and normalised by the number of
 * pixels inside) — separable running sums, O(1) per pixel. `tmp` holds `w·h` values.
 */
export function boxMean(src: Float32Array, dst: Float32Array, w: number, h: number, r: number, tmp: Float32Array): void {
  if (invCount.length < w) invCount = new Float32Array(w);
  const inv = invCount;
  for (let x = 0; x < w; x++) inv[x] = 1 / (Math.min(w - 1, x + r) - Math.max(0, x - r) + 1);
  // Horizontal pass into tmp: head (window growing), body, tail (window shrinking).
  const head = Math.min(w, r + 1);
  const bodyEnd = Math.max(head, w - r);
  for (let y = 0; y < h; y++) {
    const o = y * w;
    let sum = 0;
    for (let x = 0; x < r && x < w; x++) sum += src[o + x]!;
    let x = 0;
    for (; x < head; x++) {
      if (x + r < w) sum += src[o + x + r]!;
      tmp[o + x] = sum * inv[x]!;
    }
    for (; x < bodyEnd; x++) {
      sum += src[o + x + r]! - src[o + x - r - 1]!;
      tmp[o + x] = sum * inv[x]!;
    }
    for (; x < w; x++) {
      if (x - r - 1 >= 0) sum -= src[o + x - r - 1]!;
      tmp[o + x] = sum * inv[x]!;
    }
  }
  // Vertical pass: running column sums, row by row so memory is walked in order.
  if (rowAcc.length < w) rowAcc = new Float32Array(w);
  const acc = rowAcc;
  acc.fill(0, 0, w);
  for (let y = 0; y < r && y < h; y++) {
    const o = y * w;
    for (let x = 0; x < w; x++) acc[x]! += tmp[o + x]!;
  }
  for (let y = 0; y < h; y++) {
    const add = y + r < h ? (y + r) * w : -1;
    const sub = y - r - 1 >= 0 ? (y - r - 1) * w : -1;
    const k = 1 / (Math.min(h - 1, y + r) - Math.max(0, y - r) + 1);
    const o = y * w;
    if (add >= 0 && sub >= 0) {
      for (let x = 0; x < w; x++) {
        const v = acc[x]! + tmp[add + x]! - tmp[sub + x]!;
        acc[x] = v;
        dst[o + x] = v * k;
      }
    } else {
      if (add >= 0) for (let x = 0; x < w; x++) acc[x]! += tmp[add + x]!;
      if (sub >= 0) for (let x = 0; x < w; x++) acc[x]! -= tmp[sub + x]!;
      for (let x = 0; x < w; x++) dst[o + x] = acc[x]! * k;
    }
  }
}

/** Scratch buffers for {@link guidedCoefficients}, all `n` long. */
export interface GuidedScratch {
  meanI: Float32Array;
  meanP: Float32Array;
  corrII: Float32Array;
  corrIP: Float32Array;
  tmp: Float32Array;
}

/** Allocate scratch for a `n`-pixel grid. */
export function guidedScratch(n: number): GuidedScratch {
  return {
    meanI: new Float32Array(n), meanP: new Float32Array(n), corrII: new Float32Array(n),
    corrIP: new Float32Array(n), tmp: new Float32Array(n),
  };
}

/**
 * Guided filter coefficients (He et al., Algorithm 1) on a `w`×`h` grid: guide `I`, input `p`;
 * writes the window-averaged coefficients mean_a into `A` and mean_b into `B`, so that the
 * filtered value is q = A·I + B (I taken at any resolution, A and B upsampled).
 */
export function guidedCoefficients(
  I: Float32Array, p: Float32Array, w: number, h: number, r: number, eps: number,
  A: Float32Array, B: Float32Array, s: GuidedScratch,
): void {
  const n = w * h;
  const { meanI, meanP, corrII, corrIP, tmp } = s;
  // corrII and corrIP hold I·I and I·p first, then their box means (in place is not allowed: use A/B as staging).
  for (let i = 0; i < n; i++) {
    const v = I[i]!;
    A[i] = v * v;
    B[i] = v * p[i]!;
  }
  boxMean(I, meanI, w, h, r, tmp);
  boxMean(p, meanP, w, h, r, tmp);
  boxMean(A, corrII, w, h, r, tmp);
  boxMean(B, corrIP, w, h, r, tmp);
  for (let i = 0; i < n; i++) {
    const mi = meanI[i]!;
    const mp = meanP[i]!;
    const a = (corrIP[i]! - mi * mp) / (corrII[i]! - mi * mi + eps);
    corrII[i] = a; // a
    corrIP[i] = mp - a * mi; // b
  }
  boxMean(corrII, A, w, h, r, tmp);
  boxMean(corrIP, B, w, h, r, tmp);
}
