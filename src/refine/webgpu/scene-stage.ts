/**
 * Refine stage 3 (WebGPU): the scene-cut measure, the mean absolute difference of this frame's
 * coarse guide and the previous one, reduced on the GPU in one workgroup (row sums, then a
 * shared-memory tree) so the temporal stage reads it without any readback.
 * WGSL twin of the WebGL scene stage and of `meanAbsDiff` (src/refine/temporal.ts).
 * Output: one float.
 */
import { wgsl, type GpuContext } from '../../gpu/webgpu/gpu.js';

/** Invocations of the reduction's one workgroup. */
const LANES = 64;

const CS = wgsl`
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
struct U { w: u32, h: u32 };
@group(0) @binding(3) var<uniform> u: U;
var<workgroup> part: array<f32, ${LANES}>;
@compute @workgroup_size(${LANES})
fn main(@builtin(local_invocation_index) t: u32) {
  var sum = 0.0;
  for (var y = t; y < u.h; y += ${LANES}u) {
    var row = 0.0;
    for (var x = 0u; x < u.w; x++) { row += abs(a[y * u.w + x] - b[y * u.w + x]); }
    sum += row;
  }
  part[t] = sum;
  workgroupBarrier();
  for (var s = ${LANES / 2}u; s > 0u; s >>= 1u) {
    if (t < s) { part[t] += part[t + s]; }
    workgroupBarrier();
  }
  if (t == 0u) { dst[0] = part[0] / f32(u.w * u.h); }
}`;

/** The scene-cut stage. */
export interface SceneStage {
  /** Record mean |a − b| over `w`×`h` floats into `out[0]`. */
  render(pass: GPUComputePassEncoder, a: GPUBuffer, b: GPUBuffer, w: number, h: number, out: GPUBuffer): void;
}

/** Build the stage. */
export function createSceneStage(ctx: GpuContext): SceneStage {
  const program = ctx.compute(CS, ['read', 'read', 'storage', 'uniform']);
  const uniforms = ctx.uniforms('uu');
  return {
    render(pass, a, b, w, h, out) {
      uniforms.set(w, h);
      ctx.dispatch(pass, program, ctx.bind(program, [a, b, out, uniforms.buffer]), 1, 1, 1);
    },
  };
}
