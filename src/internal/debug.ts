/**
 * Test seam, not public API (not exported from the package index). Counts resources the pipeline
 * holds so browser tests can check they return to baseline after `stop()`.
 */
export const debugCounters = {
  /** VideoFrames received from a source and not yet closed. */
  openFrames: 0,
  /** Pipelines whose teardown has not finished. */
  livePipelines: 0,
};
