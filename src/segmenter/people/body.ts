/**
 * A person's body as capsules (line segments with a radius) drawn from their 33 BlazePose
 * landmarks, and the distance field of those capsules on a mask grid. The field says how far
 * each mask pixel is from the person's body, in frame pixels, so pixels can be assigned to the
 * nearest person (see `assign.ts`).
 * ref: MediaPipe pose topology (mediapipe/modules/pose_landmark/pose_landmark_topology.svg)
 */
import type { Point } from '../blazepose/roi.js';

/** A line segment with a radius, frame pixels. */
export interface Capsule {
  ax: number;
  ay: number;
  bx: number;
  by: number;
  r: number;
}

/** A person's capsules and size. */
export interface Body {
  readonly capsules: readonly Capsule[];
  /** The person's size (shoulder width, or a share of the torso length when seen from the side), frame pixels. */
  readonly scale: number;
}

/** Capsule radii (× the person's {@link Body.scale}) and which landmarks count as seen. */
export const DEFAULT_BODY_CONFIG = Object.freeze({
  /** Upper and lower arms and legs. */
  limb: 0.3,
  /** Hands (wrist → index finger). */
  hand: 0.25,
  /** Torso sides, shoulder line, hip line. */
  torso: 0.35,
  /** Shoulder centre → hip centre (the torso's inside): `0.5 + torso`, reaching both sides. */
  trunk: 0.85,
  /** Nose → shoulder centre. */
  neck: 0.35,
  /** Around the head (nose → mid-ear, widened). */
  head: 0.55,
  /** A limb is drawn only when both ends are at least this visible and inside the frame. */
  minVisibility: 0.5,
  /** Smallest scale, × torso length (a person seen from the side has narrow shoulders). */
  minScaleOfTorso: 0.45,
});

/** Body configuration (see {@link DEFAULT_BODY_CONFIG}). */
export type BodyConfig = typeof DEFAULT_BODY_CONFIG;

const LIMBS: ReadonlyArray<readonly [number, number]> = [[11, 13], [13, 15], [12, 14], [14, 16], [23, 25], [25, 27], [24, 26], [26, 28]];
const HANDS: ReadonlyArray<readonly [number, number]> = [[15, 19], [16, 20]];
const TORSO: ReadonlyArray<readonly [number, number]> = [[11, 12], [23, 24], [11, 23], [12, 24]];

/** The body of a person from their 33 landmarks (frame pixels, MediaPipe order). */
export function bodyFromLandmarks(points: readonly Point[], frameW: number, frameH: number, config: BodyConfig = DEFAULT_BODY_CONFIG): Body {
  const p = (i: number): Point => points[i]!;
  const mid = (a: Point, b: Point): Point => ({ x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 });
  const shoulders = mid(p(11), p(12));
  const hips = mid(p(23), p(24));
  const torsoLen = Math.hypot(shoulders.x - hips.x, shoulders.y - hips.y);
  const s = Math.max(Math.hypot(p(11).x - p(12).x, p(11).y - p(12).y), config.minScaleOfTorso * torsoLen, 1);
  const capsules: Capsule[] = [];
  const add = (a: Point, b: Point, r: number): void => {
    capsules.push({ ax: a.x, ay: a.y, bx: b.x, by: b.y, r: r * s });
  };
  // A limb the model cannot see (e.g. arms below a head-and-shoulders shot) is guessed,
  // sometimes onto a neighbour: draw only limbs whose both ends are seen.
  const seen = (q: Point): boolean => (q.visibility ?? 1) >= config.minVisibility && q.x >= 0 && q.y >= 0 && q.x < frameW && q.y < frameH;
  for (const [a, b] of LIMBS) if (seen(p(a)) && seen(p(b))) add(p(a), p(b), config.limb);
  for (const [a, b] of HANDS) if (seen(p(a)) && seen(p(b))) add(p(a), p(b), config.hand);
  for (const [a, b] of TORSO) add(p(a), p(b), config.torso);
  add(shoulders, hips, config.trunk);
  add(p(0), shoulders, config.neck);
  add(p(0), mid(p(7), p(8)), config.head);
  return { capsules, scale: s };
}

/**
 * Signed distance to the body's capsules in frame pixels (negative inside a capsule), on a
 * `gw`×`gh` grid stretched over a `frameW`×`frameH` frame. Only pixels where `where` is non-zero
 * are computed (others get `+Infinity`) when `where` is given.
 */
export function bodyField(body: Body, frameW: number, frameH: number, out: Float32Array, gw: number, gh: number, where?: Uint8Array): void {
  const kx = frameW / gw;
  const ky = frameH / gh;
  const caps = body.capsules.map((c) => {
    const dx = c.bx - c.ax, dy = c.by - c.ay;
    const len2 = dx * dx + dy * dy;
    return { ...c, dx, dy, il: len2 > 0 ? 1 / len2 : 0 };
  });
  for (let gy = 0, i = 0; gy < gh; gy++) {
    const y = (gy + 0.5) * ky;
    for (let gx = 0; gx < gw; gx++, i++) {
      if (where && !where[i]) {
        out[i] = Infinity;
        continue;
      }
      const x = (gx + 0.5) * kx;
      let best = Infinity;
      for (const c of caps) {
        let t = ((x - c.ax) * c.dx + (y - c.ay) * c.dy) * c.il;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        const ex = c.ax + t * c.dx - x, ey = c.ay + t * c.dy - y;
        const d = Math.sqrt(ex * ex + ey * ey) - c.r;
        if (d < best) best = d;
      }
      out[i] = best;
    }
  }
}
