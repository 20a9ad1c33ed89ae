/**
 * FrameSource factory.
 */
import type { TransportName } from '../options.js';
import { createProcessorSource } from './processor.js';
import type { FrameSource } from './types.js';
import { createVideoSource } from './video.js';

export type { FrameSource, SourceFrame } from './types.js';

/** Create the source for a transport. */
export async function createFrameSource(kind: TransportName, track: MediaStreamTrack): Promise<FrameSource> {
  return kind === 'insertable-streams' ? createProcessorSource(track) : createVideoSource(track);
}
