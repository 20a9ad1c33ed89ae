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
import { SegmentationError } from '../../errors.js';
import type { FramePixels } from '../../frame/pixels.js';
import type { FetchOptions } from '../../models/load.js';
import type { BackendName } from '../../options.js';
import type { Mask, Segmenter } from '../types.js';
import { DEFAULT_MASK_LONG_SIDE, SEGMENTATION_SIZE, STEP_DOWN_VARIANT, type BlazePoseVariant } from './constants.js';
import { choosePrimary, detectionToRoi } from './detector.js';
import { loadPoseModels, type PoseResult } from './models.js';
import { snapshotFrame, warpRoiToFrame, type Point, type Roi } from './roi.js';

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
  const models = await loadPoseModels(options);
  const snapshot = { data: new Uint8Array(0) };
  const maskSize = options.maskSize ?? defaultMaskSize;
  let mask = new Uint8Array(0);
  let roi: Roi | null = null;
  let landmarks: Point[] | null = null;
  let disposed = false;
  let people: PeopleSeen = { count: 0, tracked: false, primary: -1, boxes: [] };
  const timings = { detectorMs: 0, landmarkMs: 0, totalMs: 0 };

  let stepping: Promise<boolean> | null = null;

  return {
    get model() {
      return models.variant;
    },
    backend: options.backend,
    stepDown() {
      const next = STEP_DOWN_VARIANT[models.variant];
      if (disposed || !next) return Promise.resolve(false);
      // One switch at a time; the current model serves every frame until the next is ready.
      stepping ??= models.replaceLandmark(next, { signal: options.signal, fetch: options.fetch }).then(() => true).finally(() => (stepping = null));
      return stepping;
    },
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
      models.resetTimings();
      // The caller reuses its buffer after our first await: keep our own copy (a memcpy).
      const frame = snapshotFrame(input, snapshot);
      const { width: mw, height: mh } = maskSize(frame.width, frame.height);
      if (mask.length !== mw * mh) mask = new Uint8Array(mw * mh);
      let result: PoseResult | null = null;
      if (roi) result = await models.landmarks(frame, roi);
      if (!result) {
        // Nobody tracked, or tracking lost: find people in this very frame.
        const found = await models.detect(frame);
        const primary = choosePrimary(found, frame.width, frame.height);
        people = { count: found.length, tracked: false, primary, boxes: found.map(({ xMin, yMin, xMax, yMax, score }) => ({ xMin, yMin, xMax, yMax, score })) };
        if (primary >= 0) result = await models.landmarks(frame, detectionToRoi(found[primary]!));
      }
      if (disposed) throw new SegmentationError('Segmenter was disposed.');
      if (result) {
        warpRoiToFrame(result.seg, SEGMENTATION_SIZE, result.roi, frame.width, frame.height, mask, mw, mh);
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
      timings.detectorMs = models.timings.detectorMs;
      timings.landmarkMs = models.timings.landmarkMs;
      timings.totalMs = performance.now() - t0;
      return { data: mask, width: mw, height: mh };
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      models.dispose();
    },
  };
}
