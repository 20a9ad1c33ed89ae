// Pure math of the BlazePose segmenter: SSD anchors, box decoding, NMS, the main-person choice,
// ROI geometry (alignment → rotated square, affine and its inverse), the crop and the inverse
// warp, and the primary gate's dilation.
import { describe, expect, it } from 'vitest';
import { DEFAULT_DETECTION_CONFIG, DETECTOR_INPUT_SIZE, NUM_ANCHORS } from '../../src/segmenter/blazepose/constants.js';
import {
  choosePrimary, createAnchors, decodeDetections, detectionsToFrame, detectionToRoi, iou, nonMaxSuppression, type Detection,
} from '../../src/segmenter/blazepose/detector.js';
import { landmarksToRoi, projectLandmarks } from '../../src/segmenter/blazepose/landmark.js';
import {
  cropToInput, frameToRoi, letterboxRoi, normalizeRadians, roiFromAlignment, roiToFrame, snapshotFrame, warpRoiToFrame, type Roi,
} from '../../src/segmenter/blazepose/roi.js';
import { dilate } from '../../src/segmenter/people/assign.js';
import type { FramePixels } from '../../src/frame/pixels.js';

function det(xMin: number, yMin: number, xMax: number, yMax: number, score = 0.9): Detection {
  return { score, xMin, yMin, xMax, yMax, keypoints: [] };
}

function rgbaFrame(w: number, h: number, fn: (x: number, y: number) => [number, number, number]): FramePixels {
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const [r, g, b] = fn(x, y);
    data.set([r, g, b, 255], (y * w + x) * 4);
  }
  return { format: 'RGBA', width: w, height: h, data, planes: [{ offset: 0, stride: w * 4 }], matrix: 'bt601', fullRange: true, colorSpace: {} };
}

describe('SSD anchors', () => {
  const a = createAnchors();
  it('has one anchor per detector output row (2254), two per cell, layers 28², 14², 7² (3 merged)', () => {
    expect(a.x.length).toBe(NUM_ANCHORS);
    expect(28 * 28 * 2 + 14 * 14 * 2 + 7 * 7 * 6).toBe(NUM_ANCHORS);
    expect(a.x[0]).toBeCloseTo(0.5 / 28, 6);
    expect(a.x[1]).toBeCloseTo(0.5 / 28, 6);
    expect(a.x[2]).toBeCloseTo(1.5 / 28, 6);
    expect(a.y[28 * 2]).toBeCloseTo(1.5 / 28, 6);
    expect(a.x[1568]).toBeCloseTo(0.5 / 14, 6);
    const last = NUM_ANCHORS - 1;
    expect(a.x[last]).toBeCloseTo(6.5 / 7, 6);
    expect(a.y[last]).toBeCloseTo(6.5 / 7, 6);
    expect(a.x[last - 5]).toBeCloseTo(6.5 / 7, 6);
  });
});

describe('detection decoding', () => {
  const anchors = createAnchors();
  const stride = 1 + DEFAULT_DETECTION_CONFIG.numCoords;
  it('decodes offsets relative to the anchor in input pixels, sigmoid scores, drops low scores', () => {
    const raw = new Float32Array(NUM_ANCHORS * stride).fill(-10);
    const i = 1568 + 2 * (14 * 3 + 5); // 14×14 layer, row 3, column 5
    const s = DETECTOR_INPUT_SIZE;
    raw.set([2, 11.2, -22.4, 44.8, 67.2, 0, 22.4, 0, -44.8, 5, 5, -5, -5], i * stride);
    const out = decodeDetections(raw, anchors);
    expect(out).toHaveLength(1);
    const d = out[0]!;
    const ax = 5.5 / 14, ay = 3.5 / 14;
    expect(d.score).toBeCloseTo(1 / (1 + Math.exp(-2)), 6);
    expect((d.xMin + d.xMax) / 2).toBeCloseTo(ax + 11.2 / s, 5);
    expect((d.yMin + d.yMax) / 2).toBeCloseTo(ay - 22.4 / s, 5);
    expect(d.xMax - d.xMin).toBeCloseTo(44.8 / s, 5);
    expect(d.yMax - d.yMin).toBeCloseTo(67.2 / s, 5);
    expect(d.keypoints[0]!.x).toBeCloseTo(ax, 5);
    expect(d.keypoints[0]!.y).toBeCloseTo(ay + 0.1, 5);
    expect(d.keypoints[1]!.y).toBeCloseTo(ay - 0.2, 5);
    expect(d.keypoints).toHaveLength(4);
  });
  it('rejects an output of the wrong size', () => {
    expect(() => decodeDetections(new Float32Array(10), anchors)).toThrow(/expected/);
  });
  it('maps letterboxed coordinates to frame pixels', () => {
    const box = letterboxRoi(1280, 720); // 1280² square centred on the frame: 280 px of padding above
    const [d] = detectionsToFrame([{ ...det(0.5, 0.5, 0.75, 0.75), keypoints: [{ x: 0, y: 0.5 }] }], box);
    expect(d!.xMin).toBeCloseTo(640, 6);
    expect(d!.yMin).toBeCloseTo(360, 6);
    expect(d!.xMax).toBeCloseTo(960, 6);
    expect(d!.yMax).toBeCloseTo(680, 6);
    expect(d!.keypoints[0]).toEqual({ x: 0, y: 360 });
  });
});

describe('non-maximum suppression', () => {
  it('keeps the best of overlapping boxes and separate people', () => {
    const a = det(0, 0, 10, 10, 0.7);
    const b = det(1, 1, 11, 11, 0.9); // IoU with a ≈ 0.68
    const c = det(50, 50, 60, 60, 0.8);
    expect(iou(a, b)).toBeCloseTo(81 / 119, 6);
    expect(nonMaxSuppression([a, b, c], 0.3, 8)).toEqual([b, c]);
    expect(nonMaxSuppression([a, b, c], 0.3, 1)).toEqual([b]);
    expect(nonMaxSuppression([a, b], 0.9, 8)).toEqual([b, a]);
  });
});

describe('main person', () => {
  it('prefers the larger face, then the more central one', () => {
    const small = det(600, 100, 680, 180);
    const big = det(100, 100, 400, 400);
    expect(choosePrimary([small, big], 1280, 720)).toBe(1);
    const left = det(0, 100, 200, 300);
    const centre = det(540, 100, 740, 300);
    expect(choosePrimary([left, centre], 1280, 720)).toBe(1);
    expect(choosePrimary([], 1280, 720)).toBe(-1);
  });
});

describe('ROI geometry', () => {
  it('builds an upright square from a centre and a scale point above it, scaled 1.25', () => {
    const r = roiFromAlignment({ x: 100, y: 200 }, { x: 100, y: 120 });
    expect(r.rotation).toBeCloseTo(0, 9);
    expect(r.width).toBeCloseTo(200, 9);
    expect(r.height).toBeCloseTo(200, 9);
    expect([r.cx, r.cy]).toEqual([100, 200]);
  });
  it('rotates with the body: scale point to the right is −90°, to the left +90°', () => {
    expect(roiFromAlignment({ x: 0, y: 0 }, { x: 10, y: 0 }).rotation).toBeCloseTo(Math.PI / 2, 9);
    expect(roiFromAlignment({ x: 0, y: 0 }, { x: -10, y: 0 }).rotation).toBeCloseTo(-Math.PI / 2, 9);
    expect(normalizeRadians(3 * Math.PI)).toBeCloseTo(-Math.PI, 9);
  });
  it('maps ROI → frame like MediaPipe\'s rotated sub-rect matrix, and back', () => {
    const roi: Roi = { cx: 300, cy: 200, width: 120, height: 80, rotation: 0.7 };
    // Reference: GetRotatedSubRectToRectTransformMatrix (image_to_tensor_utils.h), in pixels.
    const ref = (s: number, t: number): [number, number] => {
      const a = roi.width, b = roi.height, c = Math.cos(roi.rotation), d = Math.sin(roi.rotation);
      return [a * c * s - b * d * t + (-0.5 * a * c + 0.5 * b * d + roi.cx), a * d * s + b * c * t + (-0.5 * b * c - 0.5 * a * d + roi.cy)];
    };
    for (const [s, t] of [[0, 0], [1, 0], [0.3, 0.9], [0.5, 0.5]] as const) {
      const p = roiToFrame(roi, s, t);
      const [x, y] = ref(s, t);
      expect(p.x).toBeCloseTo(x, 9);
      expect(p.y).toBeCloseTo(y, 9);
      const q = frameToRoi(roi, p.x, p.y);
      expect(q.x).toBeCloseTo(s, 9);
      expect(q.y).toBeCloseTo(t, 9);
    }
  });
  it('detection → ROI uses keypoints 0 (centre) and 1 (scale)', () => {
    const d = { ...det(0, 0, 1, 1), keypoints: [{ x: 50, y: 60 }, { x: 50, y: 20 }, { x: 0, y: 0 }, { x: 0, y: 0 }] };
    expect(detectionToRoi(d)).toMatchObject({ cx: 50, cy: 60, width: 100, height: 100 });
  });
  it('landmarks in crop pixels project into the frame, and the aux landmarks give the next ROI', () => {
    const roi: Roi = { cx: 100, cy: 100, width: 256, height: 256, rotation: Math.PI / 2 };
    const ld = new Float32Array(39 * 5);
    ld.set([128, 128], 33 * 5); // aux centre at the crop centre
    ld.set([128, 64], 34 * 5); // aux scale point 64 px "up" in the crop
    const pts = projectLandmarks(ld, roi);
    expect(pts[33]!.x).toBeCloseTo(100, 6);
    expect(pts[33]!.y).toBeCloseTo(100, 6);
    // Rotated +90°: "up" in the crop is +x in the frame.
    expect(pts[34]!.x).toBeCloseTo(164, 6);
    expect(pts[34]!.y).toBeCloseTo(100, 6);
    const next = landmarksToRoi(pts);
    expect(next.rotation).toBeCloseTo(Math.PI / 2, 6);
    expect(next.width).toBeCloseTo(2 * 64 * 1.25, 6);
  });
});

describe('crop and inverse warp', () => {
  const frame = rgbaFrame(64, 48, (x, y) => [x * 4, y * 4, 100]);
  it('an axis-aligned ROI equal to the frame reproduces its pixels; outside gets the fill', () => {
    const out = new Float32Array(64 * 64 * 3);
    cropToInput(frame, { cx: 32, cy: 24, width: 64, height: 48, rotation: 0 }, out, 64, 0, 1, -1);
    // Output row v samples frame row 0.75 v + …: check pixel (10, 0) → frame (10, ~0).
    expect(out[10 * 3]! * 255).toBeCloseTo(40, 3);
    expect(out[10 * 3 + 2]! * 255).toBeCloseTo(100, 3);
    const box = new Float32Array(64 * 64 * 3);
    cropToInput(frame, letterboxRoi(64, 48), box, 64, -1, 1, -1);
    expect(box[0]).toBe(-1); // top padding row
    expect(box[(32 * 64 + 10) * 3]).toBeCloseTo(-1 + (2 * 40) / 255, 3);
  });
  it('a ROI rotated by 90° samples the frame rotated', () => {
    const out = new Float32Array(16 * 16 * 3);
    const roi: Roi = { cx: 32, cy: 24, width: 16, height: 16, rotation: Math.PI / 2 };
    cropToInput(frame, roi, out, 16, 0, 255, 0);
    // Crop pixel (u, v) centre → frame via roiToFrame; compare with the frame's own value there.
    for (const [u, v] of [[0, 0], [15, 3], [7, 12]] as const) {
      const p = roiToFrame(roi, (u + 0.5) / 16, (v + 0.5) / 16);
      const j = (v * 16 + u) * 3;
      expect(out[j]!).toBeCloseTo((p.x - 0.5) * 4, 3);
      expect(out[j + 1]!).toBeCloseTo((p.y - 0.5) * 4, 3);
    }
  });
  it('the inverse warp puts ROI content where roiToFrame says, and zero outside the ROI', () => {
    const n = 32;
    const src = new Float32Array(n * n);
    for (let t = 0; t < n; t++) for (let s = 0; s < n; s++) src[t * n + s] = s < n / 2 ? 1 : 0; // left half of the ROI
    const roi: Roi = { cx: 50, cy: 40, width: 40, height: 40, rotation: Math.PI / 2 };
    const out = new Uint8Array(100 * 80);
    warpRoiToFrame(src, n, roi, 100, 80, out, 100, 80);
    // ROI left half, rotated +90°, is the frame's upper half of the square.
    const at = (x: number, y: number): number => out[y * 100 + x]!;
    const inLeft = roiToFrame(roi, 0.25, 0.5);
    const inRight = roiToFrame(roi, 0.75, 0.5);
    expect(at(Math.floor(inLeft.x), Math.floor(inLeft.y))).toBe(255);
    expect(at(Math.floor(inRight.x), Math.floor(inRight.y))).toBe(0);
    expect(inLeft.y).toBeLessThan(40);
    expect(at(5, 5)).toBe(0);
    // A mask smaller than the frame samples the same geometry.
    const small = new Uint8Array(50 * 40);
    warpRoiToFrame(src, n, roi, 100, 80, small, 50, 40);
    expect(small[Math.floor(inLeft.y / 2) * 50 + Math.floor(inLeft.x / 2)]).toBe(255);
  });
  it('snapshots a frame into a reused buffer', () => {
    const buf = { data: new Uint8Array(0) };
    const copy = snapshotFrame(frame, buf);
    expect(copy.data).not.toBe(frame.data);
    expect(copy.data[4]).toBe(frame.data[4]);
    expect(snapshotFrame(frame, buf).data).toBe(copy.data);
  });
});

describe('primary gate', () => {
  it('dilates with a square max filter of the given radius', () => {
    const w = 7, h = 5;
    const src = new Uint8Array(w * h);
    src[2 * w + 3] = 200;
    const out = new Uint8Array(w * h);
    dilate(src, out, new Uint8Array(w * h), w, h, 1);
    const on = [...out.keys()].filter((i) => out[i] === 200).map((i) => [i % w, Math.floor(i / w)]);
    expect(on).toEqual([[2, 1], [3, 1], [4, 1], [2, 2], [3, 2], [4, 2], [2, 3], [3, 3], [4, 3]]);
  });
});
