// Bystander composites for people: 'primary' (L9): a large main person (a dev portrait at full
// frame, its own photo as the background) with a smaller bystander (another portrait's cut-out)
// pasted beside them or behind them (partly hidden by the main person), with ground truth for both.
import { coreMask, pixels, type Portrait } from './helpers.js';

/** Where the bystander goes. */
export type Placement = 'beside' | 'behind';

/** A composed frame with per-person ground truth. */
export interface Composite {
  name: string;
  image: OffscreenCanvas;
  width: number;
  height: number;
  /** 1 where the main person is. */
  primary: Uint8Array;
  /** 1 where the bystander is visible (not hidden by the main person). */
  bystander: Uint8Array;
  /** Visible bystander pixels / frame pixels. */
  bystanderShare: number;
  /** Share of the bystander's pasted cut-out hidden by the main person. */
  hidden: number;
}

function cutOut(p: Portrait): OffscreenCanvas {
  const c = new OffscreenCanvas(p.width, p.height);
  const ctx = c.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(p.image, 0, 0, p.width, p.height);
  const img = ctx.getImageData(0, 0, p.width, p.height);
  for (let i = 0; i < p.person.length; i++) img.data[i * 4 + 3] = p.person[i] ? 255 : 0;
  ctx.putImageData(img, 0, 0);
  return c;
}

/**
 * Compose `main` (its photo as is, at its own size) with `other` scaled to `scale` × the frame
 * height, bottom-aligned, on the side of the frame where `main` has fewer pixels: at the frame's
 * edge (`beside`) or centred on the main person's outline on that side (`behind`, drawn before
 * the main person so they hide part of the bystander).
 */
export function makeComposite(main: Portrait, other: Portrait, placement: Placement, scale: number): Composite {
  const { width: w, height: h } = main;
  // Which side has room: compare main-person pixels left and right of the centre; bbox of main.
  let left = 0, right = 0, x0 = w, x1 = 0;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    if (!main.person[y * w + x]) continue;
    if (x < w / 2) left++; else right++;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
  }
  const onLeft = left < right;
  const k = (scale * h) / other.height;
  const bw = Math.round(other.width * k);
  const bh = Math.round(other.height * k);
  let bx: number;
  if (placement === 'beside') bx = onLeft ? 0 : w - bw;
  else bx = Math.round((onLeft ? x0 : x1) - bw / 2);
  const by = h - bh;
  const image = new OffscreenCanvas(w, h);
  const ctx = image.getContext('2d', { willReadFrequently: true })!;
  ctx.imageSmoothingEnabled = false; // hard edges: the ground truth stays exact
  ctx.drawImage(main.image, 0, 0, w, h);
  const otherCut = cutOut(other);
  ctx.drawImage(otherCut, bx, by, bw, bh);
  ctx.drawImage(cutOut(main), 0, 0, w, h);
  // Ground truth of the bystander from its cut-out placed the same way.
  const g = new OffscreenCanvas(w, h);
  const gctx = g.getContext('2d', { willReadFrequently: true })!;
  gctx.imageSmoothingEnabled = false;
  gctx.drawImage(otherCut, bx, by, bw, bh);
  const a = pixels(g, w, h);
  const bystander = new Uint8Array(w * h);
  let placed = 0, visible = 0;
  for (let i = 0; i < bystander.length; i++) {
    if (a[i * 4 + 3]! < 128) continue;
    placed++;
    if (!main.person[i]) {
      bystander[i] = 1;
      visible++;
    }
  }
  return {
    name: `${main.id}+${other.id}/${placement}/${scale}`, image, width: w, height: h, primary: main.person, bystander,
    bystanderShare: visible / (w * h), hidden: placed ? 1 - visible / placed : 0,
  };
}

/** What survives of each person in a mask (stretched over the frame, bilinear, threshold 0.5), on core pixels (`edge` px from any other label). */
export function scoreMask(mask: { data: Uint8Array; width: number; height: number }, c: Composite, edge = 3): { retention: number; survival: number } {
  const { width: w, height: h } = c;
  const pc = coreMask({ width: w, height: h, person: c.primary }, edge);
  const bc = coreMask({ width: w, height: h, person: c.bystander }, edge);
  const { width: mw, height: mh, data } = mask;
  let pN = 0, pK = 0, bN = 0, bK = 0;
  for (let y = 0; y < h; y++) {
    const fy = Math.min(mh - 1, Math.max(0, ((y + 0.5) * mh) / h - 0.5));
    const y0 = fy | 0, y1 = Math.min(mh - 1, y0 + 1), wy = fy - y0;
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const isP = c.primary[i] && pc[i];
      const isB = c.bystander[i] && bc[i];
      if (!isP && !isB) continue;
      const fx = Math.min(mw - 1, Math.max(0, ((x + 0.5) * mw) / w - 0.5));
      const x0 = fx | 0, x1 = Math.min(mw - 1, x0 + 1), wx = fx - x0;
      const top = data[y0 * mw + x0]! * (1 - wx) + data[y0 * mw + x1]! * wx;
      const bot = data[y1 * mw + x0]! * (1 - wx) + data[y1 * mw + x1]! * wx;
      const kept = top * (1 - wy) + bot * wy >= 127.5;
      if (isP) { pN++; if (kept) pK++; }
      if (isB) { bN++; if (kept) bK++; }
    }
  }
  return { retention: pN ? pK / pN : 1, survival: bN ? bK / bN : 0 };
}
