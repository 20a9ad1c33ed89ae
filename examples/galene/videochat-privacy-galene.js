// videochat-privacy filter for Galene's own client (galene.js, Galene >= 0.96).
//
// Galene keeps a global `filters` map; each entry is {description, predicate?, init?, cleanup?,
// draw(src, ctx)}. When the user picks a filter, Galene creates a Filter object (`this` below):
// it plays the camera in `this.video`, calls `init`, then calls `draw(this.video, ctx)` at the
// camera's frame rate and captures the canvas (`requestFrame`) each time draw returns true.
// `cleanup` runs when the filter is removed or the camera stops.
//
// This script registers a `videochat-privacy` filter. Its init starts the privacy pipeline on the
// camera track (loaded on demand from this folder: videochat-privacy-filter.js and its chunks,
// models/ with the model and wasm files); its draw paints the pipeline's latest protected frame.
// Fail closed: draw returns false (Galene captures nothing new) until a protected frame exists.
//
// Install: copy this folder into Galene's static/ as static/videochat-privacy/ and add, after
// galene.js in static/galene.html:
//   <script src="/videochat-privacy/videochat-privacy-galene.js" defer></script>
// Options as data attributes on that tag: data-effect="blur" (default) | "color:#1e9b3c" |
// "image:/videochat-privacy/office.jpg"; data-description="Background blur (private)".
'use strict';

(function () {
  // document.currentScript is set while a classic (also deferred) script runs.
  const script = document.currentScript;
  const base = new URL('.', script ? script.src : location.href);
  const data = script ? script.dataset : {};

  /** The effect named by data-effect. */
  function effectOption(spec) {
    if (!spec || spec === 'blur') return { type: 'blur' };
    const colon = spec.indexOf(':');
    const type = colon < 0 ? spec : spec.slice(0, colon);
    const arg = colon < 0 ? '' : spec.slice(colon + 1);
    if (type === 'color') return { type: 'color', color: arg || '#1e9b3c' };
    if (type === 'image') return { type: 'image', source: new URL(arg, location.href).href };
    if (type === 'blur') return { type: 'blur', radius: Number(arg) || undefined };
    throw new Error(`videochat-privacy: unknown data-effect ${spec}`);
  }

  // One running pipeline per Galene Filter object (older Galene versions have no `userdata`).
  const running = new WeakMap();
  let modulePromise = null;
  const loadModule = () => (modulePromise ??= import(new URL('videochat-privacy-filter.js', base).href));

  const definition = {
    description: data.description || 'Background blur (private, on this device)',
    predicate: async function () {
      if (typeof HTMLCanvasElement === 'undefined' || !('captureStream' in HTMLCanvasElement.prototype)) return false;
      try {
        const r = await fetch(new URL('models/manifest.json', base), { method: 'HEAD' });
        return r.ok;
      } catch {
        return false;
      }
    },
    init: async function () {
      const camera = this.inputStream && this.inputStream.getVideoTracks()[0];
      if (!camera) throw new Error('videochat-privacy: no camera track');
      const { startPrivacyFilter } = await loadModule();
      running.set(this, await startPrivacyFilter(camera, {
        effect: effectOption(data.effect),
        modelBaseUrl: new URL('models/', base).href,
      }));
    },
    cleanup: async function () {
      const filter = running.get(this);
      running.delete(this);
      if (filter) filter.stop();
    },
    // Synchronous on purpose: works whether or not the Galene version awaits draw.
    draw: function (src, ctx) {
      const filter = running.get(this);
      return filter ? filter.draw(ctx) : false;
    },
  };

  if (typeof filters !== 'object' || filters === null) {
    console.warn('videochat-privacy: Galene\'s `filters` map was not found; load this script after galene.js');
    return;
  }
  filters['videochat-privacy'] = definition; // eslint-disable-line no-undef
})();
