/**
 * FrameSource over `MediaStreamTrackProcessor` (insertable streams, Chromium main thread).
 * Ownership: each VideoFrame read here is handed to the caller, who closes it.
 */
import { createReadableSource } from './readable.js';
import type { FrameSource } from './types.js';

/**
 * The processor for `track`, keeping only the newest frame (`maxBufferSize` 1) when the consumer
 * is slower than the camera. Its `readable` may be transferred to a worker.
 */
export function createProcessor(track: MediaStreamTrack): MediaStreamTrackProcessor<VideoFrame> {
  return new MediaStreamTrackProcessor({ track: track as MediaStreamVideoTrack, maxBufferSize: 1 });
}

/** Read frames from `track` with a MediaStreamTrackProcessor. */
export function createProcessorSource(track: MediaStreamTrack): FrameSource {
  return createReadableSource(createProcessor(track).readable);
}
