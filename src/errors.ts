/**
 * Typed errors. Every error the library raises is a {@link PrivacyTrackError} with a stable
 * {@link PrivacyTrackError.code}; subclasses narrow what went wrong.
 *
 * @packageDocumentation
 */

/** Stable, machine-readable error codes. */
export type PrivacyErrorCode =
  | 'invalid-options'
  | 'unsupported-environment'
  | 'model-load'
  | 'track-ended'
  | 'segmentation'
  | 'compositor'
  | 'worker'
  | 'aborted';

/** Base class of every error raised by videochat-privacy. */
export class PrivacyTrackError extends Error {
  /** Stable machine-readable code. */
  readonly code: PrivacyErrorCode;

  /**
   * @param code - stable error code
   * @param message - human-readable explanation
   * @param options - standard `cause`
   */
  constructor(code: PrivacyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PrivacyTrackError';
    this.code = code;
  }
}

/** An option has a value the library does not accept. Names the option and what is allowed. */
export class InvalidOptionsError extends PrivacyTrackError {
  /** Dotted path of the bad option, e.g. `effect.radius`. */
  readonly option: string;
  /** The accepted values or a description of them. */
  readonly allowed: readonly string[];

  /**
   * @param option - dotted option path
   * @param allowed - accepted values (or a description)
   * @param received - what was passed (formatted into the message)
   * @param detail - extra sentence
   */
  constructor(option: string, allowed: readonly string[], received: unknown, detail?: string) {
    super(
      'invalid-options',
      `Invalid option \`${option}\`: got ${describe(received)}; allowed: ${allowed.join(' | ')}.` +
        (detail ? ` ${detail}` : ''),
    );
    this.name = 'InvalidOptionsError';
    this.option = option;
    this.allowed = allowed;
  }
}

/** The browser lacks something the requested configuration needs. */
export class UnsupportedEnvironmentError extends PrivacyTrackError {
  /** The missing features, e.g. `['WebGL2']`. */
  readonly missing: readonly string[];

  /**
   * @param missing - names of the missing browser features
   * @param message - explanation
   * @param options - standard `cause`
   */
  constructor(missing: readonly string[], message: string, options?: { cause?: unknown }) {
    super('unsupported-environment', message, options);
    this.name = 'UnsupportedEnvironmentError';
    this.missing = missing;
  }
}

/** A model file could not be fetched, parsed, or failed its checksum. */
export class ModelLoadError extends PrivacyTrackError {
  /** The URL that failed, when one did. */
  readonly url: string | undefined;

  /**
   * @param message - explanation
   * @param url - the failing URL
   * @param options - standard `cause`
   */
  constructor(message: string, url?: string, options?: { cause?: unknown }) {
    super('model-load', message, options);
    this.name = 'ModelLoadError';
    this.url = url;
  }
}

/** The input track ended (or was already ended) so no protected output can exist. */
export class TrackEndedError extends PrivacyTrackError {
  /** @param message - explanation */
  constructor(message = 'The input track has ended.') {
    super('track-ended', message);
    this.name = 'TrackEndedError';
  }
}

/** A frame could not be segmented; the frame was replaced by a fully veiled one. */
export class SegmentationError extends PrivacyTrackError {
  /**
   * @param message - explanation
   * @param options - standard `cause`
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super('segmentation', message, options);
    this.name = 'SegmentationError';
  }
}

/** The compositor failed (e.g. WebGL context lost); frames are withheld until it recovers. */
export class CompositorError extends PrivacyTrackError {
  /**
   * @param message - explanation
   * @param options - standard `cause`
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super('compositor', message, options);
    this.name = 'CompositorError';
  }
}

/**
 * The pipeline worker could not start, crashed or was terminated. Fail closed: the output track
 * ends (its frames were written from the worker, which is gone); no raw frame is ever output.
 */
export class WorkerError extends PrivacyTrackError {
  /**
   * @param message - explanation
   * @param options - standard `cause`
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super('worker', message, options);
    this.name = 'WorkerError';
  }
}

/** Start-up was cancelled because the track was stopped before it was ready. */
export class AbortedError extends PrivacyTrackError {
  /** @param message - explanation */
  constructor(message = 'Stopped before the first protected frame.') {
    super('aborted', message);
    this.name = 'AbortedError';
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  return `an object${(value as object).constructor?.name ? ` (${(value as object).constructor.name})` : ''}`;
}
