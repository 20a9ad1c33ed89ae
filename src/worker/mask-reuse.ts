/**
 * Mask reuse for adaptive quality (split worker mode): when segmentation cannot keep the camera's
 * rate, a frame may be composited with the previous frame's mask — only when that mask is at
 * most `maxMaskAgeMs` old, the image has barely changed since (mean luma difference of small
 * thumbnails), and the mask is eroded first, so a reused mask shows less of the person, never
 * more of the room (leak vector L5).
 */
import type { FramePixels } from '../frame/pixels.js';
import type { Mask } from '../segmenter/types.js';

/** Thumbnail size for the motion check (longest side). */
export const THUMB_SIZE = 64;
/**
 * Mean absolute luma difference (0..1) between the thumbnails above which the frame counts as
 * changed and its mask is not reused. A chosen value (a still talker scores well below it, a
 * person stepping aside well above); not tuned on a data set.
 */
export const MOTION_THRESHOLD = 0.02;
/** Erosion of a reused mask, in mask pixels (the refined mask is ~320 px wide: ~4 frame px each at 720p). */
export const REUSE_EROSION = 2;

/** Luma thumbnail (0..255) of a frame, nearest sample, `THUMB_SIZE` on the longest side. */
export function lumaThumb(p: FramePixels, out?: Uint8Array): { data: Uint8Array; width: number; height: number } {
  const scale = THUMB_SIZE / Math.max(p.width, p.height);
  const tw = Math.max(1, Math.round(p.width * scale));
  const th = Math.max(1, Math.round(p.height * scale));
  const data = out && out.length === tw * th ? out : new Uint8Array(tw * th);
  const { offset, stride } = p.planes[0]!;
  const rgb = p.format === 'RGBA' || p.format === 'BGRA';
  for (let y = 0; y < th; y++) {
    const sy = Math.min(p.height - 1, Math.floor(((y + 0.5) * p.height) / th));
    for (let x = 0; x < tw; x++) {
      const sx = Math.min(p.width - 1, Math.floor(((x + 0.5) * p.width) / tw));
      if (rgb) {
        const i = offset + sy * stride + sx * 4;
        data[y * tw + x] = (p.data[i]! * 77 + p.data[i + 1]! * 150 + p.data[i + 2]! * 29) >> 8;
      } else {
        data[y * tw + x] = p.data[offset + sy * stride + sx]!;
      }
    }
  }
  return { data, width: tw, height: th };
}

/** Mean absolute difference of two thumbnails, 0..1 (1 when their sizes differ). */
export function thumbDiff(a: { data: Uint8Array; width: number; height: number }, b: { data: Uint8Array; width: number; height: number }): number {
  if (a.width !== b.width || a.height !== b.height) return 1;
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i]! - b.data[i]!);
  return sum / (a.data.length * 255);
}

/** A copy of `mask` eroded by `radius` pixels (separable min filter): the person shrinks. */
export function erodeMask(mask: Mask, radius: number): Mask {
  const { width: w, height: h, data } = mask;
  const tmp = new Uint8Array(w * h);
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      let m = 255;
      for (let k = Math.max(0, x - radius); k <= Math.min(w - 1, x + radius); k++) m = Math.min(m, data[row + k]!);
      tmp[row + x] = m;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let m = 255;
      for (let k = Math.max(0, y - radius); k <= Math.min(h - 1, y + radius); k++) m = Math.min(m, tmp[k * w + x]!);
      out[y * w + x] = m;
    }
  }
  return { data: out, width: w, height: h };
}

/**
 * The cadence controller: level 0 segments every frame; level 1 segments every other frame and
 * lets the frames in between reuse the previous mask (when {@link canReuse} allows). It steps
 * down when segmenting takes most of the camera's frame interval, and back up when there is
 * headroom.
 */
export class CadenceController {
  /** 0 = every frame segmented, 1 = every other frame. */
  level = 0;
  #lastTs: number | null = null;
  /** Recent capture-timestamp gaps, ms (fallback when the camera's nominal rate is unknown). */
  #gaps: number[] = [];
  #nominalPeriodMs: number | null;
  #all: number[] = [];
  #segmented: number[] = [];
  #n = 0;
  #enabled: boolean;

  /**
   * @param enabled - false keeps level 0 for ever (`maxMaskAgeMs: 0`)
   * @param nominalPeriodMs - the camera's frame interval from its settings (1000 / frameRate), or
   *   null to estimate it from the frames' timestamps
   */
  constructor(enabled: boolean, nominalPeriodMs: number | null = null) {
    this.#enabled = enabled;
    this.#nominalPeriodMs = nominalPeriodMs !== null && Number.isFinite(nominalPeriodMs) && nominalPeriodMs > 1 ? nominalPeriodMs : null;
  }

  /**
   * The camera's frame interval, ms: its nominal rate when known. Otherwise the lower quartile of
   * the last 30 timestamp gaps — not the smallest gap: one frame delivered late makes the next gap
   * short (13.9 ms measured at 30 FPS), and an interval that small would keep the worker stepped
   * down for ever; not the median either, since the processor drops frames while we are slow.
   */
  get periodMs(): number {
    if (this.#nominalPeriodMs !== null) return this.#nominalPeriodMs;
    if (this.#gaps.length < 5) return Infinity;
    const sorted = [...this.#gaps].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 4)]!;
  }

  /** Should this frame be segmented (true) or may it reuse the last mask (false)? */
  wantsSegmentation(): boolean {
    this.#n++;
    return this.level === 0 || this.#n % 2 === 1;
  }

  /**
   * Record one frame: its capture timestamp (µs), the time spent on it here (ms), and whether it
   * was segmented (else its mask was reused). See {@link periodMs} for the camera's interval.
   */
  record(timestampUs: number, busyMs: number, segmented = true): void {
    if (this.#lastTs !== null) {
      const gap = (timestampUs - this.#lastTs) / 1000;
      if (gap > 1) {
        this.#gaps.push(gap);
        if (this.#gaps.length > 30) this.#gaps.shift();
      }
    }
    this.#lastTs = timestampUs;
    if (!this.#enabled) return;
    this.#all.push(busyMs);
    if (segmented) this.#segmented.push(busyMs);
    if (this.#all.length < 15) return;
    const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Infinity);
    const all = mean(this.#all);
    const full = mean(this.#segmented);
    this.#all.length = 0;
    this.#segmented.length = 0;
    const period = this.periodMs;
    if (!Number.isFinite(period)) return;
    // Step down when this worker alone needs > 80 % of the frame interval (the other worker and
    // the browser need the rest of the machine); back up when a fully segmented frame fits in
    // 70 % of it (hysteresis between the two).
    if (this.level === 0 && all > STEP_DOWN * period) this.level = 1;
    else if (this.level === 1 && full < STEP_UP * period) this.level = 0;
  }
}

/** Share of the camera's frame interval above which the segmentation worker steps down. */
export const STEP_DOWN = 0.8;
/** Share of the frame interval a fully segmented frame must fit in to step back up. */
export const STEP_UP = 0.7;
