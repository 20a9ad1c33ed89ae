// Basic example: camera → createPrivacyTrack → <video>, with a live effect switch.
import { createPrivacyTrack } from 'videochat-privacy';

const video = document.querySelector('#output');
const effects = document.querySelector('#effects');
const colorInput = document.querySelector('#color');
const featherInput = document.querySelector('#feather');
const status = document.querySelector('#status');

/** The effect described by the form. */
function chosenEffect() {
  const type = effects.querySelector('input[name=effect]:checked').value;
  switch (type) {
    case 'color':
      return { type: 'color', color: colorInput.value };
    case 'image':
      return { type: 'image', source: new URL('../background-image/background.jpg', import.meta.url).href };
    default:
      return { type }; // 'blur' or 'none'
  }
}

function show(text, isError = false) {
  status.textContent = text;
  status.classList.toggle('error', isError);
  if (isError) document.body.dataset.state = 'error'; // read by test/e2e/examples.test.mjs
}

try {
  const [camera] = (await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 } })).getVideoTracks();
  // Edge softness: ?feather=0 (hard edge) … ?feather=0.6 at start (default 0.3), then the slider.
  const feather = new URLSearchParams(location.search).get('feather');
  if (feather !== null) featherInput.value = feather;
  const track = await createPrivacyTrack(camera, {
    effect: chosenEffect(),
    feather: Number(featherInput.value),
    modelBaseUrl: '/models/', // where the site serves node_modules/videochat-privacy/models/
    workerUrl: '/worker.js', // where the site serves node_modules/videochat-privacy/dist/worker.js
  });
  video.srcObject = new MediaStream([track]);

  // Switch effects on the same track: the old effect stays until the new one is ready.
  const apply = async () => {
    effects.disabled = true;
    try {
      await track.privacy.setEffect(chosenEffect());
      document.body.dataset.effect = track.privacy.effect.type;
    } catch (err) {
      show(`setEffect failed: ${err.message}`, true);
    } finally {
      effects.disabled = false;
    }
  };
  effects.addEventListener('change', apply);
  // Live: the next frame uses the new edge.
  featherInput.addEventListener('input', () => {
    track.privacy.setOptions({ feather: Number(featherInput.value) }).catch((err) => show(`setOptions failed: ${err.message}`, true));
  });

  track.privacy.addEventListener('stats', ({ detail: s }) => {
    show(`${s.width}×${s.height} at ${s.fps.toFixed(1)} fps · segmentation ${s.segmentationMs.toFixed(1)} ms · ` +
      `compositing ${s.compositeMs.toFixed(1)} ms · ${s.backend} / ${s.transport} / ${s.compositor}`);
  });
  track.privacy.addEventListener('error', ({ detail: err }) => console.warn('videochat-privacy:', err));
  addEventListener('pagehide', () => track.stop()); // frees every tensor and GPU object; the camera stays ours
  camera.addEventListener('ended', () => show('camera ended'));

  effects.disabled = false;
  featherInput.disabled = false;
  document.body.dataset.effect = track.privacy.effect.type;
  document.body.dataset.state = 'running';
  show('running');
} catch (err) {
  // A typed PrivacyTrackError (err.code) or a getUserMedia error; nothing is left running.
  show(`could not start: ${err.name}${err.code ? ` (${err.code})` : ''}: ${err.message}`, true);
}
