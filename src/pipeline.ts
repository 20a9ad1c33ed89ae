/**
 * The frame loop and the controller behind `track.privacy`.
 *
 * Fail closed: a frame is composited only with the mask segmented from that same frame. When
 * segmentation fails the frame is drawn fully veiled (the effect over the whole frame); when the
 * compositor fails the frame is withheld. Nothing else reaches the sink.
 *
 * Ownership: the loop owns each SourceFrame from `next()` until it closes it (exactly once, in a
 * `finally`). Teardown runs in reverse order of creation: source → compositor → sink → refiner → segmenter,
 * then the output track stops. `stop()` is idempotent.
 */
import { attachController, type LiveOptions, type PrivacyController, type PrivacyTrack } from './controller.js';
import type { Compositor } from './compositor/types.js';
import { AbortedError, CompositorError, InvalidOptionsError, PrivacyTrackError, SegmentationError, TrackEndedError } from './errors.js';
import type { FramePixels, FrameReader } from './frame/pixels.js';
import { debugCounters, debugHooks } from './internal/debug.js';
import { applyLiveOptions, normalizeEffect, personEdges, type Effect, type NormalizedOptions, type TransportName } from './options.js';
import type { Refiner } from './refine/types.js';
import type { Mask, Segmenter } from './segmenter/types.js';
import type { FrameSink } from './sink/types.js';
import type { FrameSource, SourceFrame } from './source/types.js';
import { Lifecycle, type PrivacyTrackState, type ProtectionState } from './state.js';
import { StatsWindow, type PrivacyStats } from './stats.js';

/** Frames the input track has produced so far, or null where the browser does not say. */
function cameraFrameCount(track: MediaStreamTrack | null): number | null {
  if (!track) return null;
  const stats = (track as { stats?: { totalFrames?: unknown } }).stats;
  return stats && typeof stats.totalFrames === 'number' ? stats.totalFrames : null;
}

/** Returned by the mask timer when the mask is late. */
const LATE = Symbol('late');
/** While starting, how long the first frames may wait for their mask. */
export const START_MASK_TIMEOUT_MS = 10_000;
/** Minimum spacing of repeated `'error'` events for a persisting failure. */
const ERROR_REPEAT_MS = 1000;

/** Consecutive failed segmentations before start-up gives up. */
export const START_FAILURE_LIMIT = 3;

/**
 * The parts a pipeline runs; it takes ownership of all of them. `F` and `M` are the frame and mask
 * types the reader, segmenter, refiner and compositor agree on: CPU planes and byte masks by
 * default, textures on the GPU-resident path (src/gpu/).
 */
export interface PipelineParts<F = FramePixels, M = Mask> {
  /**
   * The input track, or null when the pipeline runs in a worker (the track stays on the main
   * thread; the worker host watches it, and the source ends when it ends).
   */
  input: MediaStreamTrack | null;
  options: NormalizedOptions;
  transport: TransportName;
  reader: FrameReader<F>;
  segmenter: Segmenter<F, M>;
  refiner: Refiner<F, M>;
  sink: FrameSink;
  compositor: Compositor<F, M>;
  source: FrameSource;
}

/** Runs the loop and implements {@link PrivacyController}. */
export class Pipeline<F = FramePixels, M = Mask> extends EventTarget implements PrivacyController {
  readonly ready: Promise<void>;
  readonly #parts: PipelineParts<F, M>;
  readonly #lifecycle: Lifecycle;
  readonly #window = new StatsWindow(performance.now());
  /** The output track; null in a worker (see {@link FrameSink.track}). */
  readonly #track: MediaStreamTrack | null;
  readonly #stopOutput: () => void;
  #options: NormalizedOptions;
  #stats: PrivacyStats;
  #statsTimer: ReturnType<typeof setInterval> | undefined;
  #resolveReady!: () => void;
  #rejectReady!: (e: PrivacyTrackError) => void;
  #effectQueue: Promise<void> = Promise.resolve();
  #protection: ProtectionState = 'veiled';
  #lastErrorAt = -Infinity;
  #lastError: PrivacyTrackError | undefined;
  #inflight: Promise<M> | null = null;
  #cameraStart: { total: number; received: number } | undefined;
  #cameraLast: number | undefined;
  #onInputEnded = (): void => this.#end(new TrackEndedError());

  constructor(parts: PipelineParts<F, M>) {
    super();
    debugCounters.livePipelines++;
    this.#parts = parts;
    this.#options = parts.options;
    this.#track = parts.sink.track;
    const track = this.#track;
    this.#stopOutput = track ? MediaStreamTrack.prototype.stop.bind(track) : () => {};
    this.#lifecycle = new Lifecycle((state) => {
      this.#stats = { ...this.#stats, state };
      this.dispatchEvent(new CustomEvent('state', { detail: { state, protection: this.#protection } }));
    });
    this.#stats = {
      fps: 0, inputFps: 0, cameraFps: 0, segmentationMs: 0, compositeMs: 0, latencyMs: 0, latencyP50Ms: 0, latencyP95Ms: 0,
      droppedFrames: 0, veiledFrames: 0,
      framesOut: 0, width: 0, height: 0, backend: parts.segmenter.backend, model: parts.segmenter.model,
      transport: parts.transport, compositor: parts.compositor.kind, worker: parts.input === null, qualityLevel: 0, reusedMasks: 0, state: 'starting', protection: 'veiled',
    };
    this.ready = new Promise<void>((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    this.ready.catch(() => {}); // observed by createPrivacyTrack; avoid unhandled rejections
    parts.input?.addEventListener('ended', this.#onInputEnded);
  }

  /** The output track with `privacy` attached and `stop()` routed through the pipeline. */
  attach(): PrivacyTrack {
    const track = this.#track;
    if (!track) throw new PrivacyTrackError('aborted', 'This pipeline has no output track in this realm (it runs in a worker).');
    return attachController(track, this);
  }

  get state(): PrivacyTrackState {
    return this.#lifecycle.state;
  }
  get protection(): ProtectionState {
    return this.#protection;
  }
  get stats(): PrivacyStats {
    return this.#stats;
  }
  get effect(): Effect {
    return this.#options.effect;
  }

  async setEffect(effect: Effect): Promise<void> {
    const normalized = normalizeEffect(effect);
    if (this.#lifecycle.stoppingOrStopped) return;
    // Effects apply one after another, in call order: the last call wins, whatever loads faster.
    const apply = this.#effectQueue.then(async () => {
      if (this.#lifecycle.stoppingOrStopped) return;
      await this.#parts.compositor.setEffect(normalized);
      this.#options = { ...this.#options, effect: normalized };
    });
    this.#effectQueue = apply.catch(() => {}); // a rejected effect does not block the next one
    await apply;
  }

  async setOptions(options: LiveOptions): Promise<void> {
    this.#options = applyLiveOptions(this.#options, options);
    if (options.feather !== undefined) this.#parts.compositor.setEdges(personEdges(this.#options.feather));
    if (options.effect !== undefined) await this.setEffect(options.effect);
  }

  stop(): void {
    this.#end(null);
  }

  /** Run the frame loop until the input ends or `stop()`. Never throws. */
  async run(): Promise<void> {
    const { source, sink, compositor } = this.#parts;
    let startFailures = 0;
    const cameraTotal = cameraFrameCount(this.#parts.input);
    if (cameraTotal !== null) {
      this.#cameraStart = { total: cameraTotal, received: 0 };
      this.#cameraLast = cameraTotal;
    }
    this.#statsTimer = setInterval(() => this.#publishStats(), 1000);
    while (!this.#lifecycle.stoppingOrStopped) {
      const frame = await source.next();
      if (!frame) break;
      const t0 = performance.now();
      this.#window.frameIn();
      const pixels = await this.#read(frame);
      if (this.#lifecycle.stoppingOrStopped) break;
      const drawn = pixels ? await this.#draw(pixels) : null;
      if (this.#lifecycle.stoppingOrStopped) break;
      if (!drawn) {
        this.#window.dropped++; // withheld: nothing is better than an unprotected frame
        if (this.#startFailed(++startFailures)) break;
        continue;
      }
      try {
        const output = compositor.toVideoFrame(frame.timestamp);
        try {
          debugHooks.onOutput?.(output);
          if (debugHooks.onOutputTime) {
            const up = frame.upstream;
            const origin = performance.timeOrigin;
            debugHooks.onOutputTime(frame.timestamp, performance.now(), {
              readAtMs: up ? up.readAt - origin : t0, segmentedAtMs: up ? up.sentAt - origin : null, compositeStartAtMs: t0,
            });
          }
        } finally {
          await sink.write(output); // the sink closes it
        }
      } catch (cause) {
        if (this.#lifecycle.stoppingOrStopped) break;
        this.#setProtection('withheld', new PrivacyTrackError('aborted', `Output frame could not be written: ${String(cause)}`, { cause }));
        if (this.#startFailed(++startFailures)) break;
        continue;
      }
      if (drawn.veiled) this.#window.veiled++;
      this.#window.frameOut(drawn.segmentationMs, drawn.compositeMs, performance.now() - t0);
      if (frame.width !== this.#stats.width || frame.height !== this.#stats.height) {
        this.#stats = { ...this.#stats, width: frame.width, height: frame.height };
      }
      if (this.#lifecycle.state === 'starting') {
        if (!drawn.veiled) {
          this.#lifecycle.to('running');
          this.#resolveReady();
        } else if (this.#startFailed(++startFailures)) {
          break;
        }
      }
    }
    // The source ended (input track ended or was stopped) without stop(): end the output too.
    if (!this.#lifecycle.stoppingOrStopped) this.#end(new TrackEndedError());
  }

  /**
   * While starting, give up after {@link START_FAILURE_LIMIT} frames that could not be output
   * protected (veiled, withheld or unwritable): `createPrivacyTrack` rejects instead of hanging.
   */
  #startFailed(failures: number): boolean {
    if (this.#lifecycle.state !== 'starting' || failures < START_FAILURE_LIMIT) return false;
    const last = this.#lastError;
    this.#end(new SegmentationError(
      `No protected frame in the first ${START_FAILURE_LIMIT} frames${last ? `: ${last.message}` : '.'}`,
      last ? { cause: last } : undefined,
    ));
    return true;
  }

  /** Copy the frame's pixels to CPU memory and close the frame (its only owner). */
  async #read(frame: SourceFrame): Promise<F | null> {
    debugCounters.openFrames++;
    try {
      // One CPU copy of the planes serves both the segmenter and the compositor.
      return await this.#parts.reader.read(frame.image);
    } catch (cause) {
      if (!this.#lifecycle.stoppingOrStopped) {
        this.#setProtection('withheld', new CompositorError(`Could not read the camera frame: ${String(cause)}`, { cause }));
      }
      return null;
    } finally {
      frame.close();
      debugCounters.openFrames--;
    }
  }

  /**
   * Segment and composite one frame. A frame whose mask fails, or is not ready within
   * `maskTimeoutMs`, or cannot be started because an earlier segmentation is still running, is
   * drawn veiled; a failed composite returns null (the frame is withheld).
   */
  async #draw(pixels: F): Promise<{ veiled: boolean; segmentationMs: number | undefined; compositeMs: number } | null> {
    const { compositor } = this.#parts;
    const needsMask = compositor.effect.type !== 'none';
    const { mask, ms } = needsMask ? await this.#mask(pixels) : { mask: null, ms: undefined };
    if (this.#lifecycle.stoppingOrStopped) return null;
    const t = performance.now();
    try {
      compositor.render(pixels, mask);
    } catch (cause) {
      if (!this.#lifecycle.stoppingOrStopped) {
        this.#setProtection('withheld', cause instanceof PrivacyTrackError ? cause : new CompositorError(`Compositing failed: ${String(cause)}`, { cause }));
      }
      return null;
    }
    const veiled = needsMask && mask === null;
    this.#setProtection(!needsMask ? 'off' : veiled ? 'veiled' : 'protected');
    return { veiled, segmentationMs: ms, compositeMs: performance.now() - t };
  }

  /** This frame's own mask, or null when it fails or is late (the caller veils the frame). */
  async #mask(pixels: F): Promise<{ mask: M | null; ms: number | undefined }> {
    const { segmenter, refiner } = this.#parts;
    if (this.#inflight) {
      // Still segmenting an earlier frame: its mask will be too old for this one.
      this.#setProtection('veiled', new SegmentationError('Segmentation is slower than the mask timeout; frames are veiled.'));
      return { mask: null, ms: undefined };
    }
    const t = performance.now();
    // The segmenter reads `pixels` synchronously before its first await (see Segmenter.segment),
    // so the shared frame buffer may be reused once this call returns.
    const job = (async () => {
      const fault = debugHooks.beforeSegment?.();
      if (fault) await fault;
      return segmenter.segment(pixels);
    })();
    this.#inflight = job;
    job.finally(() => {
      if (this.#inflight === job) this.#inflight = null;
    }).catch(() => {}); // failures are handled below (or, when late, ignored)
    // While starting there is no output yet to keep moving: wait longer for the first mask.
    const timeoutMs = this.#lifecycle.state === 'starting' ? START_MASK_TIMEOUT_MS : this.#options.maskTimeoutMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<typeof LATE>((resolve) => (timer = setTimeout(() => resolve(LATE), timeoutMs)));
    try {
      const raw = await Promise.race([job, late]);
      if (raw === LATE) {
        if (!this.#lifecycle.stoppingOrStopped) {
          this.#setProtection('veiled', new SegmentationError(`No mask within ${timeoutMs} ms; the frame is veiled.`));
        }
        return { mask: null, ms: undefined };
      }
      return { mask: refiner.refine(pixels, raw), ms: performance.now() - t };
    } catch (cause) {
      if (!this.#lifecycle.stoppingOrStopped) {
        this.#setProtection('veiled', cause instanceof PrivacyTrackError ? cause : new SegmentationError(`Segmentation failed: ${String(cause)}`, { cause }));
      }
      return { mask: null, ms: undefined };
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Record the protection state of the latest output. Changes raise a `'state'` event; a failure
   * raises an `'error'` event when it starts and then at most once a second while it lasts.
   */
  #setProtection(protection: ProtectionState, error?: PrivacyTrackError): void {
    if (error) {
      this.#lastError = error;
      const now = performance.now();
      if (protection !== this.#protection || now - this.#lastErrorAt >= ERROR_REPEAT_MS) {
        this.#lastErrorAt = now;
        this.#error(error);
      }
    }
    if (protection === this.#protection) return;
    this.#protection = protection;
    this.#stats = { ...this.#stats, protection };
    this.dispatchEvent(new CustomEvent('state', { detail: { state: this.#lifecycle.state, protection } }));
  }

  #publishStats(): void {
    const now = performance.now();
    const { seconds, ...window } = this.#window.snapshot(now);
    // Camera-side frame count, where the browser exposes it (MediaStreamTrackVideoStats).
    const total = cameraFrameCount(this.#parts.input);
    let cameraFps = window.inputFps;
    let droppedFrames = window.droppedFrames;
    if (total !== null && this.#cameraStart && this.#cameraLast !== undefined) {
      cameraFps = Math.round(((total - this.#cameraLast) / seconds) * 100) / 100;
      this.#cameraLast = total;
      const missed = total - this.#cameraStart.total - (this.#window.totalIn - this.#cameraStart.received);
      droppedFrames += Math.max(0, missed);
    }
    this.#stats = { ...this.#stats, ...window, cameraFps, droppedFrames, state: this.#lifecycle.state, protection: this.#protection };
    this.dispatchEvent(new CustomEvent('stats', { detail: this.#stats }));
    try {
      this.#options.onStats?.(this.#stats);
    } catch (cause) {
      queueMicrotask(() => {
        throw cause; // the app's callback threw: report it, don't swallow it, don't stop the pipeline
      });
    }
  }

  #error(error: PrivacyTrackError): void {
    this.dispatchEvent(new CustomEvent('error', { detail: error }));
  }

  /** Tear down in reverse order of creation. `reason` null = stopped by the app. */
  #end(reason: PrivacyTrackError | null): void {
    if (this.#lifecycle.stoppingOrStopped) return;
    const wasStarting = this.#lifecycle.state === 'starting';
    this.#lifecycle.to('stopping');
    clearInterval(this.#statsTimer);
    const { input, source, compositor, sink, refiner, segmenter } = this.#parts;
    input?.removeEventListener('ended', this.#onInputEnded);
    source.dispose();
    compositor.dispose();
    sink.dispose();
    refiner.dispose();
    segmenter.dispose();
    this.#stopOutput();
    debugCounters.livePipelines--;
    this.#lifecycle.to('stopped');
    if (reason) {
      if (wasStarting) this.#rejectReady(reason);
      else {
        this.#error(reason);
        // The output ended because its input did: tell listeners as a source-ended track would.
        this.#track?.dispatchEvent(new Event('ended'));
      }
    } else if (wasStarting) {
      this.#rejectReady(new AbortedError());
    }
  }
}
