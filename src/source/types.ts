/**
 * The FrameSource stage: pulls camera frames one at a time.
 */
import type { TransportName } from '../options.js';

/** One camera frame. Whoever receives it calls `close()` exactly once. */
export interface SourceFrame {
  /** Pixels: a VideoFrame, or a canvas copy where VideoFrame does not exist. */
  readonly image: VideoFrame | HTMLCanvasElement;
  readonly width: number;
  readonly height: number;
  /** Capture timestamp in microseconds (kept on the output frame). */
  readonly timestamp: number;
  /** Release the frame. Idempotent. */
  close(): void;
  /**
   * Split worker mode: when the segmentation worker read this frame and when it sent it on with
   * its mask (absolute ms, `performance.timeOrigin + performance.now()`). For latency profiles.
   */
  readonly upstream?: { readonly readAt: number; readonly sentAt: number };
}

/** Delivers camera frames. */
export interface FrameSource {
  readonly kind: TransportName;
  /** The next frame, or `null` once the input has ended. Only one call may be pending. */
  next(): Promise<SourceFrame | null>;
  /** Stop reading and release everything. Idempotent; a pending `next()` resolves `null`. */
  dispose(): void;
}
