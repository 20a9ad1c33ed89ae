/**
 * FrameSink over `HTMLCanvasElement.captureStream(0)`: each written frame is drawn on the canvas
 * and captured with `requestFrame()`, so the output rate follows the pipeline, not a timer. The
 * capture timestamp cannot be carried on this path; the browser stamps frames itself.
 */
import { UnsupportedEnvironmentError } from '../errors.js';
import type { FrameSink } from './types.js';

/** Create a captureStream-backed sink. */
export function createCanvasSink(): FrameSink {
  const canvas = document.createElement('canvas');
  canvas.width = 2;
  canvas.height = 2;
  const ctx = canvas.getContext('2d', { alpha: false });
  const stream = canvas.captureStream(0);
  const track = stream.getVideoTracks()[0]! as CanvasCaptureMediaStreamTrack;
  // The standard puts requestFrame() on the track; Firefox has it on the stream
  // (CanvasCaptureMediaStream.requestFrame).
  const legacy = stream as MediaStream & { requestFrame?: () => void };
  const requestFrame = typeof track.requestFrame === 'function' ? () => track.requestFrame()
    : typeof legacy.requestFrame === 'function' ? () => legacy.requestFrame!() : null;
  if (!requestFrame) {
    throw new UnsupportedEnvironmentError(['CanvasCaptureMediaStreamTrack.requestFrame'], 'canvas.captureStream(0) cannot be driven frame by frame here.');
  }
  let disposed = false;
  return {
    kind: 'canvas',
    track,
    async write(frame: VideoFrame): Promise<void> {
      try {
        if (disposed || !ctx) return;
        if (canvas.width !== frame.displayWidth || canvas.height !== frame.displayHeight) {
          canvas.width = frame.displayWidth;
          canvas.height = frame.displayHeight;
        }
        ctx.drawImage(frame, 0, 0);
        requestFrame();
      } finally {
        frame.close();
      }
    },
    dispose(): void {
      disposed = true;
    },
  };
}
