// model: 'selfie-landscape' — the legacy MediaPipe selfie solution (landscape model) through
// body-segmentation's 'mediapipe' runtime, files from modelBaseUrl only. Correctness, not speed:
// its graph runs on WebGL, which is SwiftShader (software) here.
import { debugCounters, debugHooks } from '../../src/internal/debug.js';
import { createLandscapeSegmenter, LANDSCAPE_INPUT_SIZE, landscapeFileUrl } from '../../src/segmenter/landscape.js';
import { assert, atLeast, equal, rejects } from './assert.js';
import { fedTrack, frameReader, framePixels, loadPortrait, maskIoU, MODEL_BASE, pixels, portraitIds, scoreColourOutput, startFeeding, type Portrait } from './helpers.js';

const BASE = new URL(MODEL_BASE, location.href);
const PORTRAITS = 6;

describe('selfie-landscape segmenter (legacy MediaPipe solution, landscape model)', () => {
  let portraits: Portrait[] = [];
  before(async () => {
    const ids = await portraitIds();
    portraits = await Promise.all(ids.slice(0, PORTRAITS).map(loadPortrait));
  });
  after(() => {
    for (const p of portraits) p.image.close();
  });

  it('segments portraits (mIoU >= 0.85), loads only from modelBaseUrl/mediapipe/, dispose is idempotent', async () => {
    performance.setResourceTimingBufferSize(100_000); // the dev server serves hundreds of modules
    performance.clearResourceTimings();
    const seg = await createLandscapeSegmenter({ modelBaseUrl: BASE });
    equal(seg.model, 'selfie-landscape', 'model');
    const ious: number[] = [];
    for (const p of portraits) {
      const mask = await seg.segment(framePixels(p.image, p.width, p.height));
      equal(mask.width, LANDSCAPE_INPUT_SIZE.width, 'mask width');
      equal(mask.height, LANDSCAPE_INPUT_SIZE.height, 'mask height');
      ious.push(maskIoU(mask, p));
    }
    // An empty scene: almost nothing is person.
    const empty = new OffscreenCanvas(640, 360);
    const ctx = empty.getContext('2d')!;
    ctx.fillStyle = '#6a7';
    ctx.fillRect(0, 0, 640, 360);
    const none = await seg.segment(framePixels(empty, 640, 360));
    const personShare = none.data.reduce((n, v) => n + (v >= 128 ? 1 : 0), 0) / none.data.length;
    seg.dispose();
    seg.dispose(); // idempotent
    const err = await rejects(() => seg.segment(framePixels(empty, 640, 360)), 'segment after dispose must reject');
    equal((err as { code?: string }).code, 'segmentation', 'error code after dispose');

    const mIoU = ious.reduce((a, b) => a + b, 0) / ious.length;
    console.log(`[landscape] mIoU ${mIoU.toFixed(4)} over ${ious.length} portraits (${ious.map((x) => x.toFixed(3)).join(' ')}); empty scene person share ${personShare.toFixed(4)}`);
    atLeast(mIoU, 0.85, `mIoU ${mIoU.toFixed(4)}`);
    assert(personShare < 0.01, `empty scene shows ${(personShare * 100).toFixed(2)} % person`);

    const urls = performance.getEntriesByType('resource').map((e) => e.name);
    const mediapipe = urls.filter((u) => u.includes('/mediapipe/'));
    atLeast(mediapipe.length, 3, `MediaPipe files loaded: ${mediapipe.join(', ')}`);
    for (const u of mediapipe) assert(u.startsWith(new URL('mediapipe/', BASE).href), `${u} is not under modelBaseUrl`);
    const foreign = urls.filter((u) => new URL(u).origin !== location.origin);
    equal(foreign.length, 0, `requests to other origins: ${foreign.join(', ')}`);
  });

  it('body-segmentation\'s wrapper: same masks as the solution driven directly; per-call cost of both logged', async function () {
    this.timeout(180_000);
    const { SelfieSegmentation } = await import('@mediapipe/selfie_segmentation');
    const bodySeg = await import('@tensorflow-models/body-segmentation');
    const { width, height } = LANDSCAPE_INPUT_SIZE;
    const locateFile = (f: string): string => landscapeFileUrl(BASE, f);
    const wrapped = await bodySeg.createSegmenter(bodySeg.SupportedModels.MediaPipeSelfieSegmentation, { runtime: 'mediapipe', modelType: 'landscape', locateFile });
    const direct = new SelfieSegmentation({ locateFile });
    direct.setOptions({ modelSelection: 1, selfieMode: false });
    let latest: CanvasImageSource | null = null;
    direct.onResults((r) => {
      latest = r.segmentationMask;
    });
    await direct.initialize();
    // The same input canvas for both; both masks read back the same way (alpha channel).
    const input = document.createElement('canvas');
    input.width = width;
    input.height = height;
    const read = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true })!;
    const alpha = (image: CanvasImageSource): Uint8Array => {
      read.clearRect(0, 0, width, height);
      read.drawImage(image, 0, 0, width, height);
      const px = read.getImageData(0, 0, width, height).data;
      return Uint8Array.from({ length: width * height }, (_, i) => px[i * 4 + 3]!);
    };
    const wrappedMs: number[] = [], directMs: number[] = [], agreement: number[] = [];
    for (let round = 0; round < 3; round++) {
      for (const p of portraits) {
        input.getContext('2d')!.drawImage(p.image, 0, 0, width, height);
        // Alternate which goes first, so load changes hit both alike.
        const runWrapped = async (): Promise<Uint8Array> => {
          const t = performance.now();
          const [seg] = await wrapped.segmentPeople(input);
          const m = alpha(await seg!.mask.toCanvasImageSource());
          wrappedMs.push(performance.now() - t);
          return m;
        };
        const runDirect = async (): Promise<Uint8Array> => {
          const t = performance.now();
          await direct.send({ image: input });
          assert(latest, 'no results from the solution');
          const m = alpha(latest);
          directMs.push(performance.now() - t);
          return m;
        };
        let a: Uint8Array, b: Uint8Array;
        if (round % 2) {
          a = await runWrapped();
          b = await runDirect();
        } else {
          b = await runDirect();
          a = await runWrapped();
        }
        let inter = 0, union = 0;
        for (let i = 0; i < a.length; i++) {
          const x = a[i]! >= 128, y = b[i]! >= 128;
          if (x && y) inter++;
          if (x || y) union++;
        }
        agreement.push(union ? inter / union : 1);
      }
    }
    wrapped.dispose();
    await direct.close();
    const med = (xs: number[]): number => [...xs].sort((x, y) => x - y)[xs.length >> 1]!;
    console.log(`[landscape] ms per 256×144 call incl. mask read-back, median of ${wrappedMs.length}: body-segmentation wrapper ` +
      `${med(wrappedMs).toFixed(1)}, solution driven directly ${med(directMs).toFixed(1)}; mask agreement IoU min ${Math.min(...agreement).toFixed(4)}`);
    atLeast(Math.min(...agreement), 0.99, `wrapper vs direct mask IoU ${Math.min(...agreement).toFixed(4)}`);
  });

  it('refuses files that are not shipped, and rejects with ModelLoadError when modelBaseUrl serves nothing', async () => {
    assert(landscapeFileUrl(BASE, 'selfie_segmentation_landscape.tflite').endsWith('/models/mediapipe/selfie_segmentation_landscape.tflite'), 'url');
    const refused = await rejects(async () => landscapeFileUrl(BASE, 'selfie_segmentation.tflite'));
    equal((refused as { code?: string }).code, 'model-load', 'general model is not shipped');
    const err = await rejects(() => createLandscapeSegmenter({ modelBaseUrl: new URL('/nowhere/', location.href) }));
    equal((err as { code?: string }).code, 'model-load', `error ${String(err)}`);
  });
});

describe('model: \'selfie-landscape\' through createPrivacyTrack', () => {
  it('protects the output (IoU on a portrait), fails closed when segmentation throws, and cleans up after stop', async function () {
    this.timeout(240_000);
    const { createPrivacyTrack } = await import('../../src/index.js');
    const [id] = await portraitIds();
    const p = await loadPortrait(id!);
    const input = fedTrack();
    const starter = startFeeding(input, p.image, p.width, p.height, 100);
    const colour: [number, number, number] = [255, 0, 255];
    const track = await createPrivacyTrack(input.track, {
      modelBaseUrl: MODEL_BASE, model: 'selfie-landscape', compositor: 'cpu', maskTimeoutMs: 5000,
      effect: { type: 'color', color: 'rgb(255,0,255)' },
    });
    await starter.stop();
    equal(track.privacy.stats.model, 'selfie-landscape', 'stats.model');
    equal(track.privacy.stats.backend, 'webgl', 'stats.backend');
    const reader = frameReader(track);
    const original = pixels(p.image, p.width, p.height);
    let ts = starter.lastTimestamp + 33_333;
    await input.write(p.image, ts, p.width, p.height);
    let out = await reader.frameAt(ts, 30_000);
    assert(out, 'no output frame');
    const score = scoreColourOutput(pixels(out, p.width, p.height), original, p, colour);
    out.close();

    // Fail closed: a segmentation that throws → the frame is output veiled (no camera pixel).
    debugHooks.beforeSegment = () => {
      throw new Error('injected');
    };
    let veiledShown = 1;
    try {
      ts += 33_333;
      await input.write(p.image, ts, p.width, p.height);
      out = await reader.frameAt(ts, 30_000);
      assert(out, 'no output frame while segmentation fails');
      const s = scoreColourOutput(pixels(out, p.width, p.height), original, p, colour);
      out.close();
      veiledShown = s.retention; // share of the person shown
      equal(s.leak, 0, 'background shown while segmentation fails');
      equal(track.privacy.protection, 'veiled', 'protection while segmentation fails');
    } finally {
      debugHooks.beforeSegment = null;
    }
    reader.cancel();
    track.stop();
    track.stop(); // idempotent
    await input.close();
    p.image.close();
    console.log(`[landscape] via createPrivacyTrack, portrait ${p.id}: IoU ${score.iou.toFixed(3)} leak ${score.leak.toFixed(3)}; veiled frame person shown ${veiledShown.toFixed(3)}`);
    atLeast(score.iou, 0.85, `IoU ${score.iou.toFixed(3)}`);
    assert(veiledShown < 0.01, `veiled frame shows ${(veiledShown * 100).toFixed(1)} % of the person`);
    equal(track.readyState, 'ended', 'output ended');
    equal(debugCounters.openFrames, 0, 'open frames');
    equal(debugCounters.livePipelines, 0, 'live pipelines');
  });

  it('rejects backends the MediaPipe solution does not use', async () => {
    const { createPrivacyTrack } = await import('../../src/index.js');
    const input = fedTrack();
    const err = await rejects(() => createPrivacyTrack(input.track, { modelBaseUrl: MODEL_BASE, model: 'selfie-landscape', backend: 'wasm' }));
    await input.close();
    equal((err as { code?: string }).code, 'invalid-options', String(err));
    assert(String((err as Error).message).includes('backend'), (err as Error).message);
  });
});
