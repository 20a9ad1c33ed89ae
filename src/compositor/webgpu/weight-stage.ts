/**
 * Stage 1 (blur only, WebGPU): downsample the camera frame with the person masked out,
 * premultiplied by a background weight, so the blur that follows never smears the person into the
 * background (leak vector L7, "halo"). WGSL twin of the WebGL weight stage (same taps, same
 * {@link BLUR_EXCLUDE_EDGES}). Output: low-res rgba16float = (rgb·w, w).
 */
import { wgsl, type GpuContext, type GpuTarget } from '../../gpu/webgpu/gpu.js';
import { BLUR_EXCLUDE_EDGES } from '../webgl/weight-stage.js';

/** Format of the low-resolution blur buffers. */
export const LOW_FORMAT: GPUTextureFormat = 'rgba16float';

const FS = wgsl`
@group(0) @binding(0) var frame: texture_2d<f32>;
@group(0) @binding(1) var mask: texture_2d<f32>;
@group(0) @binding(2) var samp: sampler;
struct U { texelX: f32, texelY: f32, veil: f32, exLo: f32, exHi: f32 };
@group(0) @binding(3) var<uniform> u: U;
fn tap(uv: vec2f) -> vec4f {
  let c = textureSampleLevel(frame, samp, uv, 0.0).rgb;
  let m = textureSampleLevel(mask, samp, uv, 0.0).r;
  let w = mix(1.0 - smoothstep(u.exLo, u.exHi, m), 1.0, u.veil);
  return vec4f(c * w, w);
}
@fragment fn fs(v: VOut) -> @location(0) vec4f {
  // Four bilinear taps cover the footprint of one low-res texel (anti-aliased downsample).
  let d = vec2f(u.texelX, u.texelY);
  return 0.25 * (tap(v.uv + vec2f(-d.x, -d.y)) + tap(v.uv + vec2f(d.x, -d.y)) + tap(v.uv + vec2f(-d.x, d.y)) + tap(v.uv + vec2f(d.x, d.y)));
}`;

/** The masked downsample stage. */
export interface WeightStage {
  /** Record the downsample of `frame` (`fw`×`fh`) weighted by `mask` into `target`. */
  render(encoder: GPUCommandEncoder, frame: GPUTextureView, mask: GPUTextureView, target: GpuTarget, fw: number, fh: number, veil: boolean): void;
}

/** Build the stage. */
export function createWeightStage(ctx: GpuContext): WeightStage {
  const program = ctx.render(FS, ['float', 'float', 'sampler', 'uniform'], LOW_FORMAT);
  const uniforms = ctx.uniforms('fffff');
  return {
    render(encoder, frame, mask, target, fw, fh, veil) {
      // Offsets of a quarter low-res texel, in full-res uv.
      const sx = fw / target.width;
      const sy = fh / target.height;
      uniforms.set((0.25 * sx) / fw, (0.25 * sy) / fh, veil ? 1 : 0, BLUR_EXCLUDE_EDGES[0], BLUR_EXCLUDE_EDGES[1]);
      ctx.draw(encoder, program, ctx.bind(program, [frame, mask, ctx.linear, uniforms.buffer]), target.view);
    },
  };
}
