/**
 * The Compositor stage: camera frame + person mask + effect → output pixels on a canvas.
 */
import type { Effect } from '../options.js';
import type { Mask } from '../segmenter/types.js';

/** Camera image the compositor can upload. */
export type CompositorInput = VideoFrame | HTMLVideoElement | HTMLCanvasElement | OffscreenCanvas | ImageBitmap;

/** Draws protected frames onto its canvas. */
export interface Compositor {
  /** Where output frames are drawn. */
  readonly canvas: HTMLCanvasElement | OffscreenCanvas;
  /** True while the GPU context is lost: `render` throws and no frame may be output. */
  readonly lost: boolean;
  /**
   * Prepare and switch to an effect (loads images). The previous effect stays in use until the
   * new one is ready, so there is no gap. Rejects on an unusable source; the old effect remains.
   */
  setEffect(effect: Effect): Promise<void>;
  /**
   * Draw one output frame at the image's size. `mask === null` means no mask clears this frame:
   * the whole frame is drawn as background (veiled). Throws `CompositorError` when it cannot draw.
   */
  render(image: CompositorInput, width: number, height: number, mask: Mask | null): void;
  /** Free every GL object. Idempotent. */
  dispose(): void;
}
