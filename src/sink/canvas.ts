/**
 * FrameSink over `HTMLCanvasElement.captureStream(0)`: a frame is captured each time `emit` calls
 * `requestFrame()`, so the output rate follows the pipeline, not a timer (no duplicated frames).
 * The capture timestamp cannot be carried on this path; the browser stamps frames itself.
 */
import type { FrameSink } from './types.js';

/** Create a captureStream-backed sink. */
export function createCanvasSink(): FrameSink {
  const canvas = document.createElement('canvas');
  canvas.width = 2;
  canvas.height = 2;
  const stream = canvas.captureStream(0);
  const track = stream.getVideoTracks()[0]! as CanvasCaptureMediaStreamTrack;
  let disposed = false;
  return {
    kind: 'canvas',
    canvas,
    track,
    async emit(): Promise<void> {
      if (!disposed) track.requestFrame();
    },
    dispose(): void {
      disposed = true;
    },
  };
}
