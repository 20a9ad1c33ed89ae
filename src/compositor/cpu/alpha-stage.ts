/**
 * Person alpha at a plane's resolution: the 256×256 mask upsampled bilinearly (stretched over
 * the frame, as the model saw it) and feathered by a smoothstep lookup table — the same edges
 * as the WebGL blend stage. Mask rows are expanded to the plane's width once per frame; each
 * output row is then a vertical lerp and a table lookup, in integers, and only inside the span
 * of the row where the mask is non-zero.
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

/** One row of alpha for a plane. */
export interface AlphaRow {
  /** Alpha 0..256 for x in [start, end); outside that span alpha is 0. */
  readonly alpha: Uint16Array;
  readonly start: number;
  readonly end: number;
}

/** Samples alpha rows at a plane's size. */
export interface AlphaSampler {
  /** Prepare for `mask` (null = veiled: alpha 0 everywhere) at a `width`×`height` plane. */
  prepare(mask: Mask | null, width: number, height: number): void;
  /** Alpha of row `y` of the prepared plane. The returned object and buffer are reused by the next call. */
  row(y: number): AlphaRow;
}

/** Create a sampler using `lut` (from {@link alphaLut}). */
export function createAlphaSampler(lut: Uint16Array): AlphaSampler {
  // Mask values (×16) at or below this give alpha 0.
  let zeroBelow = 0;
  while (zeroBelow < 4095 && lut[zeroBelow + 1] === 0) zeroBelow++;
  let expanded = new Uint16Array(0);
  let spans = new Int32Array(0); // per mask row: first and last+1 plane x with a non-zero value
  let out = new Uint16Array(0);
  let mask: Mask | null = null;
  let width = 0;
  let height = 0;
  // One result object, reused for every row (the hot path allocates nothing per row).
  const result: { alpha: Uint16Array; start: number; end: number } = { alpha: out, start: 0, end: 0 };
  const span = (alpha: Uint16Array, start: number, end: number): AlphaRow => {
    result.alpha = alpha;
    result.start = start;
    result.end = end;
    return result;
  };

  return {
    prepare(m, w, h) {
      mask = m;
      width = w;
      height = h;
      if (out.length < w) out = new Uint16Array(w);
      if (!m) return;
      const { data, width: mw, height: mh } = m;
      if (expanded.length < mh * w) expanded = new Uint16Array(mh * w);
      if (spans.length < mh * 2) spans = new Int32Array(mh * 2);
      const e = expanded;
      const sp = spans;
      const x0 = new Int32Array(w);
      const wx = new Int32Array(w);
      for (let x = 0; x < w; x++) {
        const f = Math.min(mw - 1, Math.max(0, ((x + 0.5) * mw) / w - 0.5));
        const i = Math.min(mw - 2, Math.floor(f));
        x0[x] = i;
        wx[x] = Math.round((f - i) * 16);
      }
      const zero = zeroBelow;
      for (let r = 0; r < mh; r++) {
        const base = r * mw;
        const o = r * w;
        let first = w;
        let last = 0;
        for (let x = 0; x < w; x++) {
          const i = base + x0[x]!;
          const l = data[i]!;
          const v = l * 16 + (data[i + 1]! - l) * wx[x]!;
          e[o + x] = v;
          if (v > zero) {
            if (x < first) first = x;
            last = x + 1;
          }
        }
        sp[r * 2] = first;
        sp[r * 2 + 1] = last;
      }
    },
    row(y) {
      if (!mask) return span(out, 0, 0);
      const mh = mask.height;
      const fy = Math.min(mh - 1, Math.max(0, ((y + 0.5) * mh) / height - 0.5));
      const y0 = Math.min(mh - 2, Math.floor(fy));
      const start = Math.min(spans[y0 * 2]!, spans[y0 * 2 + 2]!);
      const end = Math.max(spans[y0 * 2 + 1]!, spans[y0 * 2 + 3]!);
      if (end <= start) return span(out, 0, 0);
      const wy = Math.round((fy - y0) * 16);
      const e = expanded;
      const a = y0 * width;
      const b = a + width;
      const table = lut;
      const o = out;
      for (let x = start; x < end; x++) {
        const l = e[a + x]!;
        o[x] = table[(l * 16 + (e[b + x]! - l) * wy + 8) >> 4]!;
      }
      return span(o, start, end);
    },
  };
}
