/**
 * Region-of-interest geometry for BlazePose, in frame pixels (continuous coordinates: pixel `i`
 * covers `[i, i + 1)`), plus the two warps that use it: frame → model input crop, and the ROI's
 * segmentation → frame-aligned mask (the inverse affine).
 *
 * A ROI is a rotated rectangle. A point `(s, t)` in ROI-normalised coordinates (`[0, 1]²`, the
 * crop the model sees) maps to the frame as
 *   x = cx + cos θ · (s − ½) · w − sin θ · (t − ½) · h
 *   y = cy + sin θ · (s − ½) · w + cos θ · (t − ½) · h
 * ref: mediapipe/calculators/tensor/image_to_tensor_utils.h (GetRotatedSubRectToRectTransformMatrix)
 * and mediapipe/calculators/util/landmark_projection_calculator.cc.
 */
import type { FramePixels } from '../../frame/pixels.js';
import { yuvCoefficients } from '../../frame/pixels.js';
import { DEFAULT_ROI_CONFIG } from './constants.js';

/** A rotated rectangle in frame pixels. */
export interface Roi {
  /** Centre, frame pixels. */
  readonly cx: number;
  readonly cy: number;
  /** Side lengths, frame pixels. */
  readonly width: number;
  readonly height: number;
  /** Radians, counter-clockwise in image coordinates as MediaPipe defines it. */
  readonly rotation: number;
}

/** A point; landmarks also carry the model's visibility (0..1). */
export interface Point {
  x: number;
  y: number;
  visibility?: number;
}

/** Wrap an angle to [−π, π). ref: pose-detection shared/calculators/image_utils.ts normalizeRadians */
export function normalizeRadians(angle: number): number {
  return angle - 2 * Math.PI * Math.floor((angle + Math.PI) / (2 * Math.PI));
}

/** ROI-normalised `(s, t)` → frame pixels. */
export function roiToFrame(roi: Roi, s: number, t: number): Point {
  const c = Math.cos(roi.rotation);
  const d = Math.sin(roi.rotation);
  const u = (s - 0.5) * roi.width;
  const v = (t - 0.5) * roi.height;
  return { x: roi.cx + c * u - d * v, y: roi.cy + d * u + c * v };
}

/** Frame pixels → ROI-normalised `(s, t)` (the inverse of {@link roiToFrame}). */
export function frameToRoi(roi: Roi, x: number, y: number): Point {
  const c = Math.cos(roi.rotation);
  const d = Math.sin(roi.rotation);
  const dx = x - roi.cx;
  const dy = y - roi.cy;
  return { x: (c * dx + d * dy) / roi.width + 0.5, y: (-d * dx + c * dy) / roi.height + 0.5 };
}

/** The whole frame, letterboxed into a square (aspect kept, padding on the short side). */
export function letterboxRoi(frameWidth: number, frameHeight: number): Roi {
  const side = Math.max(frameWidth, frameHeight);
  return { cx: frameWidth / 2, cy: frameHeight / 2, width: side, height: side, rotation: 0 };
}

/**
 * The square ROI around a person from two alignment points (frame pixels): `center` (body
 * centre) and `scale` (a point on the body's circle). Side = 2 · |scale − center| · `scale`;
 * rotation turns the centre→scale vector to point up.
 * ref: mediapipe/calculators/util/alignment_points_to_rects_calculator.cc,
 *      mediapipe/calculators/util/rect_transformation_calculator.cc (square_long, scale 1.25)
 */
export function roiFromAlignment(center: Point, scale: Point, config = DEFAULT_ROI_CONFIG): Roi {
  const side = 2 * Math.hypot(scale.x - center.x, scale.y - center.y) * config.scale;
  const rotation = normalizeRadians(config.targetAngle - Math.atan2(-(scale.y - center.y), scale.x - center.x));
  return { cx: center.x, cy: center.y, width: side, height: side, rotation };
}

/**
 * Sample the frame inside `roi` into a `size`×`size` RGB float buffer (bilinear luma/RGB,
 * nearest chroma), values mapped from [0, 1] to [`lo`, `hi`]; pixels outside the frame get
 * `fill`. Reads `frame` synchronously.
 */
export function cropToInput(frame: FramePixels, roi: Roi, out: Float32Array, size: number, lo: number, hi: number, fill: number): void {
  const { width: w, height: h, data } = frame;
  const c = Math.cos(roi.rotation);
  const d = Math.sin(roi.rotation);
  // Output pixel (u, v) → frame index coordinates: x = ax·u + bx·v + cx0 (likewise y).
  const ax = (c * roi.width) / size;
  const bx = (-d * roi.height) / size;
  const ay = (d * roi.width) / size;
  const by = (c * roi.height) / size;
  const x0 = roi.cx + ax * (0.5 - size / 2) + bx * (0.5 - size / 2) - 0.5;
  const y0 = roi.cy + ay * (0.5 - size / 2) + by * (0.5 - size / 2) - 0.5;
  const range = hi - lo;
  const rgb = frame.format === 'RGBA' || frame.format === 'BGRA';
  const [rV, gU, gV, bU] = yuvCoefficients(frame.matrix);
  const yScale = frame.fullRange ? 1 / 255 : 1 / 219;
  const yOff = frame.fullRange ? 0 : 16;
  const cScale = frame.fullRange ? 1 / 255 : 1 / 224;
  const p0 = frame.planes[0]!;
  const p1 = frame.planes[1];
  const p2 = frame.planes[2];
  const cw = (w + 1) >> 1;
  const ch = (h + 1) >> 1;
  const bgr = frame.format === 'BGRA';
  let j = 0;
  for (let v = 0; v < size; v++) {
    let fx = x0 + bx * v;
    let fy = y0 + by * v;
    for (let u = 0; u < size; u++, fx += ax, fy += ay, j += 3) {
      if (fx < -0.5 || fy < -0.5 || fx > w - 0.5 || fy > h - 0.5) {
        out[j] = fill; out[j + 1] = fill; out[j + 2] = fill;
        continue;
      }
      const cxf = fx < 0 ? 0 : fx > w - 1 ? w - 1 : fx;
      const cyf = fy < 0 ? 0 : fy > h - 1 ? h - 1 : fy;
      const xa = cxf | 0;
      const ya = cyf | 0;
      const xb = xa + 1 < w ? xa + 1 : xa;
      const yb = ya + 1 < h ? ya + 1 : ya;
      const wx = cxf - xa;
      const wy = cyf - ya;
      let r: number, g: number, b: number;
      if (rgb) {
        const s = p0.stride;
        const i00 = p0.offset + ya * s + xa * 4, i01 = p0.offset + ya * s + xb * 4;
        const i10 = p0.offset + yb * s + xa * 4, i11 = p0.offset + yb * s + xb * 4;
        const c0 = lerp2(data[i00]!, data[i01]!, data[i10]!, data[i11]!, wx, wy) / 255;
        const c1 = lerp2(data[i00 + 1]!, data[i01 + 1]!, data[i10 + 1]!, data[i11 + 1]!, wx, wy) / 255;
        const c2 = lerp2(data[i00 + 2]!, data[i01 + 2]!, data[i10 + 2]!, data[i11 + 2]!, wx, wy) / 255;
        if (bgr) { r = c2; g = c1; b = c0; } else { r = c0; g = c1; b = c2; }
      } else {
        const s = p0.stride;
        const Y = lerp2(data[p0.offset + ya * s + xa]!, data[p0.offset + ya * s + xb]!,
          data[p0.offset + yb * s + xa]!, data[p0.offset + yb * s + xb]!, wx, wy);
        const ccx = Math.min(cw - 1, (cxf * 0.5 + 0.25) | 0);
        const ccy = Math.min(ch - 1, (cyf * 0.5 + 0.25) | 0);
        let U: number, V: number;
        if (frame.format === 'I420') {
          U = data[p1!.offset + ccy * p1!.stride + ccx]!;
          V = data[p2!.offset + ccy * p2!.stride + ccx]!;
        } else {
          U = data[p1!.offset + ccy * p1!.stride + ccx * 2]!;
          V = data[p1!.offset + ccy * p1!.stride + ccx * 2 + 1]!;
        }
        const yy = (Y - yOff) * yScale;
        const uu = (U - 128) * cScale;
        const vv = (V - 128) * cScale;
        r = yy + rV * vv;
        g = yy + gU * uu + gV * vv;
        b = yy + bU * uu;
        r = r < 0 ? 0 : r > 1 ? 1 : r;
        g = g < 0 ? 0 : g > 1 ? 1 : g;
        b = b < 0 ? 0 : b > 1 ? 1 : b;
      }
      out[j] = lo + range * r;
      out[j + 1] = lo + range * g;
      out[j + 2] = lo + range * b;
    }
  }
}

/**
 * Map a ROI's square probability map (`src`, `srcSize`², values 0..1, ROI-normalised) back onto
 * a frame-aligned mask (`out`, `outW`×`outH`, stretched over the `frameW`×`frameH` frame) with the
 * inverse affine and bilinear sampling; outside the ROI is 0 (background). Writes bytes 0..255.
 * ref: pose-detection blazepose_tfjs poseLandmarksAndSegmentationInverseProjection (WarpAffine)
 */
export function warpRoiToFrame(
  src: Float32Array, srcSize: number, roi: Roi, frameW: number, frameH: number, out: Uint8Array, outW: number, outH: number,
): void {
  const c = Math.cos(roi.rotation);
  const d = Math.sin(roi.rotation);
  const kx = frameW / outW;
  const ky = frameH / outH;
  // Mask pixel (i, j) → frame (x, y) = ((i + ½)·kx, (j + ½)·ky) → ROI (s, t) → src index (s·N − ½).
  const sx = (c * kx * srcSize) / roi.width;
  const sy = (-d * kx * srcSize) / roi.height;
  const n = srcSize;
  let k = 0;
  for (let j = 0; j < outH; j++) {
    const dy = (j + 0.5) * ky - roi.cy;
    const dx0 = 0.5 * kx - roi.cx;
    let fs = ((c * dx0 + d * dy) / roi.width + 0.5) * n - 0.5;
    let ft = ((-d * dx0 + c * dy) / roi.height + 0.5) * n - 0.5;
    for (let i = 0; i < outW; i++, fs += sx, ft += sy, k++) {
      if (fs <= -1 || ft <= -1 || fs >= n || ft >= n) {
        out[k] = 0;
        continue;
      }
      // Bilinear with zero outside the source square.
      const xa = Math.floor(fs);
      const ya = Math.floor(ft);
      const wx = fs - xa;
      const wy = ft - ya;
      const v00 = xa >= 0 && ya >= 0 ? src[ya * n + xa]! : 0;
      const v01 = xa + 1 < n && ya >= 0 ? src[ya * n + xa + 1]! : 0;
      const v10 = xa >= 0 && ya + 1 < n ? src[(ya + 1) * n + xa]! : 0;
      const v11 = xa + 1 < n && ya + 1 < n ? src[(ya + 1) * n + xa + 1]! : 0;
      const p = lerp2(v00, v01, v10, v11, wx, wy);
      out[k] = p <= 0 ? 0 : p >= 1 ? 255 : (p * 255 + 0.5) | 0;
    }
  }
}

/** A copy of a frame's pixels in a buffer the caller owns (the pipeline reuses its own). */
export function snapshotFrame(frame: FramePixels, buffer: { data: Uint8Array }): FramePixels {
  const n = frame.data.byteLength;
  if (buffer.data.byteLength < n) buffer.data = new Uint8Array(n);
  buffer.data.set(frame.data);
  return { ...frame, data: buffer.data };
}

function lerp2(a: number, b: number, c: number, d: number, wx: number, wy: number): number {
  const top = a + (b - a) * wx;
  const bottom = c + (d - c) * wx;
  return top + (bottom - top) * wy;
}
