/**
 * Stage 1 (blur only): downsample the camera frame with the person masked out, premultiplied by a
 * background weight, so the blur that follows never smears the person into the background
 * (leak vector L7, "halo"). Output: low-res RGBA = (rgb·w, w).
 */
import type { FrameBinder } from './frame-stage.js';
import { FRAME_GLSL } from './frame-stage.js';
import { glsl, type GlContext, type Target } from './gl.js';

const FS = glsl`#version 300 es
precision highp float;
${FRAME_GLSL}
uniform sampler2D u_mask;
uniform vec2 u_texel;      // one full-resolution texel in uv
uniform float u_veil;      // 1: no mask clears this frame, everything is background
uniform vec2 u_exclude;    // smoothstep edges: mask above u_exclude.y contributes nothing
in vec2 v_uv;
out vec4 o;
vec4 tap(vec2 uv) {
  vec3 c = frameRGB(uv);
  float m = texture(u_mask, uv).r;
  float w = mix(1.0 - smoothstep(u_exclude.x, u_exclude.y, m), 1.0, u_veil);
  return vec4(c * w, w);
}
void main() {
  // Four bilinear taps cover the footprint of one low-res texel (anti-aliased downsample).
  vec2 d = u_texel;
  o = 0.25 * (tap(v_uv + vec2(-d.x, -d.y)) + tap(v_uv + vec2(d.x, -d.y)) + tap(v_uv + vec2(-d.x, d.y)) + tap(v_uv + vec2(d.x, d.y)));
}`;

/** The masked downsample stage. */
export interface WeightStage {
  /** Render into `target` from the frame and mask textures. */
  render(frame: FrameBinder, mask: WebGLTexture, target: Target, frameWidth: number, frameHeight: number, veil: boolean): void;
  /** Nothing per-size to keep; present for the stage contract. */
}

/** Mask values below `lo` count fully as background; above `hi` they are excluded from the blur. */
export const BLUR_EXCLUDE_EDGES: readonly [number, number] = [0.2, 0.5];

/** Build the stage. */
export function createWeightStage(ctx: GlContext): WeightStage {
  const { gl } = ctx;
  const program = ctx.program(FS);
  return {
    render(frame, mask, target, frameWidth, frameHeight, veil) {
      gl.useProgram(program);
      frame.bind(program, 0);
      gl.activeTexture(gl.TEXTURE3);
      gl.bindTexture(gl.TEXTURE_2D, mask);
      gl.uniform1i(ctx.uniform(program, 'u_mask'), 3);
      // Offsets of a quarter low-res texel, in full-res uv.
      const sx = frameWidth / target.width;
      const sy = frameHeight / target.height;
      gl.uniform2f(ctx.uniform(program, 'u_texel'), (0.25 * sx) / frameWidth, (0.25 * sy) / frameHeight);
      gl.uniform1f(ctx.uniform(program, 'u_veil'), veil ? 1 : 0);
      gl.uniform2f(ctx.uniform(program, 'u_exclude'), BLUR_EXCLUDE_EDGES[0], BLUR_EXCLUDE_EDGES[1]);
      ctx.draw(program, target, target.width, target.height);
    },
  };
}
