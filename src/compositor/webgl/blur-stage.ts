/**
 * Stage 2 (blur only): separable Gaussian blur of premultiplied (rgb·w, w) at low resolution,
 * ping-ponging between two targets. Dividing by the blurred weight afterwards gives a
 * normalised, mask-aware blur. ref: https://en.wikipedia.org/wiki/Gaussian_blur (separability)
 */
import { glsl, type GlContext, type Target } from './gl.js';

/** Most taps on each side of the centre. */
export const MAX_BLUR_TAPS = 24;

const FS = glsl`#version 300 es
precision highp float;
uniform sampler2D u_src;
uniform vec2 u_step;                 // one texel along the blur direction
uniform int u_taps;                  // taps on each side
uniform float u_weights[${MAX_BLUR_TAPS + 1}];
in vec2 v_uv;
out vec4 o;
void main() {
  vec4 acc = texture(u_src, v_uv) * u_weights[0];
  for (int i = 1; i <= ${MAX_BLUR_TAPS}; i++) {
    if (i > u_taps) break;
    vec2 d = u_step * float(i);
    acc += (texture(u_src, v_uv + d) + texture(u_src, v_uv - d)) * u_weights[i];
  }
  o = acc;
}`;

/** Normalised 1-D Gaussian weights for `sigma` (in texels): centre first, then one side. */
export function gaussianWeights(sigma: number): Float32Array<ArrayBuffer> {
  const taps = Math.min(MAX_BLUR_TAPS, Math.max(1, Math.ceil(sigma * 2.5)));
  const w = new Float32Array(MAX_BLUR_TAPS + 1);
  let sum = 0;
  for (let i = 0; i <= taps; i++) {
    w[i] = Math.exp((-i * i) / (2 * sigma * sigma));
    sum += i === 0 ? w[i]! : 2 * w[i]!;
  }
  for (let i = 0; i <= taps; i++) w[i]! /= sum;
  return w;
}

/** The separable blur stage. */
export interface BlurStage {
  /** Blur `a` in place (uses `b` as scratch). `sigma` is in `a`'s texels. */
  render(a: Target, b: Target, sigma: number): void;
}

/** Build the stage. */
export function createBlurStage(ctx: GlContext): BlurStage {
  const { gl } = ctx;
  const program = ctx.program(FS);
  let cachedSigma = -1;
  let weights: Float32Array<ArrayBuffer> = new Float32Array(MAX_BLUR_TAPS + 1);
  let taps = 1;
  function pass(src: Target, dst: Target, dx: number, dy: number): void {
    gl.useProgram(program);
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, src.texture);
    gl.uniform1i(ctx.uniform(program, 'u_src'), 0);
    gl.uniform2f(ctx.uniform(program, 'u_step'), dx / src.width, dy / src.height);
    gl.uniform1i(ctx.uniform(program, 'u_taps'), taps);
    gl.uniform1fv(ctx.uniform(program, 'u_weights'), weights);
    ctx.draw(program, dst, dst.width, dst.height);
  }
  return {
    render(a, b, sigma) {
      if (sigma !== cachedSigma) {
        weights = gaussianWeights(sigma);
        taps = Math.min(MAX_BLUR_TAPS, Math.max(1, Math.ceil(sigma * 2.5)));
        cachedSigma = sigma;
      }
      pass(a, b, 1, 0);
      pass(b, a, 0, 1);
    },
  };
}
