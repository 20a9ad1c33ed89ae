#!/usr/bin/env node
// Generates the README's before/after picture (npm run docs:images):
//   node scripts/images.mjs [--effect=blur|color|image] [--out=docs/images/before-after.jpg]
//
// ../shared/media/stills/portrait.jpg (Apache-2.0, tensorflow/tfjs-models test data) is fed as a
// camera track into createPrivacyTrack in headless Chromium; one output frame is put next to the
// input and saved as a JPEG under 150 KB. Nothing is faked: the picture is the library's output.
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { build } from 'esbuild';
import { ensureBrowserEnv, mediaDir, projectRoot } from './ensure-browser-env.mjs';
import { chromiumArgs, makeUserDataDir } from './chromium-args.mjs';
import { serveStatic } from './serve.mjs';

const argv = process.argv.slice(2);
const opt = (name, fallback) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const effect = opt('effect', 'blur');
const out = resolve(opt('out', join(projectRoot, 'docs/images/before-after.jpg')));
const MAX_BYTES = 150_000;

// Runs in the page.
const pageCode = `
import { createPrivacyTrack } from 'videochat-privacy';
const EFFECTS = {
  blur: { type: 'blur' },
  color: { type: 'color', color: '#1e9b3c' },
  image: { type: 'image', source: '/examples/background-image/background.jpg' },
};
window.makePicture = async (effectName, panelHeight) => {
  const img = new Image();
  img.src = '/media/stills/portrait.jpg';
  await img.decode();
  const w = img.naturalWidth & ~1, h = img.naturalHeight & ~1;
  // A camera that shows the still: a generator fed ~30 times a second.
  const gen = new MediaStreamTrackGenerator({ kind: 'video' });
  const writer = gen.writable.getWriter();
  const src = new OffscreenCanvas(w, h);
  src.getContext('2d').drawImage(img, 0, 0, w, h);
  let ts = 0, feeding = true;
  (async () => {
    while (feeding) {
      const f = new VideoFrame(src, { timestamp: (ts += 33333) });
      await writer.write(f);
      f.close();
      await new Promise((r) => setTimeout(r, 33));
    }
  })();
  const track = await createPrivacyTrack(gen, { effect: EFFECTS[effectName], modelBaseUrl: '/models/' });
  const reader = new MediaStreamTrackProcessor({ track }).readable.getReader();
  let frame;
  for (let i = 0; i < 10; i++) { // let temporal smoothing settle
    const { value } = await reader.read();
    frame?.close();
    frame = value;
  }
  const pw = Math.round((panelHeight * w) / h);
  const canvas = new OffscreenCanvas(pw * 2 + 8, panelHeight);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(img, 0, 0, pw, panelHeight);
  ctx.drawImage(frame, pw + 8, 0, pw, panelHeight);
  frame.close();
  reader.cancel();
  feeding = false;
  track.stop();
  gen.stop();
  for (const quality of [0.85, 0.75, 0.65, 0.55]) {
    const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality });
    if (blob.size < ${MAX_BYTES} || quality === 0.55) {
      const bytes = new Uint8Array(await blob.arrayBuffer());
      let s = '';
      for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return { base64: btoa(s), quality, width: canvas.width, height: canvas.height };
    }
  }
};
`;

const env = ensureBrowserEnv();
const siteDir = join(projectRoot, '.cache/images');
rmSync(siteDir, { recursive: true, force: true });
mkdirSync(siteDir, { recursive: true });
writeFileSync(join(siteDir, 'index.html'), '<!doctype html><meta charset="utf-8"><script type="module" src="./page.js"></script>');
await build({
  stdin: { contents: pageCode, resolveDir: projectRoot, sourcefile: 'page.js' },
  outdir: siteDir,
  entryNames: 'page',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  logLevel: 'error',
  plugins: [{ name: 'self', setup: (b) => b.onResolve({ filter: /^videochat-privacy$/ }, () => ({ path: join(projectRoot, 'src/index.ts') })) }],
});
const server = await serveStatic({
  root: siteDir,
  mounts: { '/models/': join(projectRoot, 'models'), '/media/': mediaDir, '/examples/': join(projectRoot, 'examples') },
});
const { default: puppeteer } = await import('puppeteer-core');
const userDataDir = makeUserDataDir('vcp-images-');
const browser = await puppeteer.launch({ executablePath: env.chromium, headless: true, args: chromiumArgs({ userDataDir }) });
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(server.url, { waitUntil: 'load' });
  await page.waitForFunction(() => typeof window.makePicture === 'function', { timeout: 30_000 });
  const r = await page.evaluate((e) => window.makePicture(e, 512), effect);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, Buffer.from(r.base64, 'base64'));
  const size = statSync(out).size;
  console.log(`${out}: ${r.width}x${r.height}, JPEG quality ${r.quality}, ${(size / 1000).toFixed(0)} KB (effect ${effect})`);
  if (size >= MAX_BYTES) throw new Error(`picture is ${size} bytes (limit ${MAX_BYTES})`);
} finally {
  await browser.close();
  await server.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
