// Shared helpers for browser tests: controllable input tracks, output frame readers, portraits.
import type { FramePixels } from '../../src/frame/pixels.js';
import type { Mask } from '../../src/segmenter/types.js';
import { assert } from './assert.js';

/** Served location of the package's models/ folder in the test server. */
export const MODEL_BASE = '/models/';

/** An input track the test writes frames into (exact control over pixels and timestamps). */
export interface FedTrack {
  track: MediaStreamTrack;
  /** Write one frame made from `image`, with timestamp `ts` (µs). */
  write(image: CanvasImageSource, ts: number, width?: number, height?: number): Promise<void>;
  /**
   * Write one frame from RGBA bytes in CPU memory, like a camera's shared-memory frames
   * (`write` makes canvas-backed frames, which a worker must read back from the GPU).
   */
  writeRgba(rgba: Uint8ClampedArray, width: number, height: number, ts: number): Promise<void>;
  close(): Promise<void>;
}

export function fedTrack(): FedTrack {
  const gen = new MediaStreamTrackGenerator({ kind: 'video' });
  const writer = gen.writable.getWriter();
  return {
    track: gen,
    async write(image, ts, width, height) {
      const w = width ?? (image as { width: number }).width;
      const h = height ?? (image as { height: number }).height;
      const canvas = new OffscreenCanvas(w, h);
      canvas.getContext('2d')!.drawImage(image, 0, 0, w, h);
      const frame = new VideoFrame(canvas, { timestamp: ts });
      // Like a camera: when nobody takes frames (e.g. a paused consumer), drop instead of queueing.
      if (writer.desiredSize !== null && writer.desiredSize <= 0) {
        frame.close();
        return;
      }
      await writer.write(frame);
      frame.close();
    },
    async writeRgba(rgba, width, height, ts) {
      if (writer.desiredSize !== null && writer.desiredSize <= 0) return; // dropped, like a camera
      const frame = new VideoFrame(rgba, { format: 'RGBA', codedWidth: width, codedHeight: height, timestamp: ts });
      await writer.write(frame);
      frame.close();
    },
    async close() {
      // abort, not close: a write stuck on a paused consumer must not hang the test
      await writer.abort().catch(() => {});
      gen.stop();
    },
  };
}

/** Writes frames into a fed track continuously, like a camera. */
export interface Feeder {
  /** Change what the "camera" shows from the next frame on. */
  show(image: CanvasImageSource, width: number, height: number): void;
  /** Timestamp (µs) of the last frame written. */
  readonly lastTimestamp: number;
  /** Stop writing (resolves after the last write). */
  stop(): Promise<void>;
}

/** Start writing `image` into `input` every `intervalMs`, timestamps 33 333 µs apart. */
export function startFeeding(input: FedTrack, image: CanvasImageSource, width: number, height: number, intervalMs = 33): Feeder {
  let current = { image, width, height };
  let ts = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      await input.write(current.image, (ts += 33333), current.width, current.height);
      await sleep(intervalMs);
    }
  })();
  return {
    show(img, w, h) {
      current = { image: img, width: w, height: h };
    },
    get lastTimestamp() {
      return ts;
    },
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** Reads frames of an output track. */
export interface FrameReader {
  /** Next frame, or null on timeout / end. Caller closes it. */
  next(timeoutMs?: number): Promise<VideoFrame | null>;
  /** Next frame whose timestamp is `ts`; earlier frames are closed and skipped. */
  frameAt(ts: number, timeoutMs?: number): Promise<VideoFrame | null>;
  cancel(): void;
}

export function frameReader(track: MediaStreamTrack): FrameReader {
  const reader = new MediaStreamTrackProcessor({ track: track as MediaStreamVideoTrack }).readable.getReader();
  const next = async (timeoutMs = 10000): Promise<VideoFrame | null> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<null>((r) => (timer = setTimeout(() => r(null), timeoutMs)));
    const result = await Promise.race([reader.read().then((r) => (r.done ? null : r.value)), timeout]);
    clearTimeout(timer);
    return result;
  };
  return {
    next,
    async frameAt(ts, timeoutMs = 10000) {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const left = deadline - performance.now();
        if (left <= 0) return null;
        const f = await next(left);
        if (!f) return null;
        if (f.timestamp === ts) return f;
        f.close();
      }
    },
    cancel() {
      reader.cancel().catch(() => {});
    },
  };
}

/** RGBA pixels of a frame (or any image) at its own size. */
export function pixels(image: CanvasImageSource, width: number, height: number): Uint8ClampedArray {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(image, 0, 0, width, height);
  return ctx.getImageData(0, 0, width, height).data;
}

export async function fetchBitmap(url: string): Promise<ImageBitmap> {
  const res = await fetch(url);
  assert(res.ok, `${url}: HTTP ${res.status}`);
  return createImageBitmap(await res.blob());
}

/** A portrait and its ground-truth person mask (1 = person), resized to the image. */
export interface Portrait {
  id: string;
  image: ImageBitmap;
  width: number;
  height: number;
  /** 1 where the ground truth says person, else 0. */
  person: Uint8Array;
}

export async function portraitIds(): Promise<string[]> {
  const res = await fetch('/media/portraits/ids.txt');
  assert(res.ok, 'ids.txt not served');
  return (await res.text()).split(/\s+/).filter(Boolean);
}

export async function loadPortrait(id: string): Promise<Portrait> {
  const image = await fetchBitmap(`/media/portraits/images/${id}.jpg`);
  const mask = await fetchBitmap(`/media/portraits/masks/${id}.png`);
  // Even sizes: video frames in 4:2:0 need them.
  const width = image.width & ~1;
  const height = image.height & ~1;
  const m = pixels(mask, width, height);
  const person = new Uint8Array(width * height);
  for (let i = 0; i < person.length; i++) person[i] = m[i * 4]! >= 128 ? 1 : 0;
  mask.close();
  return { id, image, width, height, person };
}

/**
 * Score an output frame drawn with a solid colour background against the ground truth. A pixel
 * counts as person when it is closer to the original image than to the colour.
 * `edge` pixels on either side of the ground-truth boundary are excluded when > 0.
 */
export function scoreColourOutput(
  out: Uint8ClampedArray, original: Uint8ClampedArray, p: Portrait, colour: [number, number, number], edge = 0,
): { iou: number; leak: number; retention: number } {
  const keep = edge > 0 ? coreMask(p, edge) : null;
  let inter = 0, union = 0, bg = 0, bgShown = 0, fg = 0, fgKept = 0;
  for (let i = 0; i < p.person.length; i++) {
    if (keep && !keep[i]) continue;
    const o = i * 4;
    const dOrig = Math.abs(out[o]! - original[o]!) + Math.abs(out[o + 1]! - original[o + 1]!) + Math.abs(out[o + 2]! - original[o + 2]!);
    const dCol = Math.abs(out[o]! - colour[0]) + Math.abs(out[o + 1]! - colour[1]) + Math.abs(out[o + 2]! - colour[2]);
    const pred = dOrig < dCol ? 1 : 0;
    const gt = p.person[i]!;
    if (pred && gt) inter++;
    if (pred || gt) union++;
    if (!gt) { bg++; if (pred) bgShown++; }
    else { fg++; if (pred) fgKept++; }
  }
  return { iou: union ? inter / union : 1, leak: bg ? bgShown / bg : 0, retention: fg ? fgKept / fg : 1 };
}

/** 1 where no pixel within `edge` (Chebyshev distance) has the other ground-truth label. */
export function coreMask(p: Pick<Portrait, "width" | "height" | "person">, edge: number): Uint8Array {
  const { width: w, height: h, person } = p;
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = person[y * w + x];
      let ok = 1;
      for (let dy = -edge; dy <= edge && ok; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= h) continue;
        for (let dx = -edge; dx <= edge; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= w) continue;
          if (person[yy * w + xx] !== v) { ok = 0; break; }
        }
      }
      out[y * w + x] = ok;
    }
  }
  return out;
}

export async function camera(width = 1280, height = 720): Promise<MediaStreamTrack> {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { width, height }, audio: false });
  const [track] = stream.getVideoTracks();
  assert(track, 'no camera track');
  return track;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** RGBA pixels of an image as FramePixels. */
export function framePixels(image: CanvasImageSource, width: number, height: number): FramePixels {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(image, 0, 0, width, height);
  const d = ctx.getImageData(0, 0, width, height).data;
  return {
    format: 'RGBA', width, height, data: new Uint8Array(d.buffer, d.byteOffset, d.byteLength), planes: [{ offset: 0, stride: width * 4 }],
    matrix: 'bt601', fullRange: true, colorSpace: {},
  };
}

/** IoU of a mask (bilinearly stretched over the image, threshold 0.5) with the ground truth. */
export function maskIoU(mask: Mask, p: Pick<Portrait, 'width' | 'height' | 'person'>): number {
  let inter = 0, union = 0;
  const { width: mw, height: mh, data } = mask;
  for (let y = 0; y < p.height; y++) {
    const fy = Math.min(mh - 1, Math.max(0, ((y + 0.5) * mh) / p.height - 0.5));
    const y0 = fy | 0, y1 = Math.min(mh - 1, y0 + 1), wy = fy - y0;
    for (let x = 0; x < p.width; x++) {
      const fx = Math.min(mw - 1, Math.max(0, ((x + 0.5) * mw) / p.width - 0.5));
      const x0 = fx | 0, x1 = Math.min(mw - 1, x0 + 1), wx = fx - x0;
      const top = data[y0 * mw + x0]! * (1 - wx) + data[y0 * mw + x1]! * wx;
      const bot = data[y1 * mw + x0]! * (1 - wx) + data[y1 * mw + x1]! * wx;
      const pred = top * (1 - wy) + bot * wy >= 127.5 ? 1 : 0;
      const gt = p.person[y * p.width + x]!;
      if (pred && gt) inter++;
      if (pred || gt) union++;
    }
  }
  return union ? inter / union : 1;
}
