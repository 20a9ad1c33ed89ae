/**
 * The FrameSink stage: delivers output frames to the output track.
 */
import type { TransportName } from '../options.js';

/** Writes output frames into `track`. */
export interface FrameSink {
  readonly kind: TransportName;
  /**
   * The output track (the object returned to the app), or null when it lives in another realm
   * (a sink inside a worker writes into a transferred stream; the track stays on the main thread).
   */
  readonly track: MediaStreamTrack | null;
  /** Write one frame. The sink takes ownership and closes it, even when writing fails. */
  write(frame: VideoFrame): Promise<void>;
  /** Release the sink. Does not stop `track` (the caller decides). Idempotent. */
  dispose(): void;
}
