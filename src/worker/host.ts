/**
 * Worker mode, main-thread side: the controller behind `track.privacy` when the pipeline runs in
 * a dedicated module Worker (src/worker/worker.ts).
 *
 * Chromium has MediaStreamTrackProcessor and the track generator on the main thread only, but
 * their streams can be transferred: the processor's `readable` and the generator's `writable` go
 * to the worker, which segments, composites and writes every output frame itself. The main
 * thread keeps the tracks, relays events, decodes effect images (and a video effect's frames)
 * into ImageBitmaps, and watches the worker.
 *
 * Fail closed: the output stream lives in the worker, so raw frames cannot reach it from here.
 * When the worker crashes (an uncaught error, or it stops answering for
 * {@link WORKER_WATCHDOG_MS}), the host terminates it and ends the output track with a
 * `WorkerError` event: the last frame shown was a protected one.
 *
 * Ownership: the host owns the worker, the processor and the generator track; `stop()` is
 * idempotent and tears down in reverse order: video pump → worker (terminated) → output track.
 * The input track stays the app's.
 */
import { attachController, type LiveOptions, type PrivacyController, type PrivacyTrack } from '../controller.js';
import { loadImageSource, parseCssColor } from '../compositor/effect-source.js';
import type { CompositorKind } from '../compositor/types.js';
import { AbortedError, InvalidOptionsError, PrivacyTrackError, TrackEndedError, UnsupportedEnvironmentError, WorkerError } from '../errors.js';
import { debugCounters, debugHooks, type WorkerDebugHandle } from '../internal/debug.js';
import { applyLiveOptions, DEFAULT_BLUR_RADIUS, normalizeEffect, type Effect, type ModelName, type NormalizedOptions } from '../options.js';
import { createGenerator } from '../sink/generator.js';
import { createProcessor } from '../source/processor.js';
import { Lifecycle, type PrivacyTrackState, type ProtectionState } from '../state.js';
import type { PrivacyStats } from '../stats.js';
import { fromWireError, type HostMessage, type WireEffect, type WorkerConfig, type WorkerFault, type WorkerMessage, type WorkerRole } from './protocol.js';

/**
 * A running worker that sends nothing (its stats come every second) for this long is treated as
 * dead. Generous: on a starved machine a live worker can go quiet for seconds, and a hung worker
 * shows nothing raw meanwhile (the output only freezes on its last protected frame).
 */
export const WORKER_WATCHDOG_MS = 8000;

/** Frames the input track has produced so far, or null where the browser does not say. */
function cameraFrameCount(track: MediaStreamTrack): number | null {
  const stats = (track as { stats?: { totalFrames?: unknown } }).stats;
  return stats && typeof stats.totalFrames === 'number' ? stats.totalFrames : null;
}

/** Create the pipeline worker from `workerUrl`, or the package's own `worker.js`. */
function spawnWorker(workerUrl: URL | undefined): Worker {
  // Written out literally so that bundlers (Vite, webpack 5, Parcel) find and emit the worker.
  return workerUrl ? new Worker(workerUrl, { type: 'module', name: 'videochat-privacy' })
    : new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'videochat-privacy' });
}

/** Resolves when the worker's module has loaded; rejects when it cannot be loaded. */
function whenLoaded(worker: Worker): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (): void => {
      worker.removeEventListener('message', onMessage);
      worker.removeEventListener('error', onError);
    };
    const onMessage = (e: MessageEvent<WorkerMessage>): void => {
      if (e.data.type !== 'loaded') return;
      done();
      resolve();
    };
    const onError = (e: ErrorEvent): void => {
      done();
      e.preventDefault();
      reject(new Error(e.message || 'the worker script could not be loaded (404, MIME type or CSP worker-src?)'));
    };
    worker.addEventListener('message', onMessage);
    worker.addEventListener('error', onError);
  });
}

/** A black 2×2 bitmap: a video effect's background until the video has a frame. */
async function blackBitmap(): Promise<ImageBitmap> {
  const canvas = new OffscreenCanvas(2, 2);
  const ctx = canvas.getContext('2d');
  if (ctx) {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, 2, 2);
  }
  return createImageBitmap(canvas);
}

/** Decode an effect on the main thread into what the worker receives (bitmaps are transferred). */
async function toWire(effect: Effect): Promise<WireEffect> {
  switch (effect.type) {
    case 'blur':
      return { type: 'blur', radius: effect.radius ?? DEFAULT_BLUR_RADIUS };
    case 'color':
      parseCssColor(effect.color); // throws InvalidOptionsError here, with the page's own stack
      return { type: 'color', color: effect.color };
    case 'none':
      return { type: 'none' };
    case 'image':
      return { type: 'image', bitmap: await loadImageSource(effect.source), fit: effect.fit ?? 'cover' };
    case 'video': {
      const video = effect.source;
      const bitmap = video.videoWidth > 0 && video.readyState >= 2 ? await createImageBitmap(video) : await blackBitmap();
      return { type: 'image', bitmap, fit: effect.fit ?? 'cover' };
    }
  }
}

function transferables(wire: WireEffect): Transferable[] {
  return wire.type === 'image' ? [wire.bitmap] : [];
}

/** What {@link startWorkerPipeline} needs besides the input and options. */
export interface WorkerStartOptions {
  compositor: CompositorKind;
  /** `true`: failing to load the worker rejects; `false` (`'auto'`): resolves null instead. */
  required: boolean;
}

let warnedFallback = false;

/**
 * Say once per page, in the console, that `worker: 'auto'` fell back to the main thread: it still
 * works (and `stats.worker` is false), but an app that forgot to serve the worker script would
 * otherwise never learn why its page janks.
 */
function warnWorkerFallback(workerUrl: URL | undefined, cause: unknown): void {
  if (warnedFallback) return;
  warnedFallback = true;
  console.warn(
    `videochat-privacy: the pipeline worker script${workerUrl ? ` (${workerUrl.href})` : ''} could not be loaded, so the pipeline runs on ` +
    `the main thread (slower, and it competes with your page). Serve dist/worker.js with your app (or pass workerUrl); ` +
    `worker: false runs on the main thread without this warning. Cause: ${String(cause)}`,
  );
}

/** How many workers: two (segmentation ∥ compositing) where there are two cores, else one. */
export function workerLayout(): 'split' | 'single' {
  if (debugHooks.workerLayout) return debugHooks.workerLayout;
  return (typeof navigator === 'object' ? navigator.hardwareConcurrency ?? 1 : 1) >= 2 ? 'split' : 'single';
}

/**
 * Start the pipeline in a worker (or two, see {@link workerLayout}). Resolves with the output
 * track once the first protected frame was written, or `null` when the worker script cannot be
 * loaded and the worker is optional (the caller then runs the pipeline on the main thread).
 * Rejects with a typed error otherwise, leaving nothing running.
 */
export async function startWorkerPipeline(input: MediaStreamTrack, options: NormalizedOptions, start: WorkerStartOptions): Promise<PrivacyTrack | null> {
  const layout = workerLayout();
  const roles: WorkerRole[] = layout === 'split' ? ['composite', 'segment'] : ['pipeline'];
  const workers: Worker[] = [];
  const terminateAll = (): void => workers.forEach((w) => w.terminate());
  try {
    for (let i = 0; i < roles.length; i++) workers.push(spawnWorker(options.workerUrl));
    await Promise.all(workers.map(whenLoaded));
  } catch (cause) {
    terminateAll();
    if (!start.required) {
      warnWorkerFallback(options.workerUrl, cause);
      return null;
    }
    throw new UnsupportedEnvironmentError(['Worker'], `The pipeline worker could not be loaded: ${String(cause)}`, { cause });
  }
  let wire: WireEffect;
  try {
    wire = await toWire(options.effect);
  } catch (error) {
    terminateAll();
    throw error;
  }
  if (input.readyState === 'ended') {
    terminateAll();
    if (wire.type === 'image') wire.bitmap.close();
    throw new TrackEndedError('The input track ended during start-up.');
  }
  const processor = createProcessor(input);
  const { track, writable } = createGenerator();
  const config: WorkerConfig = {
    model: options.model, people: options.people, compositor: start.compositor, maskTimeoutMs: options.maskTimeoutMs, maxMaskAgeMs: options.maxMaskAgeMs, adaptiveModel: options.adaptiveModel,
    feather: options.feather, cameraFrameRate: input.getSettings().frameRate ?? null,
    modelBaseUrl: options.modelBaseUrl.href, wasmBaseUrl: options.wasmBaseUrl.href, effect: wire,
    tap: debugHooks.onOutput !== null, tapTime: debugHooks.onOutputTime !== null, progress: options.onProgress !== undefined,
  };
  const [main, segment] = workers;
  const host = new WorkerPipeline({ input, track, options, compositor: start.compositor, workers: workers.map((worker, i) => ({ worker, role: roles[i]! })) });
  if (segment) {
    const channel = new MessageChannel();
    // The segmentation worker gets no effect (it never composites); only the compositor's bitmaps transfer.
    const segmentConfig: WorkerConfig = { ...config, effect: { type: 'none' }, tap: false, tapTime: false, progress: config.progress };
    const toSegment: HostMessage = { type: 'init', role: 'segment', readable: processor.readable, port: channel.port1, config: segmentConfig };
    const toComposite: HostMessage = { type: 'init', role: 'composite', writable, port: channel.port2, config: { ...config, progress: false } };
    segment.postMessage(toSegment, [processor.readable, channel.port1]);
    main!.postMessage(toComposite, [writable, channel.port2, ...transferables(wire)]);
  } else {
    const message: HostMessage = { type: 'init', role: 'pipeline', readable: processor.readable, writable, config };
    main!.postMessage(message, [processor.readable, writable, ...transferables(wire)]);
  }
  if (options.effect.type === 'video') host.startVideoPump(options.effect);
  try {
    await host.ready;
  } catch (error) {
    host.stop();
    throw error;
  }
  return host.attach();
}

/** One worker of a {@link WorkerPipeline} and what it runs. */
export interface HostedWorker {
  worker: Worker;
  role: WorkerRole;
}

/** What a {@link WorkerPipeline} is built from; it takes ownership of the workers and the track. */
export interface WorkerPipelineParts {
  input: MediaStreamTrack;
  /** The output track (a track generator whose writable went to the worker). */
  track: MediaStreamTrack;
  options: NormalizedOptions;
  compositor: CompositorKind;
  /** The compositing (or whole-pipeline) worker first, then the segmentation worker if split. */
  workers: HostedWorker[];
}

/** The controller of a worker-mode privacy track (implements {@link PrivacyController}). */
export class WorkerPipeline extends EventTarget implements PrivacyController {
  readonly ready: Promise<void>;
  readonly #workers: ReadonlyArray<HostedWorker & { lastSeen: number; listeners: Array<() => void> }>;
  readonly #input: MediaStreamTrack;
  readonly #track: MediaStreamTrack;
  readonly #stopOutput: () => void;
  readonly #lifecycle: Lifecycle;
  readonly #debug: WorkerDebugHandle;
  #options: NormalizedOptions;
  #stats: PrivacyStats;
  #protection: ProtectionState = 'veiled';
  #resolveReady!: () => void;
  #rejectReady!: (e: PrivacyTrackError) => void;
  #effectQueue: Promise<void> = Promise.resolve();
  #nextId = 1;
  readonly #pending = new Map<number, (m: WorkerMessage | null) => void>();
  #watchdog: ReturnType<typeof setInterval> | undefined;
  #videoPump: (() => void) | null = null;
  #segment: { segmentationMs: number; qualityLevel: number; reusedMasks: number; model: ModelName } | null = null;
  #cameraStart: number | null;
  #cameraLast: number | null;
  #cameraAt = performance.now();
  #onInputEnded = (): void => this.#end(new TrackEndedError(), true);
  /**
   * The output track ended by itself: its writable, in the worker, was closed (the camera stream
   * ended there) or torn down with a dead worker. The worker's own messages may still be on
   * their way; say what happened from here.
   */
  #onOutputEnded = (): void => {
    const reason = this.#input.readyState === 'ended' || this.#sourceEnded ? new TrackEndedError()
      : new WorkerError('The pipeline worker closed the output track.');
    this.#end(reason, true, true);
  };
  #sourceEnded = false;

  /** @internal Use {@link startWorkerPipeline}. */
  constructor(parts: WorkerPipelineParts) {
    super();
    const { input, track, options, compositor } = parts;
    debugCounters.liveWorkers += parts.workers.length;
    this.#input = input;
    this.#track = track;
    this.#options = options;
    this.#stopOutput = MediaStreamTrack.prototype.stop.bind(track);
    this.#cameraStart = this.#cameraLast = cameraFrameCount(input);
    this.#lifecycle = new Lifecycle((state) => {
      this.#stats = { ...this.#stats, state };
      this.dispatchEvent(new CustomEvent('state', { detail: { state, protection: this.#protection } }));
    });
    this.#stats = {
      fps: 0, inputFps: 0, cameraFps: 0, segmentationMs: 0, compositeMs: 0, latencyMs: 0, latencyP50Ms: 0, latencyP95Ms: 0,
      droppedFrames: 0, veiledFrames: 0, framesOut: 0, width: 0, height: 0, backend: 'wasm', model: options.model, transport: 'insertable-streams', compositor,
      worker: true, qualityLevel: 0, reusedMasks: 0, state: 'starting', protection: 'veiled',
    };
    this.ready = new Promise<void>((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    this.ready.catch(() => {}); // observed by the caller
    this.#workers = parts.workers.map(({ worker, role }) => {
      const entry = { worker, role, lastSeen: performance.now(), listeners: [] as Array<() => void> };
      const onMessage = (e: MessageEvent<WorkerMessage>): void => {
        entry.lastSeen = performance.now();
        this.#receive(e.data, role);
      };
      const onError = (e: ErrorEvent): void => {
        e.preventDefault();
        this.#end(new WorkerError(`The pipeline worker (${role}) crashed: ${e.message || 'unknown error'}`), true);
      };
      const onMessageError = (): void => this.#end(new WorkerError(`A message from the pipeline worker (${role}) could not be read.`), true);
      worker.addEventListener('message', onMessage);
      worker.addEventListener('error', onError);
      worker.addEventListener('messageerror', onMessageError);
      entry.listeners.push(() => {
        worker.removeEventListener('message', onMessage);
        worker.removeEventListener('error', onError);
        worker.removeEventListener('messageerror', onMessageError);
      });
      return entry;
    });
    input.addEventListener('ended', this.#onInputEnded);
    track.addEventListener('ended', this.#onOutputEnded);
    const segmenting = (): Worker => (this.#workers.find((w) => w.role === 'segment') ?? this.#workers[0]!).worker;
    this.#debug = {
      fault: (fault: WorkerFault) => {
        if (!this.#lifecycle.stoppingOrStopped) segmenting().postMessage({ type: 'fault', fault } satisfies HostMessage);
      },
      kill: (role) => {
        // As the OS would: no event reaches the host.
        const target = role ? this.#workers.find((w) => w.role === role) : this.#workers[0];
        target?.worker.terminate();
      },
      memory: async () => {
        const all = await Promise.all(this.#workers.map((w) => this.#request<{ numTensors: number; numBytes: number; openFrames: number; livePipelines: number }>(w.worker, (id) => ({ type: 'memory', id }))));
        return all.reduce((a, b) => ({
          numTensors: a.numTensors + b.numTensors, numBytes: a.numBytes + b.numBytes,
          openFrames: a.openFrames + b.openFrames, livePipelines: a.livePipelines + b.livePipelines,
        }));
      },
      roles: parts.workers.map((w) => w.role),
    };
    debugHooks.workers.add(this.#debug);
  }

  /** The output track with `privacy` attached and `stop()` routed through the host. */
  attach(): PrivacyTrack {
    return attachController(this.#track, this);
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

  /** The worker that composites (and owns the effect). */
  get #compositing(): Worker {
    return this.#workers[0]!.worker;
  }

  async setEffect(effect: Effect): Promise<void> {
    const normalized = normalizeEffect(effect);
    if (this.#lifecycle.stoppingOrStopped) return;
    // In call order, like the main-thread pipeline: the last call wins.
    const apply = this.#effectQueue.then(async () => {
      if (this.#lifecycle.stoppingOrStopped) return;
      const wire = await toWire(normalized);
      if (this.#lifecycle.stoppingOrStopped) {
        if (wire.type === 'image') wire.bitmap.close();
        return;
      }
      this.#stopVideoPump(); // the video's frames must not override the new effect
      const done = await this.#request<{ error: PrivacyTrackError | null }>(this.#compositing, (id) => ({ type: 'effect', id, effect: wire }), transferables(wire));
      if (done.error) throw done.error;
      this.#options = { ...this.#options, effect: normalized };
      if (normalized.type === 'video' && !this.#lifecycle.stoppingOrStopped) this.startVideoPump(normalized);
    });
    this.#effectQueue = apply.catch(() => {});
    await apply;
  }

  async setOptions(options: LiveOptions): Promise<void> {
    this.#options = applyLiveOptions(this.#options, options);
    if (options.feather !== undefined && !this.#lifecycle.stoppingOrStopped) this.#compositing.postMessage({ type: 'feather', feather: this.#options.feather } satisfies HostMessage);
    if (options.effect !== undefined) await this.setEffect(options.effect);
  }

  stop(): void {
    this.#end(null, false);
  }

  /**
   * Send the video effect's frames to the compositing worker as ImageBitmaps, one per video frame
   * (the worker applies the newest and drops the rest). Stopped by the next effect and by `stop()`.
   */
  startVideoPump(effect: Extract<Effect, { type: 'video' }>): void {
    this.#stopVideoPump();
    const video = effect.source;
    const fit = effect.fit ?? 'cover';
    let active = true;
    let grabbing = false;
    let handle: number | undefined;
    const rvfc = typeof video.requestVideoFrameCallback === 'function';
    const tick = (): void => {
      if (!active) return;
      schedule();
      if (grabbing || video.readyState < 2 || video.videoWidth === 0) return;
      grabbing = true;
      createImageBitmap(video).then((bitmap) => {
        if (!active || this.#lifecycle.stoppingOrStopped) {
          bitmap.close();
          return;
        }
        this.#compositing.postMessage({ type: 'video-frame', bitmap, fit } satisfies HostMessage, [bitmap]);
      }).catch(() => {
        /* a frame that could not be grabbed: the previous one stays */
      }).finally(() => {
        grabbing = false;
      });
    };
    const schedule = (): void => {
      if (!active) return;
      handle = rvfc ? video.requestVideoFrameCallback(tick) : window.setTimeout(tick, 33);
    };
    schedule();
    this.#videoPump = () => {
      active = false;
      if (handle !== undefined) {
        if (rvfc) video.cancelVideoFrameCallback(handle);
        else clearTimeout(handle);
      }
    };
  }

  #stopVideoPump(): void {
    this.#videoPump?.();
    this.#videoPump = null;
  }

  /** Post a request with a fresh id to `worker`; resolves with its answer (or rejects on teardown). */
  #request<T>(worker: Worker, make: (id: number) => HostMessage, transfer: Transferable[] = []): Promise<T> {
    if (this.#lifecycle.stoppingOrStopped) return Promise.reject(new AbortedError('The track was stopped.'));
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, (m) => {
        if (m?.type === 'effect-done') resolve({ error: m.error ? fromWireError(m.error) : null } as T);
        else if (m?.type === 'memory') resolve({ numTensors: m.numTensors, numBytes: m.numBytes, openFrames: m.openFrames, livePipelines: m.livePipelines } as T);
        else reject(new AbortedError('The track was stopped.'));
      });
      worker.postMessage(make(id), transfer);
    });
  }

  #receive(m: WorkerMessage, role: WorkerRole): void {
    if (this.#lifecycle.stoppingOrStopped) {
      if (m.type === 'output') m.frame.close();
      return;
    }
    switch (m.type) {
      case 'started':
        // The segmentation worker reports its model ready; the track starts with the first
        // protected frame, which the compositing worker reports.
        if (role === 'segment') break;
        // Count camera frames from here, as the main-thread pipeline does (model loading is over).
        this.#cameraStart = this.#cameraLast = cameraFrameCount(this.#input);
        this.#cameraAt = performance.now();
        this.#lifecycle.to('running');
        this.#startWatchdog();
        this.#resolveReady();
        break;
      case 'failed':
        this.#end(fromWireError(m.error), true);
        break;
      case 'state':
        if (m.protection !== this.#protection) {
          this.#protection = m.protection;
          this.#stats = { ...this.#stats, protection: m.protection };
          this.dispatchEvent(new CustomEvent('state', { detail: { state: this.#lifecycle.state, protection: m.protection } }));
        }
        break;
      case 'error': {
        const error = fromWireError(m.error);
        if (error instanceof TrackEndedError) this.#sourceEnded = true;
        this.dispatchEvent(new CustomEvent('error', { detail: error }));
        break;
      }
      case 'stats':
        this.#publishStats(m.stats);
        break;
      case 'segment-stats':
        this.#segment = { segmentationMs: m.segmentationMs, qualityLevel: m.qualityLevel, reusedMasks: m.reusedMasks, model: m.model };
        break;
      case 'ended':
        // The worker's pipeline ended by itself (its source ended); its error event came first.
        this.#end(null, false, true);
        break;
      case 'output-time':
        if (debugHooks.onOutputTime) {
          const origin = performance.timeOrigin;
          debugHooks.onOutputTime(m.timestamp, m.at - origin, {
            readAtMs: m.readAt - origin, segmentedAtMs: m.segmentedAt === null ? null : m.segmentedAt - origin, compositeStartAtMs: m.compositeStartAt - origin,
          });
        }
        break;
      case 'output':
        try {
          debugHooks.onOutput?.(m.frame);
        } finally {
          m.frame.close();
        }
        break;
      case 'progress':
        this.#options.onProgress?.({ loaded: m.loaded, total: m.total });
        break;
      case 'effect-done':
      case 'memory': {
        const resolve = this.#pending.get(m.id);
        this.#pending.delete(m.id);
        resolve?.(m);
        break;
      }
      case 'loaded':
        break;
    }
  }

  #publishStats(worker: PrivacyStats): void {
    const total = cameraFrameCount(this.#input);
    const now = performance.now();
    let cameraFps = worker.inputFps;
    let droppedFrames = worker.droppedFrames;
    if (total !== null && this.#cameraStart !== null && this.#cameraLast !== null) {
      cameraFps = Math.round(((total - this.#cameraLast) / Math.max(1e-3, (now - this.#cameraAt) / 1000)) * 100) / 100;
      this.#cameraLast = total;
      droppedFrames += Math.max(0, total - this.#cameraStart - worker.framesOut - worker.droppedFrames);
    }
    this.#cameraAt = now;
    // Split mode: segmentation ran in the other worker, which reports its own time.
    const seg = this.#segment ?? { segmentationMs: worker.segmentationMs, qualityLevel: 0, reusedMasks: 0, model: worker.model };
    this.#stats = { ...worker, ...seg, cameraFps, droppedFrames, worker: true, state: this.#lifecycle.state, protection: this.#protection };
    this.dispatchEvent(new CustomEvent('stats', { detail: this.#stats }));
    try {
      this.#options.onStats?.(this.#stats);
    } catch (cause) {
      queueMicrotask(() => {
        throw cause; // the app's callback threw: report it, don't stop the pipeline
      });
    }
  }

  /** Every running worker reports at least once a second; silence means it is gone. */
  #startWatchdog(): void {
    const now = performance.now();
    for (const w of this.#workers) w.lastSeen = now;
    this.#watchdog = setInterval(() => {
      const t = performance.now();
      const dead = this.#workers.find((w) => t - w.lastSeen > WORKER_WATCHDOG_MS);
      if (dead) this.#end(new WorkerError(`The pipeline worker (${dead.role}) stopped answering for ${WORKER_WATCHDOG_MS} ms; the track ended.`), true);
    }, 250);
  }

  /**
   * Tear down in reverse order of creation. `reason` null = stopped by the app (or by the worker,
   * `ended`); `report` dispatches `reason` as an `'error'` event when already running. `ended`:
   * the output already ended (or the worker said so); listeners get one `'ended'` event.
   */
  #end(reason: PrivacyTrackError | null, report: boolean, ended = false): void {
    if (this.#lifecycle.stoppingOrStopped) return;
    const wasStarting = this.#lifecycle.state === 'starting';
    this.#lifecycle.to('stopping');
    clearInterval(this.#watchdog);
    this.#stopVideoPump();
    this.#input.removeEventListener('ended', this.#onInputEnded);
    this.#track.removeEventListener('ended', this.#onOutputEnded);
    for (const w of [...this.#workers].reverse()) {
      for (const remove of w.listeners) remove();
      try {
        w.worker.postMessage({ type: 'stop' } satisfies HostMessage);
      } catch {
        /* already gone */
      }
      // Terminating frees the worker's tensors, frames and wasm memory at once.
      w.worker.terminate();
    }
    for (const resolve of this.#pending.values()) resolve(null);
    this.#pending.clear();
    this.#stopOutput();
    debugHooks.workers.delete(this.#debug);
    debugCounters.liveWorkers -= this.#workers.length;
    this.#lifecycle.to('stopped');
    if (wasStarting) {
      this.#rejectReady(reason ?? new AbortedError());
      return;
    }
    if (reason && report) this.dispatchEvent(new CustomEvent('error', { detail: reason }));
    // The output track's own 'ended' already fired when it ended by itself.
    const nativeEnded = ended && reason !== null;
    if ((reason || ended) && !nativeEnded) this.#track.dispatchEvent(new Event('ended'));
  }
}
