/**
 * Refine stage 2 (WebGL): the model's raw mask sampled bilinearly at the coarse grid G (the mask
 * stretched over the frame, as the model saw it) → p, and its local maximum over a
 * (2·capRadius+1)² window → the cap (the evidence no refined pixel may exceed).
 * GPU twin of `sampleMask` + `maxFilter` (src/refine/refiner.ts). Output RGBA32F: r = p, g = cap.
 */
import { glsl, type GlContext, type Target } from '../../compositor/webgl/gl.js';
import type { GpuMask } from '../../gpu/frame.js';

const FS = glsl`#version 300 es
precision highp float;
precision highp int;
uniform highp sampler2D u_mask;
uniform int u_dense;         // 1: dataToGPU layout (4 values a texel, row y in texel row y); 0: red channel
uniform ivec2 u_maskSize;
uniform ivec2 u_grid;
uniform int u_r;             // cap radius
out vec4 o;
float raw(int x, int y) {
  float v;
  if (u_dense == 1) {
    vec4 t = texelFetch(u_mask, ivec2(x >> 2, y), 0);
    int k = x & 3;
    v = k == 0 ? t.r : k == 1 ? t.g : k == 2 ? t.b : t.a;
  } else {
    v = texelFetch(u_mask, ivec2(x, y), 0).r;
  }
  return clamp(v, 0.0, 1.0);
}
float sampleAt(int gx, int gy) {
  int mw = u_maskSize.x, mh = u_maskSize.y;
  float fy = clamp((float(gy) + 0.5) * float(mh) / float(u_grid.y) - 0.5, 0.0, float(mh - 1));
  int y0 = min(max(0, mh - 2), int(floor(fy)));
  int y1 = min(mh - 1, y0 + 1);
  float wy = fy - float(y0);
  float fx = clamp((float(gx) + 0.5) * float(mw) / float(u_grid.x) - 0.5, 0.0, float(mw - 1));
  int x0 = min(max(0, mw - 2), int(floor(fx)));
  int x1 = min(mw - 1, x0 + 1);
  float wx = fx - float(x0);
  float a = raw(x0, y0), b = raw(x1, y0), c = raw(x0, y1), d = raw(x1, y1);
  float top = a + (b - a) * wx;
  return top + (c + (d - c) * wx - top) * wy;
}
void main() {
  ivec2 P = ivec2(gl_FragCoord.xy);
  float m = 0.0;
  for (int y = max(0, P.y - u_r); y <= min(u_grid.y - 1, P.y + u_r); y++)
    for (int x = max(0, P.x - u_r); x <= min(u_grid.x - 1, P.x + u_r); x++) m = max(m, sampleAt(x, y));
  o = vec4(sampleAt(P.x, P.y), m, 0.0, 1.0);
}`;

/** The evidence stage. */
export interface EvidenceStage {
  /** Sample `mask` at `out`'s grid (sized by the caller) with cap radius `r`. */
  render(mask: GpuMask, out: Target, r: number): void;
}

/** Build the stage. */
export function createEvidenceStage(ctx: GlContext): EvidenceStage {
  const { gl } = ctx;
  const program = ctx.program(FS);
  return {
    render(mask, out, r) {
      gl.useProgram(program);
      gl.activeTexture(gl.TEXTURE0);
      gl.bindTexture(gl.TEXTURE_2D, mask.texture);
      gl.uniform1i(ctx.uniform(program, 'u_mask'), 0);
      gl.uniform1i(ctx.uniform(program, 'u_dense'), mask.layout === 'dense' ? 1 : 0);
      gl.uniform2i(ctx.uniform(program, 'u_maskSize'), mask.width, mask.height);
      gl.uniform2i(ctx.uniform(program, 'u_grid'), out.width, out.height);
      gl.uniform1i(ctx.uniform(program, 'u_r'), r);
      ctx.draw(program, out, out.width, out.height);
    },
  };
}
