/**
 * `people: 'primary'`: keep only the main person. Every person in view is tracked with BlazePose
 * (`people/tracker.ts`); each foreground pixel of the selfie mask (every person, the best edges)
 * is assigned to one person by their BlazePose segmentations and body capsules
 * (`people/assign.ts`), and only the main person's pixels stay. Uncertain pixels go to the
 * background; nobody found means the whole frame is background (fail closed).
 */
import { SegmentationError } from '../errors.js';
import type { FramePixels } from '../frame/pixels.js';
import type { ModelName } from '../options.js';
import { SEGMENTATION_SIZE } from './blazepose/constants.js';
import type { PoseModels } from './blazepose/models.js';
import { snapshotFrame, warpRoiToFrame } from './blazepose/roi.js';
import { assignPrimary, DEFAULT_ASSIGN_CONFIG, dilate, type AssignConfig, type PersonMaps } from './people/assign.js';
import { bodyField, bodyFromLandmarks, DEFAULT_BODY_CONFIG, type BodyConfig } from './people/body.js';
import { createPeopleTracker, type PeopleFrame, type TrackedPerson } from './people/tracker.js';
import { DEFAULT_TRACKING_CONFIG, type TrackingConfig } from './people/tracking.js';
import type { Mask, PeopleSeen, Segmenter } from './types.js';

export { dilate } from './people/assign.js';

/** Dilation of the main person's BlazePose segmentation before it gates the selfie mask, mask pixels. */
export const DEFAULT_PRIMARY_DILATE = 3;

/** Tuning of {@link createPrimarySegmenter} (all optional; defaults are the frozen `DEFAULT_*`). */
export interface PrimaryConfig {
  /** The model name to report (`stats.model`). Default `'selfie'`. */
  model?: ModelName;
  tracking?: TrackingConfig;
  body?: BodyConfig;
  assign?: AssignConfig;
  dilate?: number;
}

/** The main-person segmenter: a {@link Segmenter} that also says whom it saw. */
export interface PrimarySegmenter extends Segmenter {
  /** Who was seen in the last segmented frame. */
  readonly people: PeopleSeen;
  /** The last frame's tracked people (diagnostics and tests). */
  readonly lastPeople: PeopleFrame | null;
  /** Forget everyone tracked (the next frame runs the detector). */
  reset(): void;
}

/** The bounding box of a person's landmarks that fall inside the frame, frame pixels. */
function personBox(p: TrackedPerson, w: number, h: number): { x: number; y: number; width: number; height: number } {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const q of p.result.points) {
    const x = Math.min(w, Math.max(0, q.x)), y = Math.min(h, Math.max(0, q.y));
    x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
  }
  return { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) };
}

/**
 * Combine the selfie segmenter (square mask) with the BlazePose `models`. Takes ownership of both.
 */
export function createPrimarySegmenter(selfie: Segmenter, models: PoseModels, config: PrimaryConfig = {}): PrimarySegmenter {
  const bodyConfig = config.body ?? DEFAULT_BODY_CONFIG;
  const assignConfig = config.assign ?? DEFAULT_ASSIGN_CONFIG;
  const radius = config.dilate ?? DEFAULT_PRIMARY_DILATE;
  const tracker = createPeopleTracker(models, config.tracking ?? DEFAULT_TRACKING_CONFIG);
  const snapshot = { data: new Uint8Array(0) };
  let out = new Uint8Array(0);
  let dil = new Uint8Array(0);
  let tmp = new Uint8Array(0);
  let where = new Uint8Array(0);
  /** Per-person maps, reused across frames (index = position in the frame's people list). */
  const maps: Array<{ seg: Uint8Array; field: Float32Array; scale: number }> = [];
  let people: PeopleSeen = { count: 0, primary: null };
  let lastPeople: PeopleFrame | null = null;
  let disposed = false;

  return {
    model: config.model ?? 'selfie',
    backend: selfie.backend,
    get people() {
      return people;
    },
    get lastPeople() {
      return lastPeople;
    },
    reset() {
      tracker.reset();
    },
    async segment(input: FramePixels): Promise<Mask> {
      if (disposed) throw new SegmentationError('Segmenter was disposed.');
      // The tracker awaits between models; the caller reuses its buffer after our first await.
      const frame = snapshotFrame(input, snapshot);
      const [a, b] = await Promise.allSettled([selfie.segment(input), tracker.update(frame)]);
      if (a.status === 'rejected') throw a.reason;
      if (b.status === 'rejected') throw b.reason;
      if (disposed) throw new SegmentationError('Segmenter was disposed.');
      const s = a.value;
      const seen = b.value;
      lastPeople = seen;
      const { width: gw, height: gh } = s;
      const n = gw * gh;
      if (out.length !== n) {
        out = new Uint8Array(n);
        dil = new Uint8Array(n);
        tmp = new Uint8Array(n);
        where = new Uint8Array(n);
        maps.length = 0;
      }
      const primary = seen.primary;
      people = {
        count: seen.count,
        primary: primary ? { id: primary.id, box: personBox(primary, frame.width, frame.height), score: primary.result.presence } : null,
      };
      if (!primary) {
        out.fill(0); // nobody found: everything is background
        return { data: out, width: gw, height: gh };
      }
      while (maps.length < seen.people.length) maps.push({ seg: new Uint8Array(n), field: new Float32Array(n), scale: 1 });
      // Fields only where the selfie model sees someone: the rest is background anyway.
      for (let i = 0; i < n; i++) where[i] = s.data[i]! > 0 ? 1 : 0;
      let primaryMaps: PersonMaps | null = null;
      const others: PersonMaps[] = [];
      for (let k = 0; k < seen.people.length; k++) {
        const p = seen.people[k]!;
        const m = maps[k]!;
        warpRoiToFrame(p.result.seg, SEGMENTATION_SIZE, p.result.roi, frame.width, frame.height, m.seg, gw, gh);
        const body = bodyFromLandmarks(p.result.points, frame.width, frame.height, bodyConfig);
        bodyField(body, frame.width, frame.height, m.field, gw, gh, where);
        m.scale = body.scale;
        if (p === primary) primaryMaps = m;
        else others.push(m);
      }
      if (!primaryMaps) throw new SegmentationError('The main person has no maps.'); // unreachable: primary is one of people
      dilate(primaryMaps.seg, dil, tmp, gw, gh, radius);
      assignPrimary(s.data, primaryMaps, dil, others, out, assignConfig);
      return { data: out, width: gw, height: gh };
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      models.dispose();
      selfie.dispose();
    },
  };
}
