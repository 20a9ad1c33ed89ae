// people: 'primary' logic without models: face matching of detections to tracked people, the
// detector's regions, the main-person choice with hysteresis, body capsules and their distance
// field, and the per-pixel assignment.
import { describe, expect, it } from 'vitest';
import type { Point } from '../../src/segmenter/blazepose/roi.js';
import { assignPrimary, DEFAULT_ASSIGN_CONFIG, type PersonMaps } from '../../src/segmenter/people/assign.js';
import { bodyField, bodyFromLandmarks } from '../../src/segmenter/people/body.js';
import {
  choosePrimaryWithHysteresis, DEFAULT_TRACKING_CONFIG, detectionFace, detectionRegions, landmarkFace, matchDetections, priority, sameBody, sameFace,
} from '../../src/segmenter/people/tracking.js';

/** 33 landmarks of an upright person: nose at (cx, top), shoulders `s` apart, everything visible. */
function person(cx: number, top: number, s: number): Point[] {
  const p: Point[] = Array.from({ length: 33 }, () => ({ x: cx, y: top, visibility: 1 }));
  const set = (i: number, x: number, y: number): void => { p[i] = { x, y, visibility: 1 }; };
  set(0, cx, top);
  set(2, cx - 0.15 * s, top - 0.1 * s); set(5, cx + 0.15 * s, top - 0.1 * s);
  set(7, cx - 0.3 * s, top); set(8, cx + 0.3 * s, top);
  set(11, cx - s / 2, top + 0.6 * s); set(12, cx + s / 2, top + 0.6 * s);
  set(13, cx - s / 2, top + 1.3 * s); set(14, cx + s / 2, top + 1.3 * s);
  set(15, cx - s / 2, top + 2 * s); set(16, cx + s / 2, top + 2 * s);
  set(19, cx - s / 2, top + 2.2 * s); set(20, cx + s / 2, top + 2.2 * s);
  set(23, cx - s / 3, top + 2 * s); set(24, cx + s / 3, top + 2 * s);
  return p;
}

describe('faces and matching', () => {
  it('a detection face is its box; a landmark face is around the nose, sized by ears and eyes', () => {
    expect(detectionFace({ score: 1, xMin: 10, yMin: 20, xMax: 30, yMax: 50, keypoints: [] })).toEqual({ x: 20, y: 35, size: 30 });
    const f = landmarkFace(person(100, 50, 40));
    expect(f.x).toBe(100);
    expect(f.y).toBe(50);
    expect(f.size).toBeCloseTo(Math.max(24 * 1.3, 12 * 2.6), 6);
  });

  it('sameFace needs both nearness and a similar size', () => {
    expect(sameFace({ x: 0, y: 0, size: 10 }, { x: 5, y: 0, size: 12 }, 0.6, 2)).toBe(true);
    expect(sameFace({ x: 0, y: 0, size: 10 }, { x: 8, y: 0, size: 10 }, 0.6, 2)).toBe(false);
    expect(sameFace({ x: 0, y: 0, size: 10 }, { x: 1, y: 0, size: 25 }, 0.6, 2)).toBe(false);
  });

  it('matches each detection to the nearest free track, new people get -1', () => {
    const tracks = [{ x: 100, y: 100, size: 40 }, { x: 300, y: 100, size: 40 }];
    const dets = [{ x: 305, y: 98, size: 42 }, { x: 600, y: 100, size: 40 }, { x: 102, y: 100, size: 40 }, { x: 98, y: 101, size: 40 }];
    expect(matchDetections(dets, tracks)).toEqual([1, -1, 0, -1]); // (102,100) is nearer track 0 than (98,101)
  });
});

describe('duplicates', () => {
  it('two tracks on one body are one person; side by side they are two', () => {
    expect(sameBody(person(100, 50, 40), person(108, 55, 40), 0.35)).toBe(true);
    expect(sameBody(person(100, 50, 40), person(150, 50, 40), 0.35)).toBe(false);
  });
});

describe('detector regions', () => {
  it('landscape frames: whole, left square, right square; portrait frames: whole only', () => {
    const r = detectionRegions(1280, 720);
    expect(r.map((q) => [q.cx, q.cy, q.width])).toEqual([[640, 360, 1280], [360, 360, 720], [920, 360, 720]]);
    expect(detectionRegions(480, 640)).toHaveLength(1);
  });
});

describe('main person with hysteresis', () => {
  const cfg = DEFAULT_TRACKING_CONFIG;
  it('priority grows with size and falls away from the centre', () => {
    const face = { x: 640, y: 300, size: 100 };
    expect(priority(face, 1280, 720)).toBeGreaterThan(priority({ ...face, x: 100 }, 1280, 720));
    expect(priority({ ...face, size: 150 }, 1280, 720)).toBeGreaterThan(priority(face, 1280, 720));
  });

  it('picks the best at once when there is no main person; nobody → -1', () => {
    expect(choosePrimaryWithHysteresis(-1, [{ id: 1, priority: 0.2 }, { id: 2, priority: 0.5 }], { id: -1, frames: 0 }).primary).toBe(2);
    expect(choosePrimaryWithHysteresis(3, [], { id: -1, frames: 0 }).primary).toBe(-1);
    // The main person was lost: the best of the others at once.
    expect(choosePrimaryWithHysteresis(3, [{ id: 1, priority: 0.2 }, { id: 2, priority: 0.5 }], { id: -1, frames: 0 }).primary).toBe(2);
  });

  it('keeps the main person until a challenger beats them by switchRatio for switchFrames frames in a row', () => {
    let state = { primary: 1, streak: { id: -1, frames: 0 } };
    const step = (p1: number, p2: number): number => {
      state = choosePrimaryWithHysteresis(state.primary, [{ id: 1, priority: p1 }, { id: 2, priority: p2 }], state.streak);
      return state.primary;
    };
    // Slightly better is not enough, however long.
    for (let i = 0; i < 3 * cfg.switchFrames; i++) expect(step(1, cfg.switchRatio * 0.95)).toBe(1);
    // Clearly better, but interrupted: the streak restarts.
    for (let i = 0; i < cfg.switchFrames - 1; i++) expect(step(1, 2)).toBe(1);
    expect(step(1, 1)).toBe(1);
    for (let i = 0; i < cfg.switchFrames - 1; i++) expect(step(1, 2)).toBe(1);
    expect(step(1, 2)).toBe(2);
    // And the new main person is kept the same way.
    expect(step(1.1, 1)).toBe(2);
  });

  it('while settling (the detector has not looked everywhere yet) the best wins at once', () => {
    const none = { id: -1, frames: 0 };
    expect(choosePrimaryWithHysteresis(1, [{ id: 1, priority: 1 }, { id: 2, priority: 1.1 }], none, cfg, true).primary).toBe(2);
    expect(choosePrimaryWithHysteresis(1, [{ id: 1, priority: 1 }, { id: 2, priority: 1.1 }], none, cfg, false).primary).toBe(1);
  });
});

describe('body capsules and field', () => {
  it('negative inside the body, positive outside, in pixels', () => {
    const pts = person(50, 20, 20);
    const body = bodyFromLandmarks(pts, 100, 100);
    expect(body.scale).toBe(20);
    const field = new Float32Array(100 * 100);
    bodyField(body, 100, 100, field, 100, 100);
    expect(field[45 * 100 + 50]).toBeLessThan(0); // chest
    expect(field[20 * 100 + 50]).toBeLessThan(0); // face
    expect(field[20 * 100 + 5]).toBeGreaterThan(20); // far left of the head
    // Only where asked.
    const where = new Uint8Array(100 * 100);
    where[45 * 100 + 50] = 1;
    bodyField(body, 100, 100, field, 100, 100, where);
    expect(field[45 * 100 + 50]).toBeLessThan(0);
    expect(field[0]).toBe(Infinity);
  });

  it('leaves out limbs it cannot see', () => {
    const pts = person(50, 20, 20).map((p, i) => (i >= 13 && i <= 22 ? { ...p, visibility: 0.1 } : p));
    const all = bodyFromLandmarks(person(50, 20, 20), 100, 100).capsules.length;
    expect(bodyFromLandmarks(pts, 100, 100).capsules.length).toBe(all - 6);
  });
});

describe('assignPrimary', () => {
  const n = 4;
  const maps = (seg: number[], field: number[]): PersonMaps => ({ seg: Uint8Array.from(seg), field: Float32Array.from(field), scale: 1 });
  it('keeps selfie pixels the main person clearly owns, drops the rest (bias to hiding)', () => {
    const selfie = Uint8Array.from([200, 200, 200, 0]);
    const primary = maps([255, 255, 255, 255], [-0.5, 0.3, 0.3, -0.5]);
    const dil = Uint8Array.from([255, 255, 10, 255]);
    // Pixel 0: main person's core, other far → kept. Pixel 1: other nearer → dropped.
    // Pixel 2: main segmentation too weak → dropped. Pixel 3: selfie says background → 0.
    const other = maps([0, 255, 0, 0], [2, 0.1, 2, 2]);
    const out = new Uint8Array(n);
    assignPrimary(selfie, primary, dil, [other], out);
    expect([...out]).toEqual([200, 0, 0, 0]);
  });

  it('another person\'s segmentation widens their claim', () => {
    const selfie = Uint8Array.from([200, 200, 200, 200]);
    const lead = (DEFAULT_ASSIGN_CONFIG.margin + DEFAULT_ASSIGN_CONFIG.segMargin) / 2; // between the two margins
    const primary = maps([255, 255, 255, 255], [0, 0, 0, 0]);
    const other = maps([0, 255, 0, 255], [lead, lead, 5, 5]);
    const out = new Uint8Array(n);
    assignPrimary(selfie, primary, Uint8Array.from([255, 255, 255, 255]), [other], out);
    expect([...out]).toEqual([200, 0, 200, 200]);
  });

  it('beyond the main person\'s reach nothing is kept, even alone', () => {
    const selfie = Uint8Array.from([200, 200, 200, 200]);
    const primary = maps([255, 255, 255, 255], [0, DEFAULT_ASSIGN_CONFIG.gateReach + 0.01, Infinity, NaN]);
    const out = new Uint8Array(n);
    assignPrimary(selfie, primary, Uint8Array.from([255, 255, 255, 255]), [], out);
    expect([...out]).toEqual([200, 0, 0, 0]);
  });
});
