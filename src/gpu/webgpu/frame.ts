/**
 * Camera frames on the WebGPU-resident path: each `VideoFrame` is copied
 * (`queue.copyExternalImageToTexture`, a GPU copy queued in order with the frame's other work)
 * into one rgba8unorm texture of the frame's size on tfjs's device, and closed by the pipeline
 * right after. No CPU copy of the pixels is made by this code. (`importExternalTexture` would
 * avoid the copy, but its texture expires when the frame is closed, which the pipeline does before
 * the frame's work runs.)
 */
import { CompositorError } from '../../errors.js';
import type { FrameReader } from '../../frame/pixels.js';
import { debugCounters } from '../../internal/debug.js';
import type { GpuContext, GpuTarget } from './gpu.js';
import type { WebGpuSession } from './session.js';

/** A camera frame as a texture (top row first, RGBA, sampled bilinearly). */
export interface WebGpuFrame {
  readonly texture: GPUTexture;
  readonly view: GPUTextureView;
  readonly width: number;
  readonly height: number;
}

/**
 * A person mask on the GPU. `'buffer'`: the model's output as `dataToGPU` returns it, one float per
 * pixel, row-major (`width`×`height`). `'texture'`: the refined mask in the red channel of an
 * rgba8unorm texture (sample it bilinearly, stretched over the frame).
 */
export type WebGpuMask =
  | { readonly kind: 'buffer'; readonly buffer: GPUBuffer; readonly width: number; readonly height: number }
  | { readonly kind: 'texture'; readonly texture: GPUTexture; readonly view: GPUTextureView; readonly width: number; readonly height: number };

/** {@link FrameReader} into a texture, plus disposal of that texture. */
export interface WebGpuFrameReader extends FrameReader<WebGpuFrame> {
  /** Destroy the texture. Idempotent. */
  dispose(): void;
}

/** Usage of the frame texture: a copy destination (which needs RENDER_ATTACHMENT) that stages sample. */
const FRAME_USAGE = GPUTextureUsage.COPY_DST | GPUTextureUsage.RENDER_ATTACHMENT | GPUTextureUsage.TEXTURE_BINDING;

/** Create the reader; its texture lives on the session's device. */
export function createWebGpuFrameReader(session: WebGpuSession): WebGpuFrameReader {
  let ctx: GpuContext | null = null;
  let target: GpuTarget | undefined;
  let generation = -1;
  let disposed = false;
  return {
    async read(image): Promise<WebGpuFrame> {
      if (disposed) throw new CompositorError('Frame reader was disposed.');
      session.check();
      session.discard(); // a new frame: nothing recorded for an earlier one may be submitted now
      const width = image instanceof VideoFrame ? image.displayWidth : image.width;
      const height = image instanceof VideoFrame ? image.displayHeight : image.height;
      if (!ctx || generation !== session.generation) {
        ctx?.dispose(); // its objects died with the old device; this settles the bookkeeping
        ctx = session.tracker();
        target = undefined;
        generation = session.generation;
      }
      const c = ctx;
      // Resolution change: a new texture; the old one is destroyed once work queued on it is done.
      target = c.target(width, height, 'rgba8unorm', FRAME_USAGE, target);
      const t = target;
      const { errors } = session.scoped(() => c.device.queue.copyExternalImageToTexture({ source: image }, { texture: t.texture }, [width, height]));
      void errors.then((e) => {
        if (e) session.fail(e);
      });
      debugCounters.webgpuFrames++;
      return { texture: t.texture, view: t.view, width, height };
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      ctx?.dispose();
      ctx = null;
      target = undefined;
    },
  };
}
