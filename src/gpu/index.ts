/**
 * The GPU-resident path (backend `'webgl'` + compositor `'webgl'`, selfie model): camera texture →
 * GPU resize → model → mask texture (`dataToGPU`) → WebGL refiner → WebGL compositor → output
 * VideoFrame from tfjs's canvas, all in tfjs's own WebGL2 context, with no per-frame readback.
 */
import type { Compositor } from '../compositor/types.js';
import { createResidentCompositor } from '../compositor/webgl/index.js';
import type { FetchOptions } from '../models/load.js';
import { createWebGLRefiner } from '../refine/webgl/index.js';
import type { Refiner } from '../refine/types.js';
import { createGpuSelfieSegmenter } from '../segmenter/selfie-gpu.js';
import type { Segmenter } from '../segmenter/types.js';
import { createGpuFrameReader, type GpuFrame, type GpuFrameReader, type GpuMask } from './frame.js';
import { createGpuSession } from './session.js';

export type { GpuFrame, GpuMask } from './frame.js';
export { isGpuResident } from './select.js';

/** The four texture-typed parts of the GPU-resident path. */
export interface GpuResidentParts {
  reader: GpuFrameReader;
  segmenter: Segmenter<GpuFrame, GpuMask>;
  refiner: Refiner<GpuFrame, GpuMask>;
  compositor: Compositor<GpuFrame, GpuMask>;
}

/**
 * Build the parts on the active tfjs webgl backend (call after `initBackend('webgl')`). The
 * segmenter owns the session and the reader (it is disposed last); the refiner and the compositor
 * own their GL objects. On failure, whatever was built is disposed.
 */
export async function createGpuResidentParts(options: FetchOptions & { modelBaseUrl: URL; edges?: readonly [number, number] }): Promise<GpuResidentParts> {
  const session = createGpuSession();
  const reader = createGpuFrameReader(session);
  let segmenter: Segmenter<GpuFrame, GpuMask>;
  try {
    segmenter = await createGpuSelfieSegmenter({ ...options, session, reader });
  } catch (error) {
    reader.dispose();
    session.dispose();
    throw error;
  }
  const refiner = createWebGLRefiner(session);
  const compositor = createResidentCompositor(session, options.edges);
  return { reader, segmenter, refiner, compositor };
}
