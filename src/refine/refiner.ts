/**
 * The guided refiner: the model's low-resolution mask → a mask at ~320 px (longest side) that
 * follows the camera image's edges, is stable over time, leans toward hiding, and never shows a
 * pixel as person unless the current raw mask says person within one coarse pixel of it.
 *
 * Per frame, on a coarse grid G (output size / `subsample`, e.g. 160×90 for 720p) and the output
 * grid O (e.g. 320×180):
 *   1. luma guide at O (2×2 means of the Y plane or of RGB luma), and its block means at G;
 *   2. the raw mask sampled bilinearly at G (p), and its local maximum (the cap: the evidence);
 *   3. scene cut (mean luma change at G) or size change → temporal state reset;
 *   4. temporal smoothing of p with the previous smoothed mask (MediaPipe style) + dead band;
 *   5. guided filter coefficients A, B at G (He et al.), guide = luma at G;
 *   6. output at O: q = A·I + B, capped by the evidence, minus the hiding bias, as bytes.
 * The first frame after a reset is refined on its own (steps 1–2, 5–6).
 *
 * Cost: all passes are on G or O, never on the full frame (see docs/quality.md for figures).
 */
import type { FramePixels } from '../frame/pixels.js';
import type { Mask } from '../segmenter/types.js';
import { DEFAULT_REFINE_PARAMS, type RefineParams } from './constants.js';
import { blockMean, extractLuma, guidedCoefficients, guidedScratch, type GuidedScratch } from './guided.js';
import { meanAbsDiff, smoothTemporal } from './temporal.js';
import type { Refiner } from './types.js';

/** Sizes derived from one frame size and mask size. */
interface Geometry {
  fw: number; fh: number; mw: number; mh: number;
  /** Output (and luma guide) size. */
  ow: number; oh: number;
  /** Coarse (coefficient) grid size. */
  gw: number; gh: number;
}

/** Output size for a frame: longest side `outputSize`, aspect kept, never above the frame. */
export function outputGeometry(fw: number, fh: number, mw: number, mh: number, params: RefineParams): Geometry {
  const s = Math.min(1, params.outputSize / Math.max(fw, fh));
  const ow = Math.max(2, Math.round(fw * s));
  const oh = Math.max(2, Math.round(fh * s));
  return { fw, fh, mw, mh, ow, oh, gw: Math.ceil(ow / params.subsample), gh: Math.ceil(oh / params.subsample) };
}

/** Bilinear sample of `mask` (stretched over the frame, as the model saw it) at a `gw`×`gh` grid, 0..1. */
export function sampleMask(mask: Mask, out: Float32Array, gw: number, gh: number): void {
  const { data, width: mw, height: mh } = mask;
  const k = 1 / 255;
  for (let y = 0; y < gh; y++) {
    const fy = Math.min(mh - 1, Math.max(0, ((y + 0.5) * mh) / gh - 0.5));
    const y0 = Math.min(Math.max(0, mh - 2), Math.floor(fy));
    const y1 = Math.min(mh - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < gw; x++) {
      const fx = Math.min(mw - 1, Math.max(0, ((x + 0.5) * mw) / gw - 0.5));
      const x0 = Math.min(Math.max(0, mw - 2), Math.floor(fx));
      const x1 = Math.min(mw - 1, x0 + 1);
      const wx = fx - x0;
      const a = data[y0 * mw + x0]!, b = data[y0 * mw + x1]!, c = data[y1 * mw + x0]!, d = data[y1 * mw + x1]!;
      const top = a + (b - a) * wx;
      out[y * gw + x] = (top + (c + (d - c) * wx - top) * wy) * k;
    }
  }
}

/** Local maximum over a (2r+1)² window (separable); `tmp` is `w·h` long. */
export function maxFilter(src: Float32Array, dst: Float32Array, w: number, h: number, r: number, tmp: Float32Array): void {
  for (let y = 0; y < h; y++) {
    const o = y * w;
    for (let x = 0; x < w; x++) {
      let m = 0;
      const x1 = Math.min(w - 1, x + r);
      for (let k = Math.max(0, x - r); k <= x1; k++) if (src[o + k]! > m) m = src[o + k]!;
      tmp[o + x] = m;
    }
  }
  for (let y = 0; y < h; y++) {
    const y0 = Math.max(0, y - r);
    const y1 = Math.min(h - 1, y + r);
    const o = y * w;
    for (let x = 0; x < w; x++) {
      let m = 0;
      for (let k = y0; k <= y1; k++) if (tmp[k * w + x]! > m) m = tmp[k * w + x]!;
      dst[o + x] = m;
    }
  }
}

/** Buffers for one geometry. */
interface State {
  g: Geometry;
  guide: Float32Array; // luma at O
  guideG: Float32Array; // luma at G
  prevGuideG: Float32Array;
  p: Float32Array; // raw mask at G, then smoothed
  cap: Float32Array; // local max of the raw mask at G
  smoothed: Float32Array; // temporal state at G
  A: Float32Array;
  B: Float32Array;
  scratch: GuidedScratch;
  out: Uint8Array;
  mask: Mask;
  // Output grid → coarse grid mapping.
  xi: Int32Array;
  xw: Float32Array;
  rowA: Float32Array;
  rowB: Float32Array;
  rowC: Float32Array;
}

function allocate(g: Geometry): State {
  const nG = g.gw * g.gh;
  const nO = g.ow * g.oh;
  const out = new Uint8Array(nO);
  const xi = new Int32Array(g.ow);
  const xw = new Float32Array(g.ow);
  const sub = g.ow / g.gw;
  for (let x = 0; x < g.ow; x++) {
    const f = Math.min(g.gw - 1, Math.max(0, (x + 0.5) / sub - 0.5));
    const i = Math.min(Math.max(0, g.gw - 2), Math.floor(f));
    xi[x] = i;
    xw[x] = g.gw > 1 ? f - i : 0;
  }
  return {
    g,
    guide: new Float32Array(nO), guideG: new Float32Array(nG), prevGuideG: new Float32Array(nG),
    p: new Float32Array(nG), cap: new Float32Array(nG), smoothed: new Float32Array(nG),
    A: new Float32Array(nG), B: new Float32Array(nG), scratch: guidedScratch(nG),
    out, mask: { data: out, width: g.ow, height: g.oh }, xi, xw,
    rowA: new Float32Array(g.gw), rowB: new Float32Array(g.gw), rowC: new Float32Array(g.gw),
  };
}

/** q = A·I + B upsampled to O, capped by the evidence, minus the hiding bias, as bytes. */
function writeOutput(st: State, bias: number): void {
  const { g, guide, A, B, cap, out, xi, xw, rowA, rowB, rowC } = st;
  const { ow, oh, gw, gh } = g;
  const sub = oh / gh;
  for (let y = 0; y < oh; y++) {
    const f = Math.min(gh - 1, Math.max(0, (y + 0.5) / sub - 0.5));
    const y0 = Math.min(Math.max(0, gh - 2), Math.floor(f));
    const y1 = Math.min(gh - 1, y0 + 1);
    const wy = f - y0;
    const a0 = y0 * gw, a1 = y1 * gw;
    // Vertical lerp of the coarse rows once per output row.
    let anyCap = false;
    for (let j = 0; j < gw; j++) {
      const c = cap[a0 + j]! + (cap[a1 + j]! - cap[a0 + j]!) * wy;
      rowC[j] = c;
      if (c > bias) anyCap = true;
      rowA[j] = A[a0 + j]! + (A[a1 + j]! - A[a0 + j]!) * wy;
      rowB[j] = B[a0 + j]! + (B[a1 + j]! - B[a0 + j]!) * wy;
    }
    const o = y * ow;
    if (!anyCap) {
      out.fill(0, o, o + ow); // no evidence of a person anywhere on this row
      continue;
    }
    for (let x = 0; x < ow; x++) {
      const i = xi[x]!;
      const w = xw[x]!;
      const c0 = rowC[i]!;
      const c = c0 + (rowC[i + 1]! - c0) * w;
      if (c <= bias) {
        out[o + x] = 0;
        continue;
      }
      const a = rowA[i]! + (rowA[i + 1]! - rowA[i]!) * w;
      const b = rowB[i]! + (rowB[i + 1]! - rowB[i]!) * w;
      let q = a * guide[o + x]! + b;
      if (q > c) q = c;
      q -= bias;
      out[o + x] = q <= 0 ? 0 : q >= 1 ? 255 : (q * 255 + 0.5) | 0;
    }
  }
}

/** A {@link Refiner} with temporal state, plus its geometry for tests and benchmarks. */
export interface GuidedRefiner extends Refiner {
  /** Parameters in use. */
  readonly params: RefineParams;
  /** Frames refined since the last reset (0 = the next frame is refined on its own). */
  readonly history: number;
}

/** Create the guided refiner. */
export function createGuidedRefiner(params: RefineParams = DEFAULT_REFINE_PARAMS): GuidedRefiner {
  let st: State | null = null;
  let history = 0;
  let disposed = false;
  return {
    params,
    get history() {
      return history;
    },
    refine(frame: FramePixels, mask: Mask): Mask {
      if (disposed) throw new Error('Refiner was disposed.');
      const g0 = st?.g;
      if (!st || !g0 || g0.fw !== frame.width || g0.fh !== frame.height || g0.mw !== mask.width || g0.mh !== mask.height) {
        st = allocate(outputGeometry(frame.width, frame.height, mask.width, mask.height, params));
        history = 0; // resolution change: the past is in another geometry
      }
      const { g } = st;
      const nG = g.gw * g.gh;
      extractLuma(frame, st.guide, g.ow, g.oh);
      blockMean(st.guide, g.ow, g.oh, params.subsample, st.guideG);
      sampleMask(mask, st.p, g.gw, g.gh);
      maxFilter(st.p, st.cap, g.gw, g.gh, params.capRadius, st.scratch.tmp);
      if (history > 0 && meanAbsDiff(st.guideG, st.prevGuideG, nG) > params.sceneCut) history = 0;
      st.prevGuideG.set(st.guideG);
      if (history > 0) smoothTemporal(st.p, st.smoothed, nG, params.combineWithPrevious, params.deadBand);
      else st.smoothed.set(st.p);
      guidedCoefficients(st.guideG, st.p, g.gw, g.gh, params.radius, params.eps, st.A, st.B, st.scratch);
      writeOutput(st, params.hideBias);
      history++;
      return st.mask;
    },
    reset(): void {
      history = 0;
    },
    dispose(): void {
      disposed = true;
      st = null;
    },
  };
}
