/**
 * BlazePose person detector (224×224 SSD): anchors, box decoding, non-maximum suppression and
 * the choice of the main person. Pure functions on plain arrays (unit-tested in Node); the model
 * call lives in segmenter.ts.
 * ref: pose-detection shared/calculators/{create_ssd_anchors,tensors_to_detections,non_max_suppression}.ts
 * ref: mediapipe/calculators/tflite/ssd_anchors_calculator.cc
 */
import { DEFAULT_ANCHOR_CONFIG, DEFAULT_DETECTION_CONFIG, DEFAULT_PRIMARY_CONFIG, DETECTOR_INPUT_SIZE } from './constants.js';
import { roiFromAlignment, roiToFrame, type Point, type Roi } from './roi.js';

/** Decoding settings (see {@link DEFAULT_DETECTION_CONFIG}). */
export type DetectionConfig = { readonly [K in keyof typeof DEFAULT_DETECTION_CONFIG]: number };

/** Anchor centres, normalised to the detector input; sizes are fixed at 1 for this model. */
export interface Anchors {
  readonly x: Float32Array;
  readonly y: Float32Array;
}

/** A decoded detection in frame pixels. */
export interface Detection {
  /** Sigmoid score. */
  score: number;
  /** Face box, frame pixels. */
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
  /** 0: body centre, 1: full-body scale point, 2: shoulder centre, 3: upper-body scale point. */
  keypoints: Point[];
}

/**
 * SSD anchor centres (scales only set anchor sizes, which are fixed at 1 here). Layers with the same stride are merged (their anchors interleaved per
 * cell), as MediaPipe's SsdAnchorsCalculator does. With `fixedAnchorSize` only centres matter,
 * but the per-cell count still follows aspect ratios + the interpolated scale.
 */
export function createAnchors(config = DEFAULT_ANCHOR_CONFIG): Anchors {
  const xs: number[] = [];
  const ys: number[] = [];
  const { strides } = config;
  let layer = 0;
  while (layer < config.numLayers) {
    let perCell = 0;
    let last = layer;
    while (last < strides.length && strides[last] === strides[layer]) {
      perCell += config.aspectRatios.length + (config.interpolatedScaleAspectRatio > 0 ? 1 : 0);
      last++;
    }
    const stride = strides[layer]!;
    const fm = Math.ceil(config.inputSize / stride);
    for (let y = 0; y < fm; y++) {
      for (let x = 0; x < fm; x++) {
        for (let a = 0; a < perCell; a++) {
          xs.push((x + config.anchorOffset) / fm);
          ys.push((y + config.anchorOffset) / fm);
        }
      }
    }
    layer = last;
  }
  return { x: Float32Array.from(xs), y: Float32Array.from(ys) };
}

/**
 * Decode the detector's raw output (`[numAnchors, 13]`: logit, then x, y, w, h and four keypoint
 * x, y pairs, in input pixels relative to the anchor) into detections above `minScore`, with
 * coordinates normalised to the detector input (`[0, 1]`).
 */
export function decodeDetections(raw: Float32Array, anchors: Anchors, config: DetectionConfig = DEFAULT_DETECTION_CONFIG): Detection[] {
  const stride = 1 + config.numCoords;
  const n = anchors.x.length;
  if (raw.length !== n * stride) throw new Error(`detector output has ${raw.length} values, expected ${n * stride}`);
  const s = DETECTOR_INPUT_SIZE;
  const out: Detection[] = [];
  const clip = config.scoreClippingThresh;
  for (let i = 0; i < n; i++) {
    const o = i * stride;
    const logit = Math.max(-clip, Math.min(clip, raw[o]!));
    const score = 1 / (1 + Math.exp(-logit));
    if (score < config.minScore) continue;
    const ax = anchors.x[i]!;
    const ay = anchors.y[i]!;
    const cx = raw[o + 1]! / s + ax;
    const cy = raw[o + 2]! / s + ay;
    const w = raw[o + 3]! / s;
    const h = raw[o + 4]! / s;
    if (w < 0 || h < 0) continue;
    const keypoints: Point[] = [];
    for (let k = 0; k < config.numKeypoints; k++) {
      keypoints.push({ x: raw[o + 5 + 2 * k]! / s + ax, y: raw[o + 6 + 2 * k]! / s + ay });
    }
    out.push({ score, xMin: cx - w / 2, yMin: cy - h / 2, xMax: cx + w / 2, yMax: cy + h / 2, keypoints });
  }
  return out;
}

/** Intersection over union of two detection boxes. */
export function iou(a: Detection, b: Detection): number {
  const ix = Math.max(0, Math.min(a.xMax, b.xMax) - Math.max(a.xMin, b.xMin));
  const iy = Math.max(0, Math.min(a.yMax, b.yMax) - Math.max(a.yMin, b.yMin));
  const inter = ix * iy;
  const union = (a.xMax - a.xMin) * (a.yMax - a.yMin) + (b.xMax - b.xMin) * (b.yMax - b.yMin) - inter;
  return union > 0 ? inter / union : 0;
}

/** Greedy non-maximum suppression by descending score. Returns at most `max` detections. */
export function nonMaxSuppression(detections: readonly Detection[], iouThreshold: number, max: number): Detection[] {
  const sorted = [...detections].sort((a, b) => b.score - a.score);
  const kept: Detection[] = [];
  for (const d of sorted) {
    if (kept.length >= max) break;
    if (kept.every((k) => iou(k, d) <= iouThreshold)) kept.push(d);
  }
  return kept;
}

/** Map detections from normalised letterbox coordinates to frame pixels through `letterbox`. */
export function detectionsToFrame(detections: readonly Detection[], letterbox: Roi): Detection[] {
  return detections.map((d) => {
    const a = roiToFrame(letterbox, d.xMin, d.yMin);
    const b = roiToFrame(letterbox, d.xMax, d.yMax);
    return { score: d.score, xMin: a.x, yMin: a.y, xMax: b.x, yMax: b.y, keypoints: d.keypoints.map((k) => roiToFrame(letterbox, k.x, k.y)) };
  });
}

/** The landmark model's ROI for a detection (in frame pixels). */
export function detectionToRoi(d: Detection): Roi {
  return roiFromAlignment(d.keypoints[0]!, d.keypoints[1]!);
}

/**
 * Index of the main person: the largest (closest) face, favouring the horizontal centre.
 * Returns -1 for no detections.
 */
export function choosePrimary(detections: readonly Detection[], frameWidth: number, frameHeight: number, config = DEFAULT_PRIMARY_CONFIG): number {
  let best = -1;
  let bestScore = -Infinity;
  detections.forEach((d, i) => {
    const area = Math.max(0, d.xMax - d.xMin) * Math.max(0, d.yMax - d.yMin) / (frameWidth * frameHeight);
    const off = Math.min(1, Math.abs((d.xMin + d.xMax) / 2 - frameWidth / 2) / (frameWidth / 2));
    const p = Math.sqrt(area) * (1 - config.centerWeight * off);
    if (p > bestScore) {
      bestScore = p;
      best = i;
    }
  });
  return best;
}
