#!/usr/bin/env node
// End-to-end test of the Galene integration (npm run test:galene), without a Galene server:
//   node test/e2e/galene.test.mjs
//
// The site is laid out like Galene's static/ folder, served with Galene's own
// Content-Security-Policy header (webserver.go: default-src 'self', no 'wasm-unsafe-eval'):
//   /filter-contract.js   stand-in for galene.js's filter machinery (test/e2e/galene/)
//   /protocol.js          stand-in for Galene's protocol.js with an in-page "server"
//   /videochat-privacy/   examples/galene built (examples/galene/build.mjs), models at ./models/
//
// 1. Filter plugin: plugin.html loads the stand-in, then the plugin with one <script defer>, and
//    does what galene.js does when the filter is picked (predicate, new Filter, start). The test
//    reads the Filter's captured canvas stream and checks its background border is the plugin's
//    colour, not the raw camera; then stop() runs the plugin's cleanup: Galene's camera stays live.
// 2. publish.html: join a group through the protocol.js API and publish; the test reads what the
//    "server" received.
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildGalene } from '../../examples/galene/build.mjs';
import { serveStatic } from '../../scripts/serve.mjs';
import { createBrowser, GALENE_CSP, isWasmEvalViolation } from './browser.mjs';
import { assert, createHarness, pct } from './harness.mjs';
import { measureBorder, waitForVideo } from './measure.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const projectRoot = resolve(here, '../..');
const { log, test, finish, tmpRoot, onCleanup } = createHarness('galene');
const GREEN = [0x1e, 0x9b, 0x3c];
const { open } = createBrowser({ onCleanup, prefix: 'vcp-galene-' });
/** Only the two expected wasm-eval refusals (see browser.mjs) may appear. */
const unexpectedViolations = (p) => p.violations.filter((v) => !isWasmEvalViolation(v));

try {
  // ------------------------------------------------------------------ the site, as Galene's static/
  const site = join(tmpRoot, 'static');
  mkdirSync(join(site, 'group/public'), { recursive: true });
  await buildGalene({ outDir: join(site, 'videochat-privacy'), models: false });
  for (const f of ['filter-contract.js', 'plugin.html', 'plugin-harness.js', 'common.css']) cpSync(join(here, 'galene', f), join(site, f));
  cpSync(join(here, 'galene/protocol-fake.js'), join(site, 'protocol.js'));
  writeFileSync(join(site, 'group/public/.status'), JSON.stringify({ name: 'public', endpoint: 'wss://galene.invalid/ws' }));
  const server = await serveStatic({
    root: site,
    mounts: { '/videochat-privacy/models/': join(projectRoot, 'models') },
    headers: { 'content-security-policy': GALENE_CSP },
  });
  onCleanup(() => server.close());
  log(`Galene-like static/ served at ${server.url} with Galene's CSP`);

  await test('filter plugin: registered by one <script defer>, init/draw/cleanup per the filter contract, captured canvas protected', async () => {
    const p = await open(`${server.url}plugin.html`);
    try {
      try {
        await p.page.evaluate(waitForVideo, '#output', 90_000);
      } catch (err) {
        throw new Error(`${err.message}\n${p.describe()}`);
      }
      const options = await p.page.evaluate(() => window.harness.options);
      assert(options.includes('videochat-privacy'), `filter list: ${options.join(', ')}`);
      // Under Galene's CSP the library runs on WebGL (software here: ~1 frame/s), so sample slowly.
      const r = await p.page.evaluate(measureBorder, '#output', { expect: { color: GREEN }, samples: 4, intervalMs: 1200 });
      const counts = await p.page.evaluate(() => ({ draws: window.harness.filter.draws, captured: window.harness.filter.captured }));
      log(`  captured ${r.width}x${r.height}: border colour ${pct(r.bg)}, raw camera ${pct(r.rawOnly)} (worst ${pct(r.maxRawOnly)}); ` +
        `draw called ${counts.draws}×, returned true ${counts.captured}× (a new protected frame each time)`);
      assert(r.bg >= 0.9 && r.rawOnly <= 0.02, `captured canvas not protected: colour ${pct(r.bg)}, raw ${pct(r.rawOnly)}`);
      assert(counts.captured > 0 && counts.captured <= counts.draws, `draw/capture counts ${JSON.stringify(counts)}`);

      const after = await p.page.evaluate(async () => {
        const { filter, camera } = window.harness;
        const before = filter.captured;
        await filter.stop();
        await new Promise((r) => setTimeout(r, 500));
        return { camera: camera.readyState, output: filter.outputStream.getVideoTracks()[0].readyState, capturedAfterStop: filter.captured - before };
      });
      log(`  after Filter.stop(): camera ${after.camera}, captured track ${after.output}`);
      assert(after.camera === 'live', 'cleanup stopped Galene\'s camera track');
      assert(after.output === 'ended', 'the captured track did not end');
      assert(unexpectedViolations(p).length === 0 && p.errors.length === 0, p.describe());
      return `colour ${pct(r.bg)}, raw camera ${pct(r.rawOnly)}; ${counts.captured} protected frames captured of ${counts.draws} draws; cleanup kept the camera live`;
    } finally {
      await p.page.close().catch(() => {});
    }
  });

  await test('publish.html: joins through protocol.js and publishes only the protected track', async () => {
    const p = await open(`${server.url}videochat-privacy/publish.html`);
    try {
      await p.page.select('select[name=effect]', 'color');
      await p.page.click('button[type=submit]');
      try {
        await p.page.waitForFunction(() => document.body.dataset.state === 'publishing' || document.body.dataset.state === 'error', { timeout: 90_000 });
        const state = await p.page.evaluate(() => [document.body.dataset.state, document.querySelector('#status').textContent]);
        assert(state[0] === 'publishing', state[1]);
        await p.page.evaluate(waitForVideo, '#received', 60_000);
      } catch (err) {
        throw new Error(`${err.message}\n${p.describe()}`);
      }
      const srv = await p.page.evaluate(() => window.galeneServer);
      assert(srv.joins.length === 1 && srv.joins[0].group === 'public', `joins: ${JSON.stringify(srv.joins)}`);
      assert(srv.tracks.length === 1 && srv.tracks[0].kind === 'video' && srv.tracks[0].label === 'camera',
        `the server received ${JSON.stringify(srv.tracks)}`);
      const r = await p.page.evaluate(measureBorder, '#received', { expect: { color: GREEN }, samples: 4, intervalMs: 1200, size: [640, 360] });
      log(`  received: border colour ${pct(r.bg)}, raw camera ${pct(r.rawOnly)} (worst ${pct(r.maxRawOnly)})`);
      assert(r.bg >= 0.9 && r.rawOnly <= 0.02, `received video not protected: colour ${pct(r.bg)}, raw ${pct(r.rawOnly)}`);
      assert(unexpectedViolations(p).length === 0 && p.errors.length === 0, p.describe());
      return `1 video track labelled camera; received border colour ${pct(r.bg)}, raw camera ${pct(r.rawOnly)}`;
    } finally {
      await p.page.close().catch(() => {});
    }
  });
} catch (err) {
  await finish(err);
}
await finish();
