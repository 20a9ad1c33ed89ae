/**
 * Refine stage 6 (WebGL): the refined mask at the output grid O: q = A·I + B with A, B and the
 * cap upsampled bilinearly from G (rows first, as the CPU code does), q capped by the evidence,
 * minus the hiding bias, quantised to bytes. GPU twin of `writeOutput` (src/refine/refiner.ts).
 * Output: RGBA8 (LINEAR), r = mask; the compositors sample it stretched over the frame.
 */
import { glsl, type GlContext, type Target } from '../../compositor/webgl/gl.js';

const FS = glsl`#version 300 es
precision highp float;
precision highp int;
uniform sampler2D u_guide;   // O: r = luma
uniform sampler2D u_AB;      // G: r = A, g = B
uniform sampler2D u_cap;     // G: g = cap
uniform ivec2 u_out;
uniform ivec2 u_grid;
uniform float u_bias;
out vec4 o;
void main() {
  ivec2 P = ivec2(gl_FragCoord.xy);
  int gw = u_grid.x, gh = u_grid.y;
  float fy = clamp((float(P.y) + 0.5) / (float(u_out.y) / float(gh)) - 0.5, 0.0, float(gh - 1));
  int y0 = min(max(0, gh - 2), int(floor(fy)));
  int y1 = min(gh - 1, y0 + 1);
  float wy = fy - float(y0);
  float fx = clamp((float(P.x) + 0.5) / (float(u_out.x) / float(gw)) - 0.5, 0.0, float(gw - 1));
  int i0 = min(max(0, gw - 2), int(floor(fx)));
  int i1 = min(gw - 1, i0 + 1);
  float wx = gw > 1 ? fx - float(i0) : 0.0;
  vec2 ab00 = texelFetch(u_AB, ivec2(i0, y0), 0).rg, ab01 = texelFetch(u_AB, ivec2(i0, y1), 0).rg;
  vec2 ab10 = texelFetch(u_AB, ivec2(i1, y0), 0).rg, ab11 = texelFetch(u_AB, ivec2(i1, y1), 0).rg;
  float c00 = texelFetch(u_cap, ivec2(i0, y0), 0).g, c01 = texelFetch(u_cap, ivec2(i0, y1), 0).g;
  float c10 = texelFetch(u_cap, ivec2(i1, y0), 0).g, c11 = texelFetch(u_cap, ivec2(i1, y1), 0).g;
  vec2 r0 = ab00 + (ab01 - ab00) * wy, r1 = ab10 + (ab11 - ab10) * wy;
  float k0 = c00 + (c01 - c00) * wy, k1 = c10 + (c11 - c10) * wy;
  float c = k0 + (k1 - k0) * wx;
  float q = 0.0;
  if (c > u_bias) {
    vec2 ab = r0 + (r1 - r0) * wx;
    q = min(ab.x * texelFetch(u_guide, P, 0).r + ab.y, c) - u_bias;
    q = q <= 0.0 ? 0.0 : q >= 1.0 ? 1.0 : floor(q * 255.0 + 0.5) / 255.0;
  }
  o = vec4(q, q, q, 1.0);
}`;

/** The output stage. */
export interface OutputStage {
  /** Write the refined mask into `out` (O-sized RGBA8). */
  render(guide: Target, AB: Target, cap: Target, out: Target, bias: number): void;
}

/** Build the stage. */
export function createOutputStage(ctx: GlContext): OutputStage {
  const { gl } = ctx;
  const program = ctx.program(FS);
  return {
    render(guide, AB, cap, out, bias) {
      gl.useProgram(program);
      const units: Array<[string, Target]> = [['u_guide', guide], ['u_AB', AB], ['u_cap', cap]];
      units.forEach(([name, t], i) => {
        gl.activeTexture(gl.TEXTURE0 + i);
        gl.bindTexture(gl.TEXTURE_2D, t.texture);
        gl.uniform1i(ctx.uniform(program, name), i);
      });
      gl.uniform2i(ctx.uniform(program, 'u_out'), out.width, out.height);
      gl.uniform2i(ctx.uniform(program, 'u_grid'), AB.width, AB.height);
      gl.uniform1f(ctx.uniform(program, 'u_bias'), bias);
      ctx.draw(program, out, out.width, out.height);
    },
  };
}
