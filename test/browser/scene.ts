// Known scenes for leak tests: a real person (a dev portrait cut out with its ground-truth mask)
// in front of a background the test can recognise pixel by pixel, and the per-frame measure of
// how much of that background reaches the output.
import { coreMask, pixels, type Portrait } from './helpers.js';

/** Background patterns. */
export type Pattern = 'checker' | 'text' | 'flat';

/** A composed frame with its ground truth. */
export interface Scene {
  image: OffscreenCanvas;
  width: number;
  height: number;
  /** 1 where the ground truth says person. */
  person: Uint8Array;
  /** RGBA of the background pattern alone. */
  background: Uint8ClampedArray;
  /** 1 for background pixels at least `band` px from any person pixel (where we measure). */
  measured: Uint8Array;
}

/**
 * Saturated checkerboard, magenta / green, with squares of 8 px at 720p (scaled with the frame
 * height, like the blur radius): any blur or replacement moves far from both colours.
 */
const CHECK_A = [255, 0, 255];
const CHECK_B = [0, 200, 0];

function drawPattern(ctx: OffscreenCanvasRenderingContext2D, pattern: Pattern, w: number, h: number): void {
  if (pattern === 'flat') {
    // Uniform mid grey: its blur is itself, so anything else in a blurred background came from the person.
    ctx.fillStyle = 'rgb(128,128,128)';
    ctx.fillRect(0, 0, w, h);
    return;
  }
  if (pattern === 'checker') {
    const sq = Math.max(2, Math.round((8 * h) / 720));
    for (let y = 0; y < h; y += sq) {
      for (let x = 0; x < w; x += sq) {
        const c = (Math.floor(x / sq) + Math.floor(y / sq)) & 1 ? CHECK_A : CHECK_B;
        ctx.fillStyle = `rgb(${c[0]},${c[1]},${c[2]})`;
        ctx.fillRect(x, y, sq, sq);
      }
    }
    return;
  }
  // A page of text, the kind that must not be readable behind the user.
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, w, h);
  ctx.fillStyle = '#000';
  const size = Math.round(h / 36); // 20 px lines at 720p
  ctx.font = `${size}px sans-serif`;
  const words = 'Quarterly figures confidential passport 4417 2209 account Berlin Alice Smith meeting notes'.split(' ');
  let i = 0;
  for (let y = size; y < h; y += Math.round(size * 1.5)) {
    let line = '';
    while (ctx.measureText(line).width < w) line += `${words[i++ % words.length]} `;
    ctx.fillText(line, 4, y);
  }
}

/** Compose `portrait`'s person over `pattern` at `width`×`height`. */
export function makeScene(portrait: Portrait, pattern: Pattern, width: number, height: number, band = 6): Scene {
  const bg = new OffscreenCanvas(width, height);
  const bctx = bg.getContext('2d', { willReadFrequently: true })!;
  drawPattern(bctx, pattern, width, height);
  const background = bctx.getImageData(0, 0, width, height).data;
  // Person cut-out: the portrait with the ground-truth mask as alpha.
  const cut = new OffscreenCanvas(portrait.width, portrait.height);
  const cctx = cut.getContext('2d', { willReadFrequently: true })!;
  cctx.drawImage(portrait.image, 0, 0, portrait.width, portrait.height);
  const img = cctx.getImageData(0, 0, portrait.width, portrait.height);
  for (let i = 0; i < portrait.person.length; i++) img.data[i * 4 + 3] = portrait.person[i] ? 255 : 0;
  cctx.putImageData(img, 0, 0);
  const image = new OffscreenCanvas(width, height);
  const ictx = image.getContext('2d', { willReadFrequently: true })!;
  ictx.drawImage(bg, 0, 0);
  ictx.imageSmoothingEnabled = false; // a hard edge: the ground truth stays exact
  ictx.drawImage(cut, 0, 0, width, height);
  // Ground truth at scene size from the cut-out's alpha.
  const alpha = pixels(cut, width, height);
  const person = new Uint8Array(width * height);
  for (let i = 0; i < person.length; i++) person[i] = alpha[i * 4 + 3]! >= 128 ? 1 : 0;
  const core = coreMask({ width, height, person }, band);
  const measured = new Uint8Array(width * height);
  for (let i = 0; i < measured.length; i++) measured[i] = !person[i] && core[i] ? 1 : 0;
  return { image, width, height, person, background, measured };
}

/**
 * Share of measured background pixels whose output still shows the background pattern itself
 * (within `tolerance`, summed over RGB). A raw frame scores ~1; blur or replacement ~0.
 */
export function backgroundLeak(out: Uint8ClampedArray, scene: Scene, tolerance = 60): number {
  const { background: b, measured } = scene;
  let n = 0;
  let shown = 0;
  for (let i = 0; i < measured.length; i++) {
    if (!measured[i]) continue;
    n++;
    const o = i * 4;
    const d = Math.abs(out[o]! - b[o]!) + Math.abs(out[o + 1]! - b[o + 1]!) + Math.abs(out[o + 2]! - b[o + 2]!);
    if (d < tolerance) shown++;
  }
  return n ? shown / n : 0;
}

function gaussianBlur(src: Float32Array, w: number, h: number, sigma: number): Float32Array {
  const r = Math.ceil(sigma * 3);
  const k = new Float32Array(r + 1);
  let sum = 0;
  for (let i = 0; i <= r; i++) sum += (k[i] = Math.exp((-i * i) / (2 * sigma * sigma))) * (i ? 2 : 1);
  for (let i = 0; i <= r; i++) k[i]! /= sum;
  const tmp = new Float32Array(w * h);
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let acc = src[y * w + x]! * k[0]!;
      for (let i = 1; i <= r; i++) acc += (src[y * w + Math.max(0, x - i)]! + src[y * w + Math.min(w - 1, x + i)]!) * k[i]!;
      tmp[y * w + x] = acc;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let acc = tmp[y * w + x]! * k[0]!;
      for (let i = 1; i <= r; i++) acc += (tmp[Math.max(0, y - i) * w + x]! + tmp[Math.min(h - 1, y + i) * w + x]!) * k[i]!;
      out[y * w + x] = acc;
    }
  }
  return out;
}

/**
 * Energy of the luma in the band that carries glyphs and facial features — a difference of
 * Gaussians, σ 0.75 px to 3 px at 720p (scaled with the frame height) — averaged over the
 * measured background. Output/input of this is the share of "readable detail" that survives.
 */
export function backgroundDetail(rgba: Uint8ClampedArray, scene: Scene): number {
  const { width: w, height: h, measured } = scene;
  const s = h / 720;
  const luma = new Float32Array(w * h);
  for (let i = 0; i < luma.length; i++) luma[i] = 0.299 * rgba[i * 4]! + 0.587 * rgba[i * 4 + 1]! + 0.114 * rgba[i * 4 + 2]!;
  const fine = gaussianBlur(luma, w, h, 0.75 * s);
  const coarse = gaussianBlur(luma, w, h, 3 * s);
  let sum = 0;
  let n = 0;
  for (let i = 0; i < luma.length; i++) {
    if (!measured[i]) continue;
    const d = fine[i]! - coarse[i]!;
    sum += d * d;
    n++;
  }
  return n ? sum / n : 0;
}
