/**
 * FrameSource over a hidden `<video>` element and `requestVideoFrameCallback` (the canvas path,
 * for browsers without insertable streams). The element is owned here and released on dispose.
 * Each frame is snapshotted into a VideoFrame (closed by the caller) or, where VideoFrame is
 * missing, copied into a canvas owned here.
 */
import type { FrameSource, SourceFrame } from './types.js';

/** How often to check whether the input ended while waiting for a frame, ms. */
const ENDED_POLL_MS = 250;

/** Read frames from `track` through a video element. */
export async function createVideoSource(track: MediaStreamTrack): Promise<FrameSource> {
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  video.autoplay = true;
  video.srcObject = new MediaStream([track]);
  let disposed = false;
  const play = (): void => {
    if (!disposed) {
      video.play().catch(() => {
        /* autoplay of a muted local stream is allowed; a failure shows up as no frames */
      });
    }
  };
  // Browsers pause media in hidden tabs; the output then holds its last protected frame. Resume
  // as soon as the page is visible again (or the element is paused for any other reason).
  const onVisibility = (): void => {
    if (document.visibilityState === 'visible' && video.paused) play();
  };
  video.addEventListener('pause', onVisibility);
  document.addEventListener('visibilitychange', onVisibility);
  play();
  let lastMediaTime = -1;
  let wake: (() => void) | null = null;
  let copy: HTMLCanvasElement | null = null;
  const noFrame = Object.freeze({ close() {} });

  return {
    kind: 'canvas',
    next(): Promise<SourceFrame | null> {
      return new Promise((resolve) => {
        if (disposed || track.readyState === 'ended') return resolve(null);
        let handle = 0;
        const poll = setInterval(() => {
          if (disposed || track.readyState === 'ended') finish(null);
        }, ENDED_POLL_MS);
        const finish = (value: SourceFrame | null): void => {
          clearInterval(poll);
          wake = null;
          if (value === null && handle) video.cancelVideoFrameCallback(handle);
          resolve(value);
        };
        wake = () => finish(null);
        const onFrame = (_now: number, meta: VideoFrameCallbackMetadata): void => {
          if (disposed) return finish(null);
          if (meta.mediaTime === lastMediaTime) {
            handle = video.requestVideoFrameCallback(onFrame);
            return;
          }
          lastMediaTime = meta.mediaTime;
          const captureMs = meta.captureTime ?? meta.expectedDisplayTime;
          const timestamp = Math.round(captureMs * 1000);
          // Snapshot the frame now: the element moves on while we segment, and the mask must
          // match the exact pixels it clears (leak vector L5).
          if (typeof VideoFrame === 'function') {
            let frame: VideoFrame;
            try {
              frame = new VideoFrame(video, { timestamp });
            } catch {
              // The element has no current frame (e.g. paused or reloading after a hidden tab):
              // skip this callback and wait for the next presented frame.
              handle = video.requestVideoFrameCallback(onFrame);
              return;
            }
            finish({ image: frame, width: meta.width, height: meta.height, timestamp, close: () => frame.close() });
          } else {
            copy ??= document.createElement('canvas');
            if (copy.width !== meta.width || copy.height !== meta.height) {
              copy.width = meta.width;
              copy.height = meta.height;
            }
            copy.getContext('2d')?.drawImage(video, 0, 0, meta.width, meta.height);
            finish({ image: copy, width: meta.width, height: meta.height, timestamp, close: noFrame.close });
          }
        };
        handle = video.requestVideoFrameCallback(onFrame);
      });
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      wake?.();
      video.removeEventListener('pause', onVisibility);
      document.removeEventListener('visibilitychange', onVisibility);
      video.pause();
      video.srcObject = null;
      video.removeAttribute('src');
    },
  };
}
