// WebRTC loopback example: send the privacy track over a real peer connection and show what
// arrives. Signalling is a direct hand-over between two RTCPeerConnections on the same page.
import { createPrivacyTrack } from 'videochat-privacy';

const local = document.querySelector('#local');
const remote = document.querySelector('#remote');
const status = document.querySelector('#status');
const params = new URLSearchParams(location.search);
const color = params.get('color') ?? '#1e9b3c'; // a solid colour makes the remote side easy to check

try {
  const [camera] = (await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 } })).getVideoTracks();
  const track = await createPrivacyTrack(camera, { effect: { type: 'color', color }, modelBaseUrl: '/models/', workerUrl: '/worker.js' });
  local.srcObject = new MediaStream([track]);

  const sender = new RTCPeerConnection();
  const receiver = new RTCPeerConnection();
  sender.addEventListener('icecandidate', (e) => e.candidate && receiver.addIceCandidate(e.candidate));
  receiver.addEventListener('icecandidate', (e) => e.candidate && sender.addIceCandidate(e.candidate));
  receiver.addEventListener('track', (e) => {
    remote.srcObject = new MediaStream([e.track]);
  });
  // The privacy track is a real MediaStreamTrack: addTrack / replaceTrack take it as they are.
  sender.addTrack(track);

  const offer = await sender.createOffer();
  await sender.setLocalDescription(offer);
  await receiver.setRemoteDescription(offer);
  const answer = await receiver.createAnswer();
  await receiver.setLocalDescription(answer);
  await sender.setRemoteDescription(answer);

  addEventListener('pagehide', () => {
    sender.close();
    receiver.close();
    track.stop();
  });
  document.body.dataset.state = 'running'; // read by test/e2e/examples.test.mjs
  status.textContent = `sending with a ${color} background`;
  sender.addEventListener('connectionstatechange', () => {
    status.textContent = `connection ${sender.connectionState}, ${color} background`;
  });
} catch (err) {
  document.body.dataset.state = 'error';
  status.classList.add('error');
  status.textContent = `could not start: ${err.name}${err.code ? ` (${err.code})` : ''}: ${err.message}`;
}
