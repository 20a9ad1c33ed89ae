/**
 * Per-frame timing aggregated into once-a-second {@link PrivacyStats}.
 */
import type { CompositorKind } from './compositor/types.js';
import type { BackendName, ModelName, TransportName } from './options.js';
import type { PrivacyTrackState, ProtectionState } from './state.js';

/** Pipeline statistics, refreshed about once a second. Times are means over the last window. */
export interface PrivacyStats {
  /** Output frames per second over the last window. */
  fps: number;
  /** Frames per second the pipeline received from the input over the last window. */
  inputFps: number;
  /**
   * Frames per second the camera produced (from `MediaStreamTrack.stats` where the browser has
   * it, else equal to `inputFps`). Above `inputFps` means the pipeline is slower than the camera.
   */
  cameraFps: number;
  /** Mean time to segment one frame (resize + model + mask read), ms. */
  segmentationMs: number;
  /** Mean time to composite one frame, ms. */
  compositeMs: number;
  /** Mean time from receiving a frame to handing the output frame to the sink, ms. */
  latencyMs: number;
  /** Median (50th percentile) of the same per-frame time over the last window, ms. */
  latencyP50Ms: number;
  /** 95th percentile of the same per-frame time over the last window, ms (nearest rank). */
  latencyP95Ms: number;
  /**
   * Camera frames not output since start: withheld by the pipeline (a frame it could not protect)
   * plus, where `MediaStreamTrack.stats` exists, frames the camera produced that the pipeline was
   * too busy to take (only the newest waiting frame is kept).
   */
  droppedFrames: number;
  /** Frames output fully veiled (no mask could clear them) since start. */
  veiledFrames: number;
  /** Total output frames since start. */
  framesOut: number;
  /** Output width in pixels. */
  width: number;
  /** Output height in pixels. */
  height: number;
  /** tfjs backend in use. */
  backend: BackendName;
  /** Model in use. */
  model: ModelName;
  /** Transport in use. */
  transport: TransportName;
  /** Compositor in use. */
  compositor: CompositorKind;
  /** True when the pipeline runs in a worker (option `worker`), false on the main thread. */
  worker: boolean;
  /**
   * Adaptive quality level (worker mode, split over two workers): 0 = every frame segmented;
   * 1 = segmentation could not keep the camera's rate, so every other frame may reuse the
   * previous frame's mask (eroded, at most `maxMaskAgeMs` old, only on a near-still image);
   * one more when the model stepped down to a cheaper one that shows no more background
   * (option `adaptiveModel`; `model` then names it). Always 0 on the main thread.
   */
  qualityLevel: number;
  /** Frames composited with the previous frame's (eroded) mask since start (adaptive quality). */
  reusedMasks: number;
  /** Lifecycle state. */
  state: PrivacyTrackState;
  /** Protection of the latest output frame. */
  protection: ProtectionState;
}

/** Mutable accumulator; `snapshot()` closes a window. */
export class StatsWindow {
  #start: number;
  #framesIn = 0;
  /** Total frames received since start. */
  totalIn = 0;
  #framesOut = 0;
  #segMs = 0;
  #segCount = 0;
  #compMs = 0;
  #latMs = 0;
  /** Per-frame latencies of this window (ms), for the percentiles. */
  #lat: number[] = [];
  totalOut = 0;
  dropped = 0;
  veiled = 0;

  /** @param now - window start time (ms) */
  constructor(now: number) {
    this.#start = now;
  }

  /** A frame arrived from the source. */
  frameIn(): void {
    this.#framesIn++;
    this.totalIn++;
  }

  /** A frame was output. */
  frameOut(segmentationMs: number | undefined, compositeMs: number, latencyMs: number): void {
    this.#framesOut++;
    this.totalOut++;
    if (segmentationMs !== undefined) {
      this.#segMs += segmentationMs;
      this.#segCount++;
    }
    this.#compMs += compositeMs;
    this.#latMs += latencyMs;
    this.#lat.push(latencyMs);
  }

  /** Close the window and return its figures; a new window starts at `now`. */
  snapshot(now: number): Pick<PrivacyStats, 'fps' | 'inputFps' | 'segmentationMs' | 'compositeMs' | 'latencyMs' | 'latencyP50Ms' | 'latencyP95Ms' | 'droppedFrames' | 'veiledFrames' | 'framesOut'> & { seconds: number } {
    const seconds = Math.max(1e-3, (now - this.#start) / 1000);
    const n = Math.max(1, this.#framesOut);
    const lat = this.#lat.sort((a, b) => a - b);
    const out = {
      fps: round(this.#framesOut / seconds),
      inputFps: round(this.#framesIn / seconds),
      segmentationMs: round(this.#segCount ? this.#segMs / this.#segCount : 0),
      compositeMs: round(this.#compMs / n),
      latencyMs: round(this.#latMs / n),
      latencyP50Ms: round(percentile(lat, 0.5)),
      latencyP95Ms: round(percentile(lat, 0.95)),
      droppedFrames: this.dropped,
      veiledFrames: this.veiled,
      framesOut: this.totalOut,
      seconds,
    };
    this.#start = now;
    this.#framesIn = this.#framesOut = this.#segCount = 0;
    this.#segMs = this.#compMs = this.#latMs = 0;
    this.#lat = [];
    return out;
  }
}

/**
 * The `q` quantile (0..1) of ascending `sorted` values by the nearest-rank method: the smallest
 * value with at least `q` of the values at or below it. 0 for no values.
 */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
