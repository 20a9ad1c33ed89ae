/**
 * The two BlazePose graph models (detector + one landmark variant), loaded and verified, with one
 * call each: `detect` (whole frame → people) and `landmarks` (one person's ROI → pose, presence,
 * segmentation). Shared by the single-person segmenter (`segmenter.ts`) and the people tracker
 * (`../people/tracker.ts`). Owns both models and every tensor it creates (each call disposes its
 * outputs before it returns).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as converter from '@tensorflow/tfjs-converter';
import { SegmentationError } from '../../errors.js';
import type { FramePixels } from '../../frame/pixels.js';
import { loadVerifiedGraphModel, warmUpGraphModel, type FetchOptions } from '../../models/load.js';
import type { LoadProgress } from '../../options.js';
import {
  DEFAULT_DETECTION_CONFIG, DEFAULT_POSE_PRESENCE, DETECTOR_INPUT_SIZE, LANDMARK_INPUT_SIZE, NUM_POSE_LANDMARKS, SEGMENTATION_SIZE,
  type BlazePoseVariant,
} from './constants.js';
import { createAnchors, decodeDetections, detectionsToFrame, nonMaxSuppression, type Detection } from './detector.js';
import { landmarksToRoi, projectLandmarks } from './landmark.js';
import { cropToInput, letterboxRoi, type Point, type Roi } from './roi.js';

/** One person's landmark-model result in a ROI. */
export interface PoseResult {
  /** The ROI the model saw. */
  roi: Roi;
  /** `SEGMENTATION_SIZE`² probabilities over `roi` (ROI-normalised); a new array per call. */
  seg: Float32Array;
  /** The 33 pose landmarks, frame pixels, with visibility. */
  points: Point[];
  /** The ROI to use on the next frame (from the auxiliary landmarks). */
  next: Roi;
  /** Pose presence (`output_poseflag`). */
  presence: number;
}

/** The loaded detector and landmark models. */
export interface PoseModels {
  /** The landmark model in use (changes after {@link PoseModels.replaceLandmark}). */
  readonly variant: BlazePoseVariant;
  /**
   * Every person the detector finds in the frame (after NMS), frame pixels, scoring at least
   * `minScore` (default: the detector's own threshold), in `region` (default: the whole frame,
   * letterboxed). Reads `frame` synchronously.
   */
  detect(frame: FramePixels, minScore?: number, region?: Roi): Promise<Detection[]>;
  /** The landmark model on `roi`; null when no pose is present there. Reads `frame` synchronously. */
  landmarks(frame: FramePixels, roi: Roi): Promise<PoseResult | null>;
  /** Milliseconds spent in each model since the last {@link PoseModels.resetTimings}. */
  readonly timings: { detectorMs: number; landmarkMs: number; detectorRuns: number; landmarkRuns: number };
  /** Zero the timings. */
  resetTimings(): void;
  /**
   * Load, verify and warm up the `variant` landmark model, then use it for every later
   * `landmarks` call. The current model keeps serving until the new one is ready; a call already
   * running finishes on the old model, which is freed when no call uses it any more. Rejects (and
   * keeps the current model) when loading fails or the models are disposed meanwhile.
   */
  replaceLandmark(variant: BlazePoseVariant, options?: FetchOptions): Promise<void>;
  /** Free both models. Idempotent. */
  dispose(): void;
}

/** Options for {@link loadPoseModels}. */
export interface PoseModelsOptions extends FetchOptions {
  variant: BlazePoseVariant;
  /** Where the `blazepose-*.json/.bin` files are served. */
  modelBaseUrl: URL;
}

const LANDMARK_OUTPUTS = ['ld_3d', 'output_poseflag', 'activation_segmentation'];

/** Load the detector and the `variant` landmark model (both sha256-verified), warmed up. */
export async function loadPoseModels(options: PoseModelsOptions): Promise<PoseModels> {
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
  let landmark = l.value;
  let variant = options.variant;
  try {
    await warmUpGraphModel(detector, [1, DETECTOR_INPUT_SIZE, DETECTOR_INPUT_SIZE, 3]);
    await warmUpGraphModel(landmark, [1, LANDMARK_INPUT_SIZE, LANDMARK_INPUT_SIZE, 3], [...LANDMARK_OUTPUTS]);
  } catch (cause) {
    detector.dispose();
    landmark.dispose();
    throw new SegmentationError(`BlazePose warm-up failed: ${String(cause)}`, { cause });
  }
  const anchors = createAnchors();
  const detIn = new Float32Array(DETECTOR_INPUT_SIZE * DETECTOR_INPUT_SIZE * 3);
  const lmIn = new Float32Array(LANDMARK_INPUT_SIZE * LANDMARK_INPUT_SIZE * 3);
  const timings = { detectorMs: 0, landmarkMs: 0, detectorRuns: 0, landmarkRuns: 0 };
  let disposed = false;
  const alive = (): void => {
    if (disposed) throw new SegmentationError('BlazePose models were disposed.');
  };
  /** Landmark calls running on each model; a replaced model is freed when its count drops to 0. */
  const busy = new Map<converter.GraphModel, number>();
  const retired = new Set<converter.GraphModel>();
  const release = (model: converter.GraphModel): void => {
    const n = (busy.get(model) ?? 1) - 1;
    if (n > 0) busy.set(model, n);
    else {
      busy.delete(model);
      if (retired.delete(model)) model.dispose();
    }
  };

  return {
    get variant() {
      return variant;
    },
    timings,
    resetTimings() {
      timings.detectorMs = timings.landmarkMs = timings.detectorRuns = timings.landmarkRuns = 0;
    },
    async detect(frame, minScore = DEFAULT_DETECTION_CONFIG.minScore, region) {
      alive();
      const t0 = performance.now();
      const box = region ?? letterboxRoi(frame.width, frame.height);
      // Input in [-1, 1]; the letterbox padding is black (-1), as in MediaPipe's zero border.
      cropToInput(frame, box, detIn, DETECTOR_INPUT_SIZE, -1, 1, -1);
      const out = tf.tidy(() => detector.execute(tf.tensor4d(detIn, [1, DETECTOR_INPUT_SIZE, DETECTOR_INPUT_SIZE, 3])) as tf.Tensor);
      let raw: Float32Array;
      try {
        raw = (await out.data()) as Float32Array;
      } finally {
        out.dispose();
      }
      const found = nonMaxSuppression(decodeDetections(raw, anchors, { ...DEFAULT_DETECTION_CONFIG, minScore }), DEFAULT_DETECTION_CONFIG.nmsIou, DEFAULT_DETECTION_CONFIG.maxDetections);
      timings.detectorMs += performance.now() - t0;
      timings.detectorRuns++;
      return detectionsToFrame(found, box);
    },
    async landmarks(frame, roi) {
      alive();
      const t0 = performance.now();
      const model = landmark;
      busy.set(model, (busy.get(model) ?? 0) + 1);
      let outs: tf.Tensor[];
      try {
        cropToInput(frame, roi, lmIn, LANDMARK_INPUT_SIZE, 0, 1, 0);
        outs = tf.tidy(() => model.execute(tf.tensor4d(lmIn, [1, LANDMARK_INPUT_SIZE, LANDMARK_INPUT_SIZE, 3]), LANDMARK_OUTPUTS) as tf.Tensor[]);
      } catch (error) {
        release(model);
        throw error;
      }
      try {
        const [ldT, flagT, segT] = outs;
        const presence = (await flagT!.data())[0]!;
        if (!(presence >= DEFAULT_POSE_PRESENCE)) return null;
        const [ld, seg] = await Promise.all([ldT!.data() as Promise<Float32Array>, segT!.data() as Promise<Float32Array>]);
        if (seg.length !== SEGMENTATION_SIZE * SEGMENTATION_SIZE) throw new SegmentationError(`BlazePose segmentation has ${seg.length} values.`);
        const points = projectLandmarks(ld, roi);
        return { roi, seg, next: landmarksToRoi(points), points: points.slice(0, NUM_POSE_LANDMARKS), presence };
      } finally {
        tf.dispose(outs);
        release(model);
        timings.landmarkMs += performance.now() - t0;
        timings.landmarkRuns++;
      }
    },
    async replaceLandmark(next, fetchOptions = {}) {
      alive();
      if (next === variant) return;
      const loaded = await loadVerifiedGraphModel(converter, options.modelBaseUrl, `blazepose-${next}`, fetchOptions);
      try {
        await warmUpGraphModel(loaded, [1, LANDMARK_INPUT_SIZE, LANDMARK_INPUT_SIZE, 3], [...LANDMARK_OUTPUTS]);
      } catch (cause) {
        loaded.dispose();
        throw new SegmentationError(`BlazePose ${next} warm-up failed: ${String(cause)}`, { cause });
      }
      if (disposed) {
        loaded.dispose();
        throw new SegmentationError('BlazePose models were disposed.');
      }
      const old = landmark;
      landmark = loaded;
      variant = next;
      if (busy.has(old)) retired.add(old);
      else old.dispose();
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      detector.dispose();
      landmark.dispose();
      // A replaced model is in `retired` only while a call still runs on it; release() frees it.
    },
  };
}
