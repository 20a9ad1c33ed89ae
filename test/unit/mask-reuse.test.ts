// Adaptive quality's mask reuse (src/worker/mask-reuse.ts): erosion only shrinks the person, the
// motion check, and the cadence controller's steps down and back up.
import { describe, expect, it } from 'vitest';
import type { FramePixels } from '../../src/frame/pixels.js';
import { CadenceController, erodeMask, lumaThumb, MOTION_THRESHOLD, thumbDiff } from '../../src/worker/mask-reuse.js';

function square(w: number, h: number, x0: number, y0: number, x1: number, y1: number): { data: Uint8Array; width: number; height: number } {
  const data = new Uint8Array(w * h);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) data[y * w + x] = 255;
  return { data, width: w, height: h };
}

function grey(w: number, h: number, value: (x: number, y: number) => number): FramePixels {
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.fill(value(x, y), (y * w + x) * 4, (y * w + x) * 4 + 3);
  return { format: 'RGBA', width: w, height: h, data, planes: [{ offset: 0, stride: w * 4 }], matrix: 'bt601', fullRange: true, colorSpace: {} };
}

describe('erodeMask', () => {
  it('shrinks the person by the radius on every side and never grows it', () => {
    const m = square(20, 20, 5, 5, 15, 15);
    const e = erodeMask(m, 2);
    let person = 0;
    for (let i = 0; i < e.data.length; i++) {
      expect(e.data[i]).toBeLessThanOrEqual(m.data[i]!);
      if (e.data[i]) person++;
    }
    expect(person).toBe(6 * 6);
    expect(e.data[7 * 20 + 7]).toBe(255);
    expect(e.data[6 * 20 + 6]).toBe(0);
    expect(m.data[6 * 20 + 6]).toBe(255); // the input is not modified
  });
});

describe('motion check', () => {
  it('scores identical frames 0, a moved person above the threshold', () => {
    const a = grey(320, 180, (x) => (x < 100 ? 200 : 30));
    const b = grey(320, 180, (x) => (x < 220 ? 200 : 30));
    expect(thumbDiff(lumaThumb(a), lumaThumb(a))).toBe(0);
    expect(thumbDiff(lumaThumb(a), lumaThumb(b))).toBeGreaterThan(MOTION_THRESHOLD);
  });
  it('treats a size change as a change', () => {
    expect(thumbDiff(lumaThumb(grey(320, 180, () => 9)), lumaThumb(grey(180, 320, () => 9)))).toBe(1);
  });
});

describe('CadenceController', () => {
  const run = (c: CadenceController, frames: number, busyMs: number, start = 0, reusedMs?: number): number => {
    for (let i = 0; i < frames; i++) {
      const reused = reusedMs !== undefined && i % 2 === 1;
      c.record((start + i) * 33_333, reused ? reusedMs : busyMs, !reused);
    }
    return start + frames;
  };
  it('steps down when segmenting takes most of the frame interval, and back up with headroom', () => {
    const c = new CadenceController(true);
    let t = run(c, 30, 10);
    expect(c.level).toBe(0);
    t = run(c, 30, 31, t);
    expect(c.level).toBe(1);
    // Level 1: every other frame is segmented.
    expect([c.wantsSegmentation(), c.wantsSegmentation(), c.wantsSegmentation(), c.wantsSegmentation()].filter(Boolean)).toHaveLength(2);
    // Segmented frames still at 26 ms (> 70 % of 33 ms): stay down, even though reused frames are cheap.
    t = run(c, 30, 26, t, 2);
    expect(c.level).toBe(1);
    // Segmented frames at 20 ms (< 70 %): back up.
    run(c, 30, 20, t, 2);
    expect(c.level).toBe(0);
  });
  it('a late frame (a short gap after a long one) does not shrink the interval: 20 ms of 33 stays at level 0', () => {
    // Measured at 30 FPS: one frame delivered late makes the next gap 13.9 ms. Taking the smallest
    // gap as the interval kept the worker stepped down for good (every other mask reused).
    const c = new CadenceController(true);
    let ts = 0;
    for (let i = 0; i < 120; i++) {
      const late = i % 17 === 5 ? 19_400 : i % 17 === 6 ? -19_400 : 0; // 52.7 ms then 13.9 ms
      ts += 33_333 + late;
      c.record(ts, 20);
    }
    expect(c.periodMs).toBeGreaterThan(30);
    expect(c.periodMs).toBeLessThan(36);
    expect(c.level).toBe(0);
  });
  it("uses the camera's nominal interval when given, whatever the timestamps say", () => {
    const c = new CadenceController(true, 1000 / 30);
    expect(c.periodMs).toBeCloseTo(33.33, 1);
    // Frames arrive 66 ms apart because the processor drops every other one: still 33 ms.
    for (let i = 0; i < 30; i++) c.record(i * 66_667, 28);
    expect(c.periodMs).toBeCloseTo(33.33, 1);
    expect(c.level).toBe(1); // 28 ms > 80 % of 33 ms
  });
  it('never leaves level 0 when disabled (maxMaskAgeMs 0)', () => {
    const c = new CadenceController(false);
    run(c, 60, 100);
    expect(c.level).toBe(0);
    expect(c.wantsSegmentation()).toBe(true);
    expect(c.wantsSegmentation()).toBe(true);
  });
});
