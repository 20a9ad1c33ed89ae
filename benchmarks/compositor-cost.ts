// Node microbenchmark of the CPU compositor (node scripts/compositor-cost.mjs, which runs every
// case in a fresh process so one case's JIT feedback cannot slow another): median ms per I420
// frame with a person-like mask covering about a third of the frame. Prints one JSON line.
//   argv: <case> <height>   case: blur | blurGrid | blurBlend | color, and blurWasm | blurBlendWasm
//   (the same with the wasm SIMD kernels, src/compositor/cpu/kernels)
import { alphaLut, createAlphaSampler } from '../src/compositor/cpu/alpha-stage.js';
import { createCpuBlendStage } from '../src/compositor/cpu/blend-stage.js';
import { createCpuBlurStage } from '../src/compositor/cpu/blur-stage.js';
import { createCpuCompositor } from '../src/compositor/cpu/index.js';
import { blendScratchBytes } from '../src/compositor/cpu/blend-stage.js';
import { loadCpuKernels } from '../src/compositor/cpu/kernels/index.js';
import { planesOf, packedLayout } from '../src/compositor/cpu/planes.js';
import { PERSON_EDGES } from '../src/compositor/webgl/blend-stage.js';
import type { FramePixels } from '../src/frame/pixels.js';
import type { Mask } from '../src/segmenter/types.js';

const [which = 'blur', hArg = '720'] = process.argv.slice(2);
const h = Number(hArg);
const w = Math.round((h * 16) / 9);

function frame(): FramePixels {
  const { layout, size } = packedLayout('I420', w, h);
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (i * 2654435761) >>> 24;
  return { format: 'I420', width: w, height: h, data, matrix: 'bt709', fullRange: false, colorSpace: {}, planes: layout };
}
const maskData = new Uint8Array(256 * 256);
for (let y = 0; y < 256; y++) for (let x = 0; x < 256; x++) {
  const d = Math.hypot((x - 128) / 70, (y - 170) / 110);
  maskData[y * 256 + x] = Math.max(0, Math.min(255, Math.round((1.05 - d) * 2000)));
}
const mask: Mask = { data: maskData, width: 256, height: 256 };

function time(fn: () => void, n = 200): number {
  for (let k = 0; k < 30; k++) fn(); // warm the JIT
  const ts: number[] = [];
  for (let k = 0; k < n; k++) {
    const t = performance.now();
    fn();
    ts.push(performance.now() - t);
  }
  ts.sort((a, b) => a - b);
  return ts[ts.length >> 1]!;
}

const f = frame();
const src = planesOf('I420', w, h, f.planes);
const { layout, size } = packedLayout('I420', w, h);
const dst = planesOf('I420', w, h, layout);
const out = new Uint8Array(size);
const blur = createCpuBlurStage();
const blend = createCpuBlendStage(createAlphaSampler(alphaLut(PERSON_EDGES[0], PERSON_EDGES[1])));
let ms: number;
if (which === 'blurGrid') ms = time(() => blur.render(f.data, src, w, h, mask, 24));
else if (which === 'blurGridWasm') {
  const wasmBlur = createCpuBlurStage(await loadCpuKernels());
  ms = time(() => wasmBlur.render(f.data, src, w, h, mask, 24));
}
else if (which === 'blurBlend') {
  const grid = blur.render(f.data, src, w, h, mask, 24);
  ms = time(() => blend.render(f.data, src, out, dst, mask, { kind: 'low', grid }));
} else if (which === 'color') {
  // The compositor's setEffect parses CSS colours with a canvas (absent in Node): blend directly.
  ms = time(() => blend.render(f.data, src, out, dst, mask, { kind: 'constant', values: [[40], [100], [160]] }));
} else if (which === 'blurBlendWasm') {
  const kernels = await loadCpuKernels();
  if (!kernels) throw new Error('no wasm SIMD here');
  const wasmBlend = createCpuBlendStage(createAlphaSampler(alphaLut(PERSON_EDGES[0], PERSON_EDGES[1])), kernels);
  const grid = blur.render(f.data, src, w, h, mask, 24);
  const n = blendScratchBytes(dst, grid);
  const [o, r] = kernels.reserve([size, n]) as [number, number];
  const wOut = new Uint8Array(kernels.buffer, o, size);
  const rows = new Uint8Array(kernels.buffer, r, n);
  ms = time(() => wasmBlend.render(f.data, src, wOut, dst, mask, { kind: 'low', grid }, rows));
} else {
  const c = createCpuCompositor(undefined, which === 'blurWasm' ? await loadCpuKernels() : null);
  ms = time(() => c.render(f, mask));
}
console.log(JSON.stringify({ case: which, height: h, ms: Math.round(ms * 100) / 100 }));
