/**
 * Stage 2 (blur only, WebGPU): separable Gaussian blur of premultiplied (rgb·w, w) at low
 * resolution, ping-ponging between two targets. Dividing by the blurred weight afterwards (in the
 * blend) gives a normalised, mask-aware blur. WGSL twin of the WebGL blur stage (same weights,
 * `gaussianWeights`). ref: https://en.wikipedia.org/wiki/Gaussian_blur (separability)
 */
import { wgsl, type GpuContext, type GpuTarget } from '../../gpu/webgpu/gpu.js';
import { gaussianWeights, MAX_BLUR_TAPS } from '../webgl/blur-stage.js';
import { LOW_FORMAT } from './weight-stage.js';

/** vec4s holding the MAX_BLUR_TAPS + 1 weights. */
const WEIGHT_VEC4S = Math.ceil((MAX_BLUR_TAPS + 1) / 4);

const FS = wgsl`
@group(0) @binding(0) var src: texture_2d<f32>;
@group(0) @binding(1) var samp: sampler;
struct U { stepX: f32, stepY: f32, taps: i32, pad: f32, w: array<vec4f, ${WEIGHT_VEC4S}> };
@group(0) @binding(2) var<uniform> u: U;
fn weight(i: i32) -> f32 { return u.w[i / 4][i % 4]; }
@fragment fn fs(v: VOut) -> @location(0) vec4f {
  let step = vec2f(u.stepX, u.stepY);
  var acc = textureSampleLevel(src, samp, v.uv, 0.0) * weight(0);
  for (var i = 1; i <= ${MAX_BLUR_TAPS}; i++) {
    if (i > u.taps) { break; }
    let d = step * f32(i);
    acc += (textureSampleLevel(src, samp, v.uv + d, 0.0) + textureSampleLevel(src, samp, v.uv - d, 0.0)) * weight(i);
  }
  return acc;
}`;

/** The separable blur stage. */
export interface BlurStage {
  /** Record the blur of `a` in place (via `b`); `sigma` is in `a`'s texels. */
  render(encoder: GPUCommandEncoder, a: GpuTarget, b: GpuTarget, sigma: number): void;
}

/** Build the stage. */
export function createBlurStage(ctx: GpuContext): BlurStage {
  const program = ctx.render(FS, ['float', 'sampler', 'uniform'], LOW_FORMAT);
  const layout = `ffif${'f'.repeat(WEIGHT_VEC4S * 4)}`;
  const horizontal = ctx.uniforms(layout);
  const vertical = ctx.uniforms(layout);
  let cachedSigma = -1;
  let weights: number[] = [];
  let taps = 1;
  return {
    render(encoder, a, b, sigma) {
      if (sigma !== cachedSigma) {
        const w = gaussianWeights(sigma);
        weights = Array.from({ length: WEIGHT_VEC4S * 4 }, (_, i) => w[i] ?? 0);
        taps = Math.min(MAX_BLUR_TAPS, Math.max(1, Math.ceil(sigma * 2.5)));
        cachedSigma = sigma;
      }
      // One uniform buffer per pass: both are written before the frame's one submit.
      horizontal.set(1 / a.width, 0, taps, 0, ...weights);
      ctx.draw(encoder, program, ctx.bind(program, [a.view, ctx.linear, horizontal.buffer]), b.view);
      vertical.set(0, 1 / b.height, taps, 0, ...weights);
      ctx.draw(encoder, program, ctx.bind(program, [b.view, ctx.linear, vertical.buffer]), a.view);
    },
  };
}
