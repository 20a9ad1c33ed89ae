// Background video example: the room is replaced by a playing, looping video element.
import { createPrivacyTrack } from 'videochat-privacy';

const output = document.querySelector('#output');
const background = document.querySelector('#background');
const status = document.querySelector('#status');

try {
  await background.play(); // muted, so autoplay is allowed; the app controls playback
  const [camera] = (await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 } })).getVideoTracks();
  const track = await createPrivacyTrack(camera, {
    effect: { type: 'video', source: background, fit: 'cover' },
    modelBaseUrl: '/models/',
    // A video background is drawn fresher on the main thread: there the compositor reads the
    // element's current frame; in worker mode its frames are sent over (1–2 frames older, see
    // docs/performance.md). Use worker mode when a free main thread matters more.
    worker: false,
    workerUrl: '/worker.js', // used if you switch to worker mode (the bundled site serves it there)
  });
  output.srcObject = new MediaStream([track]);
  addEventListener('pagehide', () => track.stop());
  document.body.dataset.state = 'running'; // read by test/e2e/examples.test.mjs
  status.textContent = 'running';
} catch (err) {
  document.body.dataset.state = 'error';
  status.classList.add('error');
  status.textContent = `could not start: ${err.name}${err.code ? ` (${err.code})` : ''}: ${err.message}`;
}
