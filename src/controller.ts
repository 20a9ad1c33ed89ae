/**
 * `track.privacy`: the live controller of a privacy track.
 */
import type { PrivacyTrackError } from './errors.js';
import type { Effect, PrivacyTrackOptions } from './options.js';
import type { PrivacyStateDetail, PrivacyTrackState, ProtectionState } from './state.js';
import type { PrivacyStats } from './stats.js';

/** Events dispatched by {@link PrivacyController}. */
export interface PrivacyEventMap {
  /** Fresh stats, about once a second. */
  stats: CustomEvent<PrivacyStats>;
  /** A runtime problem; the affected frames were veiled or withheld, never shown raw. */
  error: CustomEvent<PrivacyTrackError>;
  /** The lifecycle state or the protection state changed. */
  state: CustomEvent<PrivacyStateDetail>;
}

/** Options that can change on a running track. */
export type LiveOptions = Pick<PrivacyTrackOptions, 'effect' | 'onStats' | 'feather'> &
  Partial<Pick<PrivacyTrackOptions, 'model' | 'people' | 'backend' | 'transport'>>;

/** The controller attached to a {@link PrivacyTrack} as `track.privacy`. */
export interface PrivacyController extends EventTarget {
  /** Resolves once the first protected frame exists (already resolved when you get the track). */
  readonly ready: Promise<void>;
  /** Lifecycle state. */
  readonly state: PrivacyTrackState;
  /** Protection of the latest output frame (see {@link ProtectionState}). */
  readonly protection: ProtectionState;
  /** Latest stats (updated about once a second). */
  readonly stats: PrivacyStats;
  /** The effect in use. */
  readonly effect: Effect;
  /**
   * Switch the effect on the same track. The old effect stays until the new one is ready: no
   * frame is ever output without protection. Rejects with `InvalidOptionsError` on a bad effect.
   */
  setEffect(effect: Effect): Promise<void>;
  /**
   * Change options live. `effect` and `onStats` apply at once; `model`, `people`,
   * `backend` and `transport` must equal the current values in this release.
   */
  setOptions(options: LiveOptions): Promise<void>;
  /** Stop the pipeline and the output track (same as `track.stop()`). Idempotent. */
  stop(): void;
  /** Listen for `'stats'`, `'error'` or `'state'` (typed), or any other event type. */
  addEventListener<K extends keyof PrivacyEventMap>(type: K, listener: (ev: PrivacyEventMap[K]) => void, options?: boolean | AddEventListenerOptions): void;
  /** Untyped overload of {@link PrivacyController.addEventListener}. */
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
  /** Remove a listener added with `addEventListener`. */
  removeEventListener<K extends keyof PrivacyEventMap>(type: K, listener: (ev: PrivacyEventMap[K]) => void, options?: boolean | EventListenerOptions): void;
  /** Untyped overload of {@link PrivacyController.removeEventListener}. */
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void;
}

/** The output track: a real `MediaStreamTrack` with the controller attached. */
export type PrivacyTrack = MediaStreamTrack & {
  /** The live controller. */
  readonly privacy: PrivacyController;
};

/**
 * Turn `track` into a {@link PrivacyTrack}: attach `controller` as `track.privacy` and route the
 * track's own `stop()` through the controller (so stopping the track tears the pipeline down).
 * Shared by the main-thread pipeline and the worker host. Internal: not exported from the package.
 */
export function attachController(track: MediaStreamTrack, controller: PrivacyController): PrivacyTrack {
  Object.defineProperty(track, 'privacy', { value: controller, enumerable: true });
  Object.defineProperty(track, 'stop', { value: () => controller.stop(), configurable: true });
  return track as PrivacyTrack;
}
