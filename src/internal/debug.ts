/**
 * Test seam, not public API (not exported from the package index). Counts resources the pipeline
 * holds, and lets browser tests see every output frame (including the very first, which is
 * produced before `createPrivacyTrack` resolves) so leak tests can check each one.
 */
export const debugCounters = {
  /** VideoFrames received from a source and not yet closed. */
  openFrames: 0,
  /** Pipelines whose teardown has not finished. */
  livePipelines: 0,
  /** Frames uploaded as textures by the GPU-resident path (src/gpu/frame.ts) since page load. */
  gpuFrames: 0,
  /** GL objects (programs, shaders, textures, framebuffers, vertex arrays) alive in our trackers (src/compositor/webgl/gl.ts). */
  glObjects: 0,
};

/** Hooks set by tests. */
export const debugHooks: {
  /** Called with each output frame before it is written; must not keep or close it. */
  onOutput: ((frame: VideoFrame) => void) | null;
  /** Fault injection: runs before each segmentation; throw to fail it, return a promise to stall it. */
  beforeSegment: (() => void | Promise<void>) | null;
  /** Canvases of live WebGL compositors (for context-loss tests). */
  readonly webglCanvases: Set<OffscreenCanvas>;
} = { onOutput: null, beforeSegment: null, webglCanvases: new Set() };
