/**
 * Refiner defaults. Every figure here was tuned on the dev portraits and the doctor clip with
 * `npm run eval` (see docs/quality.md); change them only with new measurements.
 */

/** Tunable parameters of the refiner (internal: the public API exposes no knob yet). */
export interface RefineParams {
  /** Longest side, in pixels, of the refined mask (and of the luma guide it follows). */
  readonly outputSize: number;
  /** The guided filter's coefficients are computed at the output size divided by this (fast guided filter). */
  readonly subsample: number;
  /** Box radius of the guided filter, in coefficient-grid pixels. */
  readonly radius: number;
  /** Guided filter regulariser ε (guide in 0..1): larger = smoother, follows image edges less. */
  readonly eps: number;
  /**
   * Bias toward hiding: subtracted from the refined probability, so a pixel is shown as person
   * (compositor alpha ≥ 0.5) only where the refined probability is ≥ 0.5 + `hideBias`.
   */
  readonly hideBias: number;
  /** Radius (coefficient-grid pixels) of the neighbourhood whose raw maximum caps the output. */
  readonly capRadius: number;
  /** MediaPipe's `combine_with_previous_ratio`: how much of the previous mask uncertain pixels keep. */
  readonly combineWithPrevious: number;
  /**
   * Hysteresis dead band (probability units): a pixel keeps its previous smoothed value while the
   * new value stays within this distance of it, so sensor noise does not move a still mask.
   */
  readonly deadBand: number;
  /** Mean absolute luma change (0..1) between consecutive guides above which temporal state resets (scene cut). */
  readonly sceneCut: number;
}

/** The defaults the pipeline uses. */
export const DEFAULT_REFINE_PARAMS: RefineParams = Object.freeze({
  outputSize: 320,
  subsample: 2,
  radius: 1,
  eps: 0.001,
  hideBias: 0,
  capRadius: 1,
  combineWithPrevious: 0.7,
  deadBand: 0.1,
  sceneCut: 0.1,
});
