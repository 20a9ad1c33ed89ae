#!/usr/bin/env node
// End-to-end test of the examples (npm run test:examples), as a user meets them:
//   node test/e2e/examples.test.mjs [--only=substring]
//
// examples/build.mjs bundles every example with esbuild (the package imported by its name), a
// static server serves them with the package's models at /models/, and headless Debian Chromium
// with the 720p fake camera (the doctor clip) opens each page. Each test reads the pixels of the
// page's output <video> — for webrtc-loopback the RECEIVED one — and classifies the background
// border (see measure.mjs) against the expected background and the raw camera.
//
// The strict-CSP tests serve the same site with a Content-Security-Policy header and fail on any
// `securitypolicyviolation` event or CSP console error.
//
// Set VCP_E2E_DEBUG_DIR to save a screenshot of each page there.
import { join } from 'node:path';
import { buildExamples, serveExamples } from '../../examples/build.mjs';
import { createBrowser, GALENE_CSP, isWasmEvalViolation } from './browser.mjs';
import { assert, createHarness, pct } from './harness.mjs';
import { countFrames, measureBorder, waitForVideo } from './measure.mjs';

const { log, test, finish, tmpRoot, onCleanup } = createHarness('examples');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
const DEBUG_DIR = process.env.VCP_E2E_DEBUG_DIR;
const START_TIMEOUT_MS = 60_000;

/** The example's colour (webrtc-loopback default and the basic example's colour input). */
const GREEN = [0x1e, 0x9b, 0x3c];

/**
 * The policy of the brief for Galene-like deployments: scripts and workers from this origin only
 * (no blob: workers), wasm allowed by 'wasm-unsafe-eval' (no 'unsafe-eval'), no data:/blob:
 * images, connections to this origin only.
 */
export const STRICT_CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; " +
  "img-src 'self'; media-src 'self' blob: mediastream:; connect-src 'self'; style-src 'self' 'unsafe-inline'; " +
  "object-src 'none'; base-uri 'self'";
const { open } = createBrowser({ onCleanup, prefix: 'vcp-e2e-', debugDir: DEBUG_DIR });

/** Wait for `selector` to play; fail with the page's errors when it does not. */
async function started(p, selector = '#output') {
  try {
    return await p.page.evaluate(waitForVideo, selector, START_TIMEOUT_MS);
  } catch (err) {
    throw new Error(`${err.message}\n${p.describe()}`);
  }
}

/** Summarise a measureBorder result in one line. */
function describeBorder(r) {
  const parts = [`${r.width}x${r.height}`, `border = background ${pct(r.bg)} (worst sample ${pct(r.minBg)})`,
    `raw camera ${pct(r.rawOnly)} (worst ${pct(r.maxRawOnly)})`];
  if (r.energyRatio !== undefined) parts.push(`Laplacian energy out/raw ${r.energyRatio.toFixed(3)}`);
  parts.push(`${r.changed}/${r.samples - 1} samples changed`);
  return parts.join(', ');
}

/** A replaced background: most border pixels are the background, almost none the raw camera. */
function assertReplaced(r, label, { minBg = 0.9, maxRaw = 0.02 } = {}) {
  assert(r.bg >= minBg, `${label}: only ${pct(r.bg)} of border pixels show the background (need ${pct(minBg)})`);
  assert(r.rawOnly <= maxRaw, `${label}: ${pct(r.rawOnly)} of border pixels show the raw camera (max ${pct(maxRaw)})`);
}

let site;
let server;
try {
  const t = Date.now();
  site = await buildExamples({ outDir: join(tmpRoot, 'site') });
  server = await serveExamples(site);
  onCleanup(() => server.close());
  log(`examples built in ${((Date.now() - t) / 1000).toFixed(1)} s, served at ${server.url}`);

  const want = (name) => !only || name.includes(only);

  if (want('basic')) {
    await test('basic: starts blurred, then colour, image and none via setEffect from the page controls', async () => {
      const p = await open(`${server.url}basic/`);
      try {
        const s = await started(p);
        const blur = await p.page.evaluate(measureBorder, '#output', { expect: { blur: true } });
        log(`  basic blur: ${describeBorder(blur)}`);
        // Frames advance (a loose bound: the machine may be busy; speed is benchmarks/' business).
        const fps = await p.page.evaluate(countFrames, '#output', 1500);
        const notes = [`first frame after ${s.waitedMs} ms, ${fps.toFixed(1)} fps`];
        assert(fps >= 2, `output frames do not advance (${fps.toFixed(1)} fps)`);
        assert(blur.energyRatio < 0.5, `blur: border Laplacian energy ratio ${blur.energyRatio.toFixed(3)} >= 0.5`);
        notes.push(`blur energy ratio ${blur.energyRatio.toFixed(3)}`);

        const choose = async (value) => {
          await p.page.click(`input[name=effect][value=${value}]`);
          await p.page.waitForFunction((v) => document.body.dataset.effect === v, { timeout: 20_000 }, value);
          await new Promise((r) => setTimeout(r, 500)); // let the <video> show frames of the new effect
        };
        await choose('color');
        const color = await p.page.evaluate(measureBorder, '#output', { expect: { color: GREEN } });
        log(`  basic color: ${describeBorder(color)}`);
        assertReplaced(color, 'color');
        notes.push(`colour ${pct(color.bg)}`);

        await choose('image');
        const image = await p.page.evaluate(measureBorder, '#output', { expect: { url: '/background-image/background.jpg' } });
        log(`  basic image: ${describeBorder(image)}`);
        assertReplaced(image, 'image');
        notes.push(`image ${pct(image.bg)}`);

        await choose('none');
        const none = await p.page.evaluate(measureBorder, '#output', { expect: null });
        log(`  basic none: ${describeBorder(none)} (raw anywhere ${pct(none.rawAny)})`);
        assert(none.rawAny >= 0.5, `none: the output border should be the camera, but only ${pct(none.rawAny)} matches it`);
        notes.push(`none: camera ${pct(none.rawAny)}`);
        assert(p.errors.length === 0, p.describe());
        return notes.join('; ');
      } finally {
        await p.close('basic');
      }
    });
  }

  if (want('webrtc')) {
    await test('webrtc-loopback: the RECEIVED video has the colour background', async () => {
      const p = await open(`${server.url}webrtc-loopback/`);
      try {
        await started(p, '#local');
        const s = await started(p, '#remote');
        // The received stream starts small while bandwidth ramps up; give it a moment.
        await new Promise((r) => setTimeout(r, 2000));
        const fps = await p.page.evaluate(countFrames, '#remote', 1500);
        const size = await p.page.evaluate(() => [document.querySelector('#remote').videoWidth, document.querySelector('#remote').videoHeight]);
        const r = await p.page.evaluate(measureBorder, '#remote', { expect: { color: GREEN }, size: [640, 360] });
        log(`  received ${size.join('x')} at ${fps.toFixed(1)} fps: ${describeBorder(r)}`);
        assert(fps >= 2, `received frames do not advance (${fps.toFixed(1)} fps)`);
        assertReplaced(r, 'received video', { minBg: 0.9, maxRaw: 0.02 });
        assert(p.errors.length === 0, p.describe());
        return `received ${size.join('x')} (first frame after ${s.waitedMs} ms), ${fps.toFixed(1)} fps; border: colour ${pct(r.bg)}, raw camera ${pct(r.rawOnly)}`;
      } finally {
        await p.close('webrtc-loopback');
      }
    });
  }

  if (want('image')) {
    await test('background-image: the border shows the image', async () => {
      const p = await open(`${server.url}background-image/`);
      try {
        await started(p);
        const r = await p.page.evaluate(measureBorder, '#output', { expect: { url: '/background-image/background.jpg' } });
        log(`  ${describeBorder(r)}`);
        assertReplaced(r, 'background image');
        assert(p.errors.length === 0, p.describe());
        return `image ${pct(r.bg)}, raw camera ${pct(r.rawOnly)}`;
      } finally {
        await p.close('background-image');
      }
    });
  }

  if (want('video')) {
    await test('background-video: the border shows the playing video, and it moves', async () => {
      const p = await open(`${server.url}background-video/`);
      try {
        await started(p);
        // The output shows the background frame the compositor drew, displayed by the output
        // <video> a few frames later: score each sample against the best of the background's last
        // 6 frames (a ~200 ms window at 30 FPS); its gradient moves slowly, so a wider tolerance
        // still separates it from the room.
        const r = await p.page.evaluate(measureBorder, '#output', { expect: { selector: '#background', recentFrames: 6 }, tolerance: 48 });
        log(`  ${describeBorder(r)}`);
        assertReplaced(r, 'background video', { minBg: 0.85 });
        assert(r.changed >= 2, `the background does not move (${r.changed} of ${r.samples - 1} samples changed)`);
        assert(p.errors.length === 0, p.describe());
        return `video ${pct(r.bg)}, raw camera ${pct(r.rawOnly)}, ${r.changed}/${r.samples - 1} samples changed`;
      } finally {
        await p.close('background-video');
      }
    });
  }

  if (want('csp')) {
    const cspServer = await serveExamples(site, { headers: { 'content-security-policy': STRICT_CSP } });
    onCleanup(() => cspServer.close());
    await test('strict CSP (script/worker-src self, wasm-unsafe-eval, no data:/blob: images): basic runs, protected, no violation', async () => {
      const p = await open(`${cspServer.url}basic/`);
      try {
        await started(p);
        await p.page.click('input[name=effect][value=color]');
        await p.page.waitForFunction(() => document.body.dataset.effect === 'color', { timeout: 20_000 });
        await new Promise((r) => setTimeout(r, 500));
        const r = await p.page.evaluate(measureBorder, '#output', { expect: { color: GREEN } });
        const backend = await p.page.evaluate(() => document.querySelector('#status').textContent);
        log(`  ${describeBorder(r)}; ${backend}`);
        assertReplaced(r, 'under strict CSP');
        assert(p.violations.length === 0, p.describe());
        assert(p.errors.length === 0, p.describe());
        return `colour ${pct(r.bg)}, raw camera ${pct(r.rawOnly)}, 0 violations`;
      } finally {
        await p.close('csp-strict');
      }
    });

    const galeneServer = await serveExamples(site, { headers: { 'content-security-policy': GALENE_CSP } });
    onCleanup(() => galeneServer.close());
    await test("Galene's own CSP (default-src 'self', no 'wasm-unsafe-eval'): basic runs, protected, no violation", async () => {
      const p = await open(`${galeneServer.url}basic/`);
      try {
        await started(p);
        await p.page.click('input[name=effect][value=color]');
        await p.page.waitForFunction(() => document.body.dataset.effect === 'color', { timeout: 20_000 });
        await new Promise((r) => setTimeout(r, 1000));
        const r = await p.page.evaluate(measureBorder, '#output', { expect: { color: GREEN } });
        const backend = await p.page.evaluate(() => document.querySelector('#status').textContent);
        log(`  ${describeBorder(r)}; ${backend}`);
        assertReplaced(r, "under Galene's CSP");
        assert(/webgl/.test(backend), `expected the WebGL backend under a policy without 'wasm-unsafe-eval': ${backend}`);
        // Two wasm compilations are refused, both caught and harmless: the library's capability
        // probe (it compiles an empty module once to learn that wasm is refused), and `long`, a
        // tfjs dependency that tries a tiny wasm module for 64-bit multiplication at import.
        // Nothing else may be blocked.
        const others = p.violations.filter((v) => !isWasmEvalViolation(v));
        const probes = p.violations.filter((v) => /^script-src blocked wasm-eval/.test(v));
        assert(others.length === 0 && probes.length <= 2, p.describe());
        assert(p.errors.length === 0, p.describe());
        return `colour ${pct(r.bg)}, raw camera ${pct(r.rawOnly)}, only the ${probes.length} expected wasm-eval reports; ${backend}`;
      } finally {
        await p.close('csp-galene');
      }
    });
  }
} catch (err) {
  await finish(err);
}
await finish();
