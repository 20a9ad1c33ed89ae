/**
 * Camera frames on the GPU-resident path: each `VideoFrame` is uploaded (`texImage2D`) into one
 * reused RGBA8 texture in tfjs's context, and closed by the pipeline right after. No CPU copy of
 * the pixels is made by this code (the browser may still copy inside `texImage2D` on a software
 * GPU).
 */
import { CompositorError } from '../errors.js';
import type { FrameReader } from '../frame/pixels.js';
import { debugCounters } from '../internal/debug.js';
import type { GlContext } from '../compositor/webgl/gl.js';
import type { GpuSession } from './session.js';

/** A camera frame as a texture (top row first, RGBA, LINEAR, CLAMP_TO_EDGE). */
export interface GpuFrame {
  readonly texture: WebGLTexture;
  readonly width: number;
  readonly height: number;
}

/**
 * A person mask as a texture. `'dense'`: the tfjs `dataToGPU` layout, float, four consecutive
 * values per texel, row `y` of the mask in texel row `y` (read it with `texelFetch`). `'r'`: one
 * value per texel in the red channel (sample it with `texture()`).
 */
export interface GpuMask {
  readonly texture: WebGLTexture;
  readonly layout: 'dense' | 'r';
  readonly width: number;
  readonly height: number;
}

/** {@link FrameReader} into a texture, plus disposal of that texture. */
export interface GpuFrameReader extends FrameReader<GpuFrame> {
  /** Delete the texture. Idempotent. */
  dispose(): void;
}

/** Create the reader; its texture lives in the session's context. */
export function createGpuFrameReader(session: GpuSession): GpuFrameReader {
  let ctx: GlContext | null = null;
  let texture: WebGLTexture | null = null;
  let generation = -1;
  let disposed = false;
  return {
    async read(image): Promise<GpuFrame> {
      if (disposed) throw new CompositorError('Frame reader was disposed.');
      session.check();
      const { gl } = session;
      const width = image instanceof VideoFrame ? image.displayWidth : image.width;
      const height = image instanceof VideoFrame ? image.displayHeight : image.height;
      return session.run(() => {
        if (!ctx || generation !== session.generation) {
          ctx?.dispose(); // its objects died with the old context; this settles the bookkeeping
          ctx = session.tracker();
          texture = ctx.texture();
          generation = session.generation;
        }
        gl.bindTexture(gl.TEXTURE_2D, texture);
        gl.pixelStorei(gl.UNPACK_FLIP_Y_WEBGL, false);
        gl.pixelStorei(gl.UNPACK_ALIGNMENT, 4);
        gl.pixelStorei(gl.UNPACK_ROW_LENGTH, 0);
        gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, gl.RGBA, gl.UNSIGNED_BYTE, image);
        debugCounters.gpuFrames++;
        return { texture: texture!, width, height };
      });
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      ctx?.dispose(); // deleting objects of a lost context is a no-op
      ctx = null;
      texture = null;
    },
  };
}
