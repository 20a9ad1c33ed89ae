/**
 * `people: 'primary'`: keep only the main person. The selfie mask (every person, the best edges)
 * is multiplied by a gate made from the BlazePose segmentation of the tracked main person,
 * dilated by a few mask pixels so the main person keeps the selfie model's edges while
 * bystanders, who lie outside the gate, become background. When BlazePose finds nobody the
 * gate is empty and the whole frame is background (fail closed).
 */
import type { FramePixels } from '../frame/pixels.js';
import type { BlazePoseSegmenter } from './blazepose/segmenter.js';
import type { Mask, Segmenter } from './types.js';

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
  const lo = Math.round(gate.low * 255);
  const span = Math.max(1, Math.round(gate.high * 255) - lo);
  return {
    model: pose.model,
    backend: selfie.backend,
    pose,
    async segment(frame: FramePixels): Promise<Mask> {
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
      }
      dilate(p.data, dil, tmp, s.width, s.height, gate.dilate);
      for (let i = 0; i < n; i++) {
        const g = dil[i]! - lo;
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
