/**
 * The pipeline's lifecycle as an explicit state machine. Only the transitions listed in
 * {@link TRANSITIONS} are allowed; anything else is a bug and throws.
 */

/** Lifecycle state of a privacy track. */
export type PrivacyTrackState = 'starting' | 'running' | 'stopping' | 'stopped';

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
