/**
 * FrameSink over a `WritableStream<VideoFrame>`: a track generator's `writable`, on the main
 * thread or transferred into a worker. In a worker the output track stays on the main thread, so
 * `track` is null there.
 * Ownership: each written VideoFrame is closed here once written (closing is idempotent, so the
 * generator keeping its own reference is safe).
 */
import type { FrameSink } from './types.js';

/** Create a sink writing into `writable`; `track` is the output track when it lives in this realm. */
export function createWritableSink(writable: WritableStream<VideoFrame>, track: MediaStreamTrack | null): FrameSink {
  const writer = writable.getWriter();
  let disposed = false;
  return {
    kind: 'insertable-streams',
    track,
    async write(frame: VideoFrame): Promise<void> {
      try {
        if (!disposed) await writer.write(frame);
      } finally {
        frame.close();
      }
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      writer.close().catch(() => {});
    },
  };
}
