/**
 * Refine stage 1 (WebGL): the guide. Luma of the camera texture at the output grid O, each sample
 * the mean of the 2×2 source pixels nearest to the output pixel's centre (BT.601 weights
 * 77/150/29 of 256), then its `subsample`×`subsample` block means at the coarse grid G.
 * GPU twin of `extractLuma` + `blockMean` (src/refine/guided.ts); outputs R of RGBA32F targets.
 */
import { glsl, type GlContext, type Target } from '../../compositor/webgl/gl.js';

const LUMA_FS = glsl`#version 300 es
precision highp float;
precision highp int;
uniform sampler2D u_frame;   // RGBA, row 0 = top
uniform ivec2 u_src;         // frame size
uniform vec2 u_scale;        // frame size / output size
out vec4 o;
float luma(int x, int y) {
  vec3 c = texelFetch(u_frame, ivec2(x, y), 0).rgb;
  return dot(c, vec3(77.0, 150.0, 29.0)) / 256.0;
}
void main() {
  ivec2 P = ivec2(gl_FragCoord.xy);
  int c0 = clamp(int(floor((float(P.x) + 0.5) * u_scale.x - 0.5)), 0, u_src.x - 1);
  int r0 = clamp(int(floor((float(P.y) + 0.5) * u_scale.y - 0.5)), 0, u_src.y - 1);
  int c1 = min(u_src.x - 1, c0 + 1);
  int r1 = min(u_src.y - 1, r0 + 1);
  o = vec4(0.25 * (luma(c0, r0) + luma(c1, r0) + luma(c0, r1) + luma(c1, r1)), 0.0, 0.0, 1.0);
}`;

const BLOCK_FS = glsl`#version 300 es
precision highp float;
precision highp int;
uniform sampler2D u_src;     // R, size u_size
uniform ivec2 u_size;
uniform int u_s;             // block side, 1..8
out vec4 o;
void main() {
  ivec2 P = ivec2(gl_FragCoord.xy);
  int x0 = P.x * u_s, y0 = P.y * u_s;
  int x1 = min(u_size.x, x0 + u_s), y1 = min(u_size.y, y0 + u_s);
  float sum = 0.0;
  for (int y = y0; y < y1; y++) for (int x = x0; x < x1; x++) sum += texelFetch(u_src, ivec2(x, y), 0).r;
  o = vec4(sum / float((y1 - y0) * (x1 - x0)), 0.0, 0.0, 1.0);
}`;

/** The guide stage. */
export interface GuideStage {
  /** Luma of `frame` (`fw`×`fh`) at O into `o` (sized `ow`×`oh` by the caller). */
  luma(frame: WebGLTexture, fw: number, fh: number, o: Target): void;
  /** Block means of `o` into `g` (sized ceil(ow/s)×ceil(oh/s) by the caller). */
  block(o: Target, g: Target, s: number): void;
}

/** Build the stage. */
export function createGuideStage(ctx: GlContext): GuideStage {
  const { gl } = ctx;
  const luma = ctx.program(LUMA_FS);
  const block = ctx.program(BLOCK_FS);
  return {
    luma(frame, fw, fh, o) {
      gl.useProgram(luma);
      gl.activeTexture(gl.TEXTURE0);
      gl.bindTexture(gl.TEXTURE_2D, frame);
      gl.uniform1i(ctx.uniform(luma, 'u_frame'), 0);
      gl.uniform2i(ctx.uniform(luma, 'u_src'), fw, fh);
      gl.uniform2f(ctx.uniform(luma, 'u_scale'), fw / o.width, fh / o.height);
      ctx.draw(luma, o, o.width, o.height);
    },
    block(o, g, s) {
      gl.useProgram(block);
      gl.activeTexture(gl.TEXTURE0);
      gl.bindTexture(gl.TEXTURE_2D, o.texture);
      gl.uniform1i(ctx.uniform(block, 'u_src'), 0);
      gl.uniform2i(ctx.uniform(block, 'u_size'), o.width, o.height);
      gl.uniform1i(ctx.uniform(block, 'u_s'), s);
      ctx.draw(block, g, g.width, g.height);
    },
  };
}
