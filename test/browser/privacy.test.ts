// Leak tests, one per vector of DESIGN.md that this release can exercise. Each feeds a scene with
// a background the test recognises pixel by pixel (a saturated checkerboard, or a page of text)
// behind a real person, and checks EVERY output frame — from the very first, through the
// pipeline's output hook — for background pattern pixels. The bar is zero leaked frames.
import { executeServerCommand } from '@web/test-runner-commands';
// These run the pipeline on the main thread (worker: false); worker-privacy.test.ts runs the
// same vectors in worker mode.
import { createPrivacyTrack, SegmentationError, type CompositorKind, type PrivacyStateDetail, type PrivacyTrack, type PrivacyTrackOptions } from '../../src/index.js';
import { debugHooks } from '../../src/internal/debug.js';
import { assert, atLeast, equal } from './assert.js';
import { fedTrack, loadPortrait, MODEL_BASE, pixels, portraitIds, sleep, type FedTrack, type Portrait } from './helpers.js';
import { Rig } from './rig.js';
import { backgroundDetail, backgroundLeak, makeScene, type Scene } from './scene.js';

/** Longest gap in capture time (ms) between consecutive output frames. */
function maxGapMs(frames: ReadonlyArray<{ ts: number }>): number {
  let gap = 0;
  for (let i = 1; i < frames.length; i++) gap = Math.max(gap, (frames[i]!.ts - frames[i - 1]!.ts) / 1000);
  return gap;
}

describe('privacy: every output frame is protected', () => {
  let a: Portrait;
  let b: Portrait;
  let rig: Rig | null = null;
  before(async () => {
    const ids = await portraitIds();
    a = await loadPortrait(ids[0]!);
    b = await loadPortrait(ids[5]!);
  });
  afterEach(async () => {
    await rig?.stop();
    rig = null;
  });

  it('L1: from the very first frame (colour and blur)', async () => {
    for (const effect of [{ type: 'color', color: '#00f' }, { type: 'blur' }] as const) {
      rig = new Rig(makeScene(a, 'checker', 960, 540));
      await rig.start({ effect });
      await sleep(1000);
      rig.assertNoLeak(`L1 ${effect.type}`);
      await rig.stop();
      rig = null;
    }
  });

  it('L2: effect and option changes in a tight loop', async () => {
    rig = new Rig(makeScene(a, 'checker', 960, 540));
    const track = await rig.start({ effect: { type: 'blur' } });
    const bg = new OffscreenCanvas(320, 180);
    const g = bg.getContext('2d')!;
    g.fillStyle = '#246';
    g.fillRect(0, 0, 320, 180);
    const image = await createImageBitmap(bg);
    const effects = [{ type: 'color', color: '#f80' }, { type: 'blur', radius: 12 }, { type: 'image', source: image }, { type: 'blur' }, { type: 'color', color: 'navy' }] as const;
    const pending: Array<Promise<void>> = [];
    for (let i = 0; i < 40; i++) {
      const p = track.privacy.setEffect(effects[i % effects.length]!);
      if (i % 3 === 0) await p; else pending.push(p); // some awaited, some racing each other
      if (i % 7 === 0) await track.privacy.setOptions({ effect: effects[(i + 2) % effects.length]! });
      await sleep(i % 4 === 0 ? 0 : 25);
    }
    await Promise.all(pending);
    await sleep(500);
    rig.assertNoLeak('L2');
    equal(track.readyState, 'live');
  });

  it('L3: resolution changes, a different person (device switch), mute and unmute', async () => {
    const small = makeScene(a, 'checker', a.width, a.height);
    const large = makeScene(a, 'checker', 1280, 720);
    const other = makeScene(b, 'checker', 960, 540);
    rig = new Rig(small);
    await rig.start({ effect: { type: 'color', color: '#00f' } });
    for (const s of [large, small, other, large, other, small]) {
      rig.show(s);
      await sleep(400);
    }
    rig.input.track.enabled = false; // muted camera: black frames
    await sleep(500);
    rig.input.track.enabled = true;
    await sleep(500);
    rig.assertNoLeak('L3');
    const sizes = new Set(rig.observed.map((o) => `${o.scene.width}x${o.scene.height}`));
    equal(sizes.size, 3, `all three resolutions reached the output (${[...sizes].join(', ')})`);
  });

  it('L4: a model that throws, then recovers by itself', async () => {
    rig = new Rig(makeScene(a, 'checker', 960, 540));
    const track = await rig.start({ effect: { type: 'color', color: '#00f' } });
    const states: PrivacyStateDetail[] = [];
    const errors: unknown[] = [];
    track.privacy.addEventListener('state', (e) => states.push(e.detail));
    track.privacy.addEventListener('error', (e) => errors.push(e.detail));
    await sleep(300);
    const from = rig.observed.length;
    debugHooks.beforeSegment = () => {
      throw new Error('injected model failure');
    };
    await sleep(1000);
    debugHooks.beforeSegment = null;
    await sleep(1000);
    rig.assertNoLeak('L4 throw');
    const during = rig.since(from);
    // Flowing, not frozen: a count and the longest gap in capture time between output frames
    // (rates are not asserted; a loaded machine drops frames but does not stop).
    atLeast(during.length, 5, 'frames kept flowing (veiled) while the model failed');
    assert(maxGapMs(during) < 1000, `no freeze while the model failed (longest gap ${maxGapMs(during).toFixed(0)} ms)`);
    assert(states.some((s) => s.protection === 'veiled'), 'protection went to veiled');
    equal(track.privacy.protection, 'protected', 'recovered to protected');
    assert(errors.some((e) => e instanceof SegmentationError), 'a SegmentationError event was raised');
    assert(errors.length <= 4, `errors are rate-limited while the fault lasts (${errors.length})`);
  });

  it('L4: a model that stalls for 2 s: frames keep flowing veiled, then protected again', async () => {
    rig = new Rig(makeScene(a, 'checker', 960, 540));
    const track = await rig.start({ effect: { type: 'color', color: '#00f' } });
    await sleep(300);
    const from = rig.observed.length;
    let stalled = false;
    debugHooks.beforeSegment = () => {
      if (stalled) return;
      stalled = true;
      return sleep(2000);
    };
    await sleep(2600);
    rig.assertNoLeak('L4 stall');
    const during = rig.since(from);
    atLeast(during.length, 5, `output kept moving during the stall (${during.length} frames in 2.6 s)`);
    // A frozen output would skip the 2 s stall in one gap; veiled frames keep the gaps short.
    assert(maxGapMs(during) < 1200, `no freeze during the 2 s stall (longest gap ${maxGapMs(during).toFixed(0)} ms)`);
    equal(track.privacy.protection, 'protected', 'recovered to protected');
  });

  it('L4: WebGL context lost and restored (webgl compositor): frames withheld, never raw', async () => {
    const compositor: CompositorKind = 'webgl';
    rig = new Rig(makeScene(a, 'checker', 960, 540));
    rig.intervalMs = 60;
    const track = await rig.start({ effect: { type: 'color', color: '#00f' }, compositor });
    await sleep(500);
    const canvas = [...debugHooks.webglCanvases][0];
    assert(canvas, 'the webgl compositor registered its canvas');
    const lose = (canvas.getContext('webgl2') as WebGL2RenderingContext).getExtension('WEBGL_lose_context');
    assert(lose, 'WEBGL_lose_context available');
    const states: PrivacyStateDetail[] = [];
    track.privacy.addEventListener('state', (e) => states.push(e.detail));
    lose.loseContext();
    await sleep(800);
    lose.restoreContext();
    await sleep(1500);
    rig.assertNoLeak('L4 context loss');
    assert(states.some((s) => s.protection === 'withheld'), 'frames were withheld while the context was lost');
    equal(track.privacy.protection, 'protected', 'protected again after restore');
  });

  it('L5: a person moving every frame is cleared by that frame\'s own mask', async () => {
    const sa = makeScene(a, 'checker', 960, 540);
    const sb = makeScene(b, 'checker', 960, 540);
    rig = new Rig(sa);
    await rig.start({ effect: { type: 'color', color: '#00f' } });
    for (let i = 0; i < 40; i++) {
      rig.show(i % 2 ? sa : sb); // the person "jumps" between two places every frame
      await sleep(33);
    }
    rig.assertNoLeak('L5');
    atLeast(new Set(rig.observed.map((o) => o.scene)).size, 2, 'both scenes reached the output');
  });

  it('L7: blur does not carry the person into the background next to them', async () => {
    // Same scene, same mask (the model is deterministic on identical frames): the colour output
    // gives each pixel's person alpha; the blur output then reveals the background estimate the
    // compositor used there. The background is flat grey, so its blur is itself: anything else
    // in the estimate is person colour smeared into it — the halo.
    const scene = makeScene(a, 'flat', 960, 540, 2);
    const C = [0, 0, 255];
    rig = new Rig(scene);
    const track = await rig.start({ effect: { type: 'color', color: 'rgb(0,0,255)' } });
    const grab = async (): Promise<Uint8ClampedArray> => {
      let out: Uint8ClampedArray | null = null;
      await sleep(300);
      debugHooks.onOutput = (f) => {
        out ??= pixels(f, scene.width, scene.height);
      };
      await sleep(400);
      assert(out, 'no output');
      return out;
    };
    const colour = await grab();
    await track.privacy.setEffect({ type: 'blur' });
    const blur = await grab();
    const src = pixels(scene.image, scene.width, scene.height);
    const ring = (from: number, to: number): Uint8Array => {
      const inner = makeScene(a, 'flat', 960, 540, from).measured;
      const outer = makeScene(a, 'flat', 960, 540, to).measured;
      return inner.map((v, i) => (v && !outer[i] ? 1 : 0));
    };
    const far = makeScene(a, 'flat', 960, 540, 60).measured; // ≥ 60 px: the reference
    const mean = [0, 0, 0];
    let nf = 0;
    for (let i = 0; i < far.length; i++) {
      if (!far[i]) continue;
      for (let c = 0; c < 3; c++) mean[c]! += blur[i * 4 + c]!;
      nf++;
    }
    for (let c = 0; c < 3; c++) mean[c]! /= nf;
    /** Mean deviation of the recovered background estimate from the far background, over `band`. */
    const deviation = (band: Uint8Array): { dev: number; n: number } => {
      let dev = 0;
      let n = 0;
      for (let i = 0; i < band.length; i++) {
        if (!band[i]) continue;
        const o = i * 4;
        let num = 0;
        let den = 0;
        for (let c = 0; c < 3; c++) {
          num += (colour[o + c]! - C[c]!) * (src[o + c]! - C[c]!);
          den += (src[o + c]! - C[c]!) ** 2;
        }
        const alpha = Math.min(1, Math.max(0, den ? num / den : 0));
        if (alpha > 0.5) continue;
        for (let c = 0; c < 3; c++) dev += Math.abs((blur[o + c]! - alpha * src[o + c]!) / (1 - alpha) - mean[c]!);
        n++;
      }
      return { dev: n ? dev / n : 0, n };
    };
    const bands = [[4, 8], [8, 12], [12, 16], [16, 24], [24, 40]].map(([f, t]) => ({ f, t, ...deviation(ring(f!, t!)) }));
    console.log(`[privacy] L7: background estimate vs far background by distance from the person: ${bands.map((b) => `${b.f}–${b.t} px ${b.dev.toFixed(1)} (${b.n})`).join(', ')}`);
    const { dev: halo, n } = deviation(ring(4, 12));
    atLeast(n, 1000, 'pixels measured');
    // Without the person weighted out of the blur this reads ~16 (23 at 4–8 px); with it, < 1.
    assert(halo < 4, `halo: the blurred background 4–12 px from the person deviates by ${halo.toFixed(1)}`);
  });

  for (const transport of ['insertable-streams', 'canvas'] as const) {
    it(`L10: a hidden tab (${transport}): output stays protected`, async () => {
      rig = new Rig(makeScene(a, 'checker', 960, 540));
      rig.timestamps = transport !== 'canvas';
      const track = await rig.start({ effect: { type: 'color', color: '#00f' }, transport });
      await sleep(300);
      // Frames in 3 s while visible, the yardstick for the hidden period (a rate check, not a
      // speed check: throttled timers would cut the hidden rate to ~1 frame per second; a quarter of
      // the visible rate separates the two even on a loaded machine).
      const visibleFrom = rig.observed.length;
      await sleep(3000);
      const visible = rig.observed.length - visibleFrom;
      const before = rig.observed.length;
      await executeServerCommand('page-visibility', { hidden: true });
      try {
        equal(document.visibilityState, 'hidden', 'the page is hidden');
        await sleep(3000);
      } finally {
        await executeServerCommand('page-visibility', { hidden: false });
      }
      const hidden = rig.observed.length - before;
      await sleep(500);
      rig.assertNoLeak(`L10 ${transport}`);
      console.log(`[privacy] L10 ${transport}: ${hidden} frames output in 3 s hidden, ${visible} in 3 s visible`);
      if (transport === 'insertable-streams') {
        atLeast(visible, 6, 'frames flow while visible');
        atLeast(hidden, Math.max(4, Math.floor(visible / 4)), 'frames keep flowing at the visible rate while hidden (no timers on the frame path)');
      }
      equal(track.privacy.state, 'running');
      atLeast(rig.observed.length - before - hidden, 1, 'frames flow again once visible');
    });
  }

  for (const [w, h] of [[1280, 720], [1920, 1080]] as const) {
    it(`L8: the default blur makes text behind the user unreadable at ${h}p`, async () => {
      const scene = makeScene(a, 'text', w, h);
      const detailIn = backgroundDetail(pixels(scene.image, w, h), scene);
      const measure = async (effect: PrivacyTrackOptions['effect']): Promise<number> => {
        rig = new Rig(scene);
        rig.intervalMs = 100;
        await rig.start({ effect });
        let out: Uint8ClampedArray | null = null;
        debugHooks.onOutput = (f) => {
          out ??= pixels(f, w, h);
        };
        await sleep(800);
        await rig.stop();
        rig = null;
        assert(out, 'no output');
        return backgroundDetail(out, scene) / detailIn;
      };
      const def = await measure({ type: 'blur' });
      const weakest = await measure({ type: 'blur', radius: 4 });
      console.log(`[privacy] L8 ${h}p: glyph-band energy of the background kept: default blur ${(def * 100).toFixed(2)} %, radius 4 ${(weakest * 100).toFixed(2)} %`);
      assert(def < 0.02, `default blur keeps ${(def * 100).toFixed(2)} % of the text's glyph-band energy`);
      assert(weakest > 2 * def, 'the metric tells blur strengths apart');
    });
  }
});
