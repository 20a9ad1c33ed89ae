/**
 * Temporal stability of the mask: uncertainty-weighted mixing with the previous mask, plus a
 * hysteresis dead band, and the scene-cut test that decides when the past no longer applies.
 *
 * ref: MediaPipe SegmentationSmoothingCalculator
 *      (mediapipe/calculators/image/segmentation_smoothing_calculator.cc): a pixel whose new
 *      probability p is uncertain (near 0.5) keeps more of the previous mask, a confident one
 *      takes the new value: s = p + (prev − p) · uncertainty(p) · combine_with_previous_ratio,
 *      uncertainty(p) = 1 − min(1, 1 − H(p))², H = binary entropy, computed there (and here)
 *      with the same polynomial in (p − 0.5)².
 */

const C1 = 5.68842;
const C2 = -0.748699;
const C3 = -57.8051;
const C4 = 291.309;
const C5 = -624.717;

/** MediaPipe's uncertainty of a probability: 1 at p = 0.5, 0 at p ≤ ~0.08 or ≥ ~0.92. */
export function uncertainty(p: number): number {
  const t = p - 0.5;
  const x = t * t;
  const c = x * (C1 + x * (C2 + x * (C3 + x * (C4 + x * C5))));
  return c >= 1 ? 0 : 1 - c;
}

/**
 * Mix `cur` (in place) with the previous smoothed mask `prev`, then apply the dead band: where
 * the mixed value stays within `deadBand` of `prev`, the previous value is kept, so noise on a
 * still scene moves nothing. `prev` is updated to the result. Arrays are `n` long, 0..1.
 */
export function smoothTemporal(cur: Float32Array, prev: Float32Array, n: number, ratio: number, deadBand: number): void {
  for (let i = 0; i < n; i++) {
    const p = cur[i]!;
    const q = prev[i]!;
    let s = p + (q - p) * uncertainty(p) * ratio;
    const d = s - q;
    if (d < deadBand && d > -deadBand) s = q;
    cur[i] = s;
    prev[i] = s;
  }
}

/** Mean absolute difference of two `n`-long arrays (used on the coarse luma guides). */
export function meanAbsDiff(a: Float32Array, b: Float32Array, n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    sum += d < 0 ? -d : d;
  }
  return n ? sum / n : 0;
}
