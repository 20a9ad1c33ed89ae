/**
 * Split worker mode, compositing side: a FrameSource that receives frames together with their
 * masks from the segmentation worker (src/worker/segment-stage.ts), and the matching Segmenter
 * that hands the {@link Pipeline} the mask that came with the frame it is drawing (or throws the
 * reason it has none, so the frame is veiled). The pipeline's refiner here is the identity: the
 * mask was refined where it was computed.
 *
 * Ownership: each received VideoFrame is handed to the pipeline, which closes it. Closing it
 * returns a credit to the segmentation worker, which may then read the next camera frame while
 * this one is being composited.
 */
import type { ModelName } from '../options.js';
import type { Mask, Segmenter } from '../segmenter/types.js';
import type { FrameSource, SourceFrame } from '../source/types.js';
import { fromWireError, type PortMessage } from './protocol.js';

/** The paired source and segmenter over one port. */
export interface PairedStages {
  source: FrameSource;
  segmenter: Segmenter;
}

/** Create both halves over `port` (from the segmentation worker). */
export function createPairedStages(port: MessagePort, model: ModelName): PairedStages {
  const queue: PortMessage[] = [];
  let waiting: ((m: PortMessage | null) => void) | null = null;
  let disposed = false;
  /** The mask (or failure) of the frame handed out last. */
  let current: Extract<PortMessage, { type: 'frame' }> | null = null;

  port.onmessage = (e: MessageEvent<PortMessage>) => {
    const m = e.data;
    if (disposed) {
      if (m.type === 'frame') m.frame.close();
      return;
    }
    if (waiting) {
      const w = waiting;
      waiting = null;
      w(m);
    } else {
      queue.push(m);
    }
  };

  const source: FrameSource = {
    kind: 'insertable-streams',
    async next(): Promise<SourceFrame | null> {
      if (disposed) return null;
      const m = queue.shift() ?? (await new Promise<PortMessage | null>((r) => (waiting = r)));
      if (!m || m.type !== 'frame') return null;
      if (disposed) {
        m.frame.close();
        return null;
      }
      current = m;
      const frame = m.frame;
      let closed = false;
      return {
        image: frame,
        width: frame.displayWidth,
        height: frame.displayHeight,
        timestamp: frame.timestamp,
        upstream: { readAt: m.readAt, sentAt: m.sentAt },
        close: () => {
          if (closed) return;
          closed = true;
          frame.close();
          if (!disposed) port.postMessage({ type: 'credit' } satisfies PortMessage);
        },
      };
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      for (const m of queue) if (m.type === 'frame') m.frame.close();
      queue.length = 0;
      waiting?.(null);
      waiting = null;
      port.close();
    },
  };

  const segmenter: Segmenter = {
    model,
    backend: 'wasm',
    async segment(): Promise<Mask> {
      const m = current;
      if (!m) throw fromWireError({ name: 'SegmentationError', code: 'segmentation', message: 'No frame received yet.' });
      if (m.error || !m.mask) throw fromWireError(m.error ?? { name: 'SegmentationError', code: 'segmentation', message: 'The frame came without a mask.' });
      return m.mask;
    },
    dispose(): void {
      current = null;
    },
  };
  return { source, segmenter };
}
