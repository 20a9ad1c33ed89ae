import { createPrivacyTrack } from 'videochat-privacy';

const [camera] = (await navigator.mediaDevices.getUserMedia({ video: true })).getVideoTracks();
const track = await createPrivacyTrack(camera, {
  effect: { type: 'blur' },
  modelBaseUrl: '/models/', // where you serve node_modules/videochat-privacy/models/
});
const pc = new RTCPeerConnection();
pc.addTrack(track);
document.querySelector('video').srcObject = new MediaStream([track]);
