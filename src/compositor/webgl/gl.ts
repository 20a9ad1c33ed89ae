/**
 * Small WebGL2 helpers shared by the compositor stages: one context object holding the gl
 * context, a full-screen triangle, and a tracker that deletes every GL object it created.
 */
import { CompositorError } from '../../errors.js';
import { debugCounters } from '../../internal/debug.js';

/** Tagged template for shader source (lets editors highlight GLSL; no processing). */
export const glsl = (strings: TemplateStringsArray, ...values: unknown[]): string =>
  strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ''), '');

/** Vertex shader shared by every pass: a full-screen triangle with `v_uv` in texture space. */
export const FULLSCREEN_VS = glsl`#version 300 es
out vec2 v_uv;
void main() {
  // Vertices (-1,-1) (3,-1) (-1,3) cover the viewport; v_uv 0..1 over it.
  vec2 p = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
  v_uv = p;
  gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}`;

/**
 * Storage of a render target: `'auto'` RGBA16F where renderable (else RGBA8), `'rgba32f'` full
 * float (NEAREST filtering: read it with `texelFetch`), `'rgba8'` bytes (LINEAR).
 */
export type TargetFormat = 'auto' | 'rgba32f' | 'rgba8';

/** A texture with its size and (optionally) a framebuffer rendering into it. */
export interface Target {
  texture: WebGLTexture;
  framebuffer: WebGLFramebuffer | null;
  width: number;
  height: number;
}

/** Everything a stage needs from the context. */
export interface GlContext {
  readonly gl: WebGL2RenderingContext;
  /** True when RGBA16F textures can be rendered to. */
  readonly halfFloat: boolean;
  /** True when RGBA32F textures can be rendered to (EXT_color_buffer_float). */
  readonly float32: boolean;
  /** Compile and link; the program is tracked. */
  program(fs: string, vs?: string): WebGLProgram;
  /** Create a tracked texture (LINEAR, CLAMP_TO_EDGE). */
  texture(): WebGLTexture;
  /** Create (or resize) a render target (`format` is fixed at creation). */
  target(width: number, height: number, previous?: Target, format?: TargetFormat): Target;
  /** Draw the full-screen triangle with `program` into `target` (null = the canvas). */
  draw(program: WebGLProgram, target: Target | null, width: number, height: number): void;
  /** Uniform location lookup (cached per program). */
  uniform(program: WebGLProgram, name: string): WebGLUniformLocation | null;
  /** Delete every tracked object. Idempotent. */
  dispose(): void;
}

/** Wrap a WebGL2 context. */
export function createGlContext(gl: WebGL2RenderingContext): GlContext {
  const programs = new Set<WebGLProgram>();
  const textures = new Set<WebGLTexture>();
  const framebuffers = new Set<WebGLFramebuffer>();
  const uniforms = new Map<WebGLProgram, Map<string, WebGLUniformLocation | null>>();
  const float32 = gl.getExtension('EXT_color_buffer_float') !== null;
  const halfFloat = float32 || gl.getExtension('EXT_color_buffer_half_float') !== null;
  const vao = gl.createVertexArray();
  let vertexShader: WebGLShader | null = null;
  if (vao) debugCounters.glObjects++;
  /** Live objects of this tracker (mirrored in debugCounters.glObjects for leak tests). */
  let live = vao ? 1 : 0;
  const track = <T>(set: Set<T>, o: T): void => {
    if (set.has(o)) return;
    set.add(o);
    live++;
    debugCounters.glObjects++;
  };

  function shader(type: number, source: string): WebGLShader {
    const s = gl.createShader(type);
    if (!s) throw new CompositorError('gl.createShader failed (context lost?)');
    gl.shaderSource(s, source);
    gl.compileShader(s);
    if (!gl.getShaderParameter(s, gl.COMPILE_STATUS) && !gl.isContextLost()) {
      const log = gl.getShaderInfoLog(s);
      gl.deleteShader(s);
      throw new CompositorError(`Shader compile failed: ${log}`);
    }
    return s;
  }

  function texture(): WebGLTexture {
    const t = gl.createTexture();
    if (!t) throw new CompositorError('gl.createTexture failed (context lost?)');
    gl.bindTexture(gl.TEXTURE_2D, t);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.LINEAR);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.LINEAR);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    track(textures, t);
    return t;
  }

  return {
    gl,
    halfFloat,
    float32,
    program(fs: string, vs = FULLSCREEN_VS): WebGLProgram {
      if (!vertexShader) {
        vertexShader = shader(gl.VERTEX_SHADER, FULLSCREEN_VS);
        live++;
        debugCounters.glObjects++;
      }
      const v = vs === FULLSCREEN_VS ? vertexShader : shader(gl.VERTEX_SHADER, vs);
      const f = shader(gl.FRAGMENT_SHADER, fs);
      const p = gl.createProgram();
      if (!p) throw new CompositorError('gl.createProgram failed (context lost?)');
      gl.attachShader(p, v);
      gl.attachShader(p, f);
      gl.linkProgram(p);
      gl.deleteShader(f);
      if (v !== vertexShader) gl.deleteShader(v);
      if (!gl.getProgramParameter(p, gl.LINK_STATUS) && !gl.isContextLost()) {
        const log = gl.getProgramInfoLog(p);
        gl.deleteProgram(p);
        throw new CompositorError(`Program link failed: ${log}`);
      }
      track(programs, p);
      return p;
    },
    texture,
    target(width: number, height: number, previous?: Target, format: TargetFormat = 'auto'): Target {
      if (format === 'rgba32f' && !float32) throw new CompositorError('RGBA32F render targets need EXT_color_buffer_float.');
      const t = previous ?? { texture: texture(), framebuffer: gl.createFramebuffer(), width: 0, height: 0 };
      if (!previous && format === 'rgba32f') {
        gl.bindTexture(gl.TEXTURE_2D, t.texture);
        gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST); // float32 is not filterable
        gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
      }
      if (t.framebuffer) track(framebuffers, t.framebuffer);
      if (t.width !== width || t.height !== height) {
        gl.bindTexture(gl.TEXTURE_2D, t.texture);
        if (format === 'rgba32f') gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA32F, width, height, 0, gl.RGBA, gl.FLOAT, null);
        else if (halfFloat && format === 'auto') gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA16F, width, height, 0, gl.RGBA, gl.HALF_FLOAT, null);
        else gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, width, height, 0, gl.RGBA, gl.UNSIGNED_BYTE, null);
        gl.bindFramebuffer(gl.FRAMEBUFFER, t.framebuffer);
        gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, t.texture, 0);
        gl.bindFramebuffer(gl.FRAMEBUFFER, null);
        t.width = width;
        t.height = height;
      }
      return t;
    },
    draw(program: WebGLProgram, target: Target | null, width: number, height: number): void {
      gl.bindFramebuffer(gl.FRAMEBUFFER, target ? target.framebuffer : null);
      gl.viewport(0, 0, width, height);
      gl.scissor(0, 0, width, height); // a shared context (tfjs's) keeps SCISSOR_TEST enabled
      gl.useProgram(program);
      gl.bindVertexArray(vao);
      gl.drawArrays(gl.TRIANGLES, 0, 3);
    },
    uniform(program: WebGLProgram, name: string): WebGLUniformLocation | null {
      let m = uniforms.get(program);
      if (!m) uniforms.set(program, (m = new Map()));
      if (!m.has(name)) m.set(name, gl.getUniformLocation(program, name));
      return m.get(name) ?? null;
    },
    dispose(): void {
      for (const p of programs) gl.deleteProgram(p);
      for (const t of textures) gl.deleteTexture(t);
      for (const f of framebuffers) gl.deleteFramebuffer(f);
      if (vertexShader) gl.deleteShader(vertexShader);
      if (vao) gl.deleteVertexArray(vao);
      programs.clear();
      textures.clear();
      framebuffers.clear();
      uniforms.clear();
      vertexShader = null;
      debugCounters.glObjects -= live;
      live = 0;
    },
  };
}
