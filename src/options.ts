/**
 * Public option types, frozen defaults, and the one place options are validated and normalised.
 */
import { InvalidOptionsError } from './errors.js';
import type { PrivacyStats } from './stats.js';

/** Blur the background. */
export interface BlurEffect {
  /** Discriminant. */
  type: 'blur';
  /**
   * Blur radius in pixels at 720p; scaled with the frame height. Default
   * {@link DEFAULT_BLUR_RADIUS}. Minimum {@link MIN_BLUR_RADIUS}: weaker blur leaves text readable.
   */
  radius?: number;
}
/** Replace the background with an image. */
export interface ImageEffect {
  /** Discriminant. */
  type: 'image';
  /** URL (same-origin or CORS-enabled) or an already decoded image. */
  source: string | URL | Blob | ImageBitmap | HTMLImageElement | HTMLCanvasElement | OffscreenCanvas;
  /** How the image fills the frame. Default `'cover'`. */
  fit?: 'cover' | 'contain';
}
/** Replace the background with a playing video element (the app controls playback). */
export interface VideoEffect {
  /** Discriminant. */
  type: 'video';
  /** A video element; its current frame is used for every output frame. */
  source: HTMLVideoElement;
  /** How the video fills the frame. Default `'cover'`. */
  fit?: 'cover' | 'contain';
}
/** Replace the background with a solid colour. */
export interface ColorEffect {
  /** Discriminant. */
  type: 'color';
  /** Any CSS colour (`'#0a0'`, `'rgb(0 170 0)'`, `'green'`). */
  color: string;
}
/** No effect: the camera passes through unchanged. An explicit choice, never a fallback. */
export interface NoneEffect {
  /** Discriminant. */
  type: 'none';
}
/** What replaces the background. */
export type Effect = BlurEffect | ImageEffect | VideoEffect | ColorEffect | NoneEffect;

/**
 * Segmentation model. `'selfie'` is MediaPipe selfie segmentation (tfjs graph, 256×256);
 * `'selfie-landscape'` is the legacy MediaPipe solution with its landscape model (144×256), the
 * original project's engine, which runs its own WebGL graph instead of tfjs; `'lite'`, `'full'`,
 * `'heavy'` are BlazePose GHUM.
 */
export type ModelName = 'selfie' | 'selfie-landscape' | 'lite' | 'full' | 'heavy';
/** Which people are kept. */
export type PeopleMode = 'all' | 'primary';
/** tfjs backend request. */
export type BackendRequest = 'auto' | 'webgpu' | 'webgl' | 'wasm';
/** A concrete tfjs backend. */
export type BackendName = Exclude<BackendRequest, 'auto'>;
/** How frames enter and leave the pipeline. */
export type TransportRequest = 'auto' | 'insertable-streams' | 'canvas';
/** A concrete transport. */
export type TransportName = Exclude<TransportRequest, 'auto'>;

/** Where the pipeline runs: `'auto'`, `true` (a worker, required) or `false` (the main thread). */
export type WorkerRequest = 'auto' | boolean;

/**
 * Which compositor draws output frames. `'webgpu'` is the GPU-resident WebGPU path and needs
 * `backend: 'webgpu'` with the selfie model (see {@link PrivacyTrackOptions.compositor}).
 */
export type CompositorRequest = 'auto' | 'webgl' | 'webgpu' | 'cpu';

/** Model download progress. */
export interface LoadProgress {
  /** Bytes received so far across all files of the model. */
  loaded: number;
  /** Total bytes of the model's files (from the shipped manifest). */
  total: number;
}

/** Options for {@link createPrivacyTrack}. All optional. */
export interface PrivacyTrackOptions {
  /** Background effect. Default `{ type: 'blur' }`. */
  effect?: Effect;
  /** Segmentation model. Default `'selfie'`. */
  model?: ModelName;
  /** Which people stay visible. Default `'all'`. */
  people?: PeopleMode;
  /**
   * tfjs backend. Default `'auto'`. With `model: 'selfie-landscape'` tfjs is not used: the
   * MediaPipe solution always runs its own WebGL graph, so only `'auto'` and `'webgl'` are
   * accepted and `stats.backend` is `'webgl'`.
   */
  backend?: BackendRequest;
  /** Frame transport. Default `'auto'` (insertable streams where available, else canvas). */
  transport?: TransportRequest;
  /**
   * Compositor. Default `'auto'`: with `backend: 'webgpu'` (the selfie model, on a hardware GPU)
   * the WebGPU compositor, which keeps the whole frame on the GPU; otherwise WebGL2 on a hardware
   * GPU, and the CPU compositor when WebGL runs on a software rasteriser (where the CPU path is
   * several times faster) or is missing. `'webgpu'` requires `backend: 'webgpu'` and
   * `model: 'selfie'`. See docs/models-and-backends.md.
   */
  compositor?: CompositorRequest;
  /**
   * How long a frame may wait for its own mask before it is output veiled (the effect over the
   * whole frame), in ms. Default {@link DEFAULT_MASK_TIMEOUT_MS}. A mask is never reused for
   * another frame, so this bounds latency, not staleness.
   */
  maskTimeoutMs?: number;
  /**
   * Adaptive quality (worker mode): when segmentation cannot keep the camera's rate, a frame may
   * be composited with the previous frame's mask if that mask is at most this old (ms), the image
   * has barely changed, and the mask is eroded first. Default {@link DEFAULT_MAX_MASK_AGE_MS}
   * (one frame at 30 FPS); `0` segments every frame, whatever the cost. See docs/performance.md.
   */
  maxMaskAgeMs?: number;
  /**
   * Adaptive quality (worker mode): when segmentation falls far behind the camera (a segmented
   * frame takes more than two camera intervals), may the model switch, once, to a cheaper one
   * that shows no more background? Only BlazePose `'heavy'` has such a step (→ `'full'`: the same
   * leak on the portraits, ~4× faster); `'full'` never steps to `'lite'`, which leaks more.
   * `stats.model` names the model in use. Default `true`; `false` keeps the model asked for.
   */
  adaptiveModel?: boolean;
  /**
   * Softness of the person's edge: the width of the band of mask probability over which the
   * person fades into the effect, centred on 0.5 (so a pixel the model thinks more likely
   * background always shows more effect than camera). `0` is a hard cut; the default
   * {@link DEFAULT_FEATHER} (0.3) fades from 0.35 to 0.65; at most {@link MAX_FEATHER} (0.6:
   * 0.2–0.8). Wider is softer and lets a little more of the room through at the edge. Also live
   * through `setOptions({ feather })`. See docs/effects.md.
   */
  feather?: number;
  /**
   * Run segmentation and compositing in a dedicated module Worker, off the page's main thread.
   * Default `'auto'`: on where the browser can transfer the camera's frame streams to a worker
   * (Chromium's insertable streams) with the wasm backend, falling back to the main thread when
   * the worker script cannot be loaded. `true` requires it (else `UnsupportedEnvironmentError`);
   * `false` keeps everything on the main thread. See docs/performance.md.
   */
  worker?: WorkerRequest;
  /**
   * Where the app serves the package's worker script (`dist/worker.js`, a self-contained
   * module). Default: `./worker.js` next to the package's own module, which bundlers that
   * understand `new Worker(new URL('./worker.js', import.meta.url))` (Vite, webpack 5, Parcel)
   * handle by themselves; with esbuild or a plain copy, serve the file and set this.
   */
  workerUrl?: string | URL;
  /** Where the package's `models/` folder is served. Default: `../models/` next to this module. */
  modelBaseUrl?: string | URL;
  /** Where the tfjs `.wasm` files are served. Default: `wasm/` inside `modelBaseUrl`. */
  wasmBaseUrl?: string | URL;
  /** Called about once a second with fresh stats. */
  onStats?: (stats: PrivacyStats) => void;
  /** Called while model files download. */
  onProgress?: (progress: LoadProgress) => void;
}

/** Options after validation: every field present. */
export interface NormalizedOptions {
  readonly effect: Effect;
  readonly model: ModelName;
  readonly people: PeopleMode;
  readonly backend: BackendRequest;
  readonly transport: TransportRequest;
  readonly compositor: CompositorRequest;
  readonly maskTimeoutMs: number;
  readonly maxMaskAgeMs: number;
  readonly adaptiveModel: boolean;
  readonly feather: number;
  readonly worker: WorkerRequest;
  readonly workerUrl: URL | undefined;
  readonly modelBaseUrl: URL;
  readonly wasmBaseUrl: URL;
  readonly onStats: ((stats: PrivacyStats) => void) | undefined;
  readonly onProgress: ((progress: LoadProgress) => void) | undefined;
}

/** Default {@link PrivacyTrackOptions.maskTimeoutMs}. */
export const DEFAULT_MASK_TIMEOUT_MS = 250;

/** Default {@link PrivacyTrackOptions.maxMaskAgeMs}: one frame interval at 30 FPS, plus jitter. */
export const DEFAULT_MAX_MASK_AGE_MS = 40;
/** Largest accepted {@link PrivacyTrackOptions.maxMaskAgeMs}. */
export const MAX_MASK_AGE_MS = 100;

/** Default {@link PrivacyTrackOptions.feather}: the person fades in between mask values 0.35 and 0.65. */
export const DEFAULT_FEATHER = 0.3;
/** Largest accepted {@link PrivacyTrackOptions.feather}. */
export const MAX_FEATHER = 0.6;

/** Validate a {@link PrivacyTrackOptions.feather} value. */
function checkFeather(feather: unknown): number {
  if (typeof feather !== 'number' || !Number.isFinite(feather) || feather < 0 || feather > MAX_FEATHER) {
    throw new InvalidOptionsError('feather', [`a number from 0 (hard edge) to ${MAX_FEATHER}`], feather,
      'It is the width of the mask-probability band the edge fades over, centred on 0.5.');
  }
  return feather;
}

/**
 * The mask values between which the person fades in, for a {@link PrivacyTrackOptions.feather}:
 * `[0.5 − f/2, 0.5 + f/2]`; a hard cut (`0`) becomes a step one 8-bit mask level wide just above 0.5 (a narrower band would
 * vanish in a shader's precision).
 */
export function personEdges(feather: number): readonly [number, number] {
  return feather > 0 ? [0.5 - feather / 2, 0.5 + feather / 2] : [0.5, 0.5 + 1 / 256];
}

/** Default blur radius in pixels at 720p (scaled with frame height). */
export const DEFAULT_BLUR_RADIUS = 24;
/** Smallest accepted blur radius at 720p. */
export const MIN_BLUR_RADIUS = 4;
/** Largest accepted blur radius at 720p. */
export const MAX_BLUR_RADIUS = 96;

/** Defaults applied by {@link normalizeOptions}. */
export const DEFAULT_OPTIONS = Object.freeze({
  effect: Object.freeze({ type: 'blur', radius: DEFAULT_BLUR_RADIUS }) as Readonly<BlurEffect>,
  model: 'selfie',
  people: 'all',
  backend: 'auto',
  transport: 'auto',
  compositor: 'auto',
  maskTimeoutMs: DEFAULT_MASK_TIMEOUT_MS,
  maxMaskAgeMs: DEFAULT_MAX_MASK_AGE_MS,
  adaptiveModel: true,
  feather: DEFAULT_FEATHER,
  worker: 'auto',
} as const);

const EFFECT_TYPES = ['blur', 'image', 'video', 'color', 'none'] as const;
const MODELS = ['selfie', 'selfie-landscape', 'lite', 'full', 'heavy'] as const;
/** Models this release can run. */
const AVAILABLE_MODELS: readonly ModelName[] = ['selfie', 'selfie-landscape', 'lite', 'full', 'heavy'];
/** Backends `model: 'selfie-landscape'` accepts: the MediaPipe solution runs on its own WebGL graph. */
const LANDSCAPE_BACKENDS = ['auto', 'webgl'] as const;
const PEOPLE = ['all', 'primary'] as const;
/**
 * `'primary'` is built (src/segmenter/primary.ts: every person tracked with BlazePose, each
 * foreground pixel assigned to one person) but not offered: on the composites of
 * test/browser/people.test.ts it misses the L9 targets (bystander <= 5 %, main person >= 90 % on
 * every composite). That test fails if this list and the measurement disagree.
 */
const AVAILABLE_PEOPLE: readonly PeopleMode[] = ['all'];
const BACKENDS = ['auto', 'webgpu', 'webgl', 'wasm'] as const;
const TRANSPORTS = ['auto', 'insertable-streams', 'canvas'] as const;
const COMPOSITORS = ['auto', 'webgl', 'webgpu', 'cpu'] as const;
const KNOWN_KEYS = new Set([
  'effect', 'model', 'people', 'backend', 'transport', 'compositor', 'maskTimeoutMs', 'maxMaskAgeMs', 'adaptiveModel', 'feather', 'worker', 'workerUrl', 'modelBaseUrl', 'wasmBaseUrl', 'onStats', 'onProgress',
]);

function oneOf<T extends string>(option: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new InvalidOptionsError(option, allowed.map((a) => `'${a}'`), value);
}

function isInstance(value: unknown, ctorName: string): boolean {
  const ctor = (globalThis as Record<string, unknown>)[ctorName];
  return typeof ctor === 'function' && value instanceof (ctor as abstract new (...args: never[]) => unknown);
}

const IMAGE_SOURCE_TYPES = ['Blob', 'ImageBitmap', 'HTMLImageElement', 'HTMLCanvasElement', 'OffscreenCanvas'];

/**
 * Validate one effect and return a copy with defaults filled in.
 * @throws InvalidOptionsError naming the bad field
 */
export function normalizeEffect(effect: unknown, option = 'effect'): Effect {
  if (effect === undefined) return { ...DEFAULT_OPTIONS.effect };
  if (typeof effect !== 'object' || effect === null) {
    throw new InvalidOptionsError(option, ['an object like { type: \'blur\' }'], effect);
  }
  const e = effect as Record<string, unknown>;
  const type = oneOf(`${option}.type`, e['type'] ?? '', EFFECT_TYPES, 'blur');
  switch (type) {
    case 'blur': {
      const radius = e['radius'] ?? DEFAULT_BLUR_RADIUS;
      if (typeof radius !== 'number' || !Number.isFinite(radius) || radius < MIN_BLUR_RADIUS || radius > MAX_BLUR_RADIUS) {
        throw new InvalidOptionsError(`${option}.radius`, [`a number from ${MIN_BLUR_RADIUS} to ${MAX_BLUR_RADIUS}`], radius,
          'Weaker blur leaves text and faces in the background readable.');
      }
      return { type, radius };
    }
    case 'image': {
      const source = e['source'];
      const ok = typeof source === 'string' ? source.length > 0
        : source instanceof URL || IMAGE_SOURCE_TYPES.some((t) => isInstance(source, t));
      if (!ok) {
        throw new InvalidOptionsError(`${option}.source`, ['a URL string', 'URL', ...IMAGE_SOURCE_TYPES], source);
      }
      const fit = oneOf(`${option}.fit`, e['fit'], ['cover', 'contain'] as const, 'cover');
      return { type, source: source as ImageEffect['source'], fit };
    }
    case 'video': {
      const source = e['source'];
      if (!isInstance(source, 'HTMLVideoElement')) {
        throw new InvalidOptionsError(`${option}.source`, ['HTMLVideoElement'], source);
      }
      const fit = oneOf(`${option}.fit`, e['fit'], ['cover', 'contain'] as const, 'cover');
      return { type, source: source as HTMLVideoElement, fit };
    }
    case 'color': {
      const color = e['color'];
      if (typeof color !== 'string' || color.trim() === '') {
        throw new InvalidOptionsError(`${option}.color`, ['a CSS colour string'], color);
      }
      return { type, color };
    }
    case 'none':
      return { type };
  }
}

function toUrl(option: string, value: unknown, fallback: URL): URL {
  if (value === undefined) return fallback;
  if (value instanceof URL) return withSlash(new URL(value.href));
  if (typeof value === 'string' && value.length > 0) {
    try {
      const base = typeof location !== 'undefined' ? location.href : undefined;
      return withSlash(new URL(value, base));
    } catch (cause) {
      throw new InvalidOptionsError(option, ['an absolute or page-relative URL'], value, String(cause));
    }
  }
  throw new InvalidOptionsError(option, ['a URL string', 'URL'], value);
}

/** A URL of one file (no trailing slash added), absolute or relative to the page. */
function toFileUrl(option: string, value: unknown): URL {
  if (value instanceof URL) return new URL(value.href);
  if (typeof value === 'string' && value.length > 0) {
    try {
      return new URL(value, typeof location !== 'undefined' ? location.href : undefined);
    } catch (cause) {
      throw new InvalidOptionsError(option, ['an absolute or page-relative URL'], value, String(cause));
    }
  }
  throw new InvalidOptionsError(option, ['a URL string', 'URL'], value);
}

function withSlash(url: URL): URL {
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

/** Where the shipped `models/` folder sits relative to this module (works in src/ and dist/). */
export function defaultModelBaseUrl(): URL {
  return new URL('../models/', import.meta.url);
}

/**
 * Validate user options: copy, fill frozen defaults, and throw {@link InvalidOptionsError} naming
 * the first bad option and its allowed values. Unknown keys are rejected too (typos are bugs).
 */
export function normalizeOptions(options: unknown = {}): NormalizedOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidOptionsError('options', ['an object'], options);
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KNOWN_KEYS.has(key)) throw new InvalidOptionsError(key, [...KNOWN_KEYS].sort(), o[key], 'Unknown option.');
  }
  const model = oneOf('model', o['model'], MODELS, DEFAULT_OPTIONS.model);
  if (!AVAILABLE_MODELS.includes(model)) {
    throw new InvalidOptionsError('model', AVAILABLE_MODELS.map((m) => `'${m}'`), model,
      'The BlazePose models are not in this release yet.');
  }
  const people = oneOf('people', o['people'], PEOPLE, DEFAULT_OPTIONS.people);
  if (!AVAILABLE_PEOPLE.includes(people)) {
    throw new InvalidOptionsError('people', AVAILABLE_PEOPLE.map((m) => `'${m}'`), people,
      'Bystander removal is not in this release yet.');
  }
  for (const key of ['onStats', 'onProgress'] as const) {
    if (o[key] !== undefined && typeof o[key] !== 'function') throw new InvalidOptionsError(key, ['a function'], o[key]);
  }
  const maskTimeoutMs = o['maskTimeoutMs'] ?? DEFAULT_MASK_TIMEOUT_MS;
  if (typeof maskTimeoutMs !== 'number' || !Number.isFinite(maskTimeoutMs) || maskTimeoutMs < 20 || maskTimeoutMs > 5000) {
    throw new InvalidOptionsError('maskTimeoutMs', ['a number of milliseconds from 20 to 5000'], maskTimeoutMs);
  }
  const backend = oneOf('backend', o['backend'], BACKENDS, DEFAULT_OPTIONS.backend);
  if (model === 'selfie-landscape') {
    if (backend !== 'auto' && backend !== 'webgl') {
      throw new InvalidOptionsError('backend', LANDSCAPE_BACKENDS.map((b) => `'${b}'`), backend,
        'model \'selfie-landscape\' runs the MediaPipe solution\'s own WebGL graph, not tfjs.');
    }
    if (people !== 'all') {
      throw new InvalidOptionsError('people', ['\'all\''], people, 'model \'selfie-landscape\' keeps everyone it segments.');
    }
  }
  const maxMaskAgeMs = o['maxMaskAgeMs'] ?? DEFAULT_MAX_MASK_AGE_MS;
  if (typeof maxMaskAgeMs !== 'number' || !Number.isFinite(maxMaskAgeMs) || maxMaskAgeMs < 0 || maxMaskAgeMs > MAX_MASK_AGE_MS) {
    throw new InvalidOptionsError('maxMaskAgeMs', [`a number of milliseconds from 0 (never reuse a mask) to ${MAX_MASK_AGE_MS}`], maxMaskAgeMs,
      'A mask reused for a later frame must stay young: the person may have moved.');
  }
  const adaptiveModel = o['adaptiveModel'] ?? DEFAULT_OPTIONS.adaptiveModel;
  if (typeof adaptiveModel !== 'boolean') throw new InvalidOptionsError('adaptiveModel', ['true', 'false'], adaptiveModel);
  const compositor = oneOf('compositor', o['compositor'], COMPOSITORS, DEFAULT_OPTIONS.compositor);
  if (compositor === 'webgpu' && (backend !== 'webgpu' || model !== 'selfie')) {
    throw new InvalidOptionsError('compositor', ["'auto'", "'webgl'", "'cpu'"], compositor,
      'compositor \'webgpu\' is the GPU-resident WebGPU path: it needs backend \'webgpu\' and model \'selfie\'.');
  }
  const feather = checkFeather(o['feather'] ?? DEFAULT_FEATHER);
  const worker = o['worker'] ?? DEFAULT_OPTIONS.worker;
  if (worker !== 'auto' && typeof worker !== 'boolean') throw new InvalidOptionsError('worker', ["'auto'", 'true', 'false'], worker);
  const workerUrl = o['workerUrl'] === undefined ? undefined : toFileUrl('workerUrl', o['workerUrl']);
  const modelBaseUrl = toUrl('modelBaseUrl', o['modelBaseUrl'], defaultModelBaseUrl());
  return {
    effect: normalizeEffect(o['effect']),
    model,
    people,
    backend,
    transport: oneOf('transport', o['transport'], TRANSPORTS, DEFAULT_OPTIONS.transport),
    compositor,
    maskTimeoutMs,
    maxMaskAgeMs,
    adaptiveModel,
    feather,
    worker,
    workerUrl,
    modelBaseUrl,
    wasmBaseUrl: toUrl('wasmBaseUrl', o['wasmBaseUrl'], new URL('wasm/', modelBaseUrl)),
    onStats: o['onStats'] as NormalizedOptions['onStats'],
    onProgress: o['onProgress'] as NormalizedOptions['onProgress'],
  };
}

/** Keys `setOptions` accepts (model, people, backend and transport only at their current value). */
const LIVE_KEYS = ['effect', 'onStats', 'feather', 'model', 'people', 'backend', 'transport'] as const;

/**
 * Check a live `setOptions` call against a running track's options, and return the options with
 * `onStats` and `feather` updated (the caller applies `effect` through its own effect queue and
 * hands the new feather to its compositor). Shared by the
 * main-thread pipeline and the worker host so both refuse the same things.
 * @throws InvalidOptionsError for an option that cannot change on a live track, or a bad `onStats`
 */
export function applyLiveOptions(
  current: NormalizedOptions,
  options: Partial<Pick<PrivacyTrackOptions, 'effect' | 'onStats' | 'feather' | 'model' | 'people' | 'backend' | 'transport'>>,
): NormalizedOptions {
  if (options === null || typeof options !== 'object') throw new InvalidOptionsError('options', ['an object'], options);
  for (const key of Object.keys(options)) {
    if (!(LIVE_KEYS as readonly string[]).includes(key)) {
      const known = KNOWN_KEYS.has(key);
      throw new InvalidOptionsError(key, LIVE_KEYS.map((k) => `'${k}'`), (options as Record<string, unknown>)[key],
        known ? 'It is set when the track is created and cannot change on a live track; create a new track.' : 'Unknown option (a typo?).');
    }
  }
  const fixed = { model: current.model, people: current.people, backend: current.backend, transport: current.transport } as const;
  for (const key of Object.keys(fixed) as Array<keyof typeof fixed>) {
    const value = options[key];
    if (value !== undefined && value !== fixed[key]) {
      throw new InvalidOptionsError(key, [`'${fixed[key]}' (the current value)`], value,
        'Changing it on a live track is not supported yet; create a new track.');
    }
  }
  if (options.onStats !== undefined && typeof options.onStats !== 'function') {
    throw new InvalidOptionsError('onStats', ['a function'], options.onStats);
  }
  let next = 'onStats' in options ? { ...current, onStats: options.onStats } : current;
  if (options.feather !== undefined) next = { ...next, feather: checkFeather(options.feather) };
  return next;
}
