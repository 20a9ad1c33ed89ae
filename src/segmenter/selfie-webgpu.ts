/**
 * The selfie model on the WebGPU-resident path (tfjs webgpu backend): the camera texture is
 * resized in WGSL on tfjs's own device into a storage buffer, which becomes the model's input
 * with `tf.tensor({buffer, zeroCopy: true})` (tfjs's `createTensorFromGPUData`: no CPU copy, no
 * GPU copy), and the model's output comes back as a GPU buffer with `dataToGPU()` (no readback).
 * Nothing here calls `data`, `dataSync` or `mapAsync`.
 *
 * Per frame the segmenter waits for the device to finish the frame's work so far
 * (`queue.onSubmittedWorkDone`, a completion signal, not a copy) and for the error scopes around
 * it: so the mask timeout measures the model's real GPU time, at most one frame's compositing is
 * queued behind it, and a GPU error on the way is a failed segmentation (the frame is veiled)
 * rather than a stale or garbage mask.
 *
 * Ownership: the output buffer belongs to the `tensorRef` that `dataToGPU` returned; it is
 * disposed at the next `segment` call or in `dispose` (so a mask stays valid until the next call,
 * as the Segmenter contract says). The input buffer is the resize stage's (tfjs does not own a
 * zero-copy buffer). This segmenter also owns the {@link WebGpuSession} and the frame reader of
 * its path, and disposes them last.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as converter from '@tensorflow/tfjs-converter';
import { SegmentationError } from '../errors.js';
import type { WebGpuFrame, WebGpuFrameReader, WebGpuMask } from '../gpu/webgpu/frame.js';
import type { GpuContext } from '../gpu/webgpu/gpu.js';
import { createResizeStage, type ResizeStage } from '../gpu/webgpu/resize-stage.js';
import type { ScopeResult, WebGpuSession } from '../gpu/webgpu/session.js';
import { loadVerifiedGraphModel, type FetchOptions } from '../models/load.js';
import { SELFIE_INPUT_SIZE } from './selfie.js';
import type { Segmenter } from './types.js';

/** Options for {@link createWebGpuSelfieSegmenter}. */
export interface WebGpuSelfieSegmenterOptions extends FetchOptions {
  /** Where `selfie.json`/`selfie.bin` are served. */
  modelBaseUrl: URL;
  /** The session (tfjs's device); the segmenter disposes it. */
  session: WebGpuSession;
  /** The path's frame reader; the segmenter disposes it after its own objects. */
  reader: WebGpuFrameReader;
}

/** Load the selfie model and return a texture-in, buffer-out {@link Segmenter}. */
export async function createWebGpuSelfieSegmenter(options: WebGpuSelfieSegmenterOptions): Promise<Segmenter<WebGpuFrame, WebGpuMask>> {
  const { session, reader } = options;
  const size = SELFIE_INPUT_SIZE;
  let model = await loadVerifiedGraphModel(converter, options.modelBaseUrl, 'selfie', options);
  let held: tf.Tensor | null = null; // the tensorRef behind the current mask buffer
  let stage: { ctx: GpuContext; resize: ResizeStage; generation: number } | null = null;
  let disposed = false;

  /** Run the model once on the stage's input buffer; returns dataToGPU's result (caller owns tensorRef). */
  const run = (input: GPUBuffer): { buffer: GPUBuffer; tensorRef: tf.Tensor } => {
    const output = tf.tidy(() => model.execute(tf.tensor({ buffer: input, zeroCopy: true }, [1, size, size, 3], 'float32')));
    if (!(output instanceof tf.Tensor)) {
      tf.dispose(output);
      throw new SegmentationError('The selfie model returned more than one tensor.');
    }
    try {
      if (output.size !== size * size) throw new SegmentationError(`Model returned ${output.size} values, expected ${size * size}.`);
      const gpu = output.dataToGPU();
      if (!gpu.buffer) {
        gpu.tensorRef.dispose();
        throw new SegmentationError('dataToGPU returned no buffer.');
      }
      return { buffer: gpu.buffer, tensorRef: gpu.tensorRef };
    } finally {
      output.dispose();
    }
  };

  /**
   * The scope's first error once the device has finished its submitted work, or the loss: a lost
   * device may never signal completion, and a segmentation that never settles would veil every
   * later frame.
   */
  const settle = (errors: ScopeResult): ScopeResult => {
    const d = session.device;
    return Promise.race([
      Promise.all([errors, d.queue.onSubmittedWorkDone()]).then(([e]) => e, (e: unknown) => ({ message: String(e) })),
      d.lost.then((info) => ({ message: `device lost (${info.reason || 'unknown'}): ${info.message}` })),
    ]);
  };

  const dropStage = (): void => {
    stage?.ctx.dispose();
    stage = null;
  };

  const ensureStage = (): { ctx: GpuContext; resize: ResizeStage; generation: number } => {
    if (!stage || stage.generation !== session.generation) {
      stage?.ctx.dispose(); // its objects died with the old device
      const ctx = session.tracker();
      stage = { ctx, resize: createResizeStage(ctx, size), generation: session.generation };
    }
    return stage;
  };

  /** The first execute compiles the model's pipelines; doing it here keeps the first frame in time. */
  const warmUp = async (): Promise<void> => {
    const s = ensureStage();
    const { value, errors } = session.scoped(() => run(s.resize.output));
    value.tensorRef.dispose();
    const error = await settle(errors);
    if (error) throw new SegmentationError(`Selfie model warm-up failed on WebGPU: ${error.message}`);
  };
  try {
    await warmUp();
  } catch (cause) {
    model.dispose();
    dropStage();
    throw cause instanceof SegmentationError ? cause : new SegmentationError(`Selfie model warm-up failed: ${String(cause)}`, { cause });
  }
  // After a device loss the backend is rebuilt: the weights and the mask died with the old device.
  session.onRebuild(async () => {
    if (disposed) return;
    try {
      held?.dispose(); // its backend was disposed: this only settles tfjs's tensor count
      model.dispose();
    } catch {
      /* the dead backend may refuse; the engine's bookkeeping is done before it is asked */
    }
    held = null;
    dropStage();
    const next = await loadVerifiedGraphModel(converter, options.modelBaseUrl, 'selfie', options);
    if (disposed) {
      next.dispose(); // stopped while the model was reloading
      return;
    }
    model = next;
    await warmUp();
  });

  return {
    model: 'selfie',
    backend: 'webgpu',
    async segment(frame: WebGpuFrame): Promise<WebGpuMask> {
      if (disposed) throw new SegmentationError('Segmenter was disposed.');
      try {
        session.check();
      } catch (cause) {
        throw new SegmentationError('WebGPU device unusable; no mask until it is rebuilt.', { cause });
      }
      const s = ensureStage();
      const generation = session.generation;
      held?.dispose();
      held = null;
      // Read the frame now (before the first await): the resize is submitted ahead of the model.
      const { value: gpu, errors } = session.scoped(() => {
        const encoder = session.device.createCommandEncoder();
        s.resize.render(encoder, frame.view);
        session.device.queue.submit([encoder.finish()]);
        return run(s.resize.output);
      });
      held = gpu.tensorRef;
      const error = await settle(errors);
      if (error) {
        session.fail(error);
        throw new SegmentationError(`The model's GPU work failed: ${error.message}`);
      }
      if (disposed) throw new SegmentationError('Segmenter was disposed.');
      if (session.lost || session.generation !== generation) throw new SegmentationError('WebGPU device lost while segmenting; the frame is veiled.');
      return { kind: 'buffer', buffer: gpu.buffer, width: size, height: size };
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      held?.dispose();
      held = null;
      model.dispose();
      dropStage();
      reader.dispose();
      session.dispose();
    },
  };
}
