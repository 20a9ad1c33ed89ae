/**
 * Person alpha at a plane's resolution: the 256×256 mask upsampled bilinearly (stretched over
 * the frame, as the model saw it) and feathered by a smoothstep lookup table — the same edges
 * as the WebGL blend stage. Per frame only each 2×2 mask cell's min and max are prepared; a row is
 * then cut into runs of whole cells that are surely background (alpha 0) or surely person
 * (alpha 256), and alpha is interpolated per pixel (in integers) only on the edge cells between.
 */
import type { Mask } from '../../segmenter/types.js';

/** Alpha = smoothstep(lo, hi, mask) scaled to 0..256 for fixed-point blending. */
export function alphaLut(lo: number, hi: number): Uint16Array {
  const lut = new Uint16Array(4096);
  // Indexed by the mask value ×16 (12 bits) so interpolated values keep their precision.
  for (let i = 0; i < 4096; i++) {
    const t = Math.min(1, Math.max(0, (i / 16 / 255 - lo) / (hi - lo)));
    lut[i] = Math.round(t * t * (3 - 2 * t) * 256);
  }
  return lut;
}

/** Kinds of runs of pixels in an alpha row. */
export const RunKind = Object.freeze({
  /** Alpha 0: background only. */
  Background: 0,
  /** Alpha 256: the camera pixel only. */
  Person: 1,
  /** Alpha varies: blend per pixel with `alpha`. */
  Edge: 2,
} as const);

/** One row of alpha for a plane. */
export interface AlphaRow {
  /** Alpha 0..256 for x in [start, end); outside that span alpha is 0. */
  readonly alpha: Uint16Array;
  readonly start: number;
  readonly end: number;
  /**
   * The row cut into runs that cover [0, width) in order: `runs[3i]` = first x, `runs[3i+1]` =
   * end x (exclusive), `runs[3i+2]` = a {@link RunKind}. Inside Background and Person runs alpha
   * is exactly 0 and 256, so a blend can fill and copy them natively; only Edge runs need
   * per-pixel work. `runCount` runs are valid.
   */
  readonly runs: Int32Array;
  readonly runCount: number;
}

/** Samples alpha rows at a plane's size. */
export interface AlphaSampler {
  /** Prepare for `mask` (null = veiled: alpha 0 everywhere) at a `width`×`height` plane. */
  prepare(mask: Mask | null, width: number, height: number): void;
  /**
   * The prepared mask at another plane size (e.g. chroma after luma): only the size-dependent
   * mapping is redone, not the per-cell classification of the mask.
   */
  resize(width: number, height: number): void;
  /** Alpha of row `y` of the prepared plane. The returned object and buffers are reused by the next call. */
  row(y: number): AlphaRow;
}

/**
 * Create a sampler using `lut` (from {@link alphaLut}).
 *
 * Each plane pixel interpolates one 2×2 cell of mask texels, and bilinear interpolation (with the
 * rounding used here) stays within the cell's min and max. So a cell whose four texels all map to
 * alpha 256 (or all to 0) gives exactly 256 (or 0) on every pixel it covers: those runs are
 * classified per mask cell and never touched per pixel. The result is bit-identical to computing
 * every pixel.
 */
export function createAlphaSampler(lut: Uint16Array): AlphaSampler {
  // Mask values (×16) at or below this give alpha 0; at or above `fullFrom`, alpha 256.
  let zeroBelow = 0;
  while (zeroBelow < 4095 && lut[zeroBelow + 1] === 0) zeroBelow++;
  let fullFrom = 4095;
  while (fullFrom > 0 && lut[fullFrom - 1] === 256) fullFrom--;
  if (lut[fullFrom] !== 256) fullFrom = 4096; // never full
  // Per mask row pair: runs of cells as (first cell, end cell, kind), from pairStart[r] to pairStart[r+1].
  let cellRuns = new Uint16Array(0);
  let pairStart = new Int32Array(0);
  let cellX = new Int32Array(0); // first plane x of each cell; cellX[cells] = width
  let out = new Uint16Array(0);
  let runs = new Int32Array(0);
  let x0 = new Int32Array(0);
  let wx = new Int32Array(0);
  let mask: Mask | null = null;
  let width = 0;
  let height = 0;
  // One result object, reused for every row (the hot path allocates nothing per row).
  const result: { alpha: Uint16Array; start: number; end: number; runs: Int32Array; runCount: number } = {
    alpha: out, start: 0, end: 0, runs, runCount: 0,
  };
  const background = (): AlphaRow => {
    result.alpha = out;
    result.start = 0;
    result.end = 0;
    result.runs = runs;
    runs[0] = 0;
    runs[1] = width;
    runs[2] = RunKind.Background;
    result.runCount = width > 0 ? 1 : 0;
    return result;
  };

  const sampler: AlphaSampler = {
    prepare(m, w, h) {
      mask = m;
      sampler.resize(w, h);
      if (!m) return;
      const { data, width: mw, height: mh } = m;
      const cells = Math.max(1, mw - 1);
      // Classify every cell of every mask row pair (y0, y0+1) and merge equal neighbours into
      // runs of cells. Independent of the plane size; a row maps the runs to its pixels.
      const pairs = Math.max(1, mh - 1);
      if (pairStart.length < pairs + 1) pairStart = new Int32Array(pairs + 1);
      if (cellRuns.length < pairs * cells * 3) cellRuns = new Uint16Array(pairs * cells * 3);
      const zero = zeroBelow;
      const full = fullFrom;
      let n = 0;
      for (let r = 0; r < pairs; r++) {
        pairStart[r] = n;
        const ra = r * mw;
        const rb = Math.min(mh - 1, r + 1) * mw;
        let kind = -1;
        for (let i = 0; i < cells; i++) {
          const j = mw > 1 ? i + 1 : i;
          const t0 = data[ra + i]!;
          const t1 = data[ra + j]!;
          const t2 = data[rb + i]!;
          const t3 = data[rb + j]!;
          const lo = Math.min(t0, t1, t2, t3);
          const hi = Math.max(t0, t1, t2, t3);
          const k = hi * 16 <= zero ? RunKind.Background : lo * 16 >= full ? RunKind.Person : RunKind.Edge;
          if (k === kind) {
            cellRuns[n * 3 - 2] = i + 1;
          } else {
            cellRuns[n * 3] = i;
            cellRuns[n * 3 + 1] = i + 1;
            cellRuns[n * 3 + 2] = k;
            n++;
            kind = k;
          }
        }
      }
      pairStart[pairs] = n;
    },
    resize(w, h) {
      width = w;
      height = h;
      if (out.length < w) out = new Uint16Array(w);
      if (!mask) {
        if (runs.length < 3) runs = new Int32Array(3);
        return;
      }
      const mw = mask.width;
      const cells = Math.max(1, mw - 1);
      if (runs.length < 3 * (cells + 2)) runs = new Int32Array(3 * (cells + 2));
      if (x0.length < w) {
        x0 = new Int32Array(w);
        wx = new Int32Array(w);
      }
      if (cellX.length < cells + 1) cellX = new Int32Array(cells + 1);
      cellX.fill(w, 0, cells + 1);
      for (let x = w - 1; x >= 0; x--) {
        const f = Math.min(mw - 1, Math.max(0, ((x + 0.5) * mw) / w - 0.5));
        const i = Math.max(0, Math.min(mw - 2, Math.floor(f)));
        x0[x] = i;
        wx[x] = Math.round((f - i) * 16);
      }
      // x0 is non-decreasing: cell i covers plane x in [cellX[i], cellX[i+1]).
      for (let x = w - 1; x >= 0; x--) cellX[x0[x]!] = x;
      for (let i = cells - 1; i >= 0; i--) if (cellX[i]! > cellX[i + 1]!) cellX[i] = cellX[i + 1]!;
    },
    row(y) {
      if (!mask) return background();
      const mh = mask.height;
      const mw = mask.width;
      const fy = Math.min(mh - 1, Math.max(0, ((y + 0.5) * mh) / height - 0.5));
      const y0 = Math.max(0, Math.min(mh - 2, Math.floor(fy)));
      const y1 = Math.min(mh - 1, y0 + 1);
      const wy = Math.round((fy - y0) * 16);
      const data = mask.data;
      const a = y0 * mw;
      const b = y1 * mw;
      const table = lut;
      const o = out;
      const rs = runs;
      let n = 0;
      let start = width;
      let end = 0;
      for (let r = pairStart[y0]!, re = pairStart[y0 + 1]!; r < re; r++) {
        const from = cellX[cellRuns[r * 3]!]!;
        const to = cellX[cellRuns[r * 3 + 1]!]!;
        if (from === to) continue;
        const k = cellRuns[r * 3 + 2]!;
        rs[n * 3] = from;
        rs[n * 3 + 1] = to;
        rs[n * 3 + 2] = k;
        n++;
        if (k !== RunKind.Background) {
          if (from < start) start = from;
          end = to;
        }
      }
      for (let r = 0; r < n; r++) {
        const from = rs[r * 3]!;
        const to = rs[r * 3 + 1]!;
        const k = rs[r * 3 + 2]!;
        if (from >= end || to <= start) continue;
        if (k === RunKind.Person) o.fill(256, from, to);
        else if (k === RunKind.Background) o.fill(0, from, to);
        else {
          // Bilinear in 12-bit fixed point: horizontal (×16) then vertical, rounded once.
          for (let x = from; x < to; x++) {
            const i = x0[x]!;
            const j = mw > 1 ? i + 1 : i;
            const w = wx[x]!;
            const ta = data[a + i]!;
            const tb = data[b + i]!;
            const ea = ta * 16 + (data[a + j]! - ta) * w;
            const eb = tb * 16 + (data[b + j]! - tb) * w;
            o[x] = table[(ea * 16 + (eb - ea) * wy + 8) >> 4]!;
          }
        }
      }
      if (end <= start) {
        start = 0;
        end = 0;
      }
      result.alpha = o;
      result.start = start;
      result.end = end;
      result.runs = rs;
      result.runCount = n;
      return result;
    },
  };
  return sampler;
}
