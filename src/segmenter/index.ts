/**
 * Segmenter factory: picks the segmenter for `model` × `people`. BlazePose code is imported only
 * when a BlazePose model or `people: 'primary'` is asked for.
 *
 * | model \ people | `'all'` | `'primary'` |
 * |---|---|---|
 * | `'selfie'` | selfie | selfie, pixels assigned per person (everyone tracked with BlazePose lite) |
 * | `'selfie-landscape'` | the legacy MediaPipe solution, landscape model (no tfjs) | rejected by options |
 * | `'lite' \| 'full' \| 'heavy'` | BlazePose segmentation (the tracked person only) | likewise, people tracked with that BlazePose model |
 */
import type { FetchOptions } from '../models/load.js';
import type { BackendName, LoadProgress, ModelName, PeopleMode } from '../options.js';
import { createSelfieSegmenter } from './selfie.js';
import type { BlazePoseVariant } from './blazepose/constants.js';
import type { Segmenter } from './types.js';

/** Options for {@link createSegmenter}. */
export interface CreateSegmenterOptions extends FetchOptions {
  model: ModelName;
  people: PeopleMode;
  /** Backend that is already active in tfjs. */
  backend: BackendName;
  /** Where the shipped `models/` folder is served. */
  modelBaseUrl: URL;
}

/** BlazePose model that tracks people for `people: 'primary'` when `model` is `'selfie'`. */
export const DEFAULT_PRIMARY_POSE_MODEL: BlazePoseVariant = 'lite';

/** Whether `model` runs on tfjs (and so needs a tfjs backend started before its segmenter). */
export function usesTfjs(model: ModelName): boolean {
  return model !== 'selfie-landscape';
}

/** Build the segmenter for the options; loads (and verifies) every model it needs. */
export async function createSegmenter(options: CreateSegmenterOptions): Promise<Segmenter> {
  const { model, people, backend, modelBaseUrl } = options;
  if (model === 'selfie-landscape') {
    const { createLandscapeSegmenter } = await import('./landscape.js');
    return createLandscapeSegmenter({ modelBaseUrl, onProgress: options.onProgress });
  }
  if (model === 'selfie' && people === 'all') return createSelfieSegmenter(options);
  const { createBlazePoseSegmenter } = await import('./blazepose/segmenter.js');
  const variant: BlazePoseVariant = model === 'selfie' ? DEFAULT_PRIMARY_POSE_MODEL : model;
  if (people === 'all') return createBlazePoseSegmenter({ ...options, variant });

  // One progress total across the selfie and BlazePose files.
  const parts = new Map<string, LoadProgress>();
  const progress = (name: string) => options.onProgress && ((p: LoadProgress): void => {
    parts.set(name, p);
    let loaded = 0, total = 0;
    for (const v of parts.values()) { loaded += v.loaded; total += v.total; }
    options.onProgress?.({ loaded, total });
  });
  const [{ createPrimarySegmenter }, { loadPoseModels }] = await Promise.all([import('./primary.js'), import('./blazepose/models.js')]);
  const [selfie, pose] = await Promise.allSettled([
    createSelfieSegmenter({ backend, modelBaseUrl, signal: options.signal, fetch: options.fetch, onProgress: progress('selfie') }),
    loadPoseModels({ variant, modelBaseUrl, signal: options.signal, fetch: options.fetch, onProgress: progress('pose') }),
  ]);
  if (selfie.status === 'rejected' || pose.status === 'rejected') {
    if (selfie.status === 'fulfilled') selfie.value.dispose();
    if (pose.status === 'fulfilled') pose.value.dispose();
    throw selfie.status === 'rejected' ? selfie.reason : pose.status === 'rejected' ? pose.reason : new Error('unreachable');
  }
  return createPrimarySegmenter(selfie.value, pose.value, { model });
}
