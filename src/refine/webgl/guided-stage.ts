/**
 * Refine stage 5 (WebGL): guided filter coefficients on the coarse grid G. Pass 1: box means
 * (radius r, windows clipped at the borders and normalised by the pixels inside) of I, p, I², I·p,
 * then a = cov(I,p) / (var(I) + ε), b = mean(p) − a·mean(I). Pass 2: box means of a and b.
 *
 * ref: K. He, J. Sun, X. Tang, "Guided Image Filtering", ECCV 2010 / TPAMI 2013 (Algorithm 1).
 * GPU twin of `guidedCoefficients` (src/refine/guided.ts). Output RGBA32F: r = mean a, g = mean b.
 */
import { glsl, type GlContext, type Target } from '../../compositor/webgl/gl.js';

const COEF_FS = glsl`#version 300 es
precision highp float;
precision highp int;
uniform sampler2D u_I;       // r = guide
uniform sampler2D u_p;       // r = input
uniform ivec2 u_size;
uniform int u_r;
uniform float u_eps;
out vec4 o;
void main() {
  ivec2 P = ivec2(gl_FragCoord.xy);
  int x0 = max(0, P.x - u_r), x1 = min(u_size.x - 1, P.x + u_r);
  int y0 = max(0, P.y - u_r), y1 = min(u_size.y - 1, P.y + u_r);
  vec4 s = vec4(0.0);
  for (int y = y0; y <= y1; y++) for (int x = x0; x <= x1; x++) {
    float i = texelFetch(u_I, ivec2(x, y), 0).r;
    float p = texelFetch(u_p, ivec2(x, y), 0).r;
    s += vec4(i, p, i * i, i * p);
  }
  s /= float((x1 - x0 + 1) * (y1 - y0 + 1));
  float a = (s.w - s.x * s.y) / (s.z - s.x * s.x + u_eps);
  o = vec4(a, s.y - a * s.x, 0.0, 1.0);
}`;

const BOX_FS = glsl`#version 300 es
precision highp float;
precision highp int;
uniform sampler2D u_src;     // rg
uniform ivec2 u_size;
uniform int u_r;
out vec4 o;
void main() {
  ivec2 P = ivec2(gl_FragCoord.xy);
  int x0 = max(0, P.x - u_r), x1 = min(u_size.x - 1, P.x + u_r);
  int y0 = max(0, P.y - u_r), y1 = min(u_size.y - 1, P.y + u_r);
  vec2 s = vec2(0.0);
  for (int y = y0; y <= y1; y++) for (int x = x0; x <= x1; x++) s += texelFetch(u_src, ivec2(x, y), 0).rg;
  o = vec4(s / float((x1 - x0 + 1) * (y1 - y0 + 1)), 0.0, 1.0);
}`;

/** The guided-coefficients stage. */
export interface GuidedStage {
  /** Coefficients of guide `I` and input `p` (R channels, same size) into `out`, via `scratch`. */
  render(I: Target, p: Target, scratch: Target, out: Target, r: number, eps: number): void;
}

/** Build the stage. */
export function createGuidedStage(ctx: GlContext): GuidedStage {
  const { gl } = ctx;
  const coef = ctx.program(COEF_FS);
  const box = ctx.program(BOX_FS);
  return {
    render(I, p, scratch, out, r, eps) {
      gl.useProgram(coef);
      gl.activeTexture(gl.TEXTURE0);
      gl.bindTexture(gl.TEXTURE_2D, I.texture);
      gl.uniform1i(ctx.uniform(coef, 'u_I'), 0);
      gl.activeTexture(gl.TEXTURE1);
      gl.bindTexture(gl.TEXTURE_2D, p.texture);
      gl.uniform1i(ctx.uniform(coef, 'u_p'), 1);
      gl.uniform2i(ctx.uniform(coef, 'u_size'), I.width, I.height);
      gl.uniform1i(ctx.uniform(coef, 'u_r'), r);
      gl.uniform1f(ctx.uniform(coef, 'u_eps'), eps);
      ctx.draw(coef, scratch, scratch.width, scratch.height);
      gl.useProgram(box);
      gl.activeTexture(gl.TEXTURE0);
      gl.bindTexture(gl.TEXTURE_2D, scratch.texture);
      gl.uniform1i(ctx.uniform(box, 'u_src'), 0);
      gl.uniform2i(ctx.uniform(box, 'u_size'), scratch.width, scratch.height);
      gl.uniform1i(ctx.uniform(box, 'u_r'), r);
      ctx.draw(box, out, out.width, out.height);
    },
  };
}
