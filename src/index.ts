/**
 * videochat-privacy: private, real-time background blur and replacement for WebRTC camera
 * tracks, computed on the user's own device. The whole public API is exported here.
 *
 * @packageDocumentation
 */
export { createPrivacyTrack } from './create.js';
export { getCapabilities, type Capabilities } from './capabilities.js';
export type { BackendCalibration, BackendProbe } from './backends/calibrate.js';
export type { PrivacyController, PrivacyTrack, PrivacyEventMap, LiveOptions } from './controller.js';
export {
  PrivacyTrackError,
  InvalidOptionsError,
  UnsupportedEnvironmentError,
  ModelLoadError,
  TrackEndedError,
  SegmentationError,
  CompositorError,
  AbortedError,
  WorkerError,
  type PrivacyErrorCode,
} from './errors.js';
export {
  DEFAULT_OPTIONS,
  DEFAULT_BLUR_RADIUS,
  DEFAULT_MASK_TIMEOUT_MS,
  DEFAULT_MAX_MASK_AGE_MS,
  MAX_MASK_AGE_MS,
  DEFAULT_FEATHER,
  MAX_FEATHER,
  MIN_BLUR_RADIUS,
  MAX_BLUR_RADIUS,
  type PrivacyTrackOptions,
  type Effect,
  type BlurEffect,
  type ImageEffect,
  type VideoEffect,
  type ColorEffect,
  type NoneEffect,
  type ModelName,
  type PeopleMode,
  type BackendRequest,
  type BackendName,
  type TransportRequest,
  type TransportName,
  type CompositorRequest,
  type WorkerRequest,
  type LoadProgress,
} from './options.js';
export type { PrivacyStats } from './stats.js';
export type { CompositorKind } from './compositor/types.js';
export type { PrivacyTrackState, ProtectionState, PrivacyStateDetail } from './state.js';
export { MODEL_MANIFEST, type ManifestEntry } from './models/manifest.js';
