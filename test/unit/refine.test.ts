// The refiner's reference behaviour in Node: fail closed (never person without raw evidence
// nearby), guided-filter edges, temporal convergence and hysteresis, reset and scene cuts.
import { describe, expect, it } from 'vitest';
import { DEFAULT_REFINE_PARAMS, createGuidedRefiner, createRefiner } from '../../src/refine/index.js';
import { boxMean, guidedCoefficients, guidedScratch } from '../../src/refine/guided.js';
import { outputGeometry, sampleMask } from '../../src/refine/refiner.js';
import { smoothTemporal, uncertainty } from '../../src/refine/temporal.js';
import type { Mask } from '../../src/segmenter/types.js';
import { makeFrame, makeMask, rng } from './frames.js';

const W = 640;
const H = 360;
/** A frame: bright person-shaped disc on a textured background, optional noise. */
function scene(noise = 0, seed = 1, shiftX = 0) {
  const r = rng(seed);
  return makeFrame('I420', W, H, (x, y) => {
    const inside = (x - 320 - shiftX) ** 2 + (y - 200) ** 2 < 120 ** 2;
    const base = inside ? 200 : 40 + ((x >> 3) & 1) * 30;
    const v = Math.max(0, Math.min(255, Math.round(base + (r() - 0.5) * 2 * noise)));
    return [v, v, v];
  });
}
/** The model's view of that disc: a soft ramp (probabilities 0..255). */
function discMask(shiftU = 0, softness = 0.04): Mask {
  return makeMask((u, v) => {
    const d = Math.hypot((u - 0.5 - shiftU) * (W / H), v - 200 / H) - 120 / H;
    return Math.round(255 / (1 + Math.exp(d / softness * 4)));
  });
}
/** Upsample a mask to the frame like the compositor and threshold at 0.5. */
function decide(m: Mask, x: number, y: number): boolean {
  const f = new Float32Array(1);
  // Sample the single point (x, y) of the frame grid.
  const sub = { data: m.data, width: m.width, height: m.height };
  const gx = Math.min(m.width - 1, Math.max(0, ((x + 0.5) * m.width) / W - 0.5));
  const gy = Math.min(m.height - 1, Math.max(0, ((y + 0.5) * m.height) / H - 0.5));
  const x0 = Math.min(m.width - 2, Math.floor(gx)), y0 = Math.min(m.height - 2, Math.floor(gy));
  const wx = gx - x0, wy = gy - y0;
  const d = sub.data;
  const top = d[y0 * m.width + x0]! * (1 - wx) + d[y0 * m.width + x0 + 1]! * wx;
  const bot = d[(y0 + 1) * m.width + x0]! * (1 - wx) + d[(y0 + 1) * m.width + x0 + 1]! * wx;
  f[0] = (top * (1 - wy) + bot * wy) / 255;
  return f[0]! >= 0.5;
}

describe('guided filter pieces', () => {
  it('boxMean equals a brute-force clipped box mean', () => {
    const w = 13, h = 7, r = 2;
    const src = Float32Array.from({ length: w * h }, (_, i) => (i * 37) % 11);
    const dst = new Float32Array(w * h);
    boxMean(src, dst, w, h, r, new Float32Array(w * h));
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let s = 0, n = 0;
        for (let yy = Math.max(0, y - r); yy <= Math.min(h - 1, y + r); yy++) {
          for (let xx = Math.max(0, x - r); xx <= Math.min(w - 1, x + r); xx++) { s += src[yy * w + xx]!; n++; }
        }
        expect(dst[y * w + x]).toBeCloseTo(s / n, 4);
      }
    }
  });

  it('the guided filter of the guide itself is the guide (a≈1, b≈0 where there is contrast)', () => {
    const w = 16, h = 16;
    const I = Float32Array.from({ length: w * h }, (_, i) => ((i % w) < 8 ? 0.1 : 0.9));
    const A = new Float32Array(w * h), B = new Float32Array(w * h);
    guidedCoefficients(I, I, w, h, 2, 1e-6, A, B, guidedScratch(w * h));
    for (let i = 0; i < w * h; i++) expect(A[i]! * I[i]! + B[i]!).toBeCloseTo(I[i]!, 3);
  });

  it('sampleMask keeps constant masks constant', () => {
    const m = makeMask(() => 255, 32);
    const out = new Float32Array(10 * 6);
    sampleMask(m, out, 10, 6);
    for (const v of out) expect(v).toBeCloseTo(1, 6);
  });

  it('output geometry: ~320 px longest side, aspect kept, never above the frame', () => {
    expect(outputGeometry(1280, 720, 256, 256, DEFAULT_REFINE_PARAMS)).toMatchObject({ ow: 320, oh: 180, gw: 160, gh: 90 });
    expect(outputGeometry(200, 100, 256, 256, DEFAULT_REFINE_PARAMS)).toMatchObject({ ow: 200, oh: 100 });
  });
});

describe('fail closed', () => {
  it('never marks a pixel as person where the raw mask and its neighbours say background', () => {
    const frame = scene(10);
    // Raw evidence: a disc; the frame shows a (bright) disc too, plus bright background stripes.
    const raw = discMask();
    const refined = createGuidedRefiner().refine(frame, raw);
    // "Neighbours": every raw-mask pixel within 2 mask pixels (more than the cap radius at 720p).
    const nb = 2;
    let checked = 0;
    for (let y = 0; y < H; y += 3) {
      for (let x = 0; x < W; x += 3) {
        if (!decide(refined, x, y)) continue;
        const mx = Math.floor(((x + 0.5) * 256) / W), my = Math.floor(((y + 0.5) * 256) / H);
        let any = false;
        for (let dy = -nb - 2; dy <= nb + 2 && !any; dy++) {
          for (let dx = -nb - 2; dx <= nb + 2; dx++) {
            const xx = Math.min(255, Math.max(0, mx + dx)), yy = Math.min(255, Math.max(0, my + dy));
            if (raw.data[yy * 256 + xx]! >= 128) { any = true; break; }
          }
        }
        expect(any, `person at (${x},${y}) without raw evidence`).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('an all-background raw mask gives an all-zero refined mask, whatever the image', () => {
    const refined = createGuidedRefiner().refine(scene(40), makeMask(() => 0));
    expect(refined.data.every((v) => v === 0)).toBe(true);
  });

  it('a weak (uncertain) raw mask everywhere is never shown as person', () => {
    const refined = createGuidedRefiner().refine(scene(40), makeMask(() => 120));
    expect(Math.max(...refined.data)).toBeLessThan(128);
  });
});

describe('temporal smoothing', () => {
  it('uncertainty is 1 at p = 0.5 and 0 for confident values', () => {
    expect(uncertainty(0.5)).toBeCloseTo(1, 6);
    expect(uncertainty(0)).toBeCloseTo(0, 3);
    expect(uncertainty(1)).toBeCloseTo(0, 3);
    expect(uncertainty(0.3)).toBeGreaterThan(0);
  });

  it('confident new values replace the previous ones; uncertain ones keep some of them', () => {
    const cur = Float32Array.from([1, 0, 0.5]);
    const prev = Float32Array.from([0, 1, 1]);
    smoothTemporal(cur, prev, 3, 0.7, 0);
    expect(cur[0]).toBeCloseTo(1, 3);
    expect(cur[1]).toBeCloseTo(0, 3);
    expect(cur[2]).toBeCloseTo(0.5 + 0.5 * 0.7, 3);
  });

  it('hysteresis: changes inside the dead band are ignored, larger ones pass', () => {
    const prev = Float32Array.from([0.6, 0.6]);
    const cur = Float32Array.from([0.55, 0.3]);
    smoothTemporal(cur, prev, 2, 0, 0.1);
    expect(cur[0]).toBe(prev[0]);
    expect(cur[0]).toBeCloseTo(0.6, 6);
    expect(cur[1]).toBeCloseTo(0.3, 6);
    expect(prev[1]).toBeCloseTo(0.3, 6);
  });

  it('converges on a still (noisy) input: the mask stops changing', () => {
    const ref = createGuidedRefiner();
    const raws = [0, 1, 2, 3, 4, 5, 6, 7].map((k) => makeMask((u, v) => {
      const d = Math.hypot((u - 0.5) * (W / H), v - 200 / H) - 120 / H;
      const noise = (((Math.floor(u * 977) * 31 + Math.floor(v * 661) * 17 + k * 13) % 21) - 10) * 1.5; // ±15
      return Math.max(0, Math.min(255, Math.round(255 / (1 + Math.exp(d * 100)) + noise)));
    }));
    let changedLast = Infinity;
    let prev: Uint8Array | null = null;
    const changes: number[] = [];
    for (let t = 0; t < 24; t++) {
      const out = ref.refine(scene(6, 100 + t), raws[t % raws.length]!);
      if (prev) {
        let c = 0;
        for (let i = 0; i < out.data.length; i++) if ((out.data[i]! >= 128) !== (prev[i]! >= 128)) c++;
        changes.push(c);
      }
      prev = Uint8Array.from(out.data);
    }
    changedLast = changes.slice(-8).reduce((a, b) => a + b, 0);
    const identity = createRefiner('none');
    let rawFlips = 0;
    let p: Uint8Array | null = null;
    for (let t = 16; t < 24; t++) {
      const out = identity.refine(scene(6, 100 + t), raws[t % raws.length]!);
      if (p) for (let i = 0; i < out.data.length; i++) if ((out.data[i]! >= 128) !== (p[i]! >= 128)) rawFlips++;
      p = Uint8Array.from(out.data);
    }
    expect(rawFlips).toBeGreaterThan(0);
    expect(changedLast).toBeLessThanOrEqual(rawFlips / 10);
  });

  it('the first frame after reset() is refined on its own (same output as a fresh refiner)', () => {
    const a = createGuidedRefiner();
    a.refine(scene(0, 1, 80), discMask(0.12));
    a.refine(scene(0, 1, 80), discMask(0.12));
    a.reset();
    expect(a.history).toBe(0);
    const afterReset = Uint8Array.from(a.refine(scene(5, 2), discMask()).data);
    const fresh = createGuidedRefiner().refine(scene(5, 2), discMask()).data;
    expect(afterReset).toEqual(fresh);
  });

  it('a scene cut or a resolution change resets the temporal state', () => {
    const a = createGuidedRefiner();
    a.refine(scene(0), discMask());
    a.refine(scene(0), discMask());
    expect(a.history).toBe(2);
    const other = makeFrame('I420', W, H, () => [250, 250, 250]);
    a.refine(other, discMask());
    expect(a.history).toBe(1); // reset by the cut, then this frame counted
    const small = makeFrame('I420', 320, 180, () => [40, 40, 40]);
    const m = a.refine(small, discMask());
    expect(a.history).toBe(1);
    expect(m.width).toBe(320);
  });

  it('a person who moves away is not kept by the past: new confident background wins at once', () => {
    const a = createGuidedRefiner();
    for (let t = 0; t < 5; t++) a.refine(scene(0), discMask());
    // The person left; the model is confident it is background everywhere (scene still similar).
    const out = a.refine(scene(0), makeMask(() => 0));
    expect(out.data.every((v) => v === 0)).toBe(true);
  });
});

describe('lifecycle', () => {
  it('dispose is idempotent and refine after dispose throws', () => {
    const a = createGuidedRefiner();
    a.dispose();
    a.dispose();
    expect(() => a.refine(scene(), discMask())).toThrow();
  });
});
