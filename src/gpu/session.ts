/**
 * The GPU-resident path's shared context: tfjs's own WebGL2 context (the webgl backend's gpgpu
 * `gl`), borrowed by the frame reader, the segmenter's resize, the WebGL refiner and the
 * compositor, so the camera frame, the model's input and output, the refined mask and the output
 * frame never leave the GPU.
 *
 * Sharing is made safe by {@link GpuSession.run}: every draw of ours runs inside it, and the GL
 * state tfjs relies on (program, vertex array, framebuffer, viewport, scissor, active texture and
 * the bindings of the units we use, unpack parameters) is saved before and restored after.
 *
 * Context loss: while lost, `lost` is true and every stage refuses to draw (the pipeline veils or
 * withholds frames). On restore the tfjs webgl backend is rebuilt on the same canvas (its old
 * tensors, the model's weights included, died with the context), `generation` increments, and
 * the registered restore callbacks run (the segmenter reloads its model); stages compare
 * `generation` and rebuild their GL objects lazily.
 *
 * Ownership: each stage owns its own tracker of GL objects (deleted in its `dispose`); the session
 * owns only its listeners. The GPU segmenter, last in the pipeline's teardown, disposes it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createGlContext, type GlContext } from '../compositor/webgl/gl.js';
import { CompositorError, UnsupportedEnvironmentError } from '../errors.js';
import { debugHooks } from '../internal/debug.js';

/** tfjs's active webgl backend's context and canvas. */
export interface TfjsGl {
  gl: WebGL2RenderingContext;
  canvas: OffscreenCanvas;
}

/**
 * The active tfjs webgl backend's WebGL2 context, found by narrowing (no private API beyond the
 * documented `gpgpu.gl` of `MathBackendWebGL`).
 * @throws UnsupportedEnvironmentError when the active backend is not webgl on WebGL2 + OffscreenCanvas
 */
export function tfjsWebgl(): TfjsGl {
  const backend: object = tf.backend();
  const gpgpu = 'gpgpu' in backend ? backend.gpgpu : null;
  const gl = gpgpu !== null && typeof gpgpu === 'object' && 'gl' in gpgpu ? gpgpu.gl : null;
  if (typeof WebGL2RenderingContext !== 'function' || !(gl instanceof WebGL2RenderingContext)) {
    throw new UnsupportedEnvironmentError(['WebGL2'], 'The GPU-resident path needs the tfjs webgl backend on WebGL2.');
  }
  const canvas = gl.canvas;
  if (typeof OffscreenCanvas !== 'function' || !(canvas instanceof OffscreenCanvas)) {
    throw new UnsupportedEnvironmentError(['OffscreenCanvas'], 'The GPU-resident path needs tfjs on an OffscreenCanvas.');
  }
  return { gl, canvas };
}

/** Highest texture unit (exclusive) our stages bind; their bindings are saved and restored. */
const UNITS = 8;

/** Snapshot the state tfjs expects and return a function that puts it back. */
export function saveGlState(gl: WebGL2RenderingContext): () => void {
  const program: WebGLProgram | null = gl.getParameter(gl.CURRENT_PROGRAM);
  const vao: WebGLVertexArrayObject | null = gl.getParameter(gl.VERTEX_ARRAY_BINDING);
  const fb: WebGLFramebuffer | null = gl.getParameter(gl.FRAMEBUFFER_BINDING);
  const viewport: Int32Array = gl.getParameter(gl.VIEWPORT);
  const scissor: Int32Array = gl.getParameter(gl.SCISSOR_BOX);
  const active: number = gl.getParameter(gl.ACTIVE_TEXTURE);
  const bound: Array<WebGLTexture | null> = [];
  for (let i = 0; i < UNITS; i++) {
    gl.activeTexture(gl.TEXTURE0 + i);
    bound.push(gl.getParameter(gl.TEXTURE_BINDING_2D));
  }
  const align: number = gl.getParameter(gl.UNPACK_ALIGNMENT);
  const rowLength: number = gl.getParameter(gl.UNPACK_ROW_LENGTH);
  const flip: boolean = gl.getParameter(gl.UNPACK_FLIP_Y_WEBGL);
  return () => {
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, align);
    gl.pixelStorei(gl.UNPACK_ROW_LENGTH, rowLength);
    gl.pixelStorei(gl.UNPACK_FLIP_Y_WEBGL, flip);
    for (let i = 0; i < UNITS; i++) {
      gl.activeTexture(gl.TEXTURE0 + i);
      gl.bindTexture(gl.TEXTURE_2D, bound[i] ?? null);
    }
    gl.activeTexture(active);
    gl.viewport(viewport[0]!, viewport[1]!, viewport[2]!, viewport[3]!);
    gl.scissor(scissor[0]!, scissor[1]!, scissor[2]!, scissor[3]!);
    gl.bindFramebuffer(gl.FRAMEBUFFER, fb);
    gl.bindVertexArray(vao);
    gl.useProgram(program);
  };
}

/** See the module comment. */
export interface GpuSession {
  readonly gl: WebGL2RenderingContext;
  readonly canvas: OffscreenCanvas;
  /** Increments each time the context is rebuilt after a loss. */
  readonly generation: number;
  /** True from context loss until the rebuild after restore has finished. */
  readonly lost: boolean;
  /** Run `fn` (our GL calls) with tfjs's GL state saved and restored around it. */
  run<T>(fn: () => T): T;
  /** A tracker for one stage's GL objects in the current context (the stage disposes it). */
  tracker(): GlContext;
  /** Throw a `CompositorError` unless the context is usable. */
  check(): void;
  /** Called (awaited) after each rebuild, before `lost` turns false. */
  onRebuild(fn: () => Promise<void>): void;
  /** Stop listening; delete the session's own objects. Idempotent. */
  dispose(): void;
}

/** Rebuild the tfjs webgl backend on `canvas` (after its context was restored). */
async function rebuildTfjsBackend(canvas: OffscreenCanvas): Promise<void> {
  const webgl = await import('@tensorflow/tfjs-backend-webgl');
  try {
    tf.removeBackend('webgl'); // disposes the dead backend; its tensors are gone with the context
  } catch {
    /* disposing on a lost context may throw; the registry entry is removed either way */
  }
  tf.registerBackend('webgl', () => new webgl.MathBackendWebGL(canvas), 2);
  if (!(await tf.setBackend('webgl'))) throw new UnsupportedEnvironmentError(['webgl'], 'tfjs webgl backend did not restart after context loss.');
}

/** Open a session on the active tfjs webgl backend. */
export function createGpuSession(): GpuSession {
  const { gl, canvas } = tfjsWebgl();
  let generation = 0;
  let lost = gl.isContextLost();
  let disposed = false;
  const rebuilds: Array<() => Promise<void>> = [];

  const onLost = (): void => {
    lost = true; // tfjs's own listener calls preventDefault, so the context may be restored
  };
  const onRestored = (): void => {
    if (disposed) return;
    void (async () => {
      try {
        await rebuildTfjsBackend(canvas);
        generation++;
        for (const fn of rebuilds) await fn();
        if (!disposed && !gl.isContextLost()) lost = false;
      } catch {
        // Stays lost: every frame keeps being veiled or withheld (fail closed).
      }
    })();
  };
  canvas.addEventListener('webglcontextlost', onLost);
  canvas.addEventListener('webglcontextrestored', onRestored);
  debugHooks.webglCanvases.add(canvas);

  return {
    gl,
    canvas,
    get generation() {
      return generation;
    },
    get lost() {
      return lost || gl.isContextLost();
    },
    run<T>(fn: () => T): T {
      const restore = saveGlState(gl);
      try {
        return fn();
      } finally {
        restore();
      }
    },
    tracker: () => createGlContext(gl),
    check(): void {
      if (disposed) throw new CompositorError('GPU session was disposed.');
      if (lost || gl.isContextLost()) throw new CompositorError('WebGL context lost; frames are withheld until it is restored.');
    },
    onRebuild(fn) {
      rebuilds.push(fn);
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      canvas.removeEventListener('webglcontextlost', onLost);
      canvas.removeEventListener('webglcontextrestored', onRestored);
      debugHooks.webglCanvases.delete(canvas);
      rebuilds.length = 0;
    },
  };
}
