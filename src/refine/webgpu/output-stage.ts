/**
 * Refine stage 6 (WebGPU): the refined mask at the output grid O: q = A·I + B with A, B and the
 * cap upsampled bilinearly from G (rows first, as the CPU code does), q capped by the evidence,
 * minus the hiding bias, quantised to bytes. WGSL twin of the WebGL output stage and of
 * `writeOutput` (src/refine/refiner.ts). Output: an rgba8unorm texture, r = mask (the compositor
 * samples it bilinearly, stretched over the frame).
 */
import { wgsl, type GpuContext } from '../../gpu/webgpu/gpu.js';

const CS = wgsl`
@group(0) @binding(0) var<storage, read> guide: array<f32>;   // O: luma
@group(0) @binding(1) var<storage, read> AB: array<vec2f>;    // G: A, B
@group(0) @binding(2) var<storage, read> cap: array<vec2f>;   // G: y = cap
@group(0) @binding(3) var dst: texture_storage_2d<rgba8unorm, write>;
struct U { ow: i32, oh: i32, gw: i32, gh: i32, bias: f32 };
@group(0) @binding(4) var<uniform> u: U;
@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let P = vec2i(id.xy);
  if (P.x >= u.ow || P.y >= u.oh) { return; }
  let gw = u.gw;
  let gh = u.gh;
  let fy = clamp((f32(P.y) + 0.5) / (f32(u.oh) / f32(gh)) - 0.5, 0.0, f32(gh - 1));
  let y0 = min(max(0, gh - 2), i32(floor(fy)));
  let y1 = min(gh - 1, y0 + 1);
  let wy = fy - f32(y0);
  let fx = clamp((f32(P.x) + 0.5) / (f32(u.ow) / f32(gw)) - 0.5, 0.0, f32(gw - 1));
  let i0 = min(max(0, gw - 2), i32(floor(fx)));
  let i1 = min(gw - 1, i0 + 1);
  let wx = select(0.0, fx - f32(i0), gw > 1);
  let ab00 = AB[y0 * gw + i0];
  let ab01 = AB[y1 * gw + i0];
  let ab10 = AB[y0 * gw + i1];
  let ab11 = AB[y1 * gw + i1];
  let c00 = cap[y0 * gw + i0].y;
  let c01 = cap[y1 * gw + i0].y;
  let c10 = cap[y0 * gw + i1].y;
  let c11 = cap[y1 * gw + i1].y;
  let r0 = ab00 + (ab01 - ab00) * wy;
  let r1 = ab10 + (ab11 - ab10) * wy;
  let k0 = c00 + (c01 - c00) * wy;
  let k1 = c10 + (c11 - c10) * wy;
  let c = k0 + (k1 - k0) * wx;
  var q = 0.0;
  if (c > u.bias) {
    let ab = r0 + (r1 - r0) * wx;
    q = min(ab.x * guide[P.y * u.ow + P.x] + ab.y, c) - u.bias;
    q = select(select(floor(q * 255.0 + 0.5) / 255.0, 1.0, q >= 1.0), 0.0, q <= 0.0);
  }
  textureStore(dst, P, vec4f(q, q, q, 1.0));
}`;

/** The output stage. */
export interface OutputStage {
  /** Record the refined mask into `out` (an `ow`×`oh` rgba8unorm storage texture). */
  render(pass: GPUComputePassEncoder, guide: GPUBuffer, AB: GPUBuffer, cap: GPUBuffer, out: GPUTextureView, ow: number, oh: number, gw: number, gh: number, bias: number): void;
}

/** Build the stage. */
export function createOutputStage(ctx: GpuContext): OutputStage {
  const program = ctx.compute(CS, ['read', 'read', 'read', 'rgba8-out', 'uniform']);
  const uniforms = ctx.uniforms('iiiif');
  return {
    render(pass, guide, AB, cap, out, ow, oh, gw, gh, bias) {
      uniforms.set(ow, oh, gw, gh, bias);
      ctx.dispatch(pass, program, ctx.bind(program, [guide, AB, cap, out, uniforms.buffer]), ow, oh);
    },
  };
}
