// Node microbenchmark of the refiner (npm run eval -- --cost, or node scripts/eval-cost.mjs):
// median ms per frame for a synthetic 720p / 1080p I420 frame with a person-like raw mask.
import { createGuidedRefiner } from '../src/refine/index.js';

function frame(w: number, h: number) {
  const data = new Uint8Array((w * h * 3) / 2);
  for (let i = 0; i < w * h; i++) data[i] = ((i % w) * 7 + ((i / w) | 0) * 3) & 255;
  return {
    format: 'I420' as const, width: w, height: h, data, matrix: 'bt709' as const, fullRange: false, colorSpace: {},
    planes: [{ offset: 0, stride: w }, { offset: w * h, stride: w / 2 }, { offset: (w * h * 5) / 4, stride: w / 2 }],
  };
}
const mask = new Uint8Array(256 * 256);
for (let y = 0; y < 256; y++) for (let x = 0; x < 256; x++) {
  const d = Math.hypot((x - 128) / 70, (y - 150) / 110);
  mask[y * 256 + x] = Math.max(0, Math.min(255, Math.round((1.2 - d) * 600)));
}
const out: Record<string, { medianMs: number; p90Ms: number }> = {};
for (const [w, h] of [[1280, 720], [1920, 1080]] as const) {
  const f = frame(w, h);
  const r = createGuidedRefiner();
  const ts: number[] = [];
  for (let k = 0; k < 400; k++) {
    mask[(k * 7919) % mask.length]! ^= 1; // keep the temporal path busy
    f.data[k]! ^= 3;
    const t = performance.now();
    r.refine(f, { data: mask, width: 256, height: 256 });
    if (k >= 100) ts.push(performance.now() - t);
  }
  ts.sort((a, b) => a - b);
  out[`${h}p`] = { medianMs: Math.round(ts[ts.length >> 1]! * 1000) / 1000, p90Ms: Math.round(ts[Math.floor(ts.length * 0.9)]! * 1000) / 1000 };
}
console.log(JSON.stringify(out));
