/**
 * Stage 0: the camera frame's CPU planes uploaded as plain byte textures (I420: three R8; NV12:
 * R8 + RG8; RGBA/BGRA: one RGBA8), and the GLSL that samples them as RGB. Uploading planes is a
 * memcpy even on a software GPU; colour conversion happens in the shaders that read the frame.
 */
import { yuvCoefficients, type FramePixels } from '../../frame/pixels.js';
import { glsl, type GlContext } from './gl.js';

/** GLSL declarations + `vec3 frameRGB(vec2 uv)`; include in any shader that reads the frame. */
export const FRAME_GLSL = glsl`
uniform sampler2D u_plane0;
uniform sampler2D u_plane1;
uniform sampler2D u_plane2;
uniform int u_format;      // 0 RGBA, 1 BGRA, 2 I420, 3 NV12
uniform vec4 u_yuv;        // rV, gU, gV, bU
uniform vec3 u_range;      // Y offset, Y scale, chroma scale (all in 0..1 texel units)
vec3 frameRGB(vec2 uv) {
  if (u_format == 0) return texture(u_plane0, uv).rgb;
  if (u_format == 1) return texture(u_plane0, uv).bgr;
  float y = (texture(u_plane0, uv).r - u_range.x) * u_range.y;
  vec2 c = u_format == 2 ? vec2(texture(u_plane1, uv).r, texture(u_plane2, uv).r) : texture(u_plane1, uv).rg;
  c = (c - 128.0 / 255.0) * u_range.z;
  return clamp(vec3(y + u_yuv.x * c.y, y + u_yuv.y * c.x + u_yuv.z * c.y, y + u_yuv.w * c.x), 0.0, 1.0);
}
`;

const FORMAT_CODE = { RGBA: 0, BGRA: 1, I420: 2, NV12: 3 } as const;

/** What the shaders that include {@link FRAME_GLSL} need: the frame bound to texture units. */
export interface FrameBinder {
  /** Bind the frame to texture units `unit..unit+2` and set `program`'s frame uniforms. */
  bind(program: WebGLProgram, unit: number): void;
}

/** Holds the frame's plane textures. */
export interface FrameStage extends FrameBinder {
  /** Upload a frame's planes. */
  upload(p: FramePixels): void;
}

/**
 * A frame that is already an RGBA texture (the GPU-resident path): binds it as plane 0 with the
 * RGBA format code, so every stage that includes {@link FRAME_GLSL} reads it unchanged.
 */
export function textureFrameBinder(ctx: GlContext, texture: () => WebGLTexture): FrameBinder {
  const { gl } = ctx;
  return {
    bind(program, unit) {
      gl.activeTexture(gl.TEXTURE0 + unit);
      gl.bindTexture(gl.TEXTURE_2D, texture());
      gl.uniform1i(ctx.uniform(program, 'u_plane0'), unit);
      // Planes 1 and 2 are not read for RGBA; point them at the same unit.
      gl.uniform1i(ctx.uniform(program, 'u_plane1'), unit);
      gl.uniform1i(ctx.uniform(program, 'u_plane2'), unit);
      gl.uniform1i(ctx.uniform(program, 'u_format'), FORMAT_CODE.RGBA);
    },
  };
}

/** Build the stage. */
export function createFrameStage(ctx: GlContext): FrameStage {
  const { gl } = ctx;
  const planes = [ctx.texture(), ctx.texture(), ctx.texture()] as const;
  let current: FramePixels | null = null;

  function plane(i: number, internal: number, format: number, bpp: number, w: number, h: number, p: FramePixels): void {
    const { offset, stride } = p.planes[i]!;
    gl.bindTexture(gl.TEXTURE_2D, planes[i]!);
    gl.pixelStorei(gl.UNPACK_ROW_LENGTH, stride / bpp);
    gl.texImage2D(gl.TEXTURE_2D, 0, internal, w, h, 0, format, gl.UNSIGNED_BYTE, p.data, offset);
  }

  return {
    upload(p) {
      gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
      gl.pixelStorei(gl.UNPACK_FLIP_Y_WEBGL, false);
      const cw = (p.width + 1) >> 1;
      const ch = (p.height + 1) >> 1;
      switch (p.format) {
        case 'RGBA':
        case 'BGRA':
          plane(0, gl.RGBA8, gl.RGBA, 4, p.width, p.height, p);
          break;
        case 'I420':
          plane(0, gl.R8, gl.RED, 1, p.width, p.height, p);
          plane(1, gl.R8, gl.RED, 1, cw, ch, p);
          plane(2, gl.R8, gl.RED, 1, cw, ch, p);
          break;
        case 'NV12':
          plane(0, gl.R8, gl.RED, 1, p.width, p.height, p);
          plane(1, gl.RG8, gl.RG, 2, cw, ch, p);
          break;
      }
      gl.pixelStorei(gl.UNPACK_ROW_LENGTH, 0);
      current = p;
    },
    bind(program, unit) {
      for (let i = 0; i < 3; i++) {
        gl.activeTexture(gl.TEXTURE0 + unit + i);
        gl.bindTexture(gl.TEXTURE_2D, planes[i]!);
        gl.uniform1i(ctx.uniform(program, `u_plane${i}`), unit + i);
      }
      const p = current;
      if (!p) return;
      gl.uniform1i(ctx.uniform(program, 'u_format'), FORMAT_CODE[p.format]);
      const [rV, gU, gV, bU] = yuvCoefficients(p.matrix);
      gl.uniform4f(ctx.uniform(program, 'u_yuv'), rV, gU, gV, bU);
      if (p.fullRange) gl.uniform3f(ctx.uniform(program, 'u_range'), 0, 1, 1);
      else gl.uniform3f(ctx.uniform(program, 'u_range'), 16 / 255, 255 / 219, 255 / 224);
    },
  };
}
