// people: 'primary' (L9, bystanders kept as foreground), segmenter level: composites of a large
// main person with a smaller bystander beside or behind them, over many portrait pairs, with the
// real models on wasm. Every composite is segmented on FRAMES consecutive frames (the detector
// looks at the whole frame first, then at the left and right squares in turn; tracking between)
// and its worst frame counts. The targets of issue #4 (bystander <= 5 %, main person >= 90 % on
// every composite) are not met yet, so `people: 'primary'` stays rejected by normalizeOptions:
// the first test checks exactly that consistency (and fails the day the targets are met, so the
// option gets enabled), besides printing the full distribution.
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backends/index.js';
import type { FramePixels } from '../../src/frame/pixels.js';
import { loadPoseModels } from '../../src/segmenter/blazepose/models.js';
import type { BlazePoseVariant } from '../../src/segmenter/blazepose/constants.js';
import { createPrimarySegmenter, type PrimarySegmenter } from '../../src/segmenter/primary.js';
import { createSelfieSegmenter } from '../../src/segmenter/selfie.js';
import { normalizeOptions } from '../../src/options.js';
import { InvalidOptionsError } from '../../src/errors.js';
import { assert, atLeast, equal } from './assert.js';
import { makeComposite, scoreMask, type Composite, type Placement } from './composite.js';
import { fetchBitmap, framePixels, loadPortrait, MODEL_BASE, portraitIds, type Portrait } from './helpers.js';

const BASE = new URL(MODEL_BASE, location.href);
/** BlazePose model that tracks people (`?variant=full|heavy` on the test page; default lite). */
const requested = new URLSearchParams(location.search).get('variant');
const VARIANT: BlazePoseVariant = requested === 'full' || requested === 'heavy' ? requested : 'lite';
/** Main people (the first ids); each gets one bystander beside and one behind. */
const PRIMARIES = 24;
/** Targets of the issue. */
const MAX_SURVIVAL = 0.05;
const MIN_RETENTION = 0.9;
const FRAMES = 6;

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const quantile = (a: number[], q: number): number => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(q * a.length))] ?? NaN;

interface Row { name: string; survival: number; retention: number; selfieSurvival: number; count: number; hidden: number; frames: string }

async function scoreComposite(seg: PrimarySegmenter, selfieOnly: { segment(f: FramePixels): Promise<{ data: Uint8Array; width: number; height: number }> }, c: Composite): Promise<Row> {
  const frame = framePixels(c.image, c.width, c.height);
  seg.reset();
  let survival = 0, retention = 1, count = 0;
  const frames: string[] = [];
  for (let i = 0; i < FRAMES; i++) {
    const s = scoreMask(await seg.segment(frame), c);
    survival = Math.max(survival, s.survival);
    retention = Math.min(retention, s.retention);
    count = Math.max(count, seg.people.count);
    frames.push(`${(s.survival * 100).toFixed(0)}/${(s.retention * 100).toFixed(0)}`);
  }
  const base = scoreMask(await selfieOnly.segment(frame), c);
  return { name: c.name, survival, retention, selfieSurvival: base.survival, count, hidden: c.hidden, frames: frames.join(' ') };
}

describe(`people: 'primary' segmenter (selfie + BlazePose ${VARIANT}, wasm)`, () => {
  let portraits: Portrait[] = [];
  before(async () => {
    await initBackend('wasm', new URL('wasm/', BASE));
    const ids = await portraitIds();
    portraits = await Promise.all(ids.map(loadPortrait));
  });
  after(() => {
    for (const p of portraits) p.image.close();
  });

  it(`composites: every bystander <= ${pct(MAX_SURVIVAL)} survives, every main person >= ${pct(MIN_RETENTION)} kept; tensors back to baseline`, async function () {
    this.timeout(900_000); // ~70 portraits x 6 frames of 3 models on a shared 2-core machine
    const baseline = tf.memory().numTensors;
    const selfieOnly = await createSelfieSegmenter({ backend: 'wasm', modelBaseUrl: BASE });
    const seg = createPrimarySegmenter(
      await createSelfieSegmenter({ backend: 'wasm', modelBaseUrl: BASE }), await loadPoseModels({ variant: VARIANT, modelBaseUrl: BASE }),
    );
    const rows: Row[] = [];
    const n = portraits.length;
    // Main people: portraits of exactly one person (several dev portraits show groups: their
    // ground truth covers everyone, so they cannot be the main person of a composite).
    const single: Portrait[] = [];
    const groups: string[] = [];
    for (const p of portraits) {
      if (single.length >= PRIMARIES) break;
      seg.reset();
      const f = framePixels(p.image, p.width, p.height);
      for (let i = 0; i < FRAMES; i++) await seg.segment(f);
      if (seg.lastPeople?.people.length === 1) single.push(p);
      else groups.push(`${p.id}:${seg.lastPeople?.people.length ?? 0}`);
    }
    console.log(`[people] main-person candidates: ${single.length} single-person portraits; skipped (people found) ${groups.join(' ')}`);
    for (let i = 0; i < single.length; i++) {
      const main = single[i]!;
      let other = portraits[(i * 7 + 29) % n]!;
      if (other === main) other = portraits[(i * 7 + 30) % n]!;
      const placements: Placement[] = ['beside', 'behind'];
      for (const placement of placements) {
        const c = makeComposite(main, other, placement, 0.6);
        if (c.bystanderShare < 0.02) continue; // bystander (nearly) hidden: nothing to measure
        rows.push(await scoreComposite(seg, selfieOnly, c));
      }
    }
    seg.dispose();
    seg.dispose(); // idempotent
    selfieOnly.dispose();
    for (const r of rows) {
      console.log(`[people] ${VARIANT} ${r.name}: bystander survives ${pct(r.survival)} (selfie alone ${pct(r.selfieSurvival)}, ${pct(r.hidden)} hidden), main kept ${pct(r.retention)}, people ${r.count}; per frame ${r.frames}`);
    }
    const surv = rows.map((r) => r.survival);
    const ret = rows.map((r) => r.retention);
    const bad = rows.filter((r) => r.survival > MAX_SURVIVAL || r.retention < MIN_RETENTION);
    console.log(`[people] ${VARIANT}: ${rows.length} composites; bystander survival median ${pct(quantile(surv, 0.5))} p90 ${pct(quantile(surv, 0.9))} max ${pct(Math.max(...surv))}; ` +
      `main retention median ${pct(quantile(ret, 0.5))} p10 ${pct(quantile(ret, 0.1))} min ${pct(Math.min(...ret))}; misses ${bad.length}: ${bad.map((r) => r.name).join(' ')}`);
    atLeast(rows.length, 30, 'composites scored');
    // The selfie model alone keeps the bystanders: the composites do test something.
    atLeast(quantile(rows.map((r) => r.selfieSurvival), 0.5), 0.5, 'selfie-alone bystander survival (median)');
    equal(tf.memory().numTensors, baseline, 'tensors back to baseline after dispose');
    // The option is offered exactly when every composite meets the targets.
    let rejected: unknown = null;
    try {
      normalizeOptions({ people: 'primary' });
    } catch (e) {
      rejected = e;
    }
    if (bad.length > 0) {
      assert(rejected instanceof InvalidOptionsError, `${bad.length} composites miss the L9 targets, yet people: 'primary' is accepted`);
    } else {
      assert(rejected === null, 'every composite meets the L9 targets: enable people: \'primary\' in src/options.ts');
    }
  });

  it('three_people.jpg: one main person, the others removed', async () => {
    const img = await fetchBitmap('/media/stills/three_people.jpg');
    const w = img.width & ~1, h = img.height & ~1;
    const seg = createPrimarySegmenter(
      await createSelfieSegmenter({ backend: 'wasm', modelBaseUrl: BASE }), await loadPoseModels({ variant: VARIANT, modelBaseUrl: BASE }),
    );
    const frame = framePixels(img, w, h);
    let mask = await seg.segment(frame);
    for (let i = 1; i < FRAMES; i++) mask = await seg.segment(frame);
    const people = seg.lastPeople;
    assert(people?.primary, 'a main person');
    // Share of each person's landmark box that the mask keeps (mask >= 0.5).
    const kept = people.people.map((p) => {
      const xs = p.result.points.map((q) => q.x), ys = p.result.points.map((q) => q.y);
      const bx0 = Math.max(0, Math.min(...xs)), bx1 = Math.min(w, Math.max(...xs)), by0 = Math.max(0, Math.min(...ys)), by1 = Math.min(h, Math.max(...ys));
      let on = 0, all = 0;
      for (let y = 0; y < mask.height; y++) for (let x = 0; x < mask.width; x++) {
        const fx = ((x + 0.5) * w) / mask.width, fy = ((y + 0.5) * h) / mask.height;
        if (fx < bx0 || fx > bx1 || fy < by0 || fy > by1) continue;
        all++;
        if (mask.data[y * mask.width + x]! >= 128) on++;
      }
      return { id: p.id, nose: p.result.points[0]!, primary: p === people.primary, kept: all ? on / all : 0 };
    });
    seg.dispose();
    img.close();
    console.log(`[people] ${VARIANT} three_people.jpg (${w}x${h}): count ${people.count}; ` +
      kept.map((k) => `${k.primary ? 'MAIN ' : ''}nose (${k.nose.x.toFixed(0)},${k.nose.y.toFixed(0)}) box kept ${pct(k.kept)}`).join('; '));
    atLeast(people.count, 1, 'people seen');
    assert(kept.some((k) => k.primary), 'the main person is one of the people tracked');
  });

  it('nobody in the frame: the mask is all background (fail closed), nobody is reported', async () => {
    const seg = createPrimarySegmenter(
      await createSelfieSegmenter({ backend: 'wasm', modelBaseUrl: BASE }), await loadPoseModels({ variant: VARIANT, modelBaseUrl: BASE }),
    );
    const canvas = new OffscreenCanvas(640, 360);
    const ctx = canvas.getContext('2d')!;
    ctx.fillStyle = '#6a7';
    ctx.fillRect(0, 0, 640, 360);
    let mask = await seg.segment(framePixels(canvas, 640, 360));
    mask = await seg.segment(framePixels(canvas, 640, 360));
    const people = seg.people;
    seg.dispose();
    equal(people.count, 0, 'people seen');
    equal(people.primary, null, 'main person');
    assert(mask.data.length > 0 && mask.data.every((v) => v === 0), 'mask is all background');
  });

  it('cost per 720p frame on wasm: selfie + BlazePose lite / full with tracking (printed; tensors back to baseline)', async function () {
    this.timeout(300_000);
    const main = portraits[0]!;
    const c = makeComposite(main, portraits[29]!, 'beside', 0.6);
    const hd = framePixels(c.image, 1280, 720);
    const baseline = tf.memory().numTensors;
    const med = (a: number[]): number => quantile(a, 0.5);
    const variants: BlazePoseVariant[] = ['lite', 'full'];
    for (const variant of variants) {
      const models = await loadPoseModels({ variant, modelBaseUrl: BASE });
      const seg = createPrimarySegmenter(await createSelfieSegmenter({ backend: 'wasm', modelBaseUrl: BASE }), models);
      await seg.segment(hd);
      const total: number[] = [], det: number[] = [], lm: number[] = [], runs: number[] = [];
      let kept = 0;
      for (let i = 0; i < 12; i++) {
        models.resetTimings();
        const t = performance.now();
        const m = await seg.segment(hd);
        total.push(performance.now() - t);
        det.push(models.timings.detectorMs);
        lm.push(models.timings.landmarkMs);
        runs.push(models.timings.landmarkRuns);
        kept = Math.max(kept, m.data.reduce((a, v) => a + (v >= 128 ? 1 : 0), 0));
      }
      seg.dispose();
      console.log(`[people] ${variant} 1280x720 ms/frame median: total ${med(total).toFixed(1)} (detector ${med(det).toFixed(1)}, landmark ${med(lm).toFixed(1)} for ${med(runs)} people; the selfie model runs alongside) — people ${seg.people.count}`);
      atLeast(kept, 1, `${variant}: the main person is kept on some frame`);
    }
    equal(tf.memory().numTensors, baseline, 'tensors back to baseline after dispose');
  });
});
