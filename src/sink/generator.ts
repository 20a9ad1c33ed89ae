/**
 * FrameSink over `VideoTrackGenerator` (standard) or `MediaStreamTrackGenerator` (Chromium).
 * Ownership: the VideoFrame made from the canvas is created and closed here, once written.
 */
import type { FrameSink } from './types.js';

interface VideoTrackGeneratorLike {
  readonly writable: WritableStream<VideoFrame>;
  readonly track: MediaStreamTrack;
}

/** Create a generator-backed sink drawing from an OffscreenCanvas. */
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
  const canvas = new OffscreenCanvas(2, 2);
  let disposed = false;
  return {
    kind: 'insertable-streams',
    canvas,
    track,
    async emit(timestamp: number): Promise<void> {
      if (disposed) return;
      const frame = new VideoFrame(canvas, { timestamp, alpha: 'discard' });
      try {
        await writer.write(frame);
      } finally {
        frame.close(); // the generator has its own reference; closing twice is a no-op
      }
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      writer.close().catch(() => {});
    },
  };
}
