/**
 * The WebGPU-resident path (backend `'webgpu'` + compositor `'webgpu'`, selfie model): camera
 * texture → WGSL resize into a storage buffer → `tf.tensor({buffer, zeroCopy})` → model →
 * `dataToGPU()` mask buffer → WGSL refiner → WGSL compositor → output VideoFrame from a `webgpu`
 * OffscreenCanvas, all on tfjs-webgpu's own device, with no per-frame readback. Loaded only when
 * selected (src/create.ts imports it dynamically).
 */
import { createWebGpuCompositor, type WebGpuCompositor } from '../../compositor/webgpu/index.js';
import type { FetchOptions } from '../../models/load.js';
import { createWebGpuRefiner, type WebGpuRefiner } from '../../refine/webgpu/index.js';
import { createWebGpuSelfieSegmenter } from '../../segmenter/selfie-webgpu.js';
import type { Segmenter } from '../../segmenter/types.js';
import { createWebGpuFrameReader, type WebGpuFrame, type WebGpuFrameReader, type WebGpuMask } from './frame.js';
import { createWebGpuSession } from './session.js';

export type { WebGpuFrame, WebGpuMask } from './frame.js';

/** The four GPU-typed parts of the WebGPU-resident path. */
export interface WebGpuResidentParts {
  reader: WebGpuFrameReader;
  segmenter: Segmenter<WebGpuFrame, WebGpuMask>;
  refiner: WebGpuRefiner;
  compositor: WebGpuCompositor;
}

/**
 * Build the parts on the active tfjs webgpu backend (call after `initBackend('webgpu')`). First
 * checks that a WebGPU canvas can present on tfjs's device (see `WebGpuCompositor.probe`). The
 * segmenter owns the session and the reader (it is disposed last); the refiner and the compositor
 * own their GPU objects. On failure, whatever was built is disposed.
 * @throws UnsupportedEnvironmentError when the canvas cannot present here
 */
export async function createWebGpuResidentParts(options: FetchOptions & { modelBaseUrl: URL; edges?: readonly [number, number] }): Promise<WebGpuResidentParts> {
  const session = createWebGpuSession();
  const reader = createWebGpuFrameReader(session);
  const refiner = createWebGpuRefiner(session);
  let compositor: WebGpuCompositor | null = null;
  let segmenter: Segmenter<WebGpuFrame, WebGpuMask> | null = null;
  try {
    const c = createWebGpuCompositor(session, options.edges);
    compositor = c;
    await c.probe();
    segmenter = await createWebGpuSelfieSegmenter({ ...options, session, reader });
    // The refiner's and compositor's pipelines compile now, not in the first frame; after a
    // rebuild too (this runs after the segmenter's own rebuild, before frames are let through).
    const prepare = async (): Promise<void> => {
      refiner.prepare();
      c.prepare();
      await session.device.queue.onSubmittedWorkDone();
    };
    session.onRebuild(prepare);
    await prepare();
    return { reader, segmenter, refiner, compositor: c };
  } catch (error) {
    compositor?.dispose();
    refiner.dispose();
    if (segmenter) segmenter.dispose(); // it disposes the reader and the session
    else {
      reader.dispose();
      session.dispose();
    }
    throw error;
  }
}
