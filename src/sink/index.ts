/**
 * FrameSink factory.
 */
import type { TransportName } from '../options.js';
import { createCanvasSink } from './canvas.js';
import { createGeneratorSink } from './generator.js';
import type { FrameSink } from './types.js';

export type { FrameSink } from './types.js';

/** Create the sink for a transport. */
export function createFrameSink(kind: TransportName): FrameSink {
  return kind === 'insertable-streams' ? createGeneratorSink() : createCanvasSink();
}
