/**
 * Refine stage 5 (WebGPU): guided filter coefficients on the coarse grid G. Pass 1: box means
 * (radius r, windows clipped at the borders and normalised by the pixels inside) of I, p, I², I·p,
 * then a = cov(I,p) / (var(I) + ε), b = mean(p) − a·mean(I). Pass 2: box means of a and b.
 *
 * ref: K. He, J. Sun, X. Tang, "Guided Image Filtering", ECCV 2010 / TPAMI 2013 (Algorithm 1).
 * WGSL twin of the WebGL guided stage and of `guidedCoefficients` (src/refine/guided.ts).
 * Output: vec2 per pixel, (mean a, mean b).
 */
import { wgsl, type GpuContext } from '../../gpu/webgpu/gpu.js';

const COEF_CS = wgsl`
@group(0) @binding(0) var<storage, read> guide: array<f32>;   // I
@group(0) @binding(1) var<storage, read> p: array<vec2f>;     // x = input
@group(0) @binding(2) var<storage, read_write> dst: array<vec2f>;
struct U { w: i32, h: i32, r: i32, eps: f32 };
@group(0) @binding(3) var<uniform> u: U;
@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let P = vec2i(id.xy);
  if (P.x >= u.w || P.y >= u.h) { return; }
  let x0 = max(0, P.x - u.r);
  let x1 = min(u.w - 1, P.x + u.r);
  let y0 = max(0, P.y - u.r);
  let y1 = min(u.h - 1, P.y + u.r);
  var s = vec4f(0.0);
  for (var y = y0; y <= y1; y++) {
    for (var x = x0; x <= x1; x++) {
      let i = guide[y * u.w + x];
      let v = p[y * u.w + x].x;
      s += vec4f(i, v, i * i, i * v);
    }
  }
  s /= f32((x1 - x0 + 1) * (y1 - y0 + 1));
  let a = (s.w - s.x * s.y) / (s.z - s.x * s.x + u.eps);
  dst[P.y * u.w + P.x] = vec2f(a, s.y - a * s.x);
}`;

const BOX_CS = wgsl`
@group(0) @binding(0) var<storage, read> src: array<vec2f>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec2f>;
struct U { w: i32, h: i32, r: i32 };
@group(0) @binding(2) var<uniform> u: U;
@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let P = vec2i(id.xy);
  if (P.x >= u.w || P.y >= u.h) { return; }
  let x0 = max(0, P.x - u.r);
  let x1 = min(u.w - 1, P.x + u.r);
  let y0 = max(0, P.y - u.r);
  let y1 = min(u.h - 1, P.y + u.r);
  var s = vec2f(0.0);
  for (var y = y0; y <= y1; y++) {
    for (var x = x0; x <= x1; x++) { s += src[y * u.w + x]; }
  }
  dst[P.y * u.w + P.x] = s / f32((x1 - x0 + 1) * (y1 - y0 + 1));
}`;

/** The guided-coefficients stage. */
export interface GuidedStage {
  /** Record the coefficients of guide `I` (floats) and input `p` (vec2, x), all `w`×`h`, into `out` via `scratch`. */
  render(pass: GPUComputePassEncoder, I: GPUBuffer, p: GPUBuffer, scratch: GPUBuffer, out: GPUBuffer, w: number, h: number, r: number, eps: number): void;
}

/** Build the stage. */
export function createGuidedStage(ctx: GpuContext): GuidedStage {
  const coef = ctx.compute(COEF_CS, ['read', 'read', 'storage', 'uniform']);
  const box = ctx.compute(BOX_CS, ['read', 'storage', 'uniform']);
  const coefU = ctx.uniforms('iiif');
  const boxU = ctx.uniforms('iii');
  return {
    render(pass, I, p, scratch, out, w, h, r, eps) {
      coefU.set(w, h, r, eps);
      ctx.dispatch(pass, coef, ctx.bind(coef, [I, p, scratch, coefU.buffer]), w, h);
      boxU.set(w, h, r);
      ctx.dispatch(pass, box, ctx.bind(box, [scratch, out, boxU.buffer]), w, h);
    },
  };
}
