/**
 * Stage 3: the final pass onto the output canvas. Person pixels (by the upsampled mask) come from
 * the camera; everything else from the effect's background. Bilinear mask upsampling with a
 * smoothstep feather; refinement (edge-aware upsampling, temporal smoothing) is a later stage.
 */
import { FRAME_GLSL, type FrameBinder } from './frame-stage.js';
import { glsl, type GlContext } from './gl.js';
import { DEFAULT_FEATHER, personEdges } from '../../options.js';

/** What the background is. */
export const BlendMode = Object.freeze({ Passthrough: 0, Blur: 1, Color: 2, Texture: 3 } as const);
/** One of {@link BlendMode}'s values. */
export type BlendMode = (typeof BlendMode)[keyof typeof BlendMode];

const FS = glsl`#version 300 es
precision highp float;
${FRAME_GLSL}
uniform sampler2D u_mask;
uniform sampler2D u_bg;
uniform int u_mode;
uniform float u_veil;
uniform vec2 u_edge;       // smoothstep edges of the person alpha
uniform vec3 u_color;      // colour background, and letterbox colour for 'contain'
uniform vec4 u_bgRect;     // texture background: uv scale (xy) and offset (zw)
in vec2 v_uv;
out vec4 o;
void main() {
  vec2 uv = vec2(v_uv.x, 1.0 - v_uv.y);   // the canvas is bottom-up, textures top-down
  vec3 f = frameRGB(uv);
  if (u_mode == 0) { o = vec4(f, 1.0); return; }
  float a = u_veil > 0.5 ? 0.0 : smoothstep(u_edge.x, u_edge.y, texture(u_mask, uv).r);
  vec3 bg;
  if (u_mode == 1) {
    vec4 b = texture(u_bg, uv);
    bg = b.rgb / max(b.a, 1e-4);
  } else if (u_mode == 2) {
    bg = u_color;
  } else {
    vec2 t = uv * u_bgRect.xy + u_bgRect.zw;
    bg = (t.x < 0.0 || t.y < 0.0 || t.x > 1.0 || t.y > 1.0) ? u_color : texture(u_bg, t).rgb;
  }
  o = vec4(mix(bg, f, a), 1.0);
}`;

/**
 * Default person alpha = smoothstep(lo, hi, mask): the edges of the default `feather`
 * ({@link DEFAULT_FEATHER}, 0.35–0.65), so the option and the compositors share one default.
 */
export const PERSON_EDGES: readonly [number, number] = personEdges(DEFAULT_FEATHER);

/** Per-frame parameters of the blend. */
export interface BlendParams {
  mode: BlendMode;
  veil: boolean;
  color: readonly [number, number, number];
  /** uv → background uv: scale xy, offset zw. */
  bgRect: readonly [number, number, number, number];
  /** Mask values between which the person fades in (smoothstep edges). */
  edges: readonly [number, number];
}

/** The blend stage. */
export interface BlendStage {
  render(frame: FrameBinder, mask: WebGLTexture, bg: WebGLTexture | null, width: number, height: number, p: BlendParams): void;
}

/** Build the stage. */
export function createBlendStage(ctx: GlContext): BlendStage {
  const { gl } = ctx;
  const program = ctx.program(FS);
  return {
    render(frame, mask, bg, width, height, p) {
      gl.useProgram(program);
      frame.bind(program, 0);
      const units: Array<[string, WebGLTexture | null]> = [['u_mask', mask], ['u_bg', bg]];
      units.forEach(([name, tex], i) => {
        gl.activeTexture(gl.TEXTURE3 + i);
        gl.bindTexture(gl.TEXTURE_2D, tex);
        gl.uniform1i(ctx.uniform(program, name), 3 + i);
      });
      gl.uniform1i(ctx.uniform(program, 'u_mode'), p.mode);
      gl.uniform1f(ctx.uniform(program, 'u_veil'), p.veil ? 1 : 0);
      gl.uniform2f(ctx.uniform(program, 'u_edge'), p.edges[0], p.edges[1]);
      gl.uniform3f(ctx.uniform(program, 'u_color'), p.color[0], p.color[1], p.color[2]);
      gl.uniform4f(ctx.uniform(program, 'u_bgRect'), p.bgRect[0], p.bgRect[1], p.bgRect[2], p.bgRect[3]);
      ctx.draw(program, null, width, height);
    },
  };
}

/**
 * uv transform that fits a `iw`×`ih` image into a `w`×`h` frame ('cover' crops, 'contain' pads).
 */
export function fitRect(fit: 'cover' | 'contain', w: number, h: number, iw: number, ih: number): [number, number, number, number] {
  const scale = fit === 'cover' ? Math.max(w / iw, h / ih) : Math.min(w / iw, h / ih);
  const sx = w / (iw * scale);
  const sy = h / (ih * scale);
  return [sx, sy, 0.5 - sx / 2, 0.5 - sy / 2];
}
