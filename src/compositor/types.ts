/**
 * The Compositor stage: camera frame + person mask + effect → the output frame.
 */
import type { FramePixels } from '../frame/pixels.js';
import type { Effect } from '../options.js';
import type { Mask } from '../segmenter/types.js';

/** Which compositor implementation (`'webgpu'`: the GPU-resident WebGPU path only). */
export type CompositorKind = 'webgl' | 'webgpu' | 'cpu';

/** Draws protected frames (`F`, `M`: frame and mask types of the path, see Segmenter). */
export interface Compositor<F = FramePixels, M = Mask> {
  readonly kind: CompositorKind;
  /** The effect in use (after the last completed `setEffect`). */
  readonly effect: Effect;
  /**
   * Prepare and switch to an effect (loads images). The previous effect stays in use until the
   * new one is ready, so there is no gap. Rejects on an unusable source; the old effect remains.
   */
  setEffect(effect: Effect): Promise<void>;
  /** Mask values between which the person fades in (`personEdges(feather)`), from the next frame on. */
  setEdges(edges: readonly [number, number]): void;
  /**
   * Draw one output frame at the frame's size. `mask === null` means no mask clears this frame:
   * the whole frame is drawn as background (veiled). Throws `CompositorError` when it cannot draw.
   */
  render(frame: F, mask: M | null): void;
  /** The last rendered frame as a new VideoFrame; the caller owns (and closes) it. */
  toVideoFrame(timestamp: number): VideoFrame;
  /** Free everything. Idempotent. */
  dispose(): void;
}
