/**
 * FrameSink over `VideoTrackGenerator` (standard) or `MediaStreamTrackGenerator` (Chromium).
 * Ownership: each written VideoFrame is closed here once written (closing is idempotent, so the
 * generator keeping its own reference is safe).
 */
import type { FrameSink } from './types.js';

interface VideoTrackGeneratorLike {
  readonly writable: WritableStream<VideoFrame>;
  readonly track: MediaStreamTrack;
}

/** Create a generator-backed sink. */
export function createGeneratorSink(): FrameSink {
  const g = globalThis as unknown as {
    VideoTrackGenerator?: new () => VideoTrackGeneratorLike;
    MediaStreamTrackGenerator?: new (init: { kind: 'video' }) => MediaStreamTrack & { writable: WritableStream<VideoFrame> };
  };
  let track: MediaStreamTrack;
  let writable: WritableStream<VideoFrame>;
  if (g.VideoTrackGenerator) {
    const gen = new g.VideoTrackGenerator();
    track = gen.track;
    writable = gen.writable;
  } else {
    const gen = new g.MediaStreamTrackGenerator!({ kind: 'video' });
    track = gen;
    writable = gen.writable;
  }
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
