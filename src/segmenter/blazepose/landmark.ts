/**
 * BlazePose GHUM landmark model output → landmarks in frame pixels, and the next frame's ROI
 * from them (ROI tracking: the detector runs only when the person is lost).
 * ref: mediapipe/modules/pose_landmark/pose_landmarks_to_roi.pbtxt
 */
import { AUX_CENTER_LANDMARK, AUX_SCALE_LANDMARK, LANDMARK_INPUT_SIZE, LANDMARK_VALUES, NUM_LANDMARKS } from './constants.js';
import { roiFromAlignment, roiToFrame, type Point, type Roi } from './roi.js';

/**
 * Project the landmark model's `ld_3d` output (x, y in crop pixels of the `roi`) to frame pixels.
 * Returns all {@link NUM_LANDMARKS} points (33 pose + 6 auxiliary), with visibility (sigmoid).
 */
export function projectLandmarks(ld: Float32Array, roi: Roi): Point[] {
  if (ld.length < NUM_LANDMARKS * LANDMARK_VALUES) throw new Error(`ld_3d has ${ld.length} values`);
  const out: Point[] = [];
  for (let i = 0; i < NUM_LANDMARKS; i++) {
    const o = i * LANDMARK_VALUES;
    const p = roiToFrame(roi, ld[o]! / LANDMARK_INPUT_SIZE, ld[o + 1]! / LANDMARK_INPUT_SIZE);
    out.push({ ...p, visibility: 1 / (1 + Math.exp(-ld[o + 3]!)) });
  }
  return out;
}

/** The ROI for the next frame, from this frame's auxiliary landmarks (frame pixels). */
export function landmarksToRoi(landmarks: readonly Point[]): Roi {
  return roiFromAlignment(landmarks[AUX_CENTER_LANDMARK]!, landmarks[AUX_SCALE_LANDMARK]!);
}
