#!/usr/bin/env node
// The canvas path in real Firefox (npm run test:firefox, part of npm test):
//   node test/firefox/firefox.test.mjs
//
// Debian's firefox-esr, headless, driven by puppeteer-core over WebDriver BiDi. Firefox has no
// MediaStreamTrackProcessor, and WebGL fails in headless Firefox on this kind of machine, so this
// covers what Firefox users get: transport 'canvas' (<video> + requestVideoFrameCallback →
// canvas.captureStream), the CPU compositor, tfjs wasm.
//
// The input is ../shared/media/stills/portrait.jpg painted on a canvas and captured as a track
// (Firefox's fake camera is a synthetic pattern with no person). The test reads the output <video>
// and classifies the still's background region (its left and right quarters above 40 % of the
// height: flags and curtains) against the colour effect and against the input.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { mediaDir, projectRoot } from '../../scripts/ensure-browser-env.mjs';
import { serveStatic } from '../../scripts/serve.mjs';
import { assert, createHarness, pct } from '../e2e/harness.mjs';

const FIREFOX = '/usr/bin/firefox-esr';
const { log, test, finish, tmpRoot, onCleanup } = createHarness('firefox');

const pageCode = `
import { createPrivacyTrack, getCapabilities } from 'videochat-privacy';
window.progress = 'loaded';
window.run = async () => {
  window.progress = 'decoding the still';
  const img = new Image();
  img.src = '/media/stills/portrait.jpg';
  await img.decode();
  const w = 640, h = Math.round((640 * img.naturalHeight) / img.naturalWidth / 2) * 2;
  const input = document.createElement('canvas');
  input.width = w;
  input.height = h;
  const ictx = input.getContext('2d');
  // Repaint every 33 ms so captureStream emits frames (a tiny moving mark, outside the measured region).
  let n = 0;
  const paint = () => { ictx.drawImage(img, 0, 0, w, h); ictx.fillStyle = '#000'; ictx.fillRect((n++ % 20) * 4, h - 4, 4, 4); };
  paint();
  const timer = setInterval(paint, 33);
  const camera = input.captureStream(30).getVideoTracks()[0];
  window.progress = 'capabilities';
  const caps = await getCapabilities();
  window.progress = 'createPrivacyTrack';
  const t0 = performance.now();
  const track = await createPrivacyTrack(camera, { effect: { type: 'color', color: '#1e9b3c' }, modelBaseUrl: '/models/' });
  const startMs = performance.now() - t0;
  window.progress = 'playing the output';
  const video = document.createElement('video');
  video.muted = true;
  video.srcObject = new MediaStream([track]);
  document.body.appendChild(video);
  await video.play();
  while (video.readyState < 2 || video.videoWidth === 0) await new Promise((r) => setTimeout(r, 50));
  window.progress = 'measuring';
  await new Promise((r) => setTimeout(r, 2500));
  const c = document.createElement('canvas');
  c.width = w;
  c.height = h;
  const ctx = c.getContext('2d', { willReadFrequently: true });
  const near = (a, i, b, j, t) => Math.abs(a[i] - b[j]) <= t && Math.abs(a[i + 1] - b[j + 1]) <= t && Math.abs(a[i + 2] - b[j + 2]) <= t;
  const green = [0x1e, 0x9b, 0x3c];
  const samples = [];
  let last = null, changed = 0;
  for (let k = 0; k < 4; k++) {
    if (k) await new Promise((r) => setTimeout(r, 400));
    ctx.drawImage(video, 0, 0, w, h);
    const o = ctx.getImageData(0, 0, w, h).data;
    ctx.drawImage(input, 0, 0, w, h);
    const raw = ctx.getImageData(0, 0, w, h).data;
    let px = 0, bg = 0, rawOnly = 0;
    for (let y = 0; y < Math.round(h * 0.4); y++) {
      for (let x = 0; x < w; x++) {
        if (x >= w * 0.25 && x < w * 0.75) continue;
        const i = (y * w + x) * 4;
        px++;
        const isBg = near(o, i, green, 0, 40), isRaw = near(o, i, raw, i, 24);
        if (isBg && !isRaw) bg++;
        else if (isRaw && !isBg) rawOnly++;
      }
    }
    if (last) { let d = 0; for (let i = 0; i < o.length; i += 40) d += Math.abs(o[i] - last[i]); if (d > 0) changed++; }
    last = o;
    samples.push({ bg: bg / px, rawOnly: rawOnly / px });
  }
  const stats = track.privacy.stats;
  track.stop();
  clearInterval(timer);
  camera.stop();
  return {
    userAgent: navigator.userAgent,
    caps: { insertableStreams: caps.insertableStreams, webgl2: caps.webgl2, wasmSimd: caps.wasmSimd, autoTransport: caps.autoTransport, autoBackend: caps.autoBackend, autoCompositor: caps.autoCompositor },
    startMs, width: video.videoWidth, height: video.videoHeight,
    bg: samples.reduce((s, x) => s + x.bg, 0) / samples.length,
    rawOnly: samples.reduce((s, x) => s + x.rawOnly, 0) / samples.length,
    maxRawOnly: Math.max(...samples.map((x) => x.rawOnly)),
    stats: { fps: stats.fps, segmentationMs: stats.segmentationMs, compositeMs: stats.compositeMs, backend: stats.backend, transport: stats.transport, compositor: stats.compositor, veiledFrames: stats.veiledFrames },
  };
};
window.ready = true;
`;

try {
  if (!existsSync(FIREFOX)) {
    // Never a silent skip: `npm run test:firefox` installs it first (scripts/ensure-browser-env.mjs --firefox).
    await test('Firefox ESR canvas path', () => {
      throw new Error(`${FIREFOX} missing (apt-get install -y firefox-esr)`);
    });
    await finish();
  }
  const site = join(tmpRoot, 'site');
  mkdirSync(site, { recursive: true });
  writeFileSync(join(site, 'index.html'), '<!doctype html><meta charset="utf-8"><title>firefox</title><script type="module" src="./page.js"></script>');
  await build({
    stdin: { contents: pageCode, resolveDir: projectRoot, sourcefile: 'page.js' },
    outdir: site,
    entryNames: 'page',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'error',
    plugins: [{ name: 'self', setup: (b) => b.onResolve({ filter: /^videochat-privacy$/ }, () => ({ path: join(projectRoot, 'src/index.ts') })) }],
  });
  const server = await serveStatic({ root: site, mounts: { '/models/': join(projectRoot, 'models'), '/media/': mediaDir } });
  onCleanup(() => server.close());

  await test('Firefox ESR (headless, BiDi): canvas transport, CPU compositor, wasm; colour background, no raw pixels', async () => {
    const { default: puppeteer } = await import('puppeteer-core');
    const profile = join(tmpRoot, 'profile');
    mkdirSync(profile);
    const browser = await puppeteer.launch({
      browser: 'firefox',
      protocol: 'webDriverBiDi',
      executablePath: FIREFOX,
      headless: true,
      userDataDir: profile,
      extraPrefsFirefox: {
        'media.navigator.streams.fake': true,
        'media.navigator.permission.disabled': true,
        'media.autoplay.default': 0,
      },
      protocolTimeout: 180_000,
    });
    onCleanup(() => browser.close());
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e?.message ?? e)));
    await page.goto(server.url, { waitUntil: 'load' });
    await page.waitForFunction(() => window.ready === true, { timeout: 30_000 });
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warn') errors.push(`console.${m.type()}: ${m.text()}`); });
    await page.evaluate(() => {
      window.run().then((r) => { window.result = r; }, (e) => { window.failure = `${e.name}: ${e.message}`; });
    });
    const deadline = Date.now() + 60_000;
    let r;
    while (!r) {
      const state = await page.evaluate(() => ({ result: window.result, failure: window.failure, progress: window.progress }));
      if (state.failure) throw new Error(`${state.failure}\n${errors.join('\n')}`);
      r = state.result;
      if (!r && Date.now() > deadline) throw new Error(`no result within 60 s; stuck at: ${state.progress}\n${errors.join('\n')}`);
      if (!r) await new Promise((res) => setTimeout(res, 1000));
    }
    log(`  ${r.userAgent}`);
    log(`  capabilities: ${JSON.stringify(r.caps)}`);
    log(`  started in ${r.startMs.toFixed(0)} ms; ${r.width}x${r.height}; stats ${JSON.stringify(r.stats)}`);
    log(`  background region: colour ${pct(r.bg)}, raw input ${pct(r.rawOnly)} (worst ${pct(r.maxRawOnly)})`);
    assert(r.stats.transport === 'canvas', `transport ${r.stats.transport}`);
    assert(r.bg >= 0.9, `only ${pct(r.bg)} of the background region is the colour`);
    assert(r.maxRawOnly <= 0.02, `${pct(r.maxRawOnly)} of the background region shows the input`);
    assert(errors.length === 0, `page errors:\n  ${errors.join('\n  ')}`);
    return `${r.userAgent.match(/Firefox\/[\d.]+/)?.[0]}: ${r.stats.transport}/${r.stats.compositor}/${r.stats.backend}, ` +
      `${r.stats.fps.toFixed(1)} fps, segmentation ${r.stats.segmentationMs.toFixed(1)} ms; colour ${pct(r.bg)}, raw ${pct(r.rawOnly)}`;
  });
} catch (err) {
  await finish(err);
}
await finish();
