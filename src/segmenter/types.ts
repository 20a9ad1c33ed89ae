/**
 * The Segmenter stage: camera image in, low-resolution person mask out.
 */
import type { BackendName, ModelName } from '../options.js';

/** A person mask on the CPU: one byte per pixel, 0 = background, 255 = person. */
export interface Mask {
  /** Row-major probabilities, length `width * height`. Owned by the segmenter; valid until the next `segment` call. */
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

import type { FramePixels } from '../frame/pixels.js';

/**
 * Segments people in one image at a time. `F` is what a frame is on this path (CPU planes by
 * default, a texture on the GPU-resident path) and `M` what a mask is.
 */
export interface Segmenter<F = FramePixels, M = Mask> {
  /** Model in use. */
  readonly model: ModelName;
  /** tfjs backend in use. */
  readonly backend: BackendName;
  /**
   * Segment one frame. The returned mask stays valid until the next call. Rejects on a model
   * failure; the caller fails closed.
   */
  segment(frame: F): Promise<M>;
  /**
   * Adaptive quality (optional): switch to a cheaper model that shows no more background than
   * this one (measured, see `STEP_DOWN_VARIANT`), if there is one. Resolves true once the
   * switch is made (`model` then names the new model), false when there is nothing to step down
   * to; rejects when the cheaper model cannot be loaded (the current one stays). Frames keep
   * being segmented by the current model until the new one is ready.
   */
  stepDown?(): Promise<boolean>;
  /** Free the model's tensors. Idempotent. */
  dispose(): void;
}

/** Who a people-aware segmenter saw in its last frame (the `'people'` event's detail). */
export interface PeopleSeen {
  /** People in view. */
  readonly count: number;
  /** The main person, or null when nobody was found (the frame is all background). */
  readonly primary: {
    /** Stable while the same person stays the main person. */
    readonly id: number;
    /** Bounding box of the person's landmarks inside the frame, frame pixels. */
    readonly box: { readonly x: number; readonly y: number; readonly width: number; readonly height: number };
    /** Pose presence score of the landmark model, 0..1. */
    readonly score: number;
  } | null;
}
