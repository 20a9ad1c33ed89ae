// Segmentation quality measured on what the output track shows: every dev portrait is fed
// through the whole pipeline (input track → model → compositor → output track) with a solid
// colour background, and the output is scored against the ground-truth mask.
import { createPrivacyTrack, type CompositorKind } from '../../src/index.js';
import { debugCounters } from '../../src/internal/debug.js';
import { assert, atLeast } from './assert.js';
import { fedTrack, frameReader, loadPortrait, MODEL_BASE, pixels, portraitIds, scoreColourOutput, startFeeding } from './helpers.js';

const COLOUR: [number, number, number] = [255, 0, 255];
/** Ground-truth masks came from another model: also score with this band around edges excluded. */
const EDGE_BAND = 4;

interface Totals { iou: number; leak: number; retention: number; coreIou: number; coreLeak: number; n: number }

async function scorePortraits(compositor: CompositorKind, limit: number, backend: 'auto' | 'webgl' = 'auto'): Promise<Totals> {
  const ids = (await portraitIds()).slice(0, limit);
  const input = fedTrack();
  const first = await loadPortrait(ids[0]!);
  // Start on the first portrait; createPrivacyTrack needs frames to produce its first one.
  const starter = startFeeding(input, first.image, first.width, first.height, 50);
  const track = await createPrivacyTrack(input.track, { modelBaseUrl: MODEL_BASE, compositor, backend, effect: { type: 'color', color: 'rgb(255,0,255)' } });
  await starter.stop();
  const gpuFrames0 = debugCounters.gpuFrames;
  const reader = frameReader(track);
  const t: Totals = { iou: 0, leak: 0, retention: 0, coreIou: 0, coreLeak: 0, n: 0 };
  const rows: string[] = [];
  try {
    for (const [i, id] of ids.entries()) {
      const p = await loadPortrait(id);
      const ts = 1_000_000 * (i + 1);
      await input.write(p.image, ts, p.width, p.height);
      const out = await reader.frameAt(ts, 20000);
      assert(out, `no output frame for portrait ${id}`);
      assert(out.displayWidth === p.width && out.displayHeight === p.height, `output size ${out.displayWidth}x${out.displayHeight} for ${p.width}x${p.height}`);
      const outPx = pixels(out, p.width, p.height);
      out.close();
      const original = pixels(p.image, p.width, p.height);
      const all = scoreColourOutput(outPx, original, p, COLOUR);
      const core = scoreColourOutput(outPx, original, p, COLOUR, EDGE_BAND);
      t.iou += all.iou; t.leak += all.leak; t.retention += all.retention; t.coreIou += core.iou; t.coreLeak += core.leak; t.n++;
      rows.push(`${id} ${all.iou.toFixed(3)} ${all.leak.toFixed(3)}`);
      p.image.close();
    }
    // backend 'webgl' + compositor 'webgl' is the GPU-resident path: every frame went through it.
    if (backend === 'webgl' && compositor === 'webgl') atLeast(debugCounters.gpuFrames - gpuFrames0, t.n, 'frames on the GPU-resident path');
  } finally {
    reader.cancel();
    track.stop();
    await input.close();
  }
  const m = (x: number): string => (x / t.n).toFixed(4);
  console.log(`[quality] compositor=${compositor} backend=${backend} portraits=${t.n} mIoU=${m(t.iou)} coreIoU=${m(t.coreIou)} leak=${m(t.leak)} coreLeak=${m(t.coreLeak)} retention=${m(t.retention)}`);
  console.log(`[quality] worst: ${rows.sort((a, b) => Number(a.split(' ')[1]) - Number(b.split(' ')[1])).slice(0, 3).join(' | ')}`);
  return t;
}

describe('quality on the dev portraits, measured on the output track', () => {
  it('CPU compositor, all portraits: mIoU >= 0.85, mean leak <= 5 %', async () => {
    const t = await scorePortraits('cpu', 1000);
    atLeast(t.n, 50, 'portraits scored');
    atLeast(t.iou / t.n, 0.85, `mIoU ${(t.iou / t.n).toFixed(4)}`);
    assert(t.leak / t.n <= 0.05, `mean leak ${(t.leak / t.n).toFixed(4)}`);
    atLeast(t.retention / t.n, 0.9, `retention ${(t.retention / t.n).toFixed(4)}`);
  });

  it('GPU-resident path (webgl backend + webgl compositor, WebGL refiner) agrees (first 10 portraits)', async () => {
    const t = await scorePortraits('webgl', 10, 'webgl');
    atLeast(t.n, 10, 'portraits scored');
    atLeast(t.iou / t.n, 0.85, `mIoU ${(t.iou / t.n).toFixed(4)}`);
    assert(t.leak / t.n <= 0.05, `mean leak ${(t.leak / t.n).toFixed(4)}`);
  });

  it('WebGL compositor agrees (first 10 portraits; software GL is slow here)', async () => {
    const t = await scorePortraits('webgl', 10);
    atLeast(t.n, 10, 'portraits scored');
    atLeast(t.iou / t.n, 0.85, `mIoU ${(t.iou / t.n).toFixed(4)}`);
    assert(t.leak / t.n <= 0.05, `mean leak ${(t.leak / t.n).toFixed(4)}`);
  });
});
