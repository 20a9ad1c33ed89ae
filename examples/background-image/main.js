// Background image example: the room is replaced by an image served by this site.
import { createPrivacyTrack } from 'videochat-privacy';

const video = document.querySelector('#output');
const fit = document.querySelector('#fit');
const status = document.querySelector('#status');
// A URL (same-origin or CORS-enabled); a Blob, ImageBitmap, <img> or canvas works too.
const image = new URL('./background.jpg', import.meta.url).href;

try {
  const [camera] = (await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 } })).getVideoTracks();
  const track = await createPrivacyTrack(camera, {
    effect: { type: 'image', source: image, fit: 'cover' },
    modelBaseUrl: '/models/',
    workerUrl: '/worker.js',
  });
  video.srcObject = new MediaStream([track]);
  fit.addEventListener('change', () => track.privacy.setEffect({ type: 'image', source: image, fit: fit.value }));
  addEventListener('pagehide', () => track.stop());
  document.body.dataset.state = 'running'; // read by test/e2e/examples.test.mjs
  status.textContent = 'running';
} catch (err) {
  document.body.dataset.state = 'error';
  status.classList.add('error');
  status.textContent = `could not start: ${err.name}${err.code ? ` (${err.code})` : ''}: ${err.message}`;
}
