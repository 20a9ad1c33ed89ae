/**
 * Refiner factory. The pipeline uses the guided refiner (src/refine/refiner.ts): edge-aware
 * (guided filter on the camera's luma), temporally smoothed (MediaPipe-style, with a dead band),
 * capped by the raw mask's local evidence, at ~320 px. See docs/quality.md for what it measures.
 */
import { DEFAULT_REFINE_PARAMS, type RefineParams } from './constants.js';
import { createGuidedRefiner } from './refiner.js';
import type { Refiner } from './types.js';

export type { Refiner } from './types.js';
export { DEFAULT_REFINE_PARAMS, type RefineParams } from './constants.js';
export { createGuidedRefiner, type GuidedRefiner } from './refiner.js';

/** The pass-through refiner: the model's mask as it is (for comparisons and tests). */
export function createIdentityRefiner(): Refiner {
  return {
    refine: (_frame, mask) => mask,
    reset: () => {},
    dispose: () => {},
  };
}

/** Create the refiner the pipeline uses: `'guided'` (default) or `'none'` (the raw mask). */
export function createRefiner(kind: 'guided' | 'none' = 'guided', params: RefineParams = DEFAULT_REFINE_PARAMS): Refiner {
  return kind === 'none' ? createIdentityRefiner() : createGuidedRefiner(params);
}
