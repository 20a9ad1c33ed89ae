/**
 * Test seam, not public API (not exported from the package index). Counts resources the pipeline
 * holds, and lets browser tests see every output frame (including the very first, which is
 * produced before `createPrivacyTrack` resolves) so leak tests can check each one.
 */
import type { WorkerFault, WorkerRole } from '../worker/protocol.js';

export const debugCounters = {
  /** VideoFrames received from a source and not yet closed. */
  openFrames: 0,
  /** Pipelines whose teardown has not finished. */
  livePipelines: 0,
  /** Frames uploaded as textures by the GPU-resident path (src/gpu/frame.ts) since page load. */
  gpuFrames: 0,
  /** GL objects (programs, shaders, textures, framebuffers, vertex arrays) alive in our trackers (src/compositor/webgl/gl.ts). */
  glObjects: 0,
  /** WebGPU textures and buffers alive in our trackers (src/gpu/webgpu/gpu.ts). */
  gpuObjects: 0,
  /** Frames copied into a texture by the WebGPU-resident path (src/gpu/webgpu/frame.ts) since page load. */
  webgpuFrames: 0,
  /** Pipeline workers created and not yet terminated (worker mode). */
  liveWorkers: 0,
};

/** Test handle on a live pipeline worker (worker mode): the worker's own seams, by message. */
export interface WorkerDebugHandle {
  /** Inject a fault in the worker (throw or stall before each segmentation, or crash it). */
  fault(fault: WorkerFault): void;
  /** Terminate a worker (default: the compositing one) behind the host's back, as a killed process would. */
  kill(role?: WorkerRole): void;
  /** What each worker runs. */
  readonly roles: readonly WorkerRole[];
  /** The worker's tfjs memory and frame counters. */
  memory(): Promise<{ numTensors: number; numBytes: number; openFrames: number; livePipelines: number }>;
}

/** Where an output frame's time went, in the same clock as `outputAtMs` (see `debugHooks.onOutputTime`). */
export interface OutputMarks {
  /** The pipeline (or, in split worker mode, the segmentation worker) read the camera frame. */
  readAtMs: number;
  /** Split worker mode: the segmentation worker sent the frame on with its mask; otherwise null. */
  segmentedAtMs: number | null;
  /** The compositing pipeline took the frame. */
  compositeStartAtMs: number;
}

/** Hooks set by tests. */
export const debugHooks: {
  /** Called with each output frame before it is written; must not keep or close it. */
  onOutput: ((frame: VideoFrame) => void) | null;
  /**
   * Called once per output frame with its capture timestamp (µs) and when it was handed to the
   * output (`performance.now()` of this page). Cheap: in worker mode only the two numbers cross
   * over, not the frame (benchmarks measure capture → output with it).
   */
  onOutputTime: ((timestampUs: number, outputAtMs: number, marks: OutputMarks) => void) | null;
  /** Fault injection: runs before each segmentation; throw to fail it, return a promise to stall it. */
  beforeSegment: (() => void | Promise<void>) | null;
  /** Canvases of live WebGL compositors (for context-loss tests). */
  readonly webglCanvases: Set<OffscreenCanvas>;
  /** Live pipeline workers (worker mode). */
  readonly workers: Set<WorkerDebugHandle>;
  /** Force one worker (`'single'`) or two (`'split'`) in worker mode; null = by core count. */
  workerLayout: 'single' | 'split' | null;
} = { onOutput: null, onOutputTime: null, beforeSegment: null, webglCanvases: new Set(), workers: new Set(), workerLayout: null };
