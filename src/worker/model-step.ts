/**
 * Adaptive quality's model-size step (split worker mode): when even reusing every other mask
 * cannot keep the camera's rate — a segmented frame takes more than {@link MODEL_STEP_DOWN} camera
 * intervals on average — the segmentation worker asks its segmenter for a cheaper model
 * (`Segmenter.stepDown`), which exists only where the cheaper model shows no more background
 * (BlazePose heavy → full; see `STEP_DOWN_VARIANT`). It fires at most once per track: the step is
 * not undone, since the larger model's speed cannot be measured without running it again.
 */

/** Mean segmentation time, in camera frame intervals, above which the model steps down. */
export const MODEL_STEP_DOWN = 2;
/** Segmented frames averaged before deciding (the first ones after start-up are not counted). */
export const MODEL_STEP_FRAMES = 10;
/** Segmented frames skipped at start (warm-up: the first calls of a model are slower). */
export const MODEL_STEP_SKIP = 3;

/** Decides when to step the model down; see the module comment. */
export class ModelStepController {
  #enabled: boolean;
  #skip = MODEL_STEP_SKIP;
  #times: number[] = [];
  #fired = false;

  /** @param enabled - false never fires (`adaptiveModel: false`, or a segmenter without `stepDown`) */
  constructor(enabled: boolean) {
    this.#enabled = enabled;
  }

  /** Whether it has fired. */
  get fired(): boolean {
    return this.#fired;
  }

  /**
   * Record one segmented frame's time (ms) against the camera's frame interval (ms; `Infinity`
   * while unknown). Returns true exactly once: when the model should step down now.
   */
  record(segmentMs: number, periodMs: number): boolean {
    if (!this.#enabled || this.#fired) return false;
    if (this.#skip > 0) {
      this.#skip--;
      return false;
    }
    this.#times.push(segmentMs);
    if (this.#times.length < MODEL_STEP_FRAMES) return false;
    const mean = this.#times.reduce((a, b) => a + b, 0) / this.#times.length;
    this.#times.length = 0;
    if (!Number.isFinite(periodMs) || !(mean > MODEL_STEP_DOWN * periodMs)) return false;
    this.#fired = true;
    return true;
  }
}
