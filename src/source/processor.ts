/**
 * FrameSource over `MediaStreamTrackProcessor` (insertable streams, Chromium main thread).
 * Ownership: each VideoFrame read here is handed to the caller, who closes it.
 */
import type { FrameSource, SourceFrame } from './types.js';

/** Read frames from `track` with a MediaStreamTrackProcessor. */
export function createProcessorSource(track: MediaStreamTrack): FrameSource {
  // maxBufferSize 1: when the pipeline is slower than the camera, keep only the newest frame.
  const processor = new MediaStreamTrackProcessor({ track: track as MediaStreamVideoTrack, maxBufferSize: 1 });
  const reader = processor.readable.getReader();
  let disposed = false;
  return {
    kind: 'insertable-streams',
    async next(): Promise<SourceFrame | null> {
      if (disposed) return null;
      let result: ReadableStreamReadResult<VideoFrame>;
      try {
        result = await reader.read();
      } catch {
        return null;
      }
      if (result.done || !result.value) return null;
      const frame = result.value;
      if (disposed) {
        frame.close();
        return null;
      }
      return {
        image: frame,
        width: frame.displayWidth,
        height: frame.displayHeight,
        timestamp: frame.timestamp,
        close: () => frame.close(),
      };
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      reader.cancel().catch(() => {});
      reader.releaseLock();
    },
  };
}
