// Quality evaluation page, driven by scripts/eval.mjs (npm run eval). Runs in headless Chromium.
//
// Portraits: each image → every model's segmenter (selfie, selfie-landscape, lite, full, heavy;
// tfjs models on wasm) → raw mask / refined mask (a fresh refiner per image: a still seen once),
// and the legacy @mediapipe/selfie_segmentation solution with its general model (raw). BlazePose
// models see each still twice (detector, then tracked from the first call's landmarks).
// Every mask is turned into what the output shows with the CPU compositor's own alpha stage
// (stretch over the frame, bilinear, smoothstep 0.35–0.65); a pixel counts as shown when its
// alpha > 0.5. Scored against the ground truth: IoU, core IoU (4 px band around the ground-truth
// edge excluded), leak (share of background shown), retention (share of person shown).
//
// Clip: consecutive frames of doctor-540p.mp4 (PNG files extracted by ffmpeg): flicker = share
// of static pixels whose shown/hidden decision differs from the previous frame. Static: the pixel's
// 8×8 block and its 8 neighbour blocks each have a mean absolute luma change < 2 (of 255) from
// the previous input frame.
import { initBackend } from '../src/backends/index.js';
import { alphaLut, createAlphaSampler } from '../src/compositor/cpu/alpha-stage.js';
import { PERSON_EDGES } from '../src/compositor/webgl/blend-stage.js';
import type { FramePixels } from '../src/frame/pixels.js';
import { createGuidedRefiner, createIdentityRefiner, type Refiner } from '../src/refine/index.js';
import { createBlazePoseSegmenter } from '../src/segmenter/blazepose/segmenter.js';
import { createLandscapeSegmenter } from '../src/segmenter/landscape.js';
import { createSelfieSegmenter } from '../src/segmenter/selfie.js';
import type { Mask, Segmenter } from '../src/segmenter/types.js';
import type { ModelName } from '../src/options.js';

interface Legacy {
  setOptions(o: Record<string, unknown>): void;
  onResults(cb: (r: { segmentationMask: CanvasImageSource & { width: number; height: number } }) => void): void;
  initialize(): Promise<void>;
  send(i: { image: CanvasImageSource }): Promise<void>;
}
declare global {
  interface Window {
    SelfieSegmentation: new (c: { locateFile: (f: string) => string }) => Legacy;
    __eval: { run(opts: { ids: string[]; clipFrames: number; images: boolean; models: ModelName[] }): Promise<unknown> };
  }
}

const sampler = createAlphaSampler(alphaLut(PERSON_EDGES[0], PERSON_EDGES[1]));

/** Shown/hidden per frame pixel, as the CPU compositor would draw `mask` over a w×h frame. */
function shown(mask: Mask, w: number, h: number, out = new Uint8Array(w * h)): Uint8Array {
  out.fill(0);
  sampler.prepare(mask, w, h);
  for (let y = 0; y < h; y++) {
    const r = sampler.row(y);
    for (let x = r.start; x < r.end; x++) out[y * w + x] = r.alpha[x]! > 128 ? 1 : 0;
  }
  return out;
}

function canvas2d(w: number, h: number): CanvasRenderingContext2D {
  const c = document.createElement('canvas');
  c.width = w;
  c.height = h;
  return c.getContext('2d', { willReadFrequently: true })!;
}

function rgbaFrame(data: Uint8ClampedArray, w: number, h: number): FramePixels {
  return {
    format: 'RGBA', width: w, height: h, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    planes: [{ offset: 0, stride: w * 4 }], matrix: 'bt601', fullRange: true, colorSpace: {},
  };
}

async function bitmap(url: string): Promise<ImageBitmap> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return createImageBitmap(await res.blob());
}

/** The legacy MediaPipe solution, fed at a fixed input size (it misbehaves when the size changes). */
async function createLegacy(w: number, h: number): Promise<(src: CanvasImageSource, outW: number, outH: number) => Promise<Mask>> {
  const mp = new window.SelfieSegmentation({ locateFile: (f) => `/mp/${f}` });
  mp.setOptions({ modelSelection: 0, selfieMode: false });
  let resolve: ((m: CanvasImageSource & { width: number; height: number }) => void) | null = null;
  mp.onResults((r) => resolve?.(r.segmentationMask));
  await mp.initialize();
  const input = canvas2d(w, h);
  return async (src, outW, outH) => {
    input.drawImage(src, 0, 0, w, h);
    const got = new Promise<CanvasImageSource & { width: number; height: number }>((r) => (resolve = r));
    await mp.send({ image: input.canvas });
    const m = await got;
    const ctx = canvas2d(outW, outH);
    ctx.drawImage(m, 0, 0, outW, outH);
    const px = ctx.getImageData(0, 0, outW, outH).data;
    const data = new Uint8Array(outW * outH);
    for (let i = 0; i < data.length; i++) data[i] = px[i * 4 + 3]!; // probability is in ALPHA
    return { data, width: outW, height: outH };
  };
}

function coreMask(gt: Uint8Array, w: number, h: number, e: number): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = gt[y * w + x];
      let ok = 1;
      for (let dy = -e; dy <= e && ok; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= h) continue;
        for (let dx = -e; dx <= e; dx++) {
          const xx = x + dx;
          if (xx >= 0 && xx < w && gt[yy * w + xx] !== v) { ok = 0; break; }
        }
      }
      out[y * w + x] = ok;
    }
  }
  return out;
}

function score(pred: Uint8Array, gt: Uint8Array, keep: Uint8Array | null) {
  let inter = 0, union = 0, bg = 0, bgShown = 0, fg = 0, fgKept = 0;
  for (let i = 0; i < gt.length; i++) {
    if (keep && !keep[i]) continue;
    const p = pred[i]!, g = gt[i]!;
    if (p && g) inter++;
    if (p || g) union++;
    if (!g) { bg++; if (p) bgShown++; } else { fg++; if (p) fgKept++; }
  }
  return { iou: union ? inter / union : 1, leak: bg ? bgShown / bg : 0, retention: fg ? fgKept / fg : 1 };
}

/** A model under evaluation: its segmenter, and how a still is fed to it. */
interface Evaluated {
  model: ModelName;
  seg: Segmenter;
  /** Segment a still: BlazePose detects on a first call and tracks on the second. */
  still(frame: FramePixels): Promise<Mask>;
  /** Forget tracking state (BlazePose) before a new sequence. */
  reset(): void;
}

async function createEvaluated(model: ModelName, base: URL): Promise<Evaluated> {
  if (model === 'selfie') {
    const seg = await createSelfieSegmenter({ backend: 'wasm', modelBaseUrl: base });
    return { model, seg, still: (f) => seg.segment(f), reset: () => {} };
  }
  if (model === 'selfie-landscape') {
    const seg = await createLandscapeSegmenter({ modelBaseUrl: base });
    return { model, seg, still: (f) => seg.segment(f), reset: () => {} };
  }
  const seg = await createBlazePoseSegmenter({ variant: model, backend: 'wasm', modelBaseUrl: base });
  return {
    model, seg,
    reset: () => seg.reset(),
    async still(f) {
      seg.reset();
      await seg.segment(f);
      return seg.segment(f);
    },
  };
}

const LEGACY = 'legacy mediapipe general (raw)';
const copyMask = (m: Mask): Mask => ({ data: Uint8Array.from(m.data), width: m.width, height: m.height });

function methodNames(models: Evaluated[]): string[] {
  return [...models.flatMap((m) => [`${m.model} raw`, `${m.model} refined`]), LEGACY];
}

async function portraits(models: Evaluated[], legacy: Awaited<ReturnType<typeof createLegacy>>, ids: string[]) {
  const methods = methodNames(models);
  const sums = Object.fromEntries(methods.map((m) => [m, { iou: 0, coreIou: 0, leak: 0, retention: 0, n: 0 }]));
  const refineMs: number[] = [];
  const segMs: Record<string, number[]> = Object.fromEntries(models.map((m) => [m.model, []]));
  for (const id of ids) {
    const img = await bitmap(`/media/portraits/images/${id}.jpg`);
    const w = img.width & ~1, h = img.height & ~1;
    const ctx = canvas2d(w, h);
    ctx.drawImage(img, 0, 0, w, h);
    const px = ctx.getImageData(0, 0, w, h).data;
    const mctx = canvas2d(w, h);
    const mimg = await bitmap(`/media/portraits/masks/${id}.png`);
    mctx.drawImage(mimg, 0, 0, w, h);
    const mp = mctx.getImageData(0, 0, w, h).data;
    const gt = new Uint8Array(w * h);
    for (let i = 0; i < gt.length; i++) gt[i] = mp[i * 4]! >= 128 ? 1 : 0;
    const keep = coreMask(gt, w, h, 4);
    const frame = rgbaFrame(px, w, h);
    const masks: Record<string, Mask> = {};
    for (const m of models) {
      let t = performance.now();
      const raw = copyMask(await m.still(frame));
      segMs[m.model]!.push(performance.now() - t);
      const refiner = createGuidedRefiner(); // a still seen once: the first frame after a reset
      t = performance.now();
      const refined = refiner.refine(frame, raw);
      if (m.model === 'selfie') refineMs.push(performance.now() - t);
      masks[`${m.model} raw`] = raw;
      masks[`${m.model} refined`] = refined;
    }
    masks[LEGACY] = await legacy(ctx.canvas, w, h);
    for (const name of methods) {
      const pred = shown(masks[name]!, w, h);
      const a = score(pred, gt, null), c = score(pred, gt, keep);
      const s = sums[name]!;
      s.iou += a.iou; s.leak += a.leak; s.retention += a.retention; s.coreIou += c.iou; s.n++;
    }
    img.close();
    mimg.close();
  }
  return { sums, refineMs, segMs };
}

async function clip(models: Evaluated[], legacy: Awaited<ReturnType<typeof createLegacy>>, frames: number) {
  const W = 960, H = 540, B = 8, bw = Math.ceil(W / B), bh = Math.ceil(H / B);
  const methods = methodNames(models);
  const refiners: Record<string, Refiner> = {};
  for (const m of models) {
    refiners[`${m.model} raw`] = createIdentityRefiner();
    refiners[`${m.model} refined`] = createGuidedRefiner();
    m.reset();
  }
  const prev: Record<string, Uint8Array> = {};
  const flips: Record<string, number> = Object.fromEntries(methods.map((m) => [m, 0]));
  let staticPixels = 0, allPixels = 0;
  let prevY: Float32Array | null = null;
  const refineMs: number[] = [];
  const ctx = canvas2d(W, H);
  for (let f = 0; f < frames; f++) {
    const img = await bitmap(`/clip/${String(f + 1).padStart(4, '0')}.png`);
    ctx.drawImage(img, 0, 0, W, H);
    img.close();
    const px = ctx.getImageData(0, 0, W, H).data;
    const Y = new Float32Array(W * H);
    for (let i = 0; i < Y.length; i++) Y[i] = 0.299 * px[i * 4]! + 0.587 * px[i * 4 + 1]! + 0.114 * px[i * 4 + 2]!;
    let still: Uint8Array | null = null;
    if (prevY) {
      const blocks = new Float32Array(bw * bh);
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) blocks[((y / B) | 0) * bw + ((x / B) | 0)]! += Math.abs(Y[y * W + x]! - prevY[y * W + x]!) / (B * B);
      still = new Uint8Array(bw * bh);
      for (let by = 0; by < bh; by++) for (let bx = 0; bx < bw; bx++) {
        let ok = 1;
        for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
          const X = bx + dx, Yb = by + dy;
          if (X >= 0 && Yb >= 0 && X < bw && Yb < bh && blocks[Yb * bw + X]! >= 2) ok = 0;
        }
        still[by * bw + bx] = ok;
      }
    }
    prevY = Y;
    const frame = rgbaFrame(px, W, H);
    const masks: Record<string, Mask> = {};
    for (const m of models) {
      const raw = copyMask(await m.seg.segment(frame)); // consecutive frames: BlazePose tracks
      masks[`${m.model} raw`] = refiners[`${m.model} raw`]!.refine(frame, raw);
      const t = performance.now();
      masks[`${m.model} refined`] = refiners[`${m.model} refined`]!.refine(frame, raw);
      if (m.model === 'selfie') refineMs.push(performance.now() - t);
    }
    masks[LEGACY] = await legacy(ctx.canvas, 256, 256);
    if (still) {
      for (let y = 0; y < H; y++) {
        const row = ((y / B) | 0) * bw;
        for (let x = 0; x < W; x++) if (still[row + ((x / B) | 0)]) staticPixels++;
      }
      allPixels += W * H;
    }
    for (const name of methods) {
      const d = shown(masks[name]!, W, H);
      const p = prev[name];
      if (p && still) {
        let n = 0;
        for (let y = 0; y < H; y++) {
          const row = ((y / B) | 0) * bw;
          for (let x = 0; x < W; x++) {
            if (!still[row + ((x / B) | 0)]) continue;
            const i = y * W + x;
            if (d[i] !== p[i]) n++;
          }
        }
        flips[name]! += n;
      }
      prev[name] = d;
    }
  }
  return {
    frames, staticShare: staticPixels / Math.max(1, allPixels),
    flicker: Object.fromEntries(methods.map((m) => [m, flips[m]! / Math.max(1, staticPixels)])),
    refineMs,
  };
}

/** Before/after pictures: the frame over a flat background, raw mask | refined mask, as PNG data URLs. */
async function pictures(seg: Segmenter): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const sources: Array<[string, string, number]> = [
    ['portrait', '/media/stills/portrait.jpg', 0],
    ['three_people', '/media/stills/three_people.jpg', 0],
    ['doctor', '/clip/0060.png', 0],
  ];
  for (const [name, url] of sources) {
    const img = await bitmap(url);
    const w = img.width & ~1, h = img.height & ~1;
    const ctx = canvas2d(w, h);
    ctx.drawImage(img, 0, 0, w, h);
    img.close();
    const src = ctx.getImageData(0, 0, w, h);
    const frame = rgbaFrame(src.data, w, h);
    const raw = await seg.segment(frame);
    const rawCopy: Mask = { data: Uint8Array.from(raw.data), width: raw.width, height: raw.height };
    const refined = createGuidedRefiner().refine(frame, rawCopy);
    // Side by side at ≤ 360 px each, background a flat green.
    const s = Math.min(1, 360 / Math.max(w, h));
    const tw = Math.round(w * s), th = Math.round(h * s);
    const sheet = canvas2d(tw * 2 + 8, th);
    sheet.fillStyle = '#fff';
    sheet.fillRect(0, 0, sheet.canvas.width, th);
    for (const [k, mask] of [rawCopy, refined].entries()) {
      sampler.prepare(mask, w, h);
      const comp = new ImageData(w, h);
      for (let y = 0; y < h; y++) {
        const r = sampler.row(y);
        for (let x = 0; x < w; x++) {
          const a = x >= r.start && x < r.end ? r.alpha[x]! / 256 : 0;
          const i = (y * w + x) * 4;
          comp.data[i] = src.data[i]! * a + 40 * (1 - a);
          comp.data[i + 1] = src.data[i + 1]! * a + 200 * (1 - a);
          comp.data[i + 2] = src.data[i + 2]! * a + 80 * (1 - a);
          comp.data[i + 3] = 255;
        }
      }
      const c = canvas2d(w, h);
      c.putImageData(comp, 0, 0);
      sheet.imageSmoothingQuality = 'high';
      sheet.drawImage(c.canvas, k * (tw + 8), 0, tw, th);
    }
    out[name] = sheet.canvas.toDataURL('image/png');
  }
  return out;
}

window.__eval = {
  async run({ ids, clipFrames, images, models: names }) {
    const base = new URL('/models/', location.href);
    await initBackend('wasm', new URL('wasm/', base));
    const models: Evaluated[] = [];
    for (const name of names) models.push(await createEvaluated(name, base));
    const portraitLegacy = await createLegacy(640, 480);
    const p = ids.length ? await portraits(models, portraitLegacy, ids) : null;
    const clipLegacy = portraitLegacy; // same fixed input size
    const c = clipFrames > 1 ? await clip(models, clipLegacy, clipFrames) : null;
    const selfie = models.find((m) => m.model === 'selfie');
    const pics = images && selfie ? await pictures(selfie.seg) : null;
    for (const m of models) m.seg.dispose();
    return { portraits: p, clip: c, pictures: pics, userAgent: navigator.userAgent };
  },
};
