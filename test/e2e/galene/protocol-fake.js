// A stand-in for Galene's protocol.js and server, for the publish page test: the same client API
// (ServerConnection: connect, join, onconnected, onjoined, newUpStream, close; Stream: pc, label,
// localId, setStream, onclose), with the "server" inside the page: each up stream's peer
// connection is answered by a local RTCPeerConnection, and whatever it receives is shown in a
// <video id="received"> (what Galene would forward to the other participants).
'use strict';

(function () {
  const received = document.createElement('video');
  received.id = 'received';
  received.muted = true;
  received.autoplay = true;
  received.playsInline = true;
  document.addEventListener('DOMContentLoaded', () => document.body.appendChild(received));
  const server = { joins: [], tracks: [] };
  window.galeneServer = server;

  let nextId = 1;
  class Stream {
    constructor(sc, pc) {
      this.sc = sc;
      this.pc = pc;
      this.id = `up-${nextId}`;
      this.localId = `local-${nextId++}`;
      this.label = null;
      this.stream = null;
      this.onclose = null;
      this.onerror = null;
    }
    setStream(stream) {
      this.stream = stream;
    }
    close() {
      this.pc.close();
      delete this.sc.up[this.id];
      if (this.onclose) this.onclose.call(this, false);
    }
  }

  class ServerConnection {
    constructor() {
      this.up = {};
      this.down = {};
      this.onconnected = null;
      this.onjoined = null;
      this.onclose = null;
    }
    async connect(url) {
      if (!/^wss?:/.test(url)) throw new Error(`bad endpoint ${url}`);
      this.endpoint = url;
      setTimeout(() => this.onconnected && this.onconnected.call(this), 0);
    }
    join(group, username, credentials) {
      server.joins.push({ group, username, credentials });
      this.group = group;
      this.username = username;
      setTimeout(() => this.onjoined && this.onjoined.call(this, 'join', group, ['present'], {}, {}, null, ''), 0);
    }
    newUpStream() {
      const pc = new RTCPeerConnection();
      const s = new Stream(this, pc);
      this.up[s.id] = s;
      const remote = new RTCPeerConnection(); // the "server" end
      pc.onicecandidate = (e) => e.candidate && remote.addIceCandidate(e.candidate);
      remote.onicecandidate = (e) => e.candidate && pc.addIceCandidate(e.candidate);
      remote.ontrack = (e) => {
        server.tracks.push({ kind: e.track.kind, label: s.label, streams: e.streams.length });
        received.srcObject = new MediaStream([e.track]);
      };
      pc.onnegotiationneeded = async () => {
        await pc.setLocalDescription(await pc.createOffer());
        await remote.setRemoteDescription(pc.localDescription);
        await remote.setLocalDescription(await remote.createAnswer());
        await pc.setRemoteDescription(remote.localDescription);
      };
      return s;
    }
    close() {
      for (const id in this.up) this.up[id].close();
      if (this.onclose) this.onclose.call(this, 1000, '');
    }
  }
  window.ServerConnection = ServerConnection;
})();
