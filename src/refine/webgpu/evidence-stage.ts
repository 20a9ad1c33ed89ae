/**
 * Refine stage 2 (WebGPU): the model's raw mask (the `dataToGPU` buffer, one float per pixel)
 * sampled bilinearly at the coarse grid G (the mask stretched over the frame, as the model saw it)
 * → p, and its local maximum over a (2·capRadius+1)² window → the cap (the evidence no refined
 * pixel may exceed). WGSL twin of the WebGL evidence stage and of `sampleMask` + `maxFilter`
 * (src/refine/refiner.ts). Output: vec2 per pixel, (p, cap).
 */
import { wgsl, type GpuContext } from '../../gpu/webgpu/gpu.js';

const CS = wgsl`
@group(0) @binding(0) var<storage, read> mask: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec2f>;
struct U { mw: i32, mh: i32, gw: i32, gh: i32, r: i32 };
@group(0) @binding(2) var<uniform> u: U;
fn raw(x: i32, y: i32) -> f32 { return clamp(mask[y * u.mw + x], 0.0, 1.0); }
fn sampleAt(gx: i32, gy: i32) -> f32 {
  let mw = u.mw;
  let mh = u.mh;
  let fy = clamp((f32(gy) + 0.5) * f32(mh) / f32(u.gh) - 0.5, 0.0, f32(mh - 1));
  let y0 = min(max(0, mh - 2), i32(floor(fy)));
  let y1 = min(mh - 1, y0 + 1);
  let wy = fy - f32(y0);
  let fx = clamp((f32(gx) + 0.5) * f32(mw) / f32(u.gw) - 0.5, 0.0, f32(mw - 1));
  let x0 = min(max(0, mw - 2), i32(floor(fx)));
  let x1 = min(mw - 1, x0 + 1);
  let wx = fx - f32(x0);
  let a = raw(x0, y0);
  let b = raw(x1, y0);
  let c = raw(x0, y1);
  let d = raw(x1, y1);
  let top = a + (b - a) * wx;
  return top + (c + (d - c) * wx - top) * wy;
}
@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let P = vec2i(id.xy);
  if (P.x >= u.gw || P.y >= u.gh) { return; }
  var m = 0.0;
  for (var y = max(0, P.y - u.r); y <= min(u.gh - 1, P.y + u.r); y++) {
    for (var x = max(0, P.x - u.r); x <= min(u.gw - 1, P.x + u.r); x++) { m = max(m, sampleAt(x, y)); }
  }
  dst[P.y * u.gw + P.x] = vec2f(sampleAt(P.x, P.y), m);
}`;

/** The evidence stage. */
export interface EvidenceStage {
  /** Record the sampling of `mask` (`mw`×`mh` floats) at the `gw`×`gh` grid into `ev`, cap radius `r`. */
  render(pass: GPUComputePassEncoder, mask: GPUBuffer, mw: number, mh: number, ev: GPUBuffer, gw: number, gh: number, r: number): void;
}

/** Build the stage. */
export function createEvidenceStage(ctx: GpuContext): EvidenceStage {
  const program = ctx.compute(CS, ['read', 'storage', 'uniform']);
  const uniforms = ctx.uniforms('iiiii');
  return {
    render(pass, mask, mw, mh, ev, gw, gh, r) {
      uniforms.set(mw, mh, gw, gh, r);
      ctx.dispatch(pass, program, ctx.bind(program, [mask, ev, uniforms.buffer]), gw, gh);
    },
  };
}
