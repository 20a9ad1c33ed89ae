/**
 * The selfie model on the GPU-resident path (tfjs webgl backend): the camera texture is resized
 * on the GPU in tfjs's own context, becomes the model's input with
 * `tf.tensor({texture, height, width, channels})` (no CPU copy), and the model's output comes back
 * as a texture with `dataToGPU()` (no readback). Nothing here calls `data`, `dataSync` or
 * `readPixels`.
 *
 * Ownership: the output texture belongs to the `tensorRef` that `dataToGPU` returned; it is
 * disposed at the next `segment` call or in `dispose` (so a mask stays valid until the next call,
 * as the Segmenter contract says). This segmenter also owns the {@link GpuSession} and the frame
 * reader of its path, and disposes them last.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as converter from '@tensorflow/tfjs-converter';
import type { GlContext } from '../compositor/webgl/gl.js';
import { SegmentationError } from '../errors.js';
import type { GpuFrame, GpuFrameReader, GpuMask } from '../gpu/frame.js';
import { createResizeStage, type ResizeStage } from '../gpu/resize-stage.js';
import type { GpuSession } from '../gpu/session.js';
import { loadVerifiedGraphModel, type FetchOptions } from '../models/load.js';
import { SELFIE_INPUT_SIZE } from './selfie.js';
import type { Segmenter } from './types.js';

/** Options for {@link createGpuSelfieSegmenter}. */
export interface GpuSelfieSegmenterOptions extends FetchOptions {
  /** Where `selfie.json`/`selfie.bin` are served. */
  modelBaseUrl: URL;
  /** The session (tfjs's context); the segmenter disposes it. */
  session: GpuSession;
  /** The path's frame reader; the segmenter disposes it after its own objects. */
  reader: GpuFrameReader;
}

/** The dense texture shape `dataToGPU` is asked for: mask row y in texel row y, 4 values a texel. */
export function denseMaskTexShape(width: number, height: number): [number, number] {
  return [height, Math.ceil(width / 4)];
}

/** Load the selfie model and return a texture-in, texture-out {@link Segmenter}. */
export async function createGpuSelfieSegmenter(options: GpuSelfieSegmenterOptions): Promise<Segmenter<GpuFrame, GpuMask>> {
  const { session, reader } = options;
  const size = SELFIE_INPUT_SIZE;
  let model = await loadVerifiedGraphModel(converter, options.modelBaseUrl, 'selfie', options);
  let held: tf.Tensor | null = null; // the tensorRef behind the current mask texture
  let stage: { ctx: GlContext; resize: ResizeStage; generation: number } | null = null;
  let disposed = false;

  const warmUp = (): void => {
    // The first execute compiles kernels; doing it here keeps the first frame fast.
    tf.tidy(() => {
      const out = model.execute(tf.zeros([1, size, size, 3]));
      if (out instanceof tf.Tensor) {
        const gpu = out.dataToGPU({ customTexShape: denseMaskTexShape(size, size) });
        gpu.tensorRef.dispose();
      }
    });
  };
  warmUp();
  // After a context loss the backend is rebuilt: the weights died with the old context.
  session.onRebuild(async () => {
    if (disposed) return;
    held = null; // its texture died with the context; the backend that owned it is gone
    stage?.ctx.dispose();
    stage = null;
    model = await loadVerifiedGraphModel(converter, options.modelBaseUrl, 'selfie', options);
    warmUp();
  });

  return {
    model: 'selfie',
    backend: 'webgl',
    async segment(frame: GpuFrame): Promise<GpuMask> {
      if (disposed) throw new SegmentationError('Segmenter was disposed.');
      try {
        session.check();
      } catch (cause) {
        throw new SegmentationError('WebGL context lost; no mask until it is restored.', { cause });
      }
      if (!stage || stage.generation !== session.generation) {
        stage?.ctx.dispose(); // its objects died with the old context
        const ctx = session.tracker();
        stage = { ctx, resize: createResizeStage(ctx), generation: session.generation };
      }
      const s = stage;
      const small = session.run(() => s.resize.render(frame.texture, size, size));
      held?.dispose();
      held = null;
      const output = tf.tidy(() => {
        const input = tf.tensor({ texture: small.texture, height: size, width: size, channels: 'RGB' }, [1, size, size, 3], 'float32');
        return model.execute(input);
      });
      if (!(output instanceof tf.Tensor)) {
        tf.dispose(output);
        throw new SegmentationError('The selfie model returned more than one tensor.');
      }
      try {
        if (output.size !== size * size) throw new SegmentationError(`Model returned ${output.size} values, expected ${size * size}.`);
        const gpu = output.dataToGPU({ customTexShape: denseMaskTexShape(size, size) });
        held = gpu.tensorRef;
        if (!gpu.texture) throw new SegmentationError('dataToGPU returned no texture.');
        return { texture: gpu.texture, layout: 'dense', width: size, height: size };
      } finally {
        output.dispose();
      }
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      held?.dispose();
      held = null;
      model.dispose();
      stage?.ctx.dispose();
      stage = null;
      reader.dispose();
      session.dispose();
    },
  };
}
