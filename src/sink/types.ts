/**
 * The FrameSink stage: turns what the compositor drew into frames of the output track.
 */
import type { TransportName } from '../options.js';

/** Emits the compositor's canvas as frames of `track`. */
export interface FrameSink {
  readonly kind: TransportName;
  /** The canvas the compositor draws into. */
  readonly canvas: HTMLCanvasElement | OffscreenCanvas;
  /** The output track (the object returned to the app). */
  readonly track: MediaStreamTrack;
  /** Emit the canvas's current pixels as one frame with the given capture timestamp (µs). */
  emit(timestamp: number): Promise<void>;
  /** Release the sink. Does not stop `track` (the caller decides). Idempotent. */
  dispose(): void;
}
