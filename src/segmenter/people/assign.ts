/**
 * Assign every foreground pixel to one person and keep only the main person's.
 *
 * The selfie mask (every person, the best edges) is the starting point. A pixel stays only when
 * - the main person's own BlazePose segmentation (dilated a little) says person there, and the
 *   pixel lies within reach of the main person's body capsules (`body.ts`); and
 * - no other person claims it: another person claims a pixel when the main person's body is not
 *   clearly nearer (by at least `margin` × that other person's size, in pixels), or, over a wider
 *   `segMargin`, when that person's own segmentation says person there. Distances are compared in
 *   pixels, not in each person's own units, so a large main person does not win over a small
 *   bystander's pixels just by being large.
 * Uncertain pixels therefore go to the background (bias to hiding). With no main person every
 * pixel is background (fail closed).
 */

/** One person's maps on the mask grid. */
export interface PersonMaps {
  /** BlazePose segmentation of this person, warped to the grid, 0..255. */
  readonly seg: Uint8Array;
  /** Signed distance to this person's body capsules, frame pixels (`bodyField`). */
  readonly field: Float32Array;
  /** The person's size (`Body.scale`), frame pixels. */
  readonly scale: number;
}

/** Thresholds of {@link assignPrimary}. */
export const DEFAULT_ASSIGN_CONFIG = Object.freeze({
  /** The main person's segmentation, after dilation, must reach this (0..255)… */
  gateSeg: 26,
  /** …and the pixel must be at most this far outside their body capsules (× their size, pixels). */
  gateReach: 0.6,
  /** Another person claims a pixel unless the main person's body is nearer by this much (× the other's size, pixels). */
  margin: 0.15,
  /** Where the other person's segmentation says person (≥ `claimSeg`), the margin widens to this. */
  segMargin: 0.5,
  /** See `segMargin` (0..255). */
  claimSeg: 128,
});

/** Assignment configuration (see {@link DEFAULT_ASSIGN_CONFIG}). */
export type AssignConfig = typeof DEFAULT_ASSIGN_CONFIG;

/**
 * Write the main person's mask into `out`: `selfie` where {@link PersonMaps} say the pixel is the
 * main person's, 0 elsewhere. `primarySegDilated` is the main person's segmentation after a max
 * filter (`dilate`). All arrays have the grid's length.
 */
export function assignPrimary(
  selfie: Uint8Array, primary: PersonMaps, primarySegDilated: Uint8Array, others: readonly PersonMaps[], out: Uint8Array,
  config: AssignConfig = DEFAULT_ASSIGN_CONFIG,
): void {
  const n = selfie.length;
  const f0 = primary.field;
  const reach = config.gateReach * primary.scale;
  const margins = others.map((o) => [config.margin * o.scale, config.segMargin * o.scale] as const);
  for (let i = 0; i < n; i++) {
    const s = selfie[i]!;
    if (s === 0 || primarySegDilated[i]! < config.gateSeg || !(f0[i]! <= reach)) {
      out[i] = 0;
      continue;
    }
    const d0 = f0[i]!;
    let keep = true;
    for (let k = 0; k < others.length; k++) {
      const o = others[k]!;
      const [margin, segMargin] = margins[k]!;
      const lead = o.field[i]! - d0; // > 0: the main person is nearer, pixels
      if (lead < margin || (lead < segMargin && o.seg[i]! >= config.claimSeg)) {
        keep = false;
        break;
      }
    }
    out[i] = keep ? s : 0;
  }
}

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
