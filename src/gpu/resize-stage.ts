/**
 * GPU resize of the camera texture to the model's square input: one bilinear tap per output
 * pixel at its centre, the same sampling as the CPU path's `toModelInput` (the frame is stretched
 * to the square, as MediaPipe does). Output: RGBA16F (RGBA8 without half-float render targets).
 */
import { glsl, type GlContext, type Target } from '../compositor/webgl/gl.js';

const FS = glsl`#version 300 es
precision highp float;
uniform sampler2D u_frame;
in vec2 v_uv;
out vec4 o;
void main() {
  // Fragment row 0 is texel row 0 of the target, sampled from row 0 (the top) of the frame
  // texture: rows stay top first, which is the order tfjs reads the texture in. No flip.
  o = vec4(texture(u_frame, v_uv).rgb, 1.0);
}`;

/** The resize stage. */
export interface ResizeStage {
  /** Draw `frame` into the stage's `width`×`height` target and return it. */
  render(frame: WebGLTexture, width: number, height: number): Target;
}

/** Build the stage on a tracker (the stage's objects are deleted with it). */
export function createResizeStage(ctx: GlContext): ResizeStage {
  const { gl } = ctx;
  const program = ctx.program(FS);
  let target: Target | undefined;
  return {
    render(frame, width, height) {
      target = ctx.target(width, height, target);
      gl.useProgram(program);
      gl.activeTexture(gl.TEXTURE0);
      gl.bindTexture(gl.TEXTURE_2D, frame);
      gl.uniform1i(ctx.uniform(program, 'u_frame'), 0);
      ctx.draw(program, target, width, height);
      return target;
    },
  };
}
