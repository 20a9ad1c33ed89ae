/**
 * FrameSink over `VideoTrackGenerator` (standard) or `MediaStreamTrackGenerator` (Chromium).
 * Ownership: each written VideoFrame is closed by the writable sink once written.
 */
import type { FrameSink } from './types.js';
import { createWritableSink } from './writable.js';

interface VideoTrackGeneratorLike {
  readonly writable: WritableStream<VideoFrame>;
  readonly track: MediaStreamTrack;
}

/** A new output track and the stream that feeds it (the stream may be transferred to a worker). */
export function createGenerator(): { track: MediaStreamTrack; writable: WritableStream<VideoFrame> } {
  const g = globalThis as unknown as {
    VideoTrackGenerator?: new () => VideoTrackGeneratorLike;
    MediaStreamTrackGenerator?: new (init: { kind: 'video' }) => MediaStreamTrack & { writable: WritableStream<VideoFrame> };
  };
  if (g.VideoTrackGenerator) {
    const gen = new g.VideoTrackGenerator();
    return { track: gen.track, writable: gen.writable };
  }
  const gen = new g.MediaStreamTrackGenerator!({ kind: 'video' });
  return { track: gen, writable: gen.writable };
}

/** Create a generator-backed sink. */
export function createGeneratorSink(): FrameSink {
  const { track, writable } = createGenerator();
  return createWritableSink(writable, track);
}
