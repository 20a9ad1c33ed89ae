// The module behind the Galene filter (videochat-privacy-galene.js loads it on demand): runs the
// privacy pipeline on the camera track and paints its latest protected frame on Galene's canvas.
import { createPrivacyTrack } from 'videochat-privacy';

/**
 * Start the pipeline on `camera` (never stopped here: the camera belongs to Galene).
 * @param {MediaStreamTrack} camera
 * @param {import('videochat-privacy').PrivacyTrackOptions} options
 * @returns {Promise<{draw(ctx: CanvasRenderingContext2D): boolean, stop(): void, track: MediaStreamTrack}>}
 */
export async function startPrivacyFilter(camera, options) {
  // Resolves once the first protected frame exists; rejects (leaving nothing running) otherwise.
  const track = await createPrivacyTrack(camera, options);
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  video.srcObject = new MediaStream([track]);
  await video.play().catch(() => {});

  // Paint only frames the pipeline produced, and each one once.
  let fresh = 0;
  let painted = 0;
  let handle = 0;
  const onFrame = () => {
    fresh++;
    handle = video.requestVideoFrameCallback(onFrame);
  };
  handle = video.requestVideoFrameCallback(onFrame);
  let stopped = false;

  return {
    track,
    draw(ctx) {
      if (stopped || track.readyState !== 'live' || track.privacy.state !== 'running') return false;
      if (fresh === painted || video.readyState < 2 || video.videoWidth === 0) return false;
      painted = fresh;
      const canvas = ctx.canvas;
      if (canvas.width !== video.videoWidth || canvas.height !== video.videoHeight) {
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
      }
      ctx.drawImage(video, 0, 0);
      return true;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      video.cancelVideoFrameCallback(handle);
      video.pause();
      video.srcObject = null;
      track.stop(); // stops the pipeline and frees its tensors and GPU objects; the camera stays live
    },
  };
}
