/**
 * The Refiner stage, between the segmenter and the compositor: turns the model's raw mask for a
 * frame into the mask the compositor uses (edge-aware upsampling, temporal smoothing, bias toward
 * hiding). It sees the frame's pixels so it can follow the camera image's edges.
 */
import type { FramePixels } from '../frame/pixels.js';
import type { Mask } from '../segmenter/types.js';

/** Refines masks, frame by frame (`F`, `M`: frame and mask types of the path, see Segmenter). */
export interface Refiner<F = FramePixels, M = Mask> {
  /**
   * The refined mask for `frame`, given the model's `mask` for that same frame. The result may
   * have any size (the compositor stretches it over the frame) and stays valid until the next
   * call. Must never widen the person beyond what the evidence supports (fail closed).
   */
  refine(frame: F, mask: M): M;
  /** Forget temporal state (scene cut, resolution change, effect restart). */
  reset(): void;
  /** Free buffers. Idempotent. */
  dispose(): void;
}
