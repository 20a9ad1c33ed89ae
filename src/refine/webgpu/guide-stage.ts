/**
 * Refine stage 1 (WebGPU): the guide. Luma of the camera texture at the output grid O, each sample
 * the mean of the 2×2 source pixels nearest to the output pixel's centre (BT.601 weights
 * 77/150/29 of 256), then its `subsample`×`subsample` block means at the coarse grid G.
 * WGSL twin of the WebGL guide stage and of `extractLuma` + `blockMean` (src/refine/guided.ts).
 * Outputs: float storage buffers, row-major.
 */
import { wgsl, type GpuContext } from '../../gpu/webgpu/gpu.js';

const LUMA_CS = wgsl`
@group(0) @binding(0) var frame: texture_2d<f32>;   // RGBA, row 0 = top
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
struct U { srcW: i32, srcH: i32, outW: i32, outH: i32, scaleX: f32, scaleY: f32 };
@group(0) @binding(2) var<uniform> u: U;
fn luma(x: i32, y: i32) -> f32 {
  let c = textureLoad(frame, vec2i(x, y), 0).rgb;
  return dot(c, vec3f(77.0, 150.0, 29.0)) / 256.0;
}
@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let P = vec2i(id.xy);
  if (P.x >= u.outW || P.y >= u.outH) { return; }
  let c0 = clamp(i32(floor((f32(P.x) + 0.5) * u.scaleX - 0.5)), 0, u.srcW - 1);
  let r0 = clamp(i32(floor((f32(P.y) + 0.5) * u.scaleY - 0.5)), 0, u.srcH - 1);
  let c1 = min(u.srcW - 1, c0 + 1);
  let r1 = min(u.srcH - 1, r0 + 1);
  dst[P.y * u.outW + P.x] = 0.25 * (luma(c0, r0) + luma(c1, r0) + luma(c0, r1) + luma(c1, r1));
}`;

const BLOCK_CS = wgsl`
@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
struct U { w: i32, h: i32, gw: i32, gh: i32, s: i32 };
@group(0) @binding(2) var<uniform> u: U;
@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let P = vec2i(id.xy);
  if (P.x >= u.gw || P.y >= u.gh) { return; }
  let x0 = P.x * u.s;
  let y0 = P.y * u.s;
  let x1 = min(u.w, x0 + u.s);
  let y1 = min(u.h, y0 + u.s);
  var sum = 0.0;
  for (var y = y0; y < y1; y++) {
    for (var x = x0; x < x1; x++) { sum += src[y * u.w + x]; }
  }
  dst[P.y * u.gw + P.x] = sum / f32((y1 - y0) * (x1 - x0));
}`;

/** The guide stage. */
export interface GuideStage {
  /** Record the luma of `frame` (`fw`×`fh`) at O (`ow`×`oh`) into `lumaO`. */
  luma(pass: GPUComputePassEncoder, frame: GPUTextureView, fw: number, fh: number, lumaO: GPUBuffer, ow: number, oh: number): void;
  /** Record the block means (side `s`) of `lumaO` (`ow`×`oh`) into `guideG` (ceil(ow/s)×ceil(oh/s)). */
  block(pass: GPUComputePassEncoder, lumaO: GPUBuffer, ow: number, oh: number, guideG: GPUBuffer, s: number): void;
}

/** Build the stage (its objects are destroyed with `ctx`). */
export function createGuideStage(ctx: GpuContext): GuideStage {
  const luma = ctx.compute(LUMA_CS, ['float', 'storage', 'uniform']);
  const block = ctx.compute(BLOCK_CS, ['read', 'storage', 'uniform']);
  const lumaU = ctx.uniforms('iiiiff');
  const blockU = ctx.uniforms('iiiii');
  return {
    luma(pass, frame, fw, fh, lumaO, ow, oh) {
      lumaU.set(fw, fh, ow, oh, fw / ow, fh / oh);
      ctx.dispatch(pass, luma, ctx.bind(luma, [frame, lumaO, lumaU.buffer]), ow, oh);
    },
    block(pass, lumaO, ow, oh, guideG, s) {
      const gw = Math.ceil(ow / s), gh = Math.ceil(oh / s);
      blockU.set(ow, oh, gw, gh, s);
      ctx.dispatch(pass, block, ctx.bind(block, [lumaO, guideG, blockU.buffer]), gw, gh);
    },
  };
}
