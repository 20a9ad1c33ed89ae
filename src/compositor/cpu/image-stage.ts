/**
 * Image and video backgrounds for the CPU compositor: the source drawn at the frame's size with
 * 'cover' or 'contain' fit, converted once into the frame's pixel format. Images are cached per
 * frame size and format; a video background is redrawn every frame.
 */
import type { FramePixels } from '../../frame/pixels.js';
import { packedLayout, planesOf, type Plane } from './planes.js';

/** Background pixels in the frame's own format. */
export interface FormatImage {
  data: Uint8Array;
  planes: Plane[];
}

/** Draw `source` into an RGBA buffer at `w`×`h` with the given fit (letterbox black). */
function drawFitted(source: ImageBitmap | HTMLVideoElement, sw: number, sh: number, fit: 'cover' | 'contain', w: number, h: number, canvas: OffscreenCanvas): Uint8ClampedArray {
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, w, h);
  const scale = fit === 'cover' ? Math.max(w / sw, h / sh) : Math.min(w / sw, h / sh);
  const dw = sw * scale;
  const dh = sh * scale;
  ctx.drawImage(source, (w - dw) / 2, (h - dh) / 2, dw, dh);
  return ctx.getImageData(0, 0, w, h).data;
}

/** Convert RGBA pixels into the frame's format (4:2:0 chroma averaged over 2×2). */
export function rgbaToFormat(rgba: Uint8ClampedArray, w: number, h: number, frame: Pick<FramePixels, 'format' | 'matrix' | 'fullRange'>, into?: Uint8Array): FormatImage {
  const { layout, size } = packedLayout(frame.format, w, h);
  const data = into && into.length >= size ? into : new Uint8Array(size);
  const planes = planesOf(frame.format, w, h, layout);
  if (frame.format === 'RGBA') {
    data.set(rgba.subarray(0, w * h * 4));
    return { data, planes };
  }
  if (frame.format === 'BGRA') {
    for (let i = 0; i < w * h * 4; i += 4) {
      data[i] = rgba[i + 2]!;
      data[i + 1] = rgba[i + 1]!;
      data[i + 2] = rgba[i]!;
      data[i + 3] = 255;
    }
    return { data, planes };
  }
  const [kr, kb] = frame.matrix === 'bt709' ? [0.2126, 0.0722] : [0.299, 0.114];
  const kg = 1 - kr - kb;
  const ys = frame.fullRange ? 1 : 219 / 255;
  const yo = frame.fullRange ? 0 : 16;
  const cs = frame.fullRange ? 1 : 224 / 255;
  const ku = cs / (2 * (1 - kb));
  const kv = cs / (2 * (1 - kr));
  const clamp = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : (v + 0.5) | 0);
  // Y at full resolution.
  const yp = planes[0]!;
  for (let y = 0; y < h; y++) {
    let i = y * w * 4;
    let o = yp.offset + y * yp.stride;
    for (let x = 0; x < w; x++, i += 4) data[o++] = clamp(yo + (kr * rgba[i]! + kg * rgba[i + 1]! + kb * rgba[i + 2]!) * ys);
  }
  // Chroma from the 2×2 average.
  const cw = (w + 1) >> 1;
  const ch = (h + 1) >> 1;
  for (let cy = 0; cy < ch; cy++) {
    const y0 = cy * 2;
    const y1 = Math.min(h - 1, y0 + 1);
    for (let cx = 0; cx < cw; cx++) {
      const x0 = cx * 2;
      const x1 = Math.min(w - 1, x0 + 1);
      const a = (y0 * w + x0) * 4, b = (y0 * w + x1) * 4, c = (y1 * w + x0) * 4, d = (y1 * w + x1) * 4;
      const r = (rgba[a]! + rgba[b]! + rgba[c]! + rgba[d]!) / 4;
      const g = (rgba[a + 1]! + rgba[b + 1]! + rgba[c + 1]! + rgba[d + 1]!) / 4;
      const bl = (rgba[a + 2]! + rgba[b + 2]! + rgba[c + 2]! + rgba[d + 2]!) / 4;
      const yy = kr * r + kg * g + kb * bl;
      const U = clamp(128 + (bl - yy) * ku);
      const V = clamp(128 + (r - yy) * kv);
      if (frame.format === 'I420') {
        data[planes[1]!.offset + cy * planes[1]!.stride + cx] = U;
        data[planes[2]!.offset + cy * planes[2]!.stride + cx] = V;
      } else {
        data[planes[1]!.offset + cy * planes[1]!.stride + cx * 2] = U;
        data[planes[1]!.offset + cy * planes[1]!.stride + cx * 2 + 1] = V;
      }
    }
  }
  return { data, planes };
}

/** Caches a converted image background per frame geometry. */
export interface ImageStage {
  /** The image (or the video's current frame) as background planes for `frame`. */
  render(source: ImageBitmap | HTMLVideoElement, fit: 'cover' | 'contain', frame: FramePixels, live: boolean): FormatImage | null;
}

/** Create the stage. */
export function createImageStage(): ImageStage {
  let canvas: OffscreenCanvas | null = null;
  let cacheKey = '';
  let cacheSource: ImageBitmap | HTMLVideoElement | null = null;
  let cached: FormatImage | null = null;
  return {
    render(source, fit, frame, live) {
      const key = `${frame.width}x${frame.height}:${frame.format}:${frame.matrix}:${frame.fullRange}:${fit}`;
      if (!live && cached && key === cacheKey && source === cacheSource) return cached;
      const [sw, sh] = source instanceof ImageBitmap ? [source.width, source.height] : [source.videoWidth, source.videoHeight];
      if (!sw || !sh) return null;
      canvas ??= new OffscreenCanvas(2, 2);
      const rgba = drawFitted(source, sw, sh, fit, frame.width, frame.height, canvas);
      cached = rgbaToFormat(rgba, frame.width, frame.height, frame, cached?.data);
      cacheKey = key;
      cacheSource = source;
      return cached;
    },
  };
}
