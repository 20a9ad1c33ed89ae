// CPU compositor stages (src/compositor/cpu/*) on synthetic frames and masks: feathering LUT,
// mask upsampling, plane geometry, colour constants, blend exactness, mask-aware blur.
/// <reference types="node" />
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { alphaLut, createAlphaSampler, type AlphaSampler } from '../../src/compositor/cpu/alpha-stage.js';
import { blendScratchBytes, createCpuBlendStage, type Background } from '../../src/compositor/cpu/blend-stage.js';
import { loadCpuKernels } from '../../src/compositor/cpu/kernels/index.js';
import { BLUR_GRID_ROWS, createCpuBlurStage, type LowBackground } from '../../src/compositor/cpu/blur-stage.js';
import { rgbaToFormat } from '../../src/compositor/cpu/image-stage.js';
import { packedLayout, planesOf, rgbToPlaneValues, type Plane } from '../../src/compositor/cpu/planes.js';
import { PERSON_EDGES } from '../../src/compositor/webgl/blend-stage.js';
import { personEdges } from '../../src/options.js';
import type { PixelFormat } from '../../src/frame/pixels.js';
import type { Mask } from '../../src/segmenter/types.js';
import { at, makeFrame, makeMask, rng } from './frames.js';

const [LO, HI] = PERSON_EDGES;
const halfMask = makeMask((u) => (u < 0.5 ? 0 : 255)); // left half background, right half person

/** Alpha for every x of row `y` (0 outside the returned span). */
function fullRow(s: AlphaSampler, y: number, width: number): number[] {
  const { alpha, start, end } = s.row(y);
  return Array.from({ length: width }, (_, x) => (x >= start && x < end ? alpha[x]! : 0));
}

describe('alphaLut', () => {
  const lut = alphaLut(LO, HI);

  it('covers 12-bit mask values, 0 → 256, monotone', () => {
    expect(lut).toHaveLength(4096);
    expect(lut[0]).toBe(0);
    expect(lut[4095]).toBe(256);
    for (let i = 1; i < lut.length; i++) expect(lut[i]!).toBeGreaterThanOrEqual(lut[i - 1]!);
  });

  it('is 0 at or below the low edge and 256 at or above the high edge', () => {
    const loIdx = LO * 255 * 16;
    const hiIdx = HI * 255 * 16;
    for (let i = 0; i <= Math.floor(loIdx); i++) expect(lut[i], `lut[${i}]`).toBe(0);
    for (let i = Math.ceil(hiIdx); i < 4096; i++) expect(lut[i], `lut[${i}]`).toBe(256);
    // Smoothstep: half way at the midpoint, strictly inside (0, 256) just inside the edges.
    expect(lut[Math.round((loIdx + hiIdx) / 2)]).toBeCloseTo(128, -1);
    expect(lut[Math.ceil(loIdx) + 40]!).toBeGreaterThan(0);
    expect(lut[Math.floor(hiIdx) - 40]!).toBeLessThan(256);
  });

  it('follows the edges it is given', () => {
    const hard = alphaLut(0.5, 0.5 + 1 / 4096);
    expect(hard[2039]).toBe(0);
    expect(hard[2041]).toBe(256);
  });
});

describe('createAlphaSampler', () => {
  const W = 1280;
  const H = 720;

  it('half mask at 1280×720: 0 on the far left, 256 on the far right, a monotone ramp in the middle', () => {
    const s = createAlphaSampler(alphaLut(LO, HI));
    s.prepare(halfMask, W, H);
    for (const y of [0, 1, 359, 360, 719]) {
      const row = fullRow(s, y, W);
      expect(row[0], `row ${y} left`).toBe(0);
      expect(row[W - 1], `row ${y} right`).toBe(256);
      for (let x = 1; x < W; x++) expect(row[x]!).toBeGreaterThanOrEqual(row[x - 1]!);
      // The transition sits at the middle: one mask pixel is 5 frame pixels wide.
      expect(row.slice(0, 630).every((a) => a === 0)).toBe(true);
      expect(row.slice(650).every((a) => a === 256)).toBe(true);
      const ramp = row.filter((a) => a > 0 && a < 256);
      expect(ramp.length).toBeGreaterThan(0);
      expect(ramp.length).toBeLessThanOrEqual(10);
    }
  });

  it('returns a span that excludes the background half', () => {
    const s = createAlphaSampler(alphaLut(LO, HI));
    s.prepare(halfMask, W, H);
    const { start, end } = s.row(100);
    expect(start).toBeGreaterThan(600);
    expect(start).toBeLessThan(W / 2 + 5);
    expect(end).toBe(W);
  });

  it('a null mask (veiled) gives an empty span on every row', () => {
    const s = createAlphaSampler(alphaLut(LO, HI));
    s.prepare(halfMask, W, H); // a previous mask must not linger
    s.prepare(null, W, H);
    for (const y of [0, 360, 719]) {
      const { start, end } = s.row(y);
      expect(end - start).toBeLessThanOrEqual(0);
    }
  });

  it('an all-zero mask gives empty spans; an all-255 mask gives 256 everywhere', () => {
    const s = createAlphaSampler(alphaLut(LO, HI));
    s.prepare(makeMask(() => 0), W, H);
    expect(s.row(200).end - s.row(200).start).toBeLessThanOrEqual(0);
    s.prepare(makeMask(() => 255), W, H);
    expect(fullRow(s, 200, W).every((a) => a === 256)).toBe(true);
  });

  it('interpolates vertically: a top/bottom mask ramps down the rows', () => {
    const s = createAlphaSampler(alphaLut(LO, HI));
    s.prepare(makeMask((_u, v) => (v < 0.5 ? 255 : 0)), 640, 360); // person on top
    const column = Array.from({ length: 360 }, (_, y) => fullRow(s, y, 640)[320]!);
    expect(column[0]).toBe(256);
    expect(column[359]).toBe(0);
    for (let y = 1; y < 360; y++) expect(column[y]!).toBeLessThanOrEqual(column[y - 1]!);
  });

  it('re-preparing at a smaller (chroma) size gives the same geometry at half scale', () => {
    const s = createAlphaSampler(alphaLut(LO, HI));
    s.prepare(halfMask, W, H);
    s.prepare(halfMask, W / 2, H / 2);
    const row = fullRow(s, 100, W / 2);
    expect(row.slice(0, 315).every((a) => a === 0)).toBe(true);
    expect(row.slice(325).every((a) => a === 256)).toBe(true);
  });
});

describe('rgbToPlaneValues', () => {
  const limited601 = { format: 'I420', matrix: 'bt601', fullRange: false } as const;

  it.each([
    ['white', [255, 255, 255], 235],
    ['black', [0, 0, 0], 16],
    ['mid grey', [128, 128, 128], 126],
  ] as const)('bt601 limited %s → Y %i, U=V=128', (_name, [r, g, b], y) => {
    expect(rgbToPlaneValues(limited601, r, g, b)).toEqual([[y], [128], [128]]);
  });

  it.each([
    ['white', [255, 255, 255], 255],
    ['black', [0, 0, 0], 0],
    ['mid grey', [128, 128, 128], 128],
  ] as const)('full range %s → Y %i', (_name, [r, g, b], y) => {
    for (const matrix of ['bt601', 'bt709'] as const) {
      expect(rgbToPlaneValues({ format: 'I420', matrix, fullRange: true }, r, g, b)).toEqual([[y], [128], [128]]);
    }
  });

  it('pure red in bt601 limited is the textbook (81, 90, 240)', () => {
    expect(rgbToPlaneValues(limited601, 255, 0, 0)).toEqual([[81], [90], [240]]);
  });

  it('pure red in bt709 limited is (63, 102, 240)', () => {
    expect(rgbToPlaneValues({ format: 'I420', matrix: 'bt709', fullRange: false }, 255, 0, 0)).toEqual([[63], [102], [240]]);
  });

  it('NV12 interleaves U and V in one plane; RGBA/BGRA are direct', () => {
    expect(rgbToPlaneValues({ ...limited601, format: 'NV12' }, 255, 0, 0)).toEqual([[81], [90, 240]]);
    expect(rgbToPlaneValues({ ...limited601, format: 'RGBA' }, 10, 20, 30)).toEqual([[10, 20, 30, 255]]);
    expect(rgbToPlaneValues({ ...limited601, format: 'BGRA' }, 10, 20, 30)).toEqual([[30, 20, 10, 255]]);
  });
});

describe('planesOf / packedLayout', () => {
  it('I420 at odd size 5×3: chroma rounds up', () => {
    const { layout, size } = packedLayout('I420', 5, 3);
    expect(size).toBe(15 + 2 * 3 * 2);
    expect(layout).toEqual([{ offset: 0, stride: 5 }, { offset: 15, stride: 3 }, { offset: 21, stride: 3 }]);
    const planes = planesOf('I420', 5, 3, layout);
    expect(planes.map((p) => [p.width, p.height, p.channels, p.colourChannels, p.subsample])).toEqual([
      [5, 3, 1, 1, 1], [3, 2, 1, 1, 2], [3, 2, 1, 1, 2],
    ]);
    // The last plane ends exactly at `size`.
    const last = planes[2]!;
    expect(last.offset + last.stride * last.height).toBe(size);
  });

  it('NV12 at odd size 7×5: one interleaved chroma plane', () => {
    const { layout, size } = packedLayout('NV12', 7, 5);
    expect(size).toBe(35 + 4 * 3 * 2);
    expect(layout).toEqual([{ offset: 0, stride: 7 }, { offset: 35, stride: 8 }]);
    const planes = planesOf('NV12', 7, 5, layout);
    expect(planes.map((p) => [p.width, p.height, p.channels, p.colourChannels])).toEqual([[7, 5, 1, 1], [4, 3, 2, 2]]);
    expect(planes[1]!.offset + planes[1]!.stride * planes[1]!.height).toBe(size);
  });

  it.each(['RGBA', 'BGRA'] as const)('%s at odd size 3×3: one plane, 4 channels, 3 of colour', (format) => {
    const { layout, size } = packedLayout(format, 3, 3);
    expect(size).toBe(36);
    expect(layout).toEqual([{ offset: 0, stride: 12 }]);
    expect(planesOf(format, 3, 3, layout)).toEqual([{ offset: 0, stride: 12, width: 3, height: 3, channels: 4, colourChannels: 3, subsample: 1 }]);
  });

  it('720p I420 is the familiar 1382400 bytes', () => {
    expect(packedLayout('I420', 1280, 720).size).toBe(1280 * 720 * 1.5);
  });
});

describe('createCpuBlendStage', () => {
  const W = 64;
  const H = 36;
  const noise = rng(7);
  const colours = Array.from({ length: W * H }, () => [noise() * 255, noise() * 255, noise() * 255] as [number, number, number]);

  function setup(format: PixelFormat): { frame: ReturnType<typeof makeFrame>; dst: Uint8Array; dstPlanes: Plane[]; bgValues: number[][] } {
    // Source with padded strides, output tightly packed, as the compositor does.
    const frame = makeFrame(format, W, H, (x, y) => colours[y * W + x]!, { pad: 3 });
    const { layout, size } = packedLayout(format, W, H);
    const dstPlanes = planesOf(format, W, H, layout);
    const bgValues = rgbToPlaneValues(frame, 0, 170, 0);
    return { frame, dst: new Uint8Array(size).fill(1), dstPlanes, bgValues };
  }

  function blendWith(format: PixelFormat, mask: Mask | null): ReturnType<typeof setup> {
    const s = setup(format);
    const stage = createCpuBlendStage(createAlphaSampler(alphaLut(LO, HI)));
    const bg: Background = { kind: 'constant', values: s.bgValues };
    stage.render(s.frame.data, s.frame.planeList, s.dst, s.dstPlanes, mask, bg);
    return s;
  }

  it.each(['I420', 'NV12', 'RGBA'] as const)('%s: mask 0 → background exactly, mask 255 → source exactly', (format) => {
    const { frame, dst, dstPlanes, bgValues } = blendWith(format, halfMask);
    const sampler = createAlphaSampler(alphaLut(LO, HI));
    let bgCount = 0;
    let srcCount = 0;
    dstPlanes.forEach((dp, pi) => {
      const sp = frame.planeList[pi]!;
      sampler.prepare(halfMask, dp.width, dp.height);
      for (let y = 0; y < dp.height; y++) {
        const alpha = fullRow(sampler, y, dp.width);
        for (let x = 0; x < dp.width; x++) {
          for (let c = 0; c < dp.colourChannels; c++) {
            const out = at(dst, dp, x, y, c);
            if (x < dp.width * 0.45) {
              expect(alpha[x]).toBe(0);
              expect(out).toBe(bgValues[pi]![c]);
              bgCount++;
            } else if (x >= dp.width * 0.55) {
              expect(alpha[x]).toBe(256);
              expect(out).toBe(at(frame.data, sp, x, y, c));
              srcCount++;
            } else {
              // Feathered: between the two (fixed-point rounding allows ±1).
              const s = at(frame.data, sp, x, y, c);
              const b = bgValues[pi]![c]!;
              expect(out).toBeGreaterThanOrEqual(Math.min(s, b) - 1);
              expect(out).toBeLessThanOrEqual(Math.max(s, b) + 1);
            }
          }
          if (dp.channels === 4) expect(at(dst, dp, x, y, 3)).toBe(255); // RGBA alpha opaque
        }
      }
    });
    expect(bgCount).toBeGreaterThan(0);
    expect(srcCount).toBeGreaterThan(0);
  });

  it.each(['I420', 'NV12', 'RGBA'] as const)('%s: a null mask veils the whole frame (all background)', (format) => {
    const { dst, dstPlanes, bgValues } = blendWith(format, null);
    dstPlanes.forEach((dp, pi) => {
      for (let y = 0; y < dp.height; y++) {
        for (let x = 0; x < dp.width; x++) {
          for (let c = 0; c < dp.colourChannels; c++) expect(at(dst, dp, x, y, c)).toBe(bgValues[pi]![c]);
        }
      }
    });
  });

  it('planes background: mask 0 copies the background planes, mask 255 the source', () => {
    const s = setup('I420');
    const bgFrame = makeFrame('I420', W, H, (x) => [x * 4, 255 - x * 4, 90]);
    const stage = createCpuBlendStage(createAlphaSampler(alphaLut(LO, HI)));
    stage.render(s.frame.data, s.frame.planeList, s.dst, s.dstPlanes, halfMask, { kind: 'planes', data: bgFrame.data, planes: bgFrame.planeList });
    s.dstPlanes.forEach((dp, pi) => {
      for (let y = 0; y < dp.height; y++) {
        expect(at(s.dst, dp, 0, y)).toBe(at(bgFrame.data, bgFrame.planeList[pi]!, 0, y));
        expect(at(s.dst, dp, 5, y)).toBe(at(bgFrame.data, bgFrame.planeList[pi]!, 5, y));
        expect(at(s.dst, dp, dp.width - 1, y)).toBe(at(s.frame.data, s.frame.planeList[pi]!, dp.width - 1, y));
      }
    });
  });

  it('does not write outside the output planes', () => {
    const s = setup('I420');
    const { size } = packedLayout('I420', W, H);
    const big = new Uint8Array(size + 16).fill(0xab);
    const stage = createCpuBlendStage(createAlphaSampler(alphaLut(LO, HI)));
    stage.render(s.frame.data, s.frame.planeList, big, s.dstPlanes, halfMask, { kind: 'constant', values: s.bgValues });
    expect(Array.from(big.subarray(size))).toEqual(new Array<number>(16).fill(0xab));
  });
});

describe('run-based blend equals the per-pixel definition', () => {
  // The blend skips per-pixel work on runs of whole mask cells that are surely background or
  // surely person. This checks it bit for bit against the plain definition: every pixel's alpha
  // interpolated from the mask (12-bit fixed point) and blended, for soft, holed, multi-person
  // masks at sizes where cells and pixels do not align.
  function refAlpha(lut: Uint16Array, mask: Mask, w: number, h: number, x: number, y: number): number {
    const { data, width: mw, height: mh } = mask;
    const fx = Math.min(mw - 1, Math.max(0, ((x + 0.5) * mw) / w - 0.5));
    const i = Math.min(mw - 2, Math.floor(fx));
    const wx = Math.round((fx - i) * 16);
    const fy = Math.min(mh - 1, Math.max(0, ((y + 0.5) * mh) / h - 0.5));
    const j = Math.min(mh - 2, Math.floor(fy));
    const wy = Math.round((fy - j) * 16);
    const row = (r: number): number => data[r * mw + i]! * 16 + (data[r * mw + i + 1]! - data[r * mw + i]!) * wx;
    const ea = row(j);
    const eb = row(j + 1);
    return lut[(ea * 16 + (eb - ea) * wy + 8) >> 4]!;
  }

  const noise = rng(11);
  const soft = (v: number): number => Math.max(0, Math.min(255, Math.round(v)));
  const masks: Array<[string, Mask]> = [
    ['two people with a hole and soft edges', makeMask((u, v) => {
      const a = Math.hypot((u - 0.3) / 0.18, (v - 0.6) / 0.4);
      const b = Math.hypot((u - 0.75) / 0.12, (v - 0.7) / 0.3);
      const hole = Math.hypot((u - 0.3) / 0.04, (v - 0.6) / 0.05) < 1;
      return hole ? 0 : soft((1.15 - Math.min(a, b)) * 600);
    })],
    ['speckled noise (every cell an edge)', makeMask(() => (noise() < 0.5 ? soft(noise() * 255) : noise() < 0.5 ? 0 : 255))],
    ['all person', makeMask(() => 255)],
    ['small mask 17×9, uneven', (() => {
      const data = new Uint8Array(17 * 9).map(() => (noise() < 0.3 ? 255 : noise() < 0.5 ? 0 : soft(noise() * 255)));
      return { data, width: 17, height: 9 };
    })()],
  ];
  const lut = alphaLut(LO, HI);

  it.each(['I420', 'NV12', 'RGBA'] as const)('%s: alpha rows and blended pixels match, every background kind', (format) => {
    const W = 101;
    const H = 57;
    const frame = makeFrame(format, W, H, (x, y) => [(x * 37 + y * 11) % 256, (x * 5 + y * 29) % 256, (x * y) % 256], { pad: 2 });
    const bgFrame = makeFrame(format, W, H, (x, y) => [(x * 3) % 256, 255 - ((y * 7) % 256), 60]);
    const { layout, size } = packedLayout(format, W, H);
    const dstPlanes = planesOf(format, W, H, layout);
    const blur = createCpuBlurStage();
    for (const [, mask] of masks) {
      const grid = blur.render(frame.data, frame.planeList, W, H, mask, 20);
      const backgrounds: Background[] = [
        { kind: 'constant', values: rgbToPlaneValues(frame, 10, 200, 30) },
        { kind: 'planes', data: bgFrame.data, planes: bgFrame.planeList },
        { kind: 'low', grid },
      ];
      for (const bg of backgrounds) {
        const dst = new Uint8Array(size);
        createCpuBlendStage(createAlphaSampler(lut)).render(frame.data, frame.planeList, dst, dstPlanes, mask, bg);
        const sampler = createAlphaSampler(lut);
        let edges = 0;
        dstPlanes.forEach((dp, pi) => {
          sampler.prepare(mask, dp.width, dp.height);
          const sp = frame.planeList[pi]!;
          for (let y = 0; y < dp.height; y++) {
            const got = fullRow(sampler, y, dp.width);
            for (let x = 0; x < dp.width; x++) {
              const al = refAlpha(lut, mask, dp.width, dp.height, x, y);
              expect(got[x]).toBe(al);
              if (al > 0 && al < 256) edges++;
              for (let c = 0; c < dp.colourChannels; c++) {
                let b: number;
                if (bg.kind === 'constant') b = bg.values[pi]![c]!;
                else if (bg.kind === 'planes') b = at(bg.data, bg.planes[pi]!, x, y, c);
                else {
                  // Horizontal first, per grid row, kept as 8.8 fixed point; then vertical, rounded once.
                  const g = bg.grid;
                  const cells = g.channels[pi]![c]!;
                  const fx = Math.min(g.width - 1, Math.max(0, ((x + 0.5) * g.width) / dp.width - 0.5));
                  const gx = Math.min(Math.max(0, g.width - 2), Math.floor(fx));
                  const wx = Math.fround(g.width > 1 ? fx - gx : 0); // kept in a Float32Array too
                  const fy = Math.min(g.height - 1, Math.max(0, ((y + 0.5) * g.height) / dp.height - 0.5));
                  const gy = Math.min(Math.max(0, g.height - 2), Math.floor(fy));
                  const wy = g.height > 1 ? Math.round((fy - gy) * 256) : 0;
                  const gy1 = Math.min(g.height - 1, gy + 1);
                  const gx1 = Math.min(g.width - 1, gx + 1);
                  const h = (row: number): number => Math.floor((cells[row * g.width + gx]! + (cells[row * g.width + gx1]! - cells[row * g.width + gx]!) * wx) * 256 + 0.5);
                  b = (h(gy) * (256 - wy) + h(gy1) * wy + 32768) >> 16;
                }
                const s = at(frame.data, sp, x, y, c);
                const want = al === 256 ? s : b + (((s - b) * al + 128) >> 8);
                expect(at(dst, dp, x, y, c)).toBe(want);
              }
            }
          }
        });
        if (mask.width === 256 && mask.data[0] !== 255) expect(edges).toBeGreaterThan(0);
      }
    }
  });
});

describe('createCpuBlurStage', () => {
  const W = 1280;
  const H = 720;
  const BG: [number, number, number] = [0, 0, 0];
  const PERSON: [number, number, number] = [255, 40, 40]; // bright red: Y and V far from the background's

  /**
   * Person rectangle in mask pixels [x0, x1) × [y0, 256): the frame's person pixels are exactly
   * the mask's (the mask is stretched over the frame, as the model saw it).
   */
  function scene(x0: number, x1: number, y0: number): { frame: ReturnType<typeof makeFrame>; mask: Mask } {
    const inPerson = (mx: number, my: number): boolean => mx >= x0 && mx < x1 && my >= y0;
    const frame = makeFrame('I420', W, H, (x, y) => (inPerson(((x + 0.5) * 256) / W, ((y + 0.5) * 256) / H) ? PERSON : BG));
    return { frame, mask: makeMask((u, v) => (inPerson(u * 256, v * 256) ? 255 : 0)) };
  }

  /** Cells whose centre is background but which lie within `reach` cells of a person cell. */
  function nearEdgeBackgroundCells(grid: LowBackground, mask: Mask, reach: number): number[] {
    const person = (gx: number, gy: number): boolean => {
      const mx = Math.min(mask.width - 1, Math.floor(((gx + 0.5) / grid.width) * mask.width));
      const my = Math.min(mask.height - 1, Math.floor(((gy + 0.5) / grid.height) * mask.height));
      return mask.data[my * mask.width + mx]! > 0;
    };
    const cells: number[] = [];
    for (let gy = 0; gy < grid.height; gy++) {
      for (let gx = 0; gx < grid.width; gx++) {
        if (person(gx, gy)) continue;
        let near = false;
        for (let dy = -reach; dy <= reach && !near; dy++) {
          for (let dx = -reach; dx <= reach && !near; dx++) {
            const x = gx + dx;
            const y = gy + dy;
            near = x >= 0 && y >= 0 && x < grid.width && y < grid.height && person(x, y);
          }
        }
        if (near) cells.push(gy * grid.width + gx);
      }
    }
    return cells;
  }

  /** Largest |grid − background value| over `cells`, across Y, U and V. */
  function maxDeviation(grid: LowBackground, cells: number[], frame: ReturnType<typeof makeFrame>): number {
    const bg = rgbToPlaneValues(frame, ...BG);
    let worst = 0;
    grid.channels.forEach((channels, pi) => channels.forEach((values, c) => {
      for (const i of cells) worst = Math.max(worst, Math.abs(values[i]! - bg[pi]![c]!));
    }));
    return worst;
  }

  it('works at about BLUR_GRID_ROWS rows with an even block', () => {
    const { frame, mask } = scene(96, 160, 64);
    const grid = createCpuBlurStage().render(frame.data, frame.planeList, W, H, mask, 24);
    expect(grid.block % 2).toBe(0);
    expect(Math.abs(grid.height - BLUR_GRID_ROWS)).toBeLessThanOrEqual(BLUR_GRID_ROWS / 4);
    expect(grid.width).toBe(Math.floor(W / grid.block));
    expect(grid.channels.map((c) => c.length)).toEqual([1, 1, 1]);
  });

  it('no halo when the person edge falls on cell boundaries: background near the person stays dark', () => {
    const { frame, mask } = scene(96, 160, 64); // 96/256·1280 = 480 = 60 cells of 8 px
    const grid = createCpuBlurStage().render(frame.data, frame.planeList, W, H, mask, 24);
    const cells = nearEdgeBackgroundCells(grid, mask, 2);
    expect(cells.length).toBeGreaterThan(100);
    expect(maxDeviation(grid, cells, frame)).toBeLessThan(3);
  });

  // Regression: the cell weight used to come from the mask at the cell centre only, so a cell
  // straddling the edge with a background centre carried the person into the background
  // (Y +55 over ~56 px at 720p). Now the max mask value over the cell's footprint decides.
  it('no halo when the person edge falls inside a cell (edge not aligned to the grid)', () => {
    const { frame, mask } = scene(97, 161, 64); // 97/256·1280 = 485: 3 of the cell's 8 px are person
    const grid = createCpuBlurStage().render(frame.data, frame.planeList, W, H, mask, 24);
    const cells = nearEdgeBackgroundCells(grid, mask, 2);
    expect(maxDeviation(grid, cells, frame)).toBeLessThan(3);
  });

  // Regression: cells far inside a large person used to divide by a clamped ~0 weight and come
  // out as Y = 0, U = V = 0 (saturated green where the mask is uncertain). A normalised
  // convolution must stay within the range of its inputs.
  it('the background estimate is a weighted mean: every grid value lies within the plane\'s range', () => {
    const { frame, mask } = scene(64, 192, 32); // a large person
    const grid = createCpuBlurStage().render(frame.data, frame.planeList, W, H, mask, 24);
    const bg = rgbToPlaneValues(frame, ...BG);
    const person = rgbToPlaneValues(frame, ...PERSON);
    grid.channels.forEach((channels, pi) => channels.forEach((values, c) => {
      const lo = Math.min(bg[pi]![c]!, person[pi]![c]!) - 1;
      const hi = Math.max(bg[pi]![c]!, person[pi]![c]!) + 1;
      for (const v of values) {
        expect(v).toBeGreaterThanOrEqual(lo);
        expect(v).toBeLessThanOrEqual(hi);
      }
    }));
  });

  it('a constant frame blurs to the same constant (weights normalise)', () => {
    const frame = makeFrame('I420', W, H, () => [90, 140, 200]);
    const expected = rgbToPlaneValues(frame, 90, 140, 200);
    const grid = createCpuBlurStage().render(frame.data, frame.planeList, W, H, null, 24);
    grid.channels.forEach((channels, pi) => channels.forEach((values, c) => {
      for (const v of values) expect(v).toBeCloseTo(expected[pi]![c]!, 2);
    }));
  });

  it('a null mask blurs the whole frame, person included', () => {
    const { frame } = scene(96, 160, 64);
    const blur = createCpuBlurStage();
    const grid = blur.render(frame.data, frame.planeList, W, H, null, 24);
    const Y = grid.channels[0]![0]!;
    const yPerson = rgbToPlaneValues(frame, ...PERSON)[0]![0]!;
    const yBg = rgbToPlaneValues(frame, ...BG)[0]![0]!;
    // Inside the person the estimate is the person (it is not excluded) ...
    const inside = Math.floor(grid.height * 0.7) * grid.width + Math.floor(grid.width / 2);
    expect(Y[inside]!).toBeCloseTo(yPerson, 0);
    // ... and across its edge values ramp smoothly instead of stepping.
    const row = Math.floor(grid.height * 0.7) * grid.width;
    const edge = Array.from(Y.subarray(row + 55, row + 66));
    const between = edge.filter((v) => v > yBg + 5 && v < yPerson - 5);
    expect(between.length).toBeGreaterThanOrEqual(3);

    // Blended with a null mask, every output pixel comes from the blurred background: a sharp
    // edge in the source becomes a ramp in the output.
    const { layout, size } = packedLayout('I420', W, H);
    const dstPlanes = planesOf('I420', W, H, layout);
    const dst = new Uint8Array(size);
    createCpuBlendStage(createAlphaSampler(alphaLut(LO, HI)))
      .render(frame.data, frame.planeList, dst, dstPlanes, null, { kind: 'low', grid });
    const y = 600;
    const src = Array.from({ length: W }, (_, x) => at(frame.data, frame.planeList[0]!, x, y));
    const out = Array.from({ length: W }, (_, x) => at(dst, dstPlanes[0]!, x, y));
    expect(src.filter((v) => v > yBg + 5 && v < yPerson - 5)).toHaveLength(0); // source: hard edge
    expect(out.filter((v) => v > yBg + 5 && v < yPerson - 5).length).toBeGreaterThan(40); // output: ramps
    expect(out[W / 2]!).toBeCloseTo(yPerson, -1);
  });

  it('the blurred background never shows the person through the veil (null mask, blend)', () => {
    const { frame, mask } = scene(96, 160, 64);
    const grid = createCpuBlurStage().render(frame.data, frame.planeList, W, H, mask, 24);
    const { layout, size } = packedLayout('I420', W, H);
    const dstPlanes = planesOf('I420', W, H, layout);
    const dst = new Uint8Array(size);
    createCpuBlendStage(createAlphaSampler(alphaLut(LO, HI)))
      .render(frame.data, frame.planeList, dst, dstPlanes, mask, { kind: 'low', grid });
    // Background pixels two cells (16 px) left of the person: dark, as in the source.
    const yBg = rgbToPlaneValues(frame, ...BG)[0]![0]!;
    for (let y = 200; y < H; y += 37) expect(Math.abs(at(dst, dstPlanes[0]!, 480 - 16, y) - yBg)).toBeLessThanOrEqual(2);
    // Person pixels well inside the mask: exactly the source.
    expect(at(dst, dstPlanes[0]!, 640, 500)).toBe(at(frame.data, frame.planeList[0]!, 640, 500));
  });
});

describe('rgbaToFormat', () => {
  function solid(w: number, h: number, [r, g, b]: [number, number, number]): Uint8ClampedArray {
    const px = new Uint8ClampedArray(w * h * 4);
    for (let i = 0; i < px.length; i += 4) px.set([r, g, b, 255], i);
    return px;
  }

  const colours: Array<[number, number, number]> = [[255, 255, 255], [0, 0, 0], [128, 128, 128], [255, 0, 0], [0, 170, 0], [30, 60, 200]];
  const metas = [
    { matrix: 'bt601', fullRange: false },
    { matrix: 'bt601', fullRange: true },
    { matrix: 'bt709', fullRange: false },
  ] as const;

  it.each(['I420', 'NV12'] as const)('%s: a solid colour gives the same Y/U/V as rgbToPlaneValues, at odd sizes', (format) => {
    for (const meta of metas) {
      for (const colour of colours) {
        const frame = { format, ...meta };
        const w = 7;
        const h = 5;
        const { data, planes } = rgbaToFormat(solid(w, h, colour), w, h, frame);
        const expected = rgbToPlaneValues(frame, ...colour);
        expect(data.length).toBe(packedLayout(format, w, h).size);
        planes.forEach((p, pi) => {
          for (let y = 0; y < p.height; y++) {
            for (let x = 0; x < p.width; x++) {
              for (let c = 0; c < p.channels; c++) {
                expect(Math.abs(at(data, p, x, y, c) - expected[pi]![c]!), `${format} ${meta.matrix} ${meta.fullRange} ${colour.join()} plane ${pi}`).toBeLessThanOrEqual(1);
              }
            }
          }
        });
      }
    }
  });

  it('bt601 limited white/black/grey are 235/16/126 with neutral chroma', () => {
    const frame = { format: 'I420', matrix: 'bt601', fullRange: false } as const;
    for (const [colour, y] of [[[255, 255, 255], 235], [[0, 0, 0], 16], [[128, 128, 128], 126]] as const) {
      const { data, planes } = rgbaToFormat(solid(4, 4, [...colour]), 4, 4, frame);
      expect(at(data, planes[0]!, 3, 3)).toBe(y);
      expect(at(data, planes[1]!, 1, 1)).toBe(128);
      expect(at(data, planes[2]!, 1, 1)).toBe(128);
    }
  });

  it('averages chroma over 2×2 blocks', () => {
    // Left column red, right column blue, in one 2×2 block: chroma is the mean colour's.
    const px = new Uint8ClampedArray(2 * 2 * 4);
    px.set([255, 0, 0, 255, 0, 0, 255, 255, 255, 0, 0, 255, 0, 0, 255, 255]);
    const frame = { format: 'I420', matrix: 'bt601', fullRange: true } as const;
    const { data, planes } = rgbaToFormat(px, 2, 2, frame);
    const mean = rgbToPlaneValues(frame, 127.5, 0, 127.5);
    expect(Math.abs(at(data, planes[1]!, 0, 0) - mean[1]![0]!)).toBeLessThanOrEqual(1);
    expect(Math.abs(at(data, planes[2]!, 0, 0) - mean[2]![0]!)).toBeLessThanOrEqual(1);
  });

  it('RGBA copies; BGRA swaps red and blue and is opaque', () => {
    const px = solid(3, 2, [10, 20, 30]);
    const meta = { matrix: 'bt601', fullRange: true } as const;
    expect(Array.from(rgbaToFormat(px, 3, 2, { format: 'RGBA', ...meta }).data.subarray(0, 4))).toEqual([10, 20, 30, 255]);
    const bgra = rgbaToFormat(px, 3, 2, { format: 'BGRA', ...meta }).data;
    for (let i = 0; i < bgra.length; i += 4) expect(Array.from(bgra.subarray(i, i + 4))).toEqual([30, 20, 10, 255]);
  });

  it('reuses a large enough buffer', () => {
    const into = new Uint8Array(1000);
    const frame = { format: 'I420', matrix: 'bt601', fullRange: false } as const;
    expect(rgbaToFormat(solid(4, 4, [1, 2, 3]), 4, 4, frame, into).data).toBe(into);
    expect(rgbaToFormat(solid(40, 40, [1, 2, 3]), 40, 40, frame, into).data).not.toBe(into);
  });
});

describe('feather (edges of the person alpha)', () => {
  // A horizontal ramp mask, 0 at the left to 255 at the right: the share of pixels with a partial
  // alpha grows with the feather; a hard cut (0) leaves none, and the midpoint never moves.
  const ramp = makeMask((u) => Math.round(u * 255));
  const W = 640;
  const partial = (edges: readonly [number, number]): { partial: number; firstPerson: number } => {
    const s = createAlphaSampler(alphaLut(edges[0], edges[1]));
    s.prepare(ramp, W, 4);
    const row = fullRow(s, 2, W);
    return { partial: row.filter((a) => a > 0 && a < 256).length, firstPerson: row.findIndex((a) => a >= 128) };
  };

  it('0 is a hard cut at 0.5; the default fades over 0.35–0.65; 0.6 over 0.2–0.8', () => {
    const hard = partial(personEdges(0));
    const def = partial(personEdges(0.3));
    const soft = partial(personEdges(0.6));
    expect(hard.partial).toBeLessThanOrEqual(2); // at most the pixels straddling the step
    expect(def.partial).toBeGreaterThan(0.25 * W);
    expect(def.partial).toBeLessThan(0.35 * W);
    expect(soft.partial).toBeGreaterThan(0.55 * W);
    expect(soft.partial).toBeLessThan(0.65 * W);
    // Half alpha stays at mask 0.5 (the middle of the ramp), whatever the feather.
    for (const r of [hard, def, soft]) expect(Math.abs(r.firstPerson - W / 2)).toBeLessThanOrEqual(3);
  });

  it('what the docs promise: at mask 0.3 the default shows no camera, the softest 7 %', () => {
    const at03 = Math.round(0.3 * 255 * 16); // 12-bit LUT index of mask value 0.3
    const [dlo, dhi] = personEdges(0.3);
    const [slo, shi] = personEdges(0.6);
    expect(alphaLut(dlo, dhi)[at03]).toBe(0);
    expect(alphaLut(slo, shi)[at03]! / 256).toBeCloseTo(0.074, 2);
  });

  it('blending with a hard edge writes only camera or background pixels; a soft edge mixes them', () => {
    const frame = makeFrame('I420', 64, 8, () => [200, 200, 200]);
    const camera = at(frame.data, frame.planeList[0]!, 0, 0);
    const { layout, size } = packedLayout('I420', 64, 8);
    const lumaRow = (edges: readonly [number, number]): Set<number> => {
      const dst = new Uint8Array(size);
      createCpuBlendStage(createAlphaSampler(alphaLut(edges[0], edges[1])))
        .render(frame.data, frame.planeList, dst, planesOf('I420', 64, 8, layout), ramp, { kind: 'constant', values: [[16], [128], [128]] });
      return new Set(Array.from({ length: 64 }, (_, x) => dst[64 * 4 + x]!));
    };
    expect([...lumaRow(personEdges(0))].sort((a, b) => a - b)).toEqual([16, camera]);
    expect(lumaRow(personEdges(0.6)).size).toBeGreaterThan(5);
  });
});

describe('wasm SIMD kernels (src/compositor/cpu/kernels)', () => {
  it('a blur background written by the kernel is the JavaScript blend byte for byte, every format, growing memory', async () => {
    const kernels = await loadCpuKernels();
    expect(kernels).not.toBeNull(); // Node 20 has WebAssembly SIMD
    const lut = alphaLut(LO, HI);
    const mask = makeMask((u, v) => Math.max(0, Math.min(255, Math.round((1.1 - Math.hypot((u - 0.45) / 0.25, (v - 0.6) / 0.4)) * 900))));
    let calls = kernels!.calls;
    // Sizes whose rows are not multiples of 16 bytes, and a big one that makes the memory grow.
    for (const [W, H] of [[101, 57], [1280, 720], [38, 22]] as const) {
      for (const format of ['I420', 'NV12', 'RGBA'] as const) {
        const frame = makeFrame(format, W, H, (x, y) => [(x * 37 + y * 11) % 256, (x * 5 + y * 29) % 256, (x * y) % 256], { pad: 3 });
        const grid = createCpuBlurStage().render(frame.data, frame.planeList, W, H, mask, 24);
        const { layout, size } = packedLayout(format, W, H);
        const dstPlanes = planesOf(format, W, H, layout);
        const want = new Uint8Array(size);
        createCpuBlendStage(createAlphaSampler(lut)).render(frame.data, frame.planeList, want, dstPlanes, mask, { kind: 'low', grid });
        const n = blendScratchBytes(dstPlanes, grid);
        const [o, r] = kernels!.reserve([size, n]) as [number, number];
        const got = new Uint8Array(kernels!.buffer, o, size).fill(7);
        createCpuBlendStage(createAlphaSampler(lut), kernels).render(frame.data, frame.planeList, got, dstPlanes, mask, { kind: 'low', grid }, new Uint8Array(kernels!.buffer, r, n));
        expect(kernels!.calls).toBeGreaterThan(calls);
        calls = kernels!.calls;
        let diff = 0;
        for (let i = 0; i < size; i++) if (got[i] !== want[i]) diff++;
        expect(diff, `${format} ${W}×${H}: bytes that differ`).toBe(0);
      }
    }
  });

  it('the blur grid with the wasm Gaussian is the JavaScript one bit for bit (sizes, masks, radii)', async () => {
    const kernels = (await loadCpuKernels())!;
    for (const [W, H, radius] of [[1280, 720, 24], [101, 57, 20], [1920, 1080, 60], [38, 22, 8]] as const) {
      for (const mask of [halfMask, makeMask((u, v) => ((u * 7 + v * 3) % 1 < 0.4 ? 255 : 0)), null]) {
        const frame = makeFrame('NV12', W, H, (x, y) => [(x * 37 + y * 11) % 256, (x * 5 + y * 29) % 256, (x * y) % 256]);
        const want = createCpuBlurStage().render(frame.data, frame.planeList, W, H, mask, radius);
        const calls = kernels.calls;
        const got = createCpuBlurStage(kernels).render(frame.data, frame.planeList, W, H, mask, radius);
        expect(kernels.calls).toBeGreaterThan(calls);
        expect([got.width, got.height]).toEqual([want.width, want.height]);
        got.channels.forEach((plane, pi) => plane.forEach((values, c) => expect(values, `${W}×${H} plane ${pi} channel ${c}`).toEqual(want.channels[pi]![c]!)));
      }
    }
  });

  it('without scratch rows in its memory the stage does not call the kernel (and still blends right)', async () => {
    const kernels = (await loadCpuKernels())!;
    const frame = makeFrame('I420', 64, 36, (x) => [x * 4, 100, 50]);
    const grid = createCpuBlurStage().render(frame.data, frame.planeList, 64, 36, halfMask, 24);
    const { layout, size } = packedLayout('I420', 64, 36);
    const dstPlanes = planesOf('I420', 64, 36, layout);
    const want = new Uint8Array(size);
    const got = new Uint8Array(size);
    createCpuBlendStage(createAlphaSampler(alphaLut(LO, HI))).render(frame.data, frame.planeList, want, dstPlanes, halfMask, { kind: 'low', grid });
    createCpuBlendStage(createAlphaSampler(alphaLut(LO, HI)), kernels).render(frame.data, frame.planeList, got, dstPlanes, halfMask, { kind: 'low', grid });
    expect(kernels.calls).toBe(0);
    expect(got).toEqual(want);
  });

  it('the committed kernels.wasm.ts is what kernels.as.ts compiles to', () => {
    const out = execFileSync(process.execPath, [new URL('../../scripts/build-kernels.mjs', import.meta.url).pathname, '--check'], { encoding: 'utf8' });
    expect(out).toContain('matches its source');
  });
});
