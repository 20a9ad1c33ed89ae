/**
 * Stage 3 (WebGPU): the final pass onto the output canvas. Person pixels (by the refined mask,
 * upsampled bilinearly, person alpha = smoothstep(edges)) come from the camera; everything else
 * from the effect's background. WGSL twin of the WebGL blend stage (same modes, same maths).
 */
import { wgsl, type GpuContext } from '../../gpu/webgpu/gpu.js';
import type { BlendParams } from '../webgl/blend-stage.js';

export { BlendMode, fitRect, PERSON_EDGES, type BlendParams } from '../webgl/blend-stage.js';

const FS = wgsl`
@group(0) @binding(0) var frame: texture_2d<f32>;
@group(0) @binding(1) var mask: texture_2d<f32>;
@group(0) @binding(2) var bg: texture_2d<f32>;
@group(0) @binding(3) var samp: sampler;
struct U {
  mode: i32, veil: f32, edgeLo: f32, edgeHi: f32,
  r: f32, g: f32, b: f32, sx: f32, sy: f32, ox: f32, oy: f32,
};
@group(0) @binding(4) var<uniform> u: U;
@fragment fn fs(v: VOut) -> @location(0) vec4f {
  let uv = v.uv;
  let f = textureSampleLevel(frame, samp, uv, 0.0).rgb;
  if (u.mode == 0) { return vec4f(f, 1.0); }
  var a = 0.0;
  if (u.veil < 0.5) { a = smoothstep(u.edgeLo, u.edgeHi, textureSampleLevel(mask, samp, uv, 0.0).r); }
  let color = vec3f(u.r, u.g, u.b);
  var back = color;
  if (u.mode == 1) {
    let b = textureSampleLevel(bg, samp, uv, 0.0);
    back = b.rgb / max(b.a, 1e-4);
  } else if (u.mode == 3) {
    let t = uv * vec2f(u.sx, u.sy) + vec2f(u.ox, u.oy);
    let s = textureSampleLevel(bg, samp, t, 0.0).rgb;
    back = select(s, color, t.x < 0.0 || t.y < 0.0 || t.x > 1.0 || t.y > 1.0);
  }
  return vec4f(mix(back, f, a), 1.0);
}`;

/** The blend stage. */
export interface BlendStage {
  /** Record the blend of `frame`, `mask` and `bg` into `out` (the canvas texture). */
  render(encoder: GPUCommandEncoder, frame: GPUTextureView, mask: GPUTextureView, bg: GPUTextureView, out: GPUTextureView, p: BlendParams): void;
}

/** Build the stage drawing into `format` (the canvas's). */
export function createBlendStage(ctx: GpuContext, format: GPUTextureFormat): BlendStage {
  const program = ctx.render(FS, ['float', 'float', 'float', 'sampler', 'uniform'], format);
  const uniforms = ctx.uniforms('iffffffffff');
  return {
    render(encoder, frame, mask, bg, out, p) {
      uniforms.set(p.mode, p.veil ? 1 : 0, p.edges[0], p.edges[1], p.color[0], p.color[1], p.color[2], p.bgRect[0], p.bgRect[1], p.bgRect[2], p.bgRect[3]);
      ctx.draw(encoder, program, ctx.bind(program, [frame, mask, bg, ctx.linear, uniforms.buffer]), out);
    },
  };
}
