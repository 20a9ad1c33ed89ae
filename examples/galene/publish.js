// A standalone Galene client page that publishes the protected camera, on Galene's protocol.js
// (ServerConnection, newUpStream, setStream; Galene >= 0.96). Only the processed track is ever
// added to the peer connection: the raw camera never reaches the server.
import { createPrivacyTrack } from 'videochat-privacy';

/* global ServerConnection */ // from /protocol.js, loaded by publish.html before this module
const form = document.querySelector('#join');
const output = document.querySelector('#output');
const status = document.querySelector('#status');
const show = (text) => {
  status.textContent = text;
};

/** Start the camera and the privacy pipeline. */
async function protectedCamera(effect) {
  const [camera] = (await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 } })).getVideoTracks();
  const track = await createPrivacyTrack(camera, {
    effect: effect === 'color' ? { type: 'color', color: '#1e9b3c' } : { type: 'blur' },
    modelBaseUrl: new URL('models/', import.meta.url).href, // static/videochat-privacy/models/
  });
  track.addEventListener('ended', () => camera.stop());
  return track;
}

/** Publish `track` as this user's camera: a new up stream carrying only the protected track. */
function publish(sc, track) {
  const stream = new MediaStream([track]);
  const up = sc.newUpStream();
  up.label = 'camera';
  up.setStream(stream);
  up.pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
  up.onclose = () => track.stop();
  up.onerror = (e) => show(`stream error: ${e}`);
  return up;
}

async function join({ group, username, password, effect }) {
  // Galene tells a client where its websocket is in the group's status.
  const r = await fetch(`/group/${encodeURIComponent(group)}/.status`);
  if (!r.ok) throw new Error(`group status: ${r.status} ${r.statusText}`);
  const groupStatus = await r.json();

  const track = await protectedCamera(effect);
  output.srcObject = new MediaStream([track]);

  const sc = new ServerConnection();
  sc.onconnected = () => {
    show('connected, joining…');
    sc.join(group, username, { type: 'password', password });
  };
  sc.onjoined = (kind, _group, _perms, _status, _data, _error, message) => {
    if (kind === 'join') {
      publish(sc, track);
      show(`publishing to ${group} as ${username}`);
      document.body.dataset.state = 'publishing'; // read by test/e2e/galene.test.mjs
    } else if (kind === 'fail') {
      show(`could not join: ${message}`);
      sc.close();
    } else if (kind === 'leave') {
      show('left the group');
    }
  };
  sc.onclose = () => {
    track.stop();
    show('disconnected');
  };
  await sc.connect(groupStatus.endpoint);
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const f = new FormData(form);
  form.querySelector('button').disabled = true;
  try {
    await join({ group: f.get('group'), username: f.get('username'), password: f.get('password') ?? '', effect: f.get('effect') });
  } catch (err) {
    document.body.dataset.state = 'error';
    show(`error: ${err.name}${err.code ? ` (${err.code})` : ''}: ${err.message}`);
    form.querySelector('button').disabled = false;
  }
});
