/**
 * Pure bookkeeping of the people tracker: matching detections to tracked people, merging two
 * tracks that converged on the same person, how "main" a person looks, and the choice of the main
 * person with hysteresis (no jumping between people). Unit-tested in Node.
 */
import type { Detection } from '../blazepose/detector.js';
import type { Point, Roi } from '../blazepose/roi.js';

/** Where a person's face is: centre and size (frame pixels). People are matched by their faces. */
export interface Face {
  x: number;
  y: number;
  size: number;
}

/** The face of a detection (its face box). */
export function detectionFace(d: Detection): Face {
  return { x: (d.xMin + d.xMax) / 2, y: (d.yMin + d.yMax) / 2, size: Math.max(1, d.xMax - d.xMin, d.yMax - d.yMin) };
}

/** The face of a tracked person from their landmarks: around the nose, sized by ear and eye distances. */
export function landmarkFace(points: readonly Point[]): Face {
  const p = (i: number): Point => points[i]!;
  const ears = Math.hypot(p(7).x - p(8).x, p(7).y - p(8).y);
  const eyes = Math.hypot(p(2).x - p(5).x, p(2).y - p(5).y);
  return { x: p(0).x, y: p(0).y, size: Math.max(1, ears * 1.3, eyes * 2.6) };
}

/** Tracker defaults. */
export const DEFAULT_TRACKING_CONFIG = Object.freeze({
  /**
   * Run the detector every this many frames (new people are found within this delay times the
   * number of {@link detectionRegions}).
   */
  detectEvery: 1,
  /**
   * Detector score from which a detection is tried as a person (the landmark model's presence then
   * confirms it). Below the detector's own 0.5: it often scores bystanders 0.2–0.4.
   */
  candidateScore: 0.5,
  /** At most this many people get the landmark model per frame (main person first, then the nearest). */
  maxPeople: 3,
  /** A detection matches a track when their face centres are closer than this × the larger face… */
  matchDistance: 0.6,
  /** …and their face sizes differ by less than this factor. */
  matchSize: 2,
  /** Two tracks whose faces are closer than this (× the larger face) are the same person: one is dropped. */
  duplicateDistance: 0.4,
  /** Likewise when their noses and shoulders are on average closer than this × the shoulder width. */
  duplicateBody: 0.35,
  /** Weight of the horizontal distance from the frame centre in {@link priority} (0: size only). */
  centerWeight: 0.5,
  /** Another person becomes the main person only when their priority beats the main person's by this factor… */
  switchRatio: 1.3,
  /** …on this many consecutive frames. */
  switchFrames: 15,
});

/**
 * Where the detector looks, in turn: the whole frame, then (on landscape frames) the left and the
 * right square. The BlazePose detector is made for one main person and often misses a second
 * person in the whole frame that it finds in a crop.
 */
export function detectionRegions(frameW: number, frameH: number): Roi[] {
  const side = Math.max(frameW, frameH);
  const whole: Roi = { cx: frameW / 2, cy: frameH / 2, width: side, height: side, rotation: 0 };
  if (frameW < frameH * 1.2) return [whole];
  const h = frameH;
  return [whole, { cx: h / 2, cy: h / 2, width: h, height: h, rotation: 0 }, { cx: frameW - h / 2, cy: h / 2, width: h, height: h, rotation: 0 }];
}

/** Tracking configuration (see {@link DEFAULT_TRACKING_CONFIG}). */
export type TrackingConfig = typeof DEFAULT_TRACKING_CONFIG;

/**
 * How "main" a person looks: the face size relative to the frame's long side (larger = closer),
 * times a penalty for the horizontal distance of the face from the frame centre.
 */
export function priority(face: Face, frameW: number, frameH: number, config: TrackingConfig = DEFAULT_TRACKING_CONFIG): number {
  const size = face.size / Math.max(frameW, frameH);
  const off = Math.min(1, Math.abs(face.x - frameW / 2) / (frameW / 2));
  return size * (1 - config.centerWeight * off);
}

/**
 * Whether two tracked people are one: their shoulders and noses are within `distance` × the
 * smaller shoulder width of each other (two tracks that converged on the same body).
 */
export function sameBody(a: readonly Point[], b: readonly Point[], distance: number): boolean {
  const width = (p: readonly Point[]): number => Math.hypot(p[11]!.x - p[12]!.x, p[11]!.y - p[12]!.y);
  const s = Math.max(1, Math.min(width(a), width(b)));
  let sum = 0;
  for (const i of [0, 11, 12]) sum += Math.hypot(a[i]!.x - b[i]!.x, a[i]!.y - b[i]!.y);
  return sum / 3 < distance * s;
}

/** Whether two faces are near (centre distance < `distance` × the larger size) and of similar size (ratio < `size`). */
export function sameFace(a: Face, b: Face, distance: number, size: number): boolean {
  const big = Math.max(a.size, b.size);
  return Math.hypot(a.x - b.x, a.y - b.y) < distance * big && big / Math.min(a.size, b.size) < size;
}

/**
 * Greedy matching of detected faces to tracked faces, nearest first. Returns, for each
 * detection, the index of its track or -1 (a new person).
 */
export function matchDetections(detections: readonly Face[], tracks: readonly Face[], config: TrackingConfig = DEFAULT_TRACKING_CONFIG): number[] {
  const pairs: Array<{ d: number; t: number; dist: number }> = [];
  detections.forEach((d, di) => tracks.forEach((t, ti) => {
    if (sameFace(t, d, config.matchDistance, config.matchSize)) pairs.push({ d: di, t: ti, dist: Math.hypot(d.x - t.x, d.y - t.y) });
  }));
  pairs.sort((a, b) => a.dist - b.dist);
  const out = detections.map(() => -1);
  const used = new Set<number>();
  for (const { d, t } of pairs) {
    if (out[d] !== -1 || used.has(t)) continue;
    out[d] = t;
    used.add(t);
  }
  return out;
}

/**
 * Main-person choice with hysteresis. `current` is the main person's id (or -1), `candidates`
 * the people seen this frame with their priority, `streak` how many consecutive frames the
 * current best challenger has beaten the main person by `switchRatio`. Returns the new main
 * person and streak. Without a main person (start, or the main person was lost) the highest
 * priority wins at once, and so it does while `settling` (right after the main person was
 * chosen, until the detector has looked at every region once).
 */
export function choosePrimaryWithHysteresis(
  current: number, candidates: ReadonlyArray<{ id: number; priority: number }>, streak: { id: number; frames: number },
  config: TrackingConfig = DEFAULT_TRACKING_CONFIG, settling = false,
): { primary: number; streak: { id: number; frames: number } } {
  const none = { id: -1, frames: 0 };
  if (candidates.length === 0) return { primary: -1, streak: none };
  let best = candidates[0]!;
  for (const c of candidates) if (c.priority > best.priority) best = c;
  const cur = candidates.find((c) => c.id === current);
  // No main person yet, or still settling (the detector has not yet looked everywhere): the best, at once.
  if (!cur || settling) return { primary: best.id, streak: none };
  if (best.id === cur.id || best.priority < cur.priority * config.switchRatio) return { primary: cur.id, streak: none };
  const frames = streak.id === best.id ? streak.frames + 1 : 1;
  if (frames >= config.switchFrames) return { primary: best.id, streak: none };
  return { primary: cur.id, streak: { id: best.id, frames } };
}
