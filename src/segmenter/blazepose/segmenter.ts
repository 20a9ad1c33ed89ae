/**
 * BlazePose GHUM segmenter: the detector (224×224) finds people when nobody is tracked, the main
 * person's ROI is cropped (rotated, 256×256) for the landmark model, whose segmentation output is
 * warped back onto a frame-aligned mask. The next frame's ROI comes from this frame's auxiliary
 * landmarks, so the detector runs only when tracking is lost.
 *
 * Both graph models are driven directly (crop and colour conversion from the frame's CPU planes,
 * one `execute` each, small reads), not through `@tensorflow-models/pose-detection`, whose
 * per-call overhead measured several times the raw graph here (see README.md in this folder).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as converter from '@tensorflow/tfjs-converter';
import { SegmentationError } from '../../errors.js';
import type { FramePixels } from '../../frame/pixels.js';
import { loadVerifiedGraphModel, type FetchOptions } from '../../models/load.js';
import type { BackendName, LoadProgress } from '../../options.js';
import type { Mask, Segmenter } from '../types.js';
import {
  DEFAULT_DETECTION_CONFIG, DEFAULT_MASK_LONG_SIDE, DEFAULT_POSE_PRESENCE, DETECTOR_INPUT_SIZE, LANDMARK_INPUT_SIZE, NUM_POSE_LANDMARKS,
  SEGMENTATION_SIZE, type BlazePoseVariant,
} from './constants.js';
import { choosePrimary, createAnchors, decodeDetections, detectionsToFrame, detectionToRoi, nonMaxSuppression, type Detection } from './detector.js';
import { landmarksToRoi, projectLandmarks } from './landmark.js';
import { cropToInput, letterboxRoi, snapshotFrame, warpRoiToFrame, type Point, type Roi } from './roi.js';

/** Options for {@link createBlazePoseSegmenter}. */
export interface BlazePoseSegmenterOptions extends FetchOptions {
  /** Landmark model. */
  variant: BlazePoseVariant;
  /** Backend that is already active in tfjs. */
  backend: BackendName;
  /** Where the `blazepose-*.json/.bin` files are served. */
  modelBaseUrl: URL;
  /**
   * Size of the returned mask for a frame size (it is stretched over the whole frame). Default:
   * the frame's aspect with a long side of {@link DEFAULT_MASK_LONG_SIDE}.
   */
  maskSize?: (frameWidth: number, frameHeight: number) => { width: number; height: number };
}

/** What the last frame showed. */
export interface PeopleSeen {
  /** People found by the detector's last run (tracking frames repeat it). */
  count: number;
  /** Whether the main person is tracked in the last frame (a mask was produced). */
  tracked: boolean;
  /** Index of the main person in `boxes`, or -1. */
  primary: number;
  /** Face boxes of the people found by the last detector run, frame pixels. */
  boxes: ReadonlyArray<{ xMin: number; yMin: number; xMax: number; yMax: number; score: number }>;
}

/** A {@link Segmenter} for the BlazePose models, which also says whom it saw. */
export interface BlazePoseSegmenter extends Segmenter {
  /** Who was seen in the last segmented frame. */
  readonly people: PeopleSeen;
  /** The main person's 33 pose landmarks in the last frame (frame pixels; MediaPipe order), or null. */
  readonly landmarks: readonly Point[] | null;
  /** Forget the tracked person (the next frame runs the detector). */
  reset(): void;
  /** Milliseconds of the last call, split by stage (diagnostics). */
  readonly lastTimings: { detectorMs: number; landmarkMs: number; totalMs: number };
}

function defaultMaskSize(w: number, h: number): { width: number; height: number } {
  const k = Math.min(1, DEFAULT_MASK_LONG_SIDE / Math.max(w, h));
  return { width: Math.max(1, Math.round(w * k)), height: Math.max(1, Math.round(h * k)) };
}

/** Load the detector and the `variant` landmark model (both verified) and return a segmenter. */
export async function createBlazePoseSegmenter(options: BlazePoseSegmenterOptions): Promise<BlazePoseSegmenter> {
  // One progress total across both models.
  const progress = new Map<string, LoadProgress>();
  const report = (name: string) => (p: LoadProgress): void => {
    progress.set(name, p);
    let loaded = 0, total = 0;
    for (const v of progress.values()) { loaded += v.loaded; total += v.total; }
    options.onProgress?.({ loaded, total });
  };
  const fetchOpts = (name: string): FetchOptions => ({ signal: options.signal, fetch: options.fetch, onProgress: options.onProgress ? report(name) : undefined });
  const landmarkName = `blazepose-${options.variant}`;
  const [d, l] = await Promise.allSettled([
    loadVerifiedGraphModel(converter, options.modelBaseUrl, 'blazepose-detector', fetchOpts('detector')),
    loadVerifiedGraphModel(converter, options.modelBaseUrl, landmarkName, fetchOpts(landmarkName)),
  ]);
  if (d.status === 'rejected' || l.status === 'rejected') {
    // Free whichever model did load; report the first failure.
    if (d.status === 'fulfilled') d.value.dispose();
    if (l.status === 'fulfilled') l.value.dispose();
    throw d.status === 'rejected' ? d.reason : l.status === 'rejected' ? l.reason : new Error('unreachable');
  }
  const detector = d.value;
  const landmark = l.value;
  const landmarkOutputs = ['ld_3d', 'output_poseflag', 'activation_segmentation'];
  const anchors = createAnchors();
  const detIn = new Float32Array(DETECTOR_INPUT_SIZE * DETECTOR_INPUT_SIZE * 3);
  const lmIn = new Float32Array(LANDMARK_INPUT_SIZE * LANDMARK_INPUT_SIZE * 3);
  const snapshot = { data: new Uint8Array(0) };
  const maskSize = options.maskSize ?? defaultMaskSize;
  let mask = new Uint8Array(0);
  let roi: Roi | null = null;
  let landmarks: Point[] | null = null;
  let disposed = false;
  let people: PeopleSeen = { count: 0, tracked: false, primary: -1, boxes: [] };
  const timings = { detectorMs: 0, landmarkMs: 0, totalMs: 0 };

  try {
    // Warm-up: the first execute compiles kernels.
    tf.tidy(() => {
      (detector.execute(tf.zeros([1, DETECTOR_INPUT_SIZE, DETECTOR_INPUT_SIZE, 3])) as tf.Tensor).dataSync();
      for (const t of landmark.execute(tf.zeros([1, LANDMARK_INPUT_SIZE, LANDMARK_INPUT_SIZE, 3]), landmarkOutputs) as tf.Tensor[]) t.dataSync();
    });
  } catch (cause) {
    detector.dispose();
    landmark.dispose();
    throw new SegmentationError(`BlazePose warm-up failed: ${String(cause)}`, { cause });
  }

  async function detect(frame: FramePixels): Promise<Detection[]> {
    const t0 = performance.now();
    const box = letterboxRoi(frame.width, frame.height);
    // Input in [-1, 1]; the letterbox padding is black (-1), as in MediaPipe's zero border.
    cropToInput(frame, box, detIn, DETECTOR_INPUT_SIZE, -1, 1, -1);
    const out = tf.tidy(() => detector.execute(tf.tensor4d(detIn, [1, DETECTOR_INPUT_SIZE, DETECTOR_INPUT_SIZE, 3])) as tf.Tensor);
    let raw: Float32Array;
    try {
      raw = (await out.data()) as Float32Array;
    } finally {
      out.dispose();
    }
    const found = nonMaxSuppression(decodeDetections(raw, anchors), DEFAULT_DETECTION_CONFIG.nmsIou, DEFAULT_DETECTION_CONFIG.maxDetections);
    timings.detectorMs += performance.now() - t0;
    return detectionsToFrame(found, box);
  }

  /** Landmarks + segmentation in `r`; null when no pose is present there. */
  async function track(frame: FramePixels, r: Roi): Promise<{ seg: Float32Array; next: Roi; points: Point[] } | null> {
    const t0 = performance.now();
    cropToInput(frame, r, lmIn, LANDMARK_INPUT_SIZE, 0, 1, 0);
    const outs = tf.tidy(() => landmark.execute(tf.tensor4d(lmIn, [1, LANDMARK_INPUT_SIZE, LANDMARK_INPUT_SIZE, 3]), landmarkOutputs) as tf.Tensor[]);
    try {
      const [ldT, flagT, segT] = outs;
      const flag = (await flagT!.data())[0]!;
      if (!(flag >= DEFAULT_POSE_PRESENCE)) return null;
      const [ld, seg] = await Promise.all([ldT!.data() as Promise<Float32Array>, segT!.data() as Promise<Float32Array>]);
      if (seg.length !== SEGMENTATION_SIZE * SEGMENTATION_SIZE) throw new SegmentationError(`BlazePose segmentation has ${seg.length} values.`);
      const points = projectLandmarks(ld, r);
      return { seg, next: landmarksToRoi(points), points: points.slice(0, NUM_POSE_LANDMARKS) };
    } finally {
      tf.dispose(outs);
      timings.landmarkMs += performance.now() - t0;
    }
  }

  return {
    model: options.variant,
    backend: options.backend,
    get people() {
      return people;
    },
    get landmarks() {
      return landmarks;
    },
    get lastTimings() {
      return { ...timings };
    },
    reset() {
      roi = null;
    },
    async segment(input: FramePixels): Promise<Mask> {
      if (disposed) throw new SegmentationError('Segmenter was disposed.');
      const t0 = performance.now();
      timings.detectorMs = 0;
      timings.landmarkMs = 0;
      // The caller reuses its buffer after our first await: keep our own copy (a memcpy).
      const frame = snapshotFrame(input, snapshot);
      const { width: mw, height: mh } = maskSize(frame.width, frame.height);
      if (mask.length !== mw * mh) mask = new Uint8Array(mw * mh);
      let result: { seg: Float32Array; next: Roi; points: Point[] } | null = null;
      let used: Roi | null = null;
      if (roi) {
        used = roi;
        result = await track(frame, roi);
      }
      if (!result) {
        // Nobody tracked, or tracking lost: find people in this very frame.
        const found = await detect(frame);
        const primary = choosePrimary(found, frame.width, frame.height);
        people = { count: found.length, tracked: false, primary, boxes: found.map(({ xMin, yMin, xMax, yMax, score }) => ({ xMin, yMin, xMax, yMax, score })) };
        if (primary >= 0) {
          used = detectionToRoi(found[primary]!);
          result = await track(frame, used);
        }
      }
      if (disposed) throw new SegmentationError('Segmenter was disposed.');
      if (result && used) {
        warpRoiToFrame(result.seg, SEGMENTATION_SIZE, used, frame.width, frame.height, mask, mw, mh);
        roi = result.next;
        landmarks = result.points;
        people = { ...people, tracked: true };
      } else {
        // Fail closed: nobody found means everything is background.
        mask.fill(0);
        roi = null;
        landmarks = null;
        people = { ...people, tracked: false };
      }
      timings.totalMs = performance.now() - t0;
      return { data: mask, width: mw, height: mh };
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      detector.dispose();
      landmark.dispose();
    },
  };
}
