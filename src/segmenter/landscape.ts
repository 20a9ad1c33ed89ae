/**
 * `model: 'selfie-landscape'`: the original project's engine. The legacy MediaPipe solution
 * (`@mediapipe/selfie_segmentation`, landscape model 144×256, `modelSelection: 1`) created through
 * `@tensorflow-models/body-segmentation`'s `'mediapipe'` runtime, with every file it loads
 * (graph, model, wasm and its loader script) served from `modelBaseUrl/mediapipe/` via
 * `locateFile` — never a CDN.
 *
 * The solution runs its own graph: its wasm for the calculators and its own WebGL context for
 * image scaling and (on Chromium) the model's inference. tfjs is not used, so the `backend` option
 * does not apply (only `'auto'` and `'webgl'` are accepted, see options.ts); on a machine without
 * a GPU its WebGL is a software rasteriser and this model is slow.
 *
 * Per frame: the frame's CPU planes are resized and colour-converted into one fixed-size
 * 256×144 canvas (a fixed input size: the solution returned all-opaque masks in headless Chromium
 * after its input size changed, see RECIPES.md), the solution segments it, and its mask is drawn
 * into a 256×144 2D canvas and read back (a GPU→CPU copy). The person probability is in the mask's
 * **alpha** channel (red is 255 wherever the mask has any value).
 */
import type { BodySegmenter } from '@tensorflow-models/body-segmentation';
import { manifestEntry } from '../models/manifest.js';
import { ModelLoadError, SegmentationError, UnsupportedEnvironmentError } from '../errors.js';
import { toModelInput, type FramePixels } from '../frame/pixels.js';
import type { LoadProgress } from '../options.js';
import type { Mask, Segmenter } from './types.js';

/** Input (and mask) size of the landscape model, pixels: width × height. */
export const LANDSCAPE_INPUT_SIZE = Object.freeze({ width: 256, height: 144 });

/** Folder inside `models/` that holds the MediaPipe solution's files. */
export const MEDIAPIPE_FOLDER = 'mediapipe/';

/** Files the solution loads for the landscape model (SIMD or plain wasm build, whichever it picks). */
export const LANDSCAPE_FILES = Object.freeze([
  'selfie_segmentation.binarypb',
  'selfie_segmentation_landscape.tflite',
  'selfie_segmentation_solution_simd_wasm_bin.js',
  'selfie_segmentation_solution_simd_wasm_bin.wasm',
  'selfie_segmentation_solution_wasm_bin.js',
  'selfie_segmentation_solution_wasm_bin.wasm',
] as const);

/** Options for {@link createLandscapeSegmenter}. */
export interface LandscapeSegmenterOptions {
  /** Where the package's `models/` folder is served; the files load from its `mediapipe/` folder. */
  modelBaseUrl: URL;
  /** Called at the start (0 bytes) and when the solution has loaded (its loader gives no byte counts). */
  onProgress?: ((p: LoadProgress) => void) | undefined;
}

/** Where the solution may load `file` from: `modelBaseUrl/mediapipe/<file>`, shipped files only. */
export function landscapeFileUrl(modelBaseUrl: URL, file: string): string {
  const name = file.replace(/^.*\//, '');
  if (!manifestEntry(`${MEDIAPIPE_FOLDER}${name}`)) {
    // Another model (e.g. the general selfie tflite) or an unexpected file: refuse rather than fetch it.
    throw new ModelLoadError(`MediaPipe asked for ${file}, which is not a shipped file (not in models/manifest.json).`);
  }
  return new URL(`${MEDIAPIPE_FOLDER}${name}`, modelBaseUrl).href;
}

function canvas2d(width: number, height: number): CanvasRenderingContext2D {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new UnsupportedEnvironmentError(['CanvasRenderingContext2D'], 'model \'selfie-landscape\' needs a 2D canvas.');
  return ctx;
}

/**
 * Load the legacy MediaPipe selfie solution with the landscape model and return a
 * {@link Segmenter}. Main thread only (the solution injects a `<script>`).
 * @throws UnsupportedEnvironmentError without a DOM or WebGL; ModelLoadError when its files cannot be loaded
 */
export async function createLandscapeSegmenter(options: LandscapeSegmenterOptions): Promise<Segmenter> {
  if (typeof document === 'undefined') {
    throw new UnsupportedEnvironmentError(['document'], 'model \'selfie-landscape\' (the MediaPipe solution) runs on a page\'s main thread only.');
  }
  const { width, height } = LANDSCAPE_INPUT_SIZE;
  const total = LANDSCAPE_FILES.reduce((s, f) => s + (manifestEntry(`${MEDIAPIPE_FOLDER}${f}`)?.size ?? 0), 0);
  options.onProgress?.({ loaded: 0, total });
  let bodySeg: typeof import('@tensorflow-models/body-segmentation');
  try {
    bodySeg = await import('@tensorflow-models/body-segmentation');
  } catch (cause) {
    throw new ModelLoadError(`Could not load @tensorflow-models/body-segmentation: ${String(cause)}`, undefined, { cause });
  }
  let segmenter: BodySegmenter;
  let refused: unknown = null;
  try {
    segmenter = await bodySeg.createSegmenter(bodySeg.SupportedModels.MediaPipeSelfieSegmentation, {
      runtime: 'mediapipe',
      modelType: 'landscape',
      locateFile: (file: string) => {
        try {
          return landscapeFileUrl(options.modelBaseUrl, file);
        } catch (e) {
          refused = e;
          return 'data:,'; // fails to load: the solution's initialise rejects below
        }
      },
    });
  } catch (cause) {
    if (refused) throw refused;
    throw new ModelLoadError(
      `The MediaPipe selfie solution could not start from ${new URL(MEDIAPIPE_FOLDER, options.modelBaseUrl).href}: ${String(cause)}. ` +
      'Serve the package\'s models/ folder (with mediapipe/) and set modelBaseUrl.', undefined, { cause });
  }
  options.onProgress?.({ loaded: total, total });

  const input = canvas2d(width, height);
  const inputImage = input.createImageData(width, height);
  const rgb = new Float32Array(width * height * 3);
  const maskCtx = canvas2d(width, height);
  const mask = new Uint8Array(width * height);
  const maskView: Mask = { data: mask, width, height };
  let disposed = false;

  return {
    model: 'selfie-landscape',
    backend: 'webgl',
    async segment(frame: FramePixels): Promise<Mask> {
      if (disposed) throw new SegmentationError('Segmenter was disposed.');
      // Read the frame synchronously (before the first await): the caller reuses its buffer.
      toModelInput(frame, rgb, width, height);
      const px = inputImage.data;
      for (let i = 0, j = 0; i < px.length; i += 4, j += 3) {
        px[i] = rgb[j]! * 255 + 0.5;
        px[i + 1] = rgb[j + 1]! * 255 + 0.5;
        px[i + 2] = rgb[j + 2]! * 255 + 0.5;
        px[i + 3] = 255;
      }
      input.putImageData(inputImage, 0, 0);
      let result;
      try {
        result = await segmenter.segmentPeople(input.canvas);
      } catch (cause) {
        throw new SegmentationError(`MediaPipe selfie solution failed: ${String(cause)}`, { cause });
      }
      if (disposed) throw new SegmentationError('Segmenter was disposed.');
      const found = result?.[0];
      if (!found) throw new SegmentationError('MediaPipe selfie solution returned no mask.');
      const image = await found.mask.toCanvasImageSource();
      // GPU→CPU copy: the solution's mask lives in its WebGL context.
      maskCtx.clearRect(0, 0, width, height);
      maskCtx.drawImage(image, 0, 0, width, height);
      const out = maskCtx.getImageData(0, 0, width, height).data;
      for (let i = 0; i < mask.length; i++) mask[i] = out[i * 4 + 3]!; // probability is in ALPHA
      return maskView;
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      segmenter.dispose(); // closes the solution (its graph, wasm heap and WebGL context)
    },
  };
}
