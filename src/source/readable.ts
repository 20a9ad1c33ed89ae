/**
 * FrameSource over a `ReadableStream<VideoFrame>`: a MediaStreamTrackProcessor's `readable`, on
 * the main thread or transferred into a worker (where the processor itself does not exist).
 * Ownership: each VideoFrame read here is handed to the caller, who closes it.
 */
import type { FrameSource, SourceFrame } from './types.js';

/** Read frames from a stream of VideoFrames (e.g. a transferred processor `readable`). */
export function createReadableSource(readable: ReadableStream<VideoFrame>): FrameSource {
  const reader = readable.getReader();
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
