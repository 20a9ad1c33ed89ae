/**
 * Messages between the main-thread host (src/worker/host.ts) and the pipeline worker
 * (src/worker/worker.ts). Everything here is structured-cloneable; errors cross as plain objects
 * and are rebuilt into the same typed classes on the other side.
 */
import {
  AbortedError, CompositorError, InvalidOptionsError, ModelLoadError, PrivacyTrackError, SegmentationError, TrackEndedError,
  UnsupportedEnvironmentError, WorkerError, type PrivacyErrorCode,
} from '../errors.js';
import type { ModelName, PeopleMode } from '../options.js';
import type { CompositorKind } from '../compositor/types.js';
import type { PrivacyTrackState, ProtectionState } from '../state.js';
import type { PrivacyStats } from '../stats.js';

/**
 * An effect as the worker receives it: image and video sources arrive as decoded ImageBitmaps
 * (a video as its latest frame), everything else as the normalised effect.
 */
export type WireEffect =
  | { type: 'blur'; radius: number }
  | { type: 'color'; color: string }
  | { type: 'none' }
  | { type: 'image'; bitmap: ImageBitmap; fit: 'cover' | 'contain' };

/** What the worker needs to build its pipeline (the host has already normalised and resolved it). */
export interface WorkerConfig {
  model: ModelName;
  people: PeopleMode;
  compositor: CompositorKind;
  maskTimeoutMs: number;
  maxMaskAgeMs: number;
  /** Option `adaptiveModel`. */
  adaptiveModel: boolean;
  /** The track's `feather` option (softness of the person's edge). */
  feather: number;
  /** The camera's nominal frame rate from its settings, or null (adaptive quality's frame interval). */
  cameraFrameRate: number | null;
  modelBaseUrl: string;
  wasmBaseUrl: string;
  effect: WireEffect;
  /** Send a copy of every output frame to the host (test seam, `debugHooks.onOutput`). */
  tap: boolean;
  /** Send each output frame's timestamp and output time to the host (`debugHooks.onOutputTime`). */
  tapTime: boolean;
  /** Report model download progress. */
  progress: boolean;
}

/** Fault injection inside the worker (test seam). */
export type WorkerFault =
  | { kind: 'throw' }
  | { kind: 'stall'; ms: number; once: boolean }
  | { kind: 'clear' }
  /** An uncaught exception in the worker's global scope. */
  | { kind: 'crash' };

/**
 * What a worker runs: the whole pipeline (`'pipeline'`), or one half of the split mode —
 * segmentation (`'segment'`, reads the camera) or compositing (`'composite'`, writes the output).
 */
export type WorkerRole = 'pipeline' | 'segment' | 'composite';

/** Segmentation worker ↔ compositing worker (split mode), over a MessageChannel. */
export type PortMessage =
  /** A camera frame and its own refined mask, or the reason it has none (it will be veiled). */
  | {
    type: 'frame'; frame: VideoFrame; mask: { data: Uint8Array; width: number; height: number } | null; error: WireError | null;
    /** When the segmentation worker read the frame and sent it (absolute ms: `performance.timeOrigin + now()`). */
    readAt: number; sentAt: number;
  }
  /** The camera stream ended. */
  | { type: 'end' }
  /** Compositor → segmenter: a frame was taken; one more may be sent. */
  | { type: 'credit' };

/** Host → worker. */
export type HostMessage =
  | { type: 'init'; role: 'pipeline'; readable: ReadableStream<VideoFrame>; writable: WritableStream<VideoFrame>; config: WorkerConfig }
  | { type: 'init'; role: 'segment'; readable: ReadableStream<VideoFrame>; port: MessagePort; config: WorkerConfig }
  | { type: 'init'; role: 'composite'; writable: WritableStream<VideoFrame>; port: MessagePort; config: WorkerConfig }
  | { type: 'effect'; id: number; effect: WireEffect }
  /**
   * The current frame of a video effect (sent on every video frame, no answer). The worker
   * applies the newest one and drops those it had no time for; any 'effect' message drops a
   * pending one, so a video frame never overrides a later effect.
   */
  | { type: 'video-frame'; bitmap: ImageBitmap; fit: 'cover' | 'contain' }
  /** `setOptions({ feather })`: new edges for the compositor, from the next frame on (no answer). */
  | { type: 'feather'; feather: number }
  | { type: 'stop' }
  | { type: 'fault'; fault: WorkerFault }
  | { type: 'memory'; id: number };

/** An error crossing the worker boundary. */
export interface WireError {
  name: string;
  code: PrivacyErrorCode;
  message: string;
  option?: string;
  allowed?: string[];
  missing?: string[];
  url?: string;
  cause?: string;
}

/** Worker → host. */
export type WorkerMessage =
  | { type: 'loaded' }
  | { type: 'progress'; loaded: number; total: number }
  | { type: 'started' }
  | { type: 'failed'; error: WireError }
  | { type: 'state'; state: PrivacyTrackState; protection: ProtectionState }
  | { type: 'error'; error: WireError }
  | { type: 'stats'; stats: PrivacyStats }
  /** From the segmentation worker (split mode): mean segmentation + refine time over the last second. */
  | { type: 'segment-stats'; segmentationMs: number; qualityLevel: number; reusedMasks: number; model: ModelName }
  | { type: 'effect-done'; id: number; error: WireError | null }
  | { type: 'ended' }
  | { type: 'output'; frame: VideoFrame }
  /** `at`: absolute time (`performance.timeOrigin + performance.now()` in the worker), ms. */
  | { type: 'output-time'; timestamp: number; at: number; readAt: number; segmentedAt: number | null; compositeStartAt: number }
  | { type: 'memory'; id: number; numTensors: number; numBytes: number; openFrames: number; livePipelines: number };

/** Flatten an error for postMessage. */
export function toWireError(error: unknown): WireError {
  if (error instanceof PrivacyTrackError) {
    const wire: WireError = { name: error.name, code: error.code, message: error.message };
    if (error instanceof InvalidOptionsError) {
      wire.option = error.option;
      wire.allowed = [...error.allowed];
    }
    if (error instanceof UnsupportedEnvironmentError) wire.missing = [...error.missing];
    if (error instanceof ModelLoadError && error.url !== undefined) wire.url = error.url;
    if (error.cause !== undefined) wire.cause = String(error.cause);
    return wire;
  }
  return { name: 'WorkerError', code: 'worker', message: String(error) };
}

/** Rebuild the typed error a {@link WireError} describes. */
export function fromWireError(wire: WireError): PrivacyTrackError {
  const options = wire.cause !== undefined ? { cause: wire.cause } : undefined;
  switch (wire.name) {
    case 'InvalidOptionsError': {
      // The message already names option, received value and allowed values; keep it as sent.
      const e = new InvalidOptionsError(wire.option ?? 'options', wire.allowed ?? [], undefined);
      e.message = wire.message;
      return e;
    }
    case 'UnsupportedEnvironmentError': return new UnsupportedEnvironmentError(wire.missing ?? [], wire.message, options);
    case 'ModelLoadError': return new ModelLoadError(wire.message, wire.url, options);
    case 'TrackEndedError': return new TrackEndedError(wire.message);
    case 'SegmentationError': return new SegmentationError(wire.message, options);
    case 'CompositorError': return new CompositorError(wire.message, options);
    case 'AbortedError': return new AbortedError(wire.message);
    case 'WorkerError': return new WorkerError(wire.message, options);
    default: return new PrivacyTrackError(wire.code, wire.message, options);
  }
}
