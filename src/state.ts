/**
 * The pipeline's lifecycle as an explicit state machine. Only the transitions listed in
 * {@link TRANSITIONS} are allowed; anything else is a bug and throws.
 */

/** Lifecycle state of a privacy track. */
export type PrivacyTrackState = 'starting' | 'running' | 'stopping' | 'stopped';

/**
 * What the latest output frame was:
 * - `'protected'`: composited with a mask computed from that same frame;
 * - `'veiled'`: no usable mask (model failed, too slow, or not ready): the effect covers the whole frame;
 * - `'withheld'`: the frame could not be drawn (e.g. GPU context lost): nothing was output;
 * - `'off'`: the app chose `effect: { type: 'none' }`.
 */
export type ProtectionState = 'protected' | 'veiled' | 'withheld' | 'off';

/** Detail of the `'state'` event: fired when either the lifecycle or the protection changes. */
export interface PrivacyStateDetail {
  /** Lifecycle state. */
  state: PrivacyTrackState;
  /** Protection of the latest output frame. */
  protection: ProtectionState;
}

/** Allowed transitions. `stopped` is final. */
export const TRANSITIONS: Readonly<Record<PrivacyTrackState, readonly PrivacyTrackState[]>> = Object.freeze({
  starting: ['running', 'stopping'],
  running: ['stopping'],
  stopping: ['stopped'],
  stopped: [],
});

/** Holds the current state and enforces the transition table. */
export class Lifecycle {
  #state: PrivacyTrackState = 'starting';
  readonly #onChange: (state: PrivacyTrackState) => void;

  /** @param onChange - called after every transition */
  constructor(onChange: (state: PrivacyTrackState) => void = () => {}) {
    this.#onChange = onChange;
  }

  /** Current state. */
  get state(): PrivacyTrackState {
    return this.#state;
  }

  /** True once stop has begun. */
  get stoppingOrStopped(): boolean {
    return this.#state === 'stopping' || this.#state === 'stopped';
  }

  /** Move to `next`; throws on a transition the table forbids. */
  to(next: PrivacyTrackState): void {
    if (!TRANSITIONS[this.#state].includes(next)) {
      throw new Error(`videochat-privacy: illegal state transition ${this.#state} → ${next}`);
    }
    this.#state = next;
    this.#onChange(next);
  }
}
