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
  /** Free the model's tensors. Idempotent. */
  dispose(): void;
}
