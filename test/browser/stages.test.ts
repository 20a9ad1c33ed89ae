// The three ways a frame can go through the pipeline, stage by stage, on the same frames:
//   cpu       wasm backend, CPU planes, CPU refiner, CPU compositor (what 'auto' picks here)
//   webgl-old webgl backend fed from CPU planes with a mask readback, CPU refiner, WebGL compositor
//   resident  the GPU-resident path (src/gpu/): texture in, dataToGPU, WebGL refiner, tfjs's canvas
// Prints median ms per stage (each stage ends with a 1-pixel readPixels on tfjs's context, so GPU
// work is counted in the stage that queued it); asserts only that the three paths draw the same
// picture.
// Speed is never asserted: this machine has no GPU (SwiftShader) and shares 2 cores.
import { initBackend } from '../../src/backends/index.js';
import { createCpuCompositor } from '../../src/compositor/cpu/index.js';
import type { Compositor } from '../../src/compositor/types.js';
import { createWebGLCompositor } from '../../src/compositor/webgl/index.js';
import { createFrameReader } from '../../src/frame/pixels.js';
import { createGpuResidentParts } from '../../src/gpu/index.js';
import { tfjsWebgl } from '../../src/gpu/session.js';
import { createRefiner } from '../../src/refine/index.js';
import type { Refiner } from '../../src/refine/types.js';
import { createSelfieSegmenter } from '../../src/segmenter/selfie.js';
import type { Segmenter } from '../../src/segmenter/types.js';
import { createGeneratorSink } from '../../src/sink/generator.js';
import { atLeast } from './assert.js';
import { frameReader, loadPortrait, MODEL_BASE, pixels, portraitIds } from './helpers.js';

const W = 1280, H = 720, FRAMES = 8;
const STAGES = ['read', 'segment', 'refine', 'composite', 'toVideoFrame', 'write'] as const;
type Times = Record<(typeof STAGES)[number], number[]>;

interface Path {
  read(f: VideoFrame): Promise<unknown>;
  segment(f: unknown): Promise<unknown>;
  refine(f: unknown, m: unknown): unknown;
  compositor: Compositor<unknown, unknown>;
  /** Wait for queued GPU work in tfjs's context, where there is any (test-side readback, not the pipeline's). */
  finish(): void;
  dispose(): void;
}

/** Wait until `gl` has executed everything queued: a 1-pixel readPixels is a true round trip (gl.finish may not be). */
function sync(gl: WebGL2RenderingContext | null): void {
  if (!gl) return;
  const fb = gl.getParameter(gl.FRAMEBUFFER_BINDING);
  gl.bindFramebuffer(gl.FRAMEBUFFER, null);
  gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(4));
  gl.bindFramebuffer(gl.FRAMEBUFFER, fb);
}

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1]!;

async function runPath(path: Path, frames: VideoFrame[], consumer: boolean): Promise<{ times: Times; last: Uint8ClampedArray }> {
  const times: Times = { read: [], segment: [], refine: [], composite: [], toVideoFrame: [], write: [] };
  const sink = createGeneratorSink();
  const output = sink.track;
  if (!output) throw new Error('the generator sink has an output track on the main thread');
  const reader = consumer ? frameReader(output) : null;
  const drain = reader ? (async () => { for (;;) { const f = await reader.next(60000); if (!f) return; f.close(); } })() : null;
  let last: Uint8ClampedArray = new Uint8ClampedArray(0);
  try {
    for (const [i, src] of frames.entries()) {
      let t = performance.now();
      const lap = (k: keyof Times): void => {
        path.finish();
        const n = performance.now();
        times[k].push(n - t);
        t = n;
      };
      const f = await path.read(src); lap('read');
      const m = await path.segment(f); lap('segment');
      const r = path.refine(f, m); lap('refine');
      path.compositor.render(f, r); lap('composite');
      const out = path.compositor.toVideoFrame(i * 33333); lap('toVideoFrame');
      if (i === frames.length - 1) last = pixels(out, W, H);
      await sink.write(out); lap('write'); // closes it
    }
  } finally {
    sink.dispose();
    reader?.cancel();
    await drain;
    output.stop();
    path.dispose();
  }
  // The first frame compiles shaders and allocates: leave it out of the medians.
  for (const k of STAGES) times[k].shift();
  return { times, last };
}

/** Share of pixels drawn as the same class (person = closer to the frame than to the colour). */
function agreement(a: Uint8ClampedArray, b: Uint8ClampedArray, original: Uint8ClampedArray): number {
  let same = 0;
  const n = a.length / 4;
  const cls = (o: Uint8ClampedArray, i: number): boolean => {
    const dOrig = Math.abs(o[i]! - original[i]!) + Math.abs(o[i + 1]! - original[i + 1]!) + Math.abs(o[i + 2]! - original[i + 2]!);
    const dCol = Math.abs(o[i]! - 0) + Math.abs(o[i + 1]! - 0) + Math.abs(o[i + 2]! - 255);
    return dOrig < dCol;
  };
  for (let i = 0; i < n; i++) if (cls(a, i * 4) === cls(b, i * 4)) same++;
  return same / n;
}

describe('stage times: CPU path vs old WebGL path vs GPU-resident path (printed, not asserted)', () => {
  it('the three paths draw the same picture; per-stage medians are logged', async () => {
    const portrait = await loadPortrait((await portraitIds())[0]!);
    const canvas = new OffscreenCanvas(W, H);
    canvas.getContext('2d')!.drawImage(portrait.image, 0, 0, W, H);
    const original = pixels(canvas, W, H);
    const makeFrames = (): VideoFrame[] => Array.from({ length: FRAMES }, (_, i) => new VideoFrame(canvas, { timestamp: i * 33333 }));
    const modelBaseUrl = new URL(MODEL_BASE, location.href);
    const wasmBaseUrl = new URL('wasm/', modelBaseUrl);
    const cpuLike = async (backend: 'wasm' | 'webgl', compositor: Compositor): Promise<Path> => {
      await initBackend(backend, wasmBaseUrl);
      const seg: Segmenter = await createSelfieSegmenter({ backend, modelBaseUrl });
      const refiner: Refiner = createRefiner();
      const fr = createFrameReader();
      const gl = backend === 'webgl' ? tfjsWebgl().gl : null;
      return {
        read: (f) => fr.read(f),
        segment: (f) => seg.segment(f as Parameters<Segmenter['segment']>[0]),
        refine: (f, m) => refiner.refine(f as Parameters<Refiner['refine']>[0], m as Parameters<Refiner['refine']>[1]),
        compositor: compositor as Compositor<unknown, unknown>,
        finish: () => sync(gl),
        dispose: () => { compositor.dispose(); refiner.dispose(); seg.dispose(); },
      };
    };
    const paths: Array<[string, () => Promise<Path>]> = [
      ['cpu', () => cpuLike('wasm', createCpuCompositor())],
      ['webgl-old', () => cpuLike('webgl', createWebGLCompositor())],
      ['resident', async () => {
        await initBackend('webgl', wasmBaseUrl);
        const p = await createGpuResidentParts({ modelBaseUrl });
        const { gl } = tfjsWebgl();
        return {
          read: (f) => p.reader.read(f),
          segment: (f) => p.segmenter.segment(f as Parameters<typeof p.segmenter.segment>[0]),
          refine: (f, m) => p.refiner.refine(f as Parameters<typeof p.refiner.refine>[0], m as Parameters<typeof p.refiner.refine>[1]),
          compositor: p.compositor as Compositor<unknown, unknown>,
          finish: () => sync(gl),
          dispose: () => { p.compositor.dispose(); p.refiner.dispose(); p.segmenter.dispose(); },
        };
      }],
    ];
    const rows: string[] = [];
    const lasts = new Map<string, Uint8ClampedArray>();
    for (const consumer of [true, false]) {
      for (const [name, make] of paths) {
        if (!consumer && name === 'cpu') continue;
        const path = await make();
        await path.compositor.setEffect({ type: 'color', color: '#00f' });
        const frames = makeFrames();
        try {
          const { times, last } = await runPath(path, frames, consumer);
          lasts.set(name, last);
          rows.push(`| ${name} | ${consumer ? 'read' : 'none'} | ${STAGES.map((k) => median(times[k]).toFixed(1)).join(' | ')} | ${STAGES.reduce((s, k) => s + median(times[k]), 0).toFixed(1)} |`);
        } finally {
          frames.forEach((f) => f.close());
        }
      }
    }
    console.log(['[stages] 1280×720, median of 7 frames (ms):', `| path | output consumer | ${STAGES.join(' | ')} | sum |`, '|---|---|---|---|---|---|---|---|---|', ...rows].join('\n'));
    const cpu = lasts.get('cpu')!;
    for (const name of ['webgl-old', 'resident']) {
      const a = agreement(lasts.get(name)!, cpu, original);
      console.log(`[stages] ${name} vs cpu: ${(a * 100).toFixed(2)} % of pixels drawn as the same class`);
      atLeast(a, 0.98, `${name} and cpu draw the same picture (${(a * 100).toFixed(2)} %)`);
    }
  });
});
