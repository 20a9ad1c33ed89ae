/**
 * Refiner factory.
 */
import type { Refiner } from './types.js';

export type { Refiner } from './types.js';

/** The pass-through refiner: the model's mask as it is. */
export function createIdentityRefiner(): Refiner {
  return {
    refine: (_frame, mask) => mask,
    reset: () => {},
    dispose: () => {},
  };
}

/** Create the refiner the pipeline uses. */
export function createRefiner(): Refiner {
  return createIdentityRefiner();
}
