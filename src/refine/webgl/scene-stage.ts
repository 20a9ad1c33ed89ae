/**
 * Refine stage 3 (WebGL): the scene-cut measure, the mean absolute difference of this frame's
 * coarse guide and the previous one, reduced on the GPU (row sums into a 1×h target, then one
 * 1×1 mean) so the temporal stage can read it without any readback.
 * GPU twin of `meanAbsDiff` (src/refine/temporal.ts). Output: R of a 1×1 RGBA32F target.
 */
import { glsl, type GlContext, type Target } from '../../compositor/webgl/gl.js';

/** Longest row or column the reduction handles (the coarse grid is ~160×90). */
export const MAX_SCENE_SIDE = 4096;

const ROWS_FS = glsl`#version 300 es
precision highp float;
precision highp int;
uniform sampler2D u_a;
uniform sampler2D u_b;
uniform int u_w;
out vec4 o;
void main() {
  int y = int(gl_FragCoord.y);
  float sum = 0.0;
  for (int x = 0; x < ${MAX_SCENE_SIDE}; x++) {
    if (x >= u_w) break;
    sum += abs(texelFetch(u_a, ivec2(x, y), 0).r - texelFetch(u_b, ivec2(x, y), 0).r);
  }
  o = vec4(sum, 0.0, 0.0, 1.0);
}`;

const TOTAL_FS = glsl`#version 300 es
precision highp float;
precision highp int;
uniform sampler2D u_rows;
uniform int u_h;
uniform float u_n;
out vec4 o;
void main() {
  float sum = 0.0;
  for (int y = 0; y < ${MAX_SCENE_SIDE}; y++) {
    if (y >= u_h) break;
    sum += texelFetch(u_rows, ivec2(0, y), 0).r;
  }
  o = vec4(sum / u_n, 0.0, 0.0, 1.0);
}`;

/** The scene-cut stage. */
export interface SceneStage {
  /** Mean |a − b| over `a`'s size (R channels) into the stage's 1×1 target, which it returns. */
  render(a: Target, b: Target): Target;
}

/** Build the stage. */
export function createSceneStage(ctx: GlContext): SceneStage {
  const { gl } = ctx;
  const rowsProgram = ctx.program(ROWS_FS);
  const totalProgram = ctx.program(TOTAL_FS);
  let rows: Target | undefined;
  let total: Target | undefined;
  return {
    render(a, b) {
      rows = ctx.target(1, a.height, rows, 'rgba32f');
      total = ctx.target(1, 1, total, 'rgba32f');
      gl.useProgram(rowsProgram);
      gl.activeTexture(gl.TEXTURE0);
      gl.bindTexture(gl.TEXTURE_2D, a.texture);
      gl.uniform1i(ctx.uniform(rowsProgram, 'u_a'), 0);
      gl.activeTexture(gl.TEXTURE1);
      gl.bindTexture(gl.TEXTURE_2D, b.texture);
      gl.uniform1i(ctx.uniform(rowsProgram, 'u_b'), 1);
      gl.uniform1i(ctx.uniform(rowsProgram, 'u_w'), a.width);
      ctx.draw(rowsProgram, rows, 1, a.height);
      gl.useProgram(totalProgram);
      gl.activeTexture(gl.TEXTURE0);
      gl.bindTexture(gl.TEXTURE_2D, rows.texture);
      gl.uniform1i(ctx.uniform(totalProgram, 'u_rows'), 0);
      gl.uniform1i(ctx.uniform(totalProgram, 'u_h'), a.height);
      gl.uniform1f(ctx.uniform(totalProgram, 'u_n'), a.width * a.height);
      ctx.draw(totalProgram, total, 1, 1);
      return total;
    },
  };
}
