// The leak vectors in worker mode (src/worker/): the same rig as privacy.test.ts checks EVERY
// output frame (copies sent back by the compositing worker, from the very first) for background
// pattern pixels. Faults are injected inside the workers through their test handle. The bar is
// zero leaked frames, and a crashed or killed worker must end the track, never show the room.
import { MAX_MASK_AGE_MS, SegmentationError, WorkerError, type PrivacyStateDetail, type PrivacyTrackError } from '../../src/index.js';
import { debugCounters, debugHooks, type WorkerDebugHandle } from '../../src/internal/debug.js';
import { assert, atLeast, atMost, equal } from './assert.js';
import { loadPortrait, portraitIds, sleep, type Portrait } from './helpers.js';
import { WORKER_WATCHDOG_MS } from '../../src/worker/host.js';
import { Rig } from './rig.js';
import { makeScene } from './scene.js';

function handle(): WorkerDebugHandle {
  const h = [...debugHooks.workers][0];
  assert(h, 'a live worker handle');
  return h;
}

describe('privacy in worker mode: every output frame is protected', () => {
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
    debugHooks.workerLayout = null;
    equal(debugCounters.liveWorkers, 0, 'every worker terminated after stop');
  });

  const workerRig = (portrait: Portrait): Rig => {
    const r = new Rig(makeScene(portrait, 'checker', 960, 540));
    r.worker = true;
    r.cpuFrames = true;
    return r;
  };

  for (const layout of ['split', 'single'] as const) {
    it(`L1 (${layout}): from the very first frame (colour and blur)`, async () => {
      for (const effect of [{ type: 'color', color: '#00f' }, { type: 'blur' }] as const) {
        debugHooks.workerLayout = layout;
        rig = workerRig(a);
        const track = await rig.start({ effect });
        equal(track.privacy.stats.worker, true, 'runs in a worker');
        equal(handle().roles.length, layout === 'split' ? 2 : 1, `${layout}: number of workers`);
        await sleep(1000);
        rig.assertNoLeak(`worker ${layout} L1 ${effect.type}`);
        await rig.stop();
        rig = null;
      }
    });
  }

  it('L2: effect and option changes in a tight loop', async () => {
    rig = workerRig(a);
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
      if (i % 3 === 0) await p; else pending.push(p);
      if (i % 7 === 0) await track.privacy.setOptions({ effect: effects[(i + 2) % effects.length]! });
      await sleep(i % 4 === 0 ? 0 : 25);
    }
    await Promise.all(pending);
    await sleep(500);
    rig.assertNoLeak('worker L2');
    equal(track.readyState, 'live');
    equal(JSON.stringify(track.privacy.effect), JSON.stringify(effects[39 % effects.length]), 'the last call won');
  });

  it('L4: a model that throws inside the worker, then recovers by itself', async () => {
    rig = workerRig(a);
    const track = await rig.start({ effect: { type: 'color', color: '#00f' } });
    const states: PrivacyStateDetail[] = [];
    const errors: PrivacyTrackError[] = [];
    track.privacy.addEventListener('state', (e) => states.push(e.detail));
    track.privacy.addEventListener('error', (e) => errors.push(e.detail));
    await sleep(300);
    const from = rig.observed.length;
    handle().fault({ kind: 'throw' });
    await sleep(1000);
    handle().fault({ kind: 'clear' });
    await sleep(1000);
    rig.assertNoLeak('worker L4 throw');
    atLeast(rig.since(from).length, 10, 'frames kept flowing (veiled) while the model failed');
    assert(states.some((s) => s.protection === 'veiled'), 'protection went to veiled');
    equal(track.privacy.protection, 'protected', 'recovered to protected');
    assert(errors.some((e) => e instanceof SegmentationError), 'a SegmentationError event crossed from the worker');
    assert(errors.length <= 4, `errors are rate-limited while the fault lasts (${errors.length})`);
  });

  it('L4: a model that stalls for 2 s inside the worker: frames keep flowing veiled, then protected again', async () => {
    rig = workerRig(a);
    const track = await rig.start({ effect: { type: 'color', color: '#00f' } });
    await sleep(300);
    const from = rig.observed.length;
    handle().fault({ kind: 'stall', ms: 2000, once: true });
    await sleep(2600);
    rig.assertNoLeak('worker L4 stall');
    atLeast(rig.since(from).length, 20, `output kept moving during the stall (${rig.since(from).length} frames in 2.6 s)`);
    equal(track.privacy.protection, 'protected', 'recovered to protected');
  });

  for (const fault of ['crash', 'kill composite', 'kill segment'] as const) {
    it(`L4: worker ${fault}: the track ends with a WorkerError, no raw frame after it`, async function () {
      this.timeout(60_000);
      rig = workerRig(a);
      const track = await rig.start({ effect: { type: 'color', color: '#00f' } });
      const errors: PrivacyTrackError[] = [];
      let ended = false;
      track.privacy.addEventListener('error', (e) => errors.push(e.detail));
      track.addEventListener('ended', () => (ended = true));
      await sleep(500);
      const h = handle();
      if (fault === 'crash') h.fault({ kind: 'crash' });
      else h.kill(fault === 'kill composite' ? 'composite' : 'segment');
      // A crash is an event; a kill is silence, noticed by the watchdog.
      const deadline = performance.now() + WORKER_WATCHDOG_MS + 3000;
      while (!ended && performance.now() < deadline) await sleep(100);
      assert(ended, `the output track ended after the worker ${fault}`);
      equal(track.readyState, 'ended');
      equal(track.privacy.state, 'stopped');
      assert(errors.some((e) => e instanceof WorkerError && e.code === 'worker'), `a WorkerError was raised (${errors.map((e) => e.name).join(', ')})`);
      equal(debugCounters.liveWorkers, 0, 'the other worker was terminated too');
      const n = rig.observed.length;
      await sleep(500);
      equal(rig.observed.length, n, 'no output frame after the track ended');
      rig.assertNoLeak(`worker L4 ${fault}`);
    });
  }

  it('adaptive quality: a slow model steps down to reusing (eroded, young) masks on a still scene; no leak', async function () {
    this.timeout(90_000);
    rig = workerRig(a);
    // The largest allowed mask age: a slowed worker reads camera frames ~66–100 ms apart, and a
    // mask older than maxMaskAgeMs is never reused (with the default 40 ms, reuse needs the very
    // next camera frame, which a loaded machine rarely delivers).
    const track = await rig.start({ effect: { type: 'color', color: '#00f' }, maxMaskAgeMs: MAX_MASK_AGE_MS });
    equal(track.privacy.stats.qualityLevel, 0, 'starts at full quality');
    const from = rig.observed.length;
    // Segmentation that takes ~45 ms: more than the camera's 33 ms interval allows.
    handle().fault({ kind: 'stall', ms: 45, once: false });
    const deadline = performance.now() + 15_000;
    while (performance.now() < deadline && !(track.privacy.stats.qualityLevel === 1 && track.privacy.stats.reusedMasks > 0)) await sleep(250);
    const slow = track.privacy.stats;
    console.log(`[adaptive] slow model: level ${slow.qualityLevel}, reused ${slow.reusedMasks}, fps ${slow.fps}, segmentation ${slow.segmentationMs} ms`);
    equal(slow.qualityLevel, 1, 'stepped down (stats.qualityLevel)');
    atLeast(slow.reusedMasks, 1, 'masks were reused');
    handle().fault({ kind: 'clear' });
    // Stepping back up needs a segmented frame to fit in 70 % of the frame interval, which a
    // loaded 2-core machine may not give: logged, and unit-tested (test/unit/mask-reuse.test.ts).
    const back = performance.now() + 10_000;
    while (performance.now() < back && track.privacy.stats.qualityLevel !== 0) await sleep(250);
    console.log(`[adaptive] after the slow model: level ${track.privacy.stats.qualityLevel}, segmentation ${track.privacy.stats.segmentationMs} ms`);
    rig.assertNoLeak('worker adaptive (still scene)', rig.since(from));
  });

  it('adaptive quality never reuses a mask across motion: L5 with a slow model', async function () {
    this.timeout(90_000);
    const sa = makeScene(a, 'checker', 960, 540);
    const sb = makeScene(b, 'checker', 960, 540);
    rig = new Rig(sa);
    rig.worker = true;
    rig.cpuFrames = true;
    const track = await rig.start({ effect: { type: 'color', color: '#00f' }, maxMaskAgeMs: MAX_MASK_AGE_MS });
    handle().fault({ kind: 'stall', ms: 45, once: false });
    const deadline = performance.now() + 15_000;
    while (performance.now() < deadline && track.privacy.stats.qualityLevel !== 1) await sleep(250);
    equal(track.privacy.stats.qualityLevel, 1, 'stepped down');
    const from = rig.observed.length;
    const reusedBefore = track.privacy.stats.reusedMasks;
    for (let i = 0; i < 60; i++) {
      rig.show(i % 2 ? sa : sb); // the person jumps every frame
      await sleep(33);
    }
    await sleep(1100); // one more stats period
    rig.assertNoLeak('worker adaptive L5', rig.since(from));
    console.log(`[adaptive] jumping person: reused ${track.privacy.stats.reusedMasks - reusedBefore} masks during the jumps`);
  });

  it('adaptive model: heavy that cannot keep up steps down to full, once, with no frame leaking on the way; adaptiveModel: false keeps heavy', async function () {
    this.timeout(180_000);
    // Portrait b: BlazePose heavy itself leaks 0.0 % on every frame of this scene (measured
    // without a stall; on portrait a its own errors reach 1–5 % per frame), so any leak here
    // would be the switch's. The models' quality is measured elsewhere (test/browser/quality, eval).
    for (const adaptiveModel of [true, false]) {
      rig = workerRig(b);
      const track = await rig.start({ model: 'heavy', effect: { type: 'color', color: '#00f' }, adaptiveModel });
      equal(track.privacy.stats.model, 'heavy', 'starts on the model asked for');
      const from = rig.observed.length;
      // No injected stall: heavy's own time decides. On wasm on this 2-core machine it takes
      // 130–190 ms per call (> 2 camera intervals of the fed track). The time is taken around the
      // synchronous model call too (a stall, being async, once hid a clock started too late).
      let heavyMs = 0;
      const deadline = performance.now() + (adaptiveModel ? 60_000 : 12_000);
      while (performance.now() < deadline && track.privacy.stats.model === 'heavy') {
        await sleep(250);
        if (track.privacy.stats.model === 'heavy' && track.privacy.stats.segmentationMs > 0) heavyMs = track.privacy.stats.segmentationMs;
      }
      const s = track.privacy.stats;
      console.log(`[adaptive model] adaptiveModel ${adaptiveModel}: model ${s.model}, level ${s.qualityLevel}, heavy ${heavyMs} ms per frame, now ${s.segmentationMs} ms, fps ${s.fps}`);
      if (adaptiveModel && s.model === 'heavy') {
        // Not stepped: only right if heavy kept within two camera intervals (a fast machine).
        atMost(heavyMs, 2 * 1000 / 30, `heavy at ${heavyMs} ms per frame should have stepped down`);
      } else if (adaptiveModel) {
        equal(s.model, 'full', 'stepped down to full (stats.model)');
        atLeast(s.qualityLevel, 1, 'the model step counts in stats.qualityLevel');
        const masked = rig.observed.length;
        await sleep(3000); // frames segmented by full
        atLeast(rig.observed.length - masked, 10, 'frames keep coming after the switch');
        equal(track.privacy.stats.model, 'full', 'never steps further (full → lite would leak more)');
      } else {
        equal(s.model, 'heavy', 'adaptiveModel: false keeps the model asked for');
      }
      rig.assertNoLeak(`worker adaptive model (${adaptiveModel})`, rig.since(from));
      await rig.stop();
      rig = null;
    }
  });

  it('L5: a person moving every frame is cleared by that frame\'s own mask (split: segmentation ∥ compositing)', async () => {
    const sa = makeScene(a, 'checker', 960, 540);
    const sb = makeScene(b, 'checker', 960, 540);
    rig = new Rig(sa);
    rig.worker = true;
    rig.cpuFrames = true;
    await rig.start({ effect: { type: 'color', color: '#00f' } });
    equal(handle().roles.length, 2, 'split layout');
    for (let i = 0; i < 40; i++) {
      rig.show(i % 2 ? sa : sb); // the person "jumps" between two places every frame
      await sleep(33);
    }
    rig.assertNoLeak('worker L5');
    atLeast(new Set(rig.observed.map((o) => o.scene)).size, 2, 'both scenes reached the output');
  });
});
