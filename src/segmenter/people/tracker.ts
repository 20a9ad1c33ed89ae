/**
 * Tracks every person in view with the BlazePose models: the detector finds people (every
 * `detectEvery` frames, and at once when the main person is lost), each tracked person gets the
 * landmark model on every frame (ROI from their previous landmarks), and the main person is
 * chosen with hysteresis (`tracking.ts`). A person's result is only ever from the current frame:
 * a person the landmark model no longer finds is dropped, never carried over.
 */
import type { FramePixels } from '../../frame/pixels.js';
import { detectionToRoi } from '../blazepose/detector.js';
import type { PoseModels, PoseResult } from '../blazepose/models.js';
import type { Roi } from '../blazepose/roi.js';
import {
  choosePrimaryWithHysteresis, DEFAULT_TRACKING_CONFIG, detectionFace, detectionRegions, landmarkFace, matchDetections, priority, sameBody, sameFace, type Face, type TrackingConfig,
} from './tracking.js';

/** A person tracked in the current frame. */
export interface TrackedPerson {
  /** Stable id while the person stays tracked. */
  readonly id: number;
  /** This frame's landmark-model result for the person. */
  readonly result: PoseResult;
  /** How "main" the person looks (see `priority`). */
  readonly priority: number;
  /** The person's face from this frame's landmarks. */
  readonly face: Face;
}

/** The people of one frame. */
export interface PeopleFrame {
  /** Everyone tracked in this frame (fresh results only). */
  readonly people: readonly TrackedPerson[];
  /** The main person, or null (nobody found: the caller fails closed). */
  readonly primary: TrackedPerson | null;
  /** People seen: those tracked plus any the detector found beyond `maxPeople`. */
  readonly count: number;
}

/** The stateful tracker. */
export interface PeopleTracker {
  /** Track the people of `frame` (read synchronously before the first await). */
  update(frame: FramePixels): Promise<PeopleFrame>;
  /** Forget everyone (the next frame runs the detector). */
  reset(): void;
}

interface Track {
  id: number;
  roi: Roi;
  face: Face;
  priority: number;
}

/** A tracker over already-loaded `models` (not owned: the caller disposes them). */
export function createPeopleTracker(models: PoseModels, config: TrackingConfig = DEFAULT_TRACKING_CONFIG): PeopleTracker {
  let tracks: Track[] = [];
  let nextId = 1;
  let primaryId = -1;
  let streak = { id: -1, frames: 0 };
  let sinceDetect = Infinity;
  let overflow = 0;
  let regionTurn = 0;
  /** Frames since the main person was (re)acquired. */
  let settle = 0;

  async function detectInto(frame: FramePixels): Promise<Track[]> {
    const regions = detectionRegions(frame.width, frame.height);
    // Nobody tracked: the whole frame first; otherwise the regions in turn.
    const region = tracks.length === 0 ? regions[0]! : regions[regionTurn++ % regions.length]!;
    const found = await models.detect(frame, config.candidateScore, region);
    sinceDetect = 0;
    const faces = found.map(detectionFace);
    const match = matchDetections(faces, tracks.map((t) => t.face), config);
    const fresh: Track[] = [];
    found.forEach((d, i) => {
      const roi = detectionToRoi(d);
      if (match[i] === -1) fresh.push({ id: nextId++, roi, face: faces[i]!, priority: priority(faces[i]!, frame.width, frame.height, config) });
    });
    return fresh;
  }

  /** Landmarks for `list` (in order, up to the cap); returns the people still present. */
  async function run(frame: FramePixels, list: Track[], out: TrackedPerson[]): Promise<void> {
    for (const t of list) {
      if (out.length >= config.maxPeople) {
        overflow++;
        continue;
      }
      const result = await models.landmarks(frame, t.roi);
      if (!result) continue; // lost: dropped, never carried over
      // Two tracks that converged on one person: keep the one already kept (main person first).
      const face = landmarkFace(result.points);
      if (out.some((p) => sameFace(p.face, face, config.duplicateDistance, config.matchSize) || sameBody(p.result.points, result.points, config.duplicateBody))) continue;
      out.push({ id: t.id, result, face, priority: priority(face, frame.width, frame.height, config) });
    }
  }

  return {
    reset() {
      tracks = [];
      primaryId = -1;
      streak = { id: -1, frames: 0 };
      sinceDetect = Infinity;
      settle = 0;
    },
    async update(frame) {
      overflow = 0;
      sinceDetect++;
      let detected = false;
      let list = tracks;
      if (tracks.length === 0 || !tracks.some((t) => t.id === primaryId) || sinceDetect >= config.detectEvery) {
        list = [...tracks, ...(await detectInto(frame))];
        detected = true;
      }
      // Main person first, then by priority: the cap drops the least likely to matter.
      list.sort((a, b) => (a.id === primaryId ? -1 : b.id === primaryId ? 1 : b.priority - a.priority));
      const people: TrackedPerson[] = [];
      await run(frame, list, people);
      if (!detected && !people.some((p) => p.id === primaryId)) {
        // The main person was lost on this frame: look for people in this very frame.
        const known = people.map((p) => ({ id: p.id, roi: p.result.next, face: p.face, priority: p.priority }));
        tracks = known;
        await run(frame, await detectInto(frame), people);
      }
      const settling = settle < detectionRegions(frame.width, frame.height).length;
      const choice = choosePrimaryWithHysteresis(primaryId, people, streak, config, settling);
      // A new main person after a loss (or at start) settles again; a kept one counts frames.
      settle = choice.primary !== -1 && (choice.primary === primaryId || settling) ? settle + 1 : 0;
      primaryId = choice.primary;
      streak = choice.streak;
      tracks = people.map((p) => ({ id: p.id, roi: p.result.next, face: p.face, priority: p.priority }));
      return { people, primary: people.find((p) => p.id === primaryId) ?? null, count: people.length + overflow };
    },
  };
}
