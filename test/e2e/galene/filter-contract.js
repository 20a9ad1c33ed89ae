// A stand-in for the filter machinery of Galene's galene.js (>= 0.96), written from its contract,
// so the videochat-privacy plugin can be tested without a Galene server:
//   - a global `filters` map (a top-level `let` of a classic script, as in Galene) of
//     {description, predicate?, init?, cleanup?, draw(src, ctx)};
//   - a Filter object per use, `this` for init/cleanup/draw: inputStream, video (playing the
//     camera), canvas + context (2d), userdata, outputStream (the canvas captured with
//     captureStream(0));
//   - start(): play the camera in this.video, await init, then call draw(this.video, ctx) every
//     1000/frameRate ms, skipping a tick while a draw is still running; requestFrame() only when
//     draw returned (or resolved to) true;
//   - stop(): stop the captured track, stop the timer, await cleanup.
'use strict';

// eslint-disable-next-line no-unused-vars
let filters = {
  'mirror-h': {
    description: 'Horizontal mirror',
    draw: function (src, ctx) {
      ctx.canvas.width = src.videoWidth;
      ctx.canvas.height = src.videoHeight;
      ctx.scale(-1, 1);
      ctx.drawImage(src, -src.videoWidth, 0);
      ctx.resetTransform();
      return true;
    },
  },
};

class Filter {
  constructor(stream, definition) {
    this.inputStream = stream;
    this.definition = definition;
    this.frameRate = 30;
    this.video = document.createElement('video');
    this.canvas = document.createElement('canvas');
    this.context = this.canvas.getContext('2d');
    this.captureStream = this.canvas.captureStream(0);
    this.outputStream = null;
    this.userdata = {};
    this.timer = null;
    this.busy = false;
    this.draws = 0;
    this.captured = 0;
  }

  async start() {
    this.outputStream = new MediaStream([this.captureStream.getVideoTracks()[0]]);
    this.video.srcObject = this.inputStream;
    this.video.muted = true;
    this.video.play();
    if (this.definition.init) await this.definition.init.call(this);
    const rate = this.inputStream.getVideoTracks()[0].getSettings().frameRate;
    if (rate) this.frameRate = rate;
    this.timer = setInterval(() => this.draw(), 1000 / this.frameRate);
  }

  async draw() {
    if (this.video.videoWidth === 0 || this.busy) return;
    this.busy = true;
    try {
      let ok = false;
      try {
        ok = await this.definition.draw.call(this, this.video, this.context);
      } catch (e) {
        console.error(e);
      }
      this.draws++;
      if (ok) {
        this.captured++;
        this.captureStream.getVideoTracks()[0].requestFrame();
      }
    } finally {
      this.busy = false;
    }
  }

  async stop() {
    if (!this.timer) return;
    this.captureStream.getVideoTracks()[0].stop();
    clearInterval(this.timer);
    this.timer = null;
    if (this.definition.cleanup) await this.definition.cleanup.call(this);
  }
}
// Like galene.js, a classic script: Filter and filters are globals of the page.
window.Filter = Filter;
