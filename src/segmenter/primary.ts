/**
 * `people: 'primary'`: keep only the main person. The selfie mask (every person, the best edges)
 * is multiplied by a gate made from the BlazePose segmentation of the tracked main person,
 * dilated by a few mask pixels so the main person keeps the selfie model's edges while
 * bystanders, who lie outside the gate, become background. BlazePose's segmentation is not
 * strictly per person (a bystander inside the main person's ROI can be segmented too), so the gate
 * is also limited to a body region drawn around the main person's own landmarks. When BlazePose
 * finds nobody the gate is empty and the whole frame is background (fail closed).
 */
import type { FramePixels } from '../frame/pixels.js';
import type { BlazePoseSegmenter } from './blazepose/segmenter.js';
import type { Point } from './blazepose/roi.js';
import type { Mask, Segmenter } from './types.js';

/**
 * The main person's body region, from their landmarks: capsules around the limbs, the torso and
 * neck, and a circle around the head, sized by the shoulder width `s` (frame pixels).
 */
export const DEFAULT_BODY_REGION = Object.freeze({
  /** Limb capsule radius, × s. */
  limb: 0.4,
  /** Torso: capsules shoulder–shoulder, hip–hip, shoulder–hip, and the mid-line, radius × s. */
  torso: 0.45,
  /** Head circle radius around the nose, × s. */
  head: 0.75,
  /** Limbs are drawn only between landmarks at least this visible and inside the frame. */
  minVisibility: 0.5,
  /** Smallest s in pixels (a person seen from the side has narrow shoulders), × torso length. */
  minScaleOfTorso: 0.45,
});

/** Landmark index pairs (MediaPipe pose topology) whose capsules make up the body region. */
const LIMBS: ReadonlyArray<readonly [number, number]> = [[11, 13], [13, 15], [12, 14], [14, 16], [23, 25], [25, 27], [24, 26], [26, 28], [15, 19], [16, 20]];
const TORSO: ReadonlyArray<readonly [number, number]> = [[11, 12], [23, 24], [11, 23], [12, 24]];

/**
 * Rasterise the body region of a person (33 landmarks, frame pixels) onto a `gw`×`gh` grid
 * stretched over a `frameW`×`frameH` frame: 255 inside, 0 outside.
 */
export function bodyRegion(points: readonly Point[], frameW: number, frameH: number, out: Uint8Array, gw: number, gh: number, config = DEFAULT_BODY_REGION): void {
  out.fill(0);
  const p = (i: number): Point => points[i]!;
  const mid = (a: Point, b: Point): Point => ({ x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 });
  const shoulders = mid(p(11), p(12));
  const hips = mid(p(23), p(24));
  const torsoLen = Math.hypot(shoulders.x - hips.x, shoulders.y - hips.y);
  const s = Math.max(Math.hypot(p(11).x - p(12).x, p(11).y - p(12).y), config.minScaleOfTorso * torsoLen, 1);
  const kx = frameW / gw;
  const ky = frameH / gh;
  const capsule = (a: Point, b: Point, r: number): void => {
    const x0 = Math.max(0, Math.floor((Math.min(a.x, b.x) - r) / kx));
    const x1 = Math.min(gw - 1, Math.ceil((Math.max(a.x, b.x) + r) / kx));
    const y0 = Math.max(0, Math.floor((Math.min(a.y, b.y) - r) / ky));
    const y1 = Math.min(gh - 1, Math.ceil((Math.max(a.y, b.y) + r) / ky));
    const dx = b.x - a.x, dy = b.y - a.y;
    const len2 = dx * dx + dy * dy;
    const r2 = r * r;
    for (let gy = y0; gy <= y1; gy++) {
      const y = (gy + 0.5) * ky;
      for (let gx = x0; gx <= x1; gx++) {
        const i = gy * gw + gx;
        if (out[i]) continue;
        const x = (gx + 0.5) * kx;
        const t = len2 > 0 ? Math.max(0, Math.min(1, ((x - a.x) * dx + (y - a.y) * dy) / len2)) : 0;
        const ex = a.x + t * dx - x, ey = a.y + t * dy - y;
        if (ex * ex + ey * ey <= r2) out[i] = 255;
      }
    }
  };
  // A limb the model cannot see (e.g. arms below the frame of a head-and-shoulders shot) is
  // guessed, sometimes onto a neighbour: draw only limbs whose both ends are seen.
  const seen = (q: Point): boolean => (q.visibility ?? 1) >= config.minVisibility && q.x >= 0 && q.y >= 0 && q.x < frameW && q.y < frameH;
  for (const [a, b] of LIMBS) if (seen(p(a)) && seen(p(b))) capsule(p(a), p(b), config.limb * s);
  for (const [a, b] of TORSO) capsule(p(a), p(b), config.torso * s);
  // The torso's inside: the mid-line, wide enough to reach both sides.
  capsule(shoulders, hips, (0.5 + config.torso) * s);
  capsule(shoulders, p(0), config.torso * s);
  capsule(p(0), p(0), config.head * s);
}

/** How the BlazePose mask becomes a gate over the selfie mask. */
export const DEFAULT_PRIMARY_GATE = Object.freeze({
  /** Max-filter radius, in pixels of the gate (the selfie grid, 256×256 over the frame). */
  dilate: 3,
  /** BlazePose probability at which the gate starts opening… */
  low: 0.1,
  /** …and at which it is fully open. */
  high: 0.35,
});

/** Square max filter of radius `r` (separable), `src` → `out` (`tmp` scratch), all `w`×`h`. */
export function dilate(src: Uint8Array, out: Uint8Array, tmp: Uint8Array, w: number, h: number, r: number): void {
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      let m = 0;
      const a = Math.max(0, x - r), b = Math.min(w - 1, x + r);
      for (let k = a; k <= b; k++) if (src[row + k]! > m) m = src[row + k]!;
      tmp[row + x] = m;
    }
  }
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) {
      let m = 0;
      const a = Math.max(0, y - r), b = Math.min(h - 1, y + r);
      for (let k = a; k <= b; k++) if (tmp[k * w + x]! > m) m = tmp[k * w + x]!;
      out[y * w + x] = m;
    }
  }
}

/**
 * Combine a selfie segmenter and a BlazePose segmenter whose masks have the same size (the pose
 * segmenter is created with a `maskSize` that matches). Takes ownership of both.
 */
export function createPrimarySegmenter(selfie: Segmenter, pose: BlazePoseSegmenter, gate = DEFAULT_PRIMARY_GATE): Segmenter & { readonly pose: BlazePoseSegmenter } {
  let out = new Uint8Array(0);
  let dil = new Uint8Array(0);
  let tmp = new Uint8Array(0);
  let body = new Uint8Array(0);
  const lo = Math.round(gate.low * 255);
  const span = Math.max(1, Math.round(gate.high * 255) - lo);
  return {
    model: pose.model,
    backend: selfie.backend,
    pose,
    async segment(frame: FramePixels): Promise<Mask> {
      const { width: fw, height: fh } = frame;
      // Both read `frame` synchronously inside these calls, before any await.
      const [a, b] = await Promise.allSettled([selfie.segment(frame), pose.segment(frame)]);
      if (a.status === 'rejected') throw a.reason;
      if (b.status === 'rejected') throw b.reason;
      const s = a.value;
      const p = b.value;
      if (s.width !== p.width || s.height !== p.height) throw new Error(`mask sizes differ: ${s.width}x${s.height} vs ${p.width}x${p.height}`);
      const n = s.width * s.height;
      if (out.length !== n) {
        out = new Uint8Array(n);
        dil = new Uint8Array(n);
        tmp = new Uint8Array(n);
        body = new Uint8Array(n);
      }
      const points = pose.landmarks;
      if (!points) {
        out.fill(0); // nobody tracked: everything is background
        return { data: out, width: s.width, height: s.height };
      }
      bodyRegion(points, fw, fh, body, s.width, s.height);
      dilate(p.data, dil, tmp, s.width, s.height, gate.dilate);
      for (let i = 0; i < n; i++) {
        const g = (body[i]! ? dil[i]! : 0) - lo;
        if (g <= 0) out[i] = 0;
        else if (g >= span) out[i] = s.data[i]!;
        else out[i] = ((s.data[i]! * g) / span + 0.5) | 0;
      }
      return { data: out, width: s.width, height: s.height };
    },
    dispose() {
      pose.dispose();
      selfie.dispose();
    },
  };
}
