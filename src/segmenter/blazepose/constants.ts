/**
 * Frozen defaults for the BlazePose GHUM segmenter. Values follow MediaPipe's pose graphs as
 * ported by `@tensorflow-models/pose-detection` 2.1.3 (blazepose_tfjs/constants.ts).
 */

/** The three landmark models shipped in `models/` (`blazepose-<variant>.json/.bin`). */
export type BlazePoseVariant = 'lite' | 'full' | 'heavy';

/**
 * Adaptive quality's model-size step: the cheaper landmark model a variant may switch to when
 * segmentation cannot keep up, only where the cheaper model shows no more background. Measured on
 * the 58 portraits (docs/quality.md): heavy leaks 2.29 %, full 2.31 % (the same within the
 * spread), lite 4.04 % — so heavy → full is allowed and full → lite is not (that would step down
 * privacy). Per call on wasm here: heavy 130–190 ms, full ~40 ms.
 */
export const STEP_DOWN_VARIANT: Readonly<Partial<Record<BlazePoseVariant, BlazePoseVariant>>> = Object.freeze({ heavy: 'full' });

/** Detector input side (the whole frame, letterboxed). */
export const DETECTOR_INPUT_SIZE = 224;
/** Landmark model input side (a rotated square crop around the person). */
export const LANDMARK_INPUT_SIZE = 256;
/** Side of the landmark model's segmentation output, in ROI pixels. */
export const SEGMENTATION_SIZE = 256;
/** Landmarks in `ld_3d` (33 pose + 6 auxiliary), 5 values each (x, y, z, visibility, presence). */
export const NUM_LANDMARKS = 39;
/** Pose landmarks proper (MediaPipe's 33-point topology); the rest are auxiliary. */
export const NUM_POSE_LANDMARKS = 33;
/** Values per landmark in `ld_3d`. */
export const LANDMARK_VALUES = 5;
/** Auxiliary landmarks that define the next frame's ROI: body centre and scale point. */
export const AUX_CENTER_LANDMARK = 33;
/** See {@link AUX_CENTER_LANDMARK}. */
export const AUX_SCALE_LANDMARK = 34;

/**
 * SSD anchors of the BlazePose detector.
 * ref: mediapipe/modules/pose_detection/pose_detection_cpu.pbtxt (SsdAnchorsCalculator)
 */
export const DEFAULT_ANCHOR_CONFIG = Object.freeze({
  numLayers: 5,
  minScale: 0.1484375,
  maxScale: 0.75,
  inputSize: DETECTOR_INPUT_SIZE,
  anchorOffset: 0.5,
  strides: Object.freeze([8, 16, 32, 32, 32]),
  aspectRatios: Object.freeze([1.0]),
  interpolatedScaleAspectRatio: 1.0,
  /** All anchors are 1×1: the box regressors are absolute (scaled by {@link DETECTOR_INPUT_SIZE}). */
  fixedAnchorSize: true,
});

/** Number of anchors (and of rows in the detector's `[1, 2254, 13]` output). */
export const NUM_ANCHORS = 2254;

/** Decoding of the detector output (TensorsToDetectionsCalculator). */
export const DEFAULT_DETECTION_CONFIG = Object.freeze({
  /** Values per anchor after the score: box (4) + 4 keypoints × 2. */
  numCoords: 12,
  numKeypoints: 4,
  scoreClippingThresh: 100,
  /** Detections below this score are dropped. */
  minScore: 0.5,
  /** Greedy NMS: boxes overlapping a better one by more than this IoU are suppressed. */
  nmsIou: 0.3,
  /** At most this many people are reported per frame. */
  maxDetections: 8,
});

/**
 * Detection / landmarks → ROI (AlignmentPointsRectsCalculator + RectTransformationCalculator):
 * keypoint 0 is the body centre, keypoint 1 the scale point; the square side is twice their
 * distance, times `scale`; the rotation makes the centre→scale vector point up.
 */
export const DEFAULT_ROI_CONFIG = Object.freeze({
  scale: 1.25,
  /** Target angle of the centre → scale vector, radians (90°: up). */
  targetAngle: Math.PI / 2,
});

/** Pose presence (`output_poseflag`) below this means tracking is lost. */
export const DEFAULT_POSE_PRESENCE = 0.5;

/**
 * How the main person is chosen among detections: priority = sqrt(face box area / frame area)
 * × (1 − `centerWeight` × horizontal distance of the face from the frame centre / half width).
 * Larger (closer) and more central wins.
 */
export const DEFAULT_PRIMARY_CONFIG = Object.freeze({
  centerWeight: 0.5,
});

/** Long side of the frame-aligned mask the BlazePose segmenter returns (aspect kept). */
export const DEFAULT_MASK_LONG_SIDE = 384;
