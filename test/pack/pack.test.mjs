#!/usr/bin/env node
// Packaging test: what an app gets from `npm install videochat-privacy`.
//   node test/pack/pack.test.mjs          (npm run test:pack)
//
// 1. `npm pack` (prepack verifies models and builds dist/), install the tarball into an empty app,
//    check the installed files (dist, models + manifest sizes/sha256, nothing from src/test/media).
// 2. Bundle examples/quick-start/main.js (the README quick start) with esbuild, serve it with the
//    package's models, run it in Debian Chromium with the 720p fake camera, and check the <video>
//    shows frames that advance and that the border (background) is really blurred compared with
//    the raw camera (Laplacian energy ratio, whole border and per 32×32 tile).
// 3. The same with Vite 7 (installed in the temp app only; a failed install fails the test).
//
// Exit code 0/1; last line: `pack: N passed, M failed` (test/e2e/harness.mjs).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ensureBrowserEnv } from '../../scripts/ensure-browser-env.mjs';
import { chromiumArgs } from '../../scripts/chromium-args.mjs';
import { serveStatic } from '../../scripts/serve.mjs';
import { assert, createHarness } from '../e2e/harness.mjs';

const run = promisify(execFile);
const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const quickStart = join(projectRoot, 'examples/quick-start');
const { log, test, finish, tmpRoot, onCleanup } = createHarness('pack');

/** Thresholds for the "protected" check (border region = outer 10 % of the frame). */
// The doctor clip's border is mostly background (blinds, shelves, monitor), but the person's hair,
// hands and the desk reach into the top and bottom bands and (rightly) stay sharp. So the border is
// cut into 32×32 tiles: a textured tile (raw energy >= MIN_TILE_ENERGY) counts as blurred when its
// output Laplacian energy is below BLURRED_TILE_RATIO × raw. Unprocessed video would score near 0 % (tile ratio ≈ 1; by construction, not run here). The
// left and right bands (10 % of the width, full height) are background but for a sleeve, so the
// strict threshold applies to them; the whole border gets a looser one.
const MAX_BORDER_ENERGY_RATIO = 0.8; // whole border: output / raw Laplacian energy
const MAX_SIDE_ENERGY_RATIO = 0.5; // left + right bands
const MIN_BLURRED_TILE_FRACTION = 0.4; // of textured border tiles
const MIN_BLURRED_SIDE_TILE_FRACTION = 0.7; // of textured tiles in the left + right bands
const BLURRED_TILE_RATIO = 0.25;
const MIN_TILE_ENERGY = 10;
const TILE = 32;
const FRAME_TIMEOUT_MS = 90_000;
/** Set VCP_PACK_DEBUG_DIR to save the last output and raw frames there as PNG. */
const DEBUG_DIR = process.env.VCP_PACK_DEBUG_DIR;

async function sh(cmd, args, cwd, { timeout = 300_000 } = {}) {
  try {
    return await run(cmd, args, { cwd, timeout, maxBuffer: 64 << 20, env: { ...process.env, npm_config_update_notifier: 'false' } });
  } catch (err) {
    const out = `${err.stdout ?? ''}\n${err.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
    throw new Error(`${cmd} ${args.join(' ')} failed (${err.code ?? err.signal}):\n${out}`);
  }
}

const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');

// ---------------------------------------------------------------- in-page check
/**
 * Runs in the page: waits for the output <video> to play, then samples it for ~2 s, comparing
 * its outer-10 % border with a raw camera track opened on the same (fake) device.
 */
async function inPageCheck(frameTimeoutMs, debug, tile, minTileEnergy, blurredTileRatio) {
  const video = document.querySelector('video');
  if (!video) throw new Error('no <video> in the page');
  const deadline = performance.now() + frameTimeoutMs;
  while (!(video.srcObject && video.readyState >= 2 && video.videoWidth > 0)) {
    if (performance.now() > deadline) throw new Error(`the <video> showed no frame within ${frameTimeoutMs} ms (readyState ${video.readyState})`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const startedAfterMs = Math.round(performance.now());
  const w = video.videoWidth;
  const h = video.videoHeight;

  const rawStream = await navigator.mediaDevices.getUserMedia({ video: { width: w, height: h } });
  const raw = document.createElement('video');
  raw.muted = true;
  raw.playsInline = true;
  raw.srcObject = rawStream;
  await raw.play();
  while (raw.readyState < 2 || raw.videoWidth === 0) await new Promise((r) => setTimeout(r, 50));

  // (b) frames advance: count output frames for 2 s with the page otherwise idle (the pipeline
  // shares this main thread, so pixel analysis would slow it down).
  let callbacks = 0;
  let counting = true;
  const countFrames = () => {
    callbacks++;
    if (counting) video.requestVideoFrameCallback(countFrames);
  };
  video.requestVideoFrameCallback(countFrames);
  const t = performance.now();
  await new Promise((r) => setTimeout(r, 2000));
  counting = false;
  const fps = callbacks / ((performance.now() - t) / 1000);

  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const grab = (el) => {
    ctx.drawImage(el, 0, 0, w, h);
    const { data } = ctx.getImageData(0, 0, w, h);
    const g = new Float32Array(w * h);
    for (let i = 0, j = 0; i < g.length; i++, j += 4) g[i] = 0.299 * data[j] + 0.587 * data[j + 1] + 0.114 * data[j + 2];
    return g;
  };
  const bx = Math.round(w * 0.1);
  const by = Math.round(h * 0.1);
  const inBorder = (x, y) => x < bx || x >= w - bx || y < by || y >= h - by;
  /** Squared 4-neighbour Laplacian summed per TILE×TILE tile of the border region. */
  const tilesX = Math.ceil(w / tile);
  const tilesY = Math.ceil(h / tile);
  const laplacianTiles = (g) => {
    const sum = new Float64Array(tilesX * tilesY);
    const cnt = new Uint32Array(tilesX * tilesY);
    for (let y = 1; y < h - 1; y++) {
      for (let x = 1; x < w - 1; x++) {
        if (!inBorder(x, y)) continue;
        const i = y * w + x;
        const l = 4 * g[i] - g[i - 1] - g[i + 1] - g[i - w] - g[i + w];
        const t = Math.floor(y / tile) * tilesX + Math.floor(x / tile);
        sum[t] += l * l;
        cnt[t]++;
      }
    }
    return { sum, cnt };
  };
  const borderMeanAbsDiff = (a, b) => {
    let s = 0;
    let n = 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        if (!inBorder(x, y)) continue;
        s += Math.abs(a[y * w + x] - b[y * w + x]);
        n++;
      }
    }
    return s / n;
  };

  // (c) protected: sample output and raw camera frames over ~2 s.
  const samples = [];
  let prevOut = null;
  let changedSamples = 0;
  for (let k = 0; k < 6; k++) {
    await new Promise((r) => setTimeout(r, 300));
    const out = grab(video);
    const rawG = grab(raw);
    if (prevOut && meanAbsDiff(out, prevOut) > 0.01) changedSamples++;
    const o = laplacianTiles(out);
    const q = laplacianTiles(rawG);
    const all = { out: 0, raw: 0, textured: 0, blurred: 0 };
    const side = { out: 0, raw: 0, textured: 0, blurred: 0 };
    for (let t = 0; t < o.sum.length; t++) {
      if (q.cnt[t] === 0) continue;
      const cx = (t % tilesX) * tile + tile / 2;
      const groups = cx < bx || cx >= w - bx ? [all, side] : [all];
      const re = q.sum[t] / q.cnt[t];
      const isBlurred = o.sum[t] / o.cnt[t] < blurredTileRatio * re;
      for (const g of groups) {
        g.out += o.sum[t];
        g.raw += q.sum[t];
        if (re >= minTileEnergy) {
          g.textured++;
          if (isBlurred) g.blurred++;
        }
      }
    }
    samples.push({
      ratio: all.out / all.raw,
      sideRatio: side.out / side.raw,
      mad: borderMeanAbsDiff(out, rawG),
      tiles: all.textured,
      blurredFrac: all.blurred / Math.max(1, all.textured),
      sideTiles: side.textured,
      sideBlurredFrac: side.blurred / Math.max(1, side.textured),
    });
    prevOut = out;
  }
  function meanAbsDiff(a, b) {
    let s = 0;
    for (let i = 0; i < a.length; i += 7) s += Math.abs(a[i] - b[i]);
    return s / Math.ceil(a.length / 7);
  }
  const mean = (k) => samples.reduce((s, x) => s + x[k], 0) / samples.length;
  let images;
  if (debug) {
    ctx.drawImage(video, 0, 0, w, h);
    const out = canvas.toDataURL('image/png');
    ctx.drawImage(raw, 0, 0, w, h);
    images = { out, raw: canvas.toDataURL('image/png') };
  }
  rawStream.getTracks().forEach((tr) => tr.stop());
  return {
    images,
    width: w,
    height: h,
    startedAfterMs,
    fps,
    changedSamples,
    samples: samples.length,
    ratio: mean('ratio'),
    sideRatio: mean('sideRatio'),
    texturedTiles: mean('tiles'),
    blurredFraction: mean('blurredFrac'),
    sideTexturedTiles: mean('sideTiles'),
    sideBlurredFraction: mean('sideBlurredFrac'),
    borderMad: mean('mad'),
  };
}

/** Open `url` in a new page of `browser`, run {@link inPageCheck}, assert, and return a summary. */
async function checkPage(browser, url, label) {
  const page = await browser.newPage();
  const pageErrors = [];
  page.on('pageerror', (err) => pageErrors.push(String(err?.message ?? err)));
  page.on('console', (msg) => {
    if (msg.type() === 'error') pageErrors.push(msg.text());
  });
  try {
    await page.goto(url, { waitUntil: 'load' });
    let r;
    try {
      r = await page.evaluate(inPageCheck, FRAME_TIMEOUT_MS, Boolean(DEBUG_DIR), TILE, MIN_TILE_ENERGY, BLURRED_TILE_RATIO);
      if (DEBUG_DIR && r.images) {
        mkdirSync(DEBUG_DIR, { recursive: true });
        for (const [k, v] of Object.entries(r.images)) writeFileSync(join(DEBUG_DIR, `${label}-${k}.png`), Buffer.from(v.split(',')[1], 'base64'));
      }
    } catch (err) {
      throw new Error(`${label}: ${err.message}${pageErrors.length ? `\npage errors:\n  ${pageErrors.join('\n  ')}` : ''}`);
    }
    const pct = (x) => `${(100 * x).toFixed(0)} %`;
    const summary = `${label}: ${r.width}x${r.height}, first frame at ${r.startedAfterMs} ms, ${r.fps.toFixed(1)} fps (rVFC), ` +
      `${r.changedSamples}/${r.samples - 1} samples changed; border Laplacian energy output/raw = ${r.ratio.toFixed(3)} ` +
      `(left+right bands ${r.sideRatio.toFixed(3)}); blurred textured tiles ${pct(r.blurredFraction)} of ${r.texturedTiles.toFixed(0)} ` +
      `(left+right ${pct(r.sideBlurredFraction)} of ${r.sideTexturedTiles.toFixed(0)}); border mean |out-raw| = ${r.borderMad.toFixed(1)}`;
    log(summary);
    assert(r.width >= 320 && r.height >= 240, `${label}: odd output size ${r.width}x${r.height}`);
    assert(r.fps >= 5, `${label}: output frames do not advance (${r.fps.toFixed(1)} fps)`);
    assert(r.changedSamples >= 2, `${label}: output pixels did not change over ~2 s (${r.changedSamples} changed samples)`);
    assert(r.texturedTiles >= 10, `${label}: raw camera border has little detail (${r.texturedTiles} textured tiles); the check would be meaningless`);
    assert(r.ratio < MAX_BORDER_ENERGY_RATIO, `${label}: border not blurred: energy ratio ${r.ratio.toFixed(3)} >= ${MAX_BORDER_ENERGY_RATIO}`);
    assert(r.sideRatio < MAX_SIDE_ENERGY_RATIO, `${label}: side bands not blurred: energy ratio ${r.sideRatio.toFixed(3)} >= ${MAX_SIDE_ENERGY_RATIO}`);
    assert(r.blurredFraction >= MIN_BLURRED_TILE_FRACTION,
      `${label}: border not blurred: ${pct(r.blurredFraction)} of textured tiles blurred (need ${pct(MIN_BLURRED_TILE_FRACTION)})`);
    assert(r.sideBlurredFraction >= MIN_BLURRED_SIDE_TILE_FRACTION,
      `${label}: side bands not blurred: ${pct(r.sideBlurredFraction)} of textured tiles blurred (need ${pct(MIN_BLURRED_SIDE_TILE_FRACTION)})`);
    return `${r.width}x${r.height}, ${r.fps.toFixed(1)} fps, border energy ratio ${r.ratio.toFixed(3)} (sides ${r.sideRatio.toFixed(3)}), ` +
      `${pct(r.blurredFraction)} tiles blurred (sides ${pct(r.sideBlurredFraction)})`;
  } finally {
    await page.close().catch(() => {});
  }
}

// ---------------------------------------------------------------- main
try {
  const env = ensureBrowserEnv();
  const packDir = join(tmpRoot, 'pack');
  const appDir = join(tmpRoot, 'app');
  const publicDir = join(appDir, 'public');
  mkdirSync(packDir);
  mkdirSync(publicDir, { recursive: true });

  log('npm pack (prepack: models --verify + build)');
  await sh('npm', ['pack', '--pack-destination', packDir, '--silent'], projectRoot);
  const tarballs = readdirSync(packDir).filter((f) => f.endsWith('.tgz'));
  assert(tarballs.length === 1, `npm pack made ${tarballs.length} tarballs`);
  const tarball = join(packDir, tarballs[0]);
  const { stdout: listing } = await sh('tar', ['-tzf', tarball], packDir);
  const packed = listing.split('\n').filter(Boolean).map((p) => p.replace(/^package\//, ''));
  log(`${tarballs[0]}: ${packed.length} files, ${(statSync(tarball).size / 1e6).toFixed(1)} MB`);

  log('npm init + install tarball');
  await sh('npm', ['init', '-y'], appDir);
  await sh('npm', ['install', tarball, '--no-audit', '--no-fund', '--prefer-offline'], appDir);
  const pkgDir = join(appDir, 'node_modules/videochat-privacy');

  await test('installed package contents', () => {
    for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/worker.js', 'models/manifest.json', 'models/selfie.json', 'models/wasm/tfjs-backend-wasm-simd.wasm']) {
      assert(existsSync(join(pkgDir, f)), `missing ${f}`);
    }
    const manifest = JSON.parse(readFileSync(join(pkgDir, 'models/manifest.json'), 'utf8'));
    assert(Array.isArray(manifest.files) && manifest.files.length > 0, 'manifest has no files');
    for (const e of manifest.files) {
      const f = join(pkgDir, 'models', e.file);
      assert(existsSync(f), `manifest file missing: models/${e.file}`);
      assert(statSync(f).size === e.size, `models/${e.file}: size ${statSync(f).size} != ${e.size}`);
      assert(sha256(f) === e.sha256, `models/${e.file}: sha256 mismatch`);
    }
    const forbidden = packed.filter((p) =>
      /^(src|test|tests|media|\.cache|benchmarks|examples|scripts|node_modules)\//.test(p) ||
      /\.(y4m|mp4|webm|mov|ts)$/.test(p) && !p.endsWith('.d.ts') ||
      /(^|\/)(tsconfig.*\.json|web-test-runner\.config\.mjs|tsup\.config\.ts|vitest\.config\.\w+)$/.test(p));
    assert(forbidden.length === 0, `packed files that should not ship:\n  ${forbidden.join('\n  ')}`);
    const installedDeps = Object.keys(JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).dependencies ?? {});
    for (const d of installedDeps) assert(existsSync(join(appDir, 'node_modules', d)), `dependency ${d} not installed`);
    return `${packed.length} files packed, ${manifest.files.length} model files verified, deps: ${installedDeps.length}`;
  });

  // The app: the README quick start, unchanged.
  mkdirSync(join(appDir, 'src'));
  cpSync(join(quickStart, 'main.js'), join(appDir, 'src/main.js'));
  cpSync(join(quickStart, 'index.html'), join(publicDir, 'index.html'));
  cpSync(join(pkgDir, 'models'), join(publicDir, 'models'), { recursive: true });

  let browser;
  const launch = async () => {
    if (browser) return browser;
    const { default: puppeteer } = await import('puppeteer-core');
    browser = await puppeteer.launch({
      executablePath: env.chromium,
      headless: true,
      args: chromiumArgs({ clip: env.clip720, userDataDir: mkdtempSync(join(tmpRoot, 'chromium-')) }),
    });
    onCleanup(() => browser.close());
    return browser;
  };

  await test('quick start bundled with esbuild runs and blurs the background', async () => {
    const esbuild = await import('esbuild');
    await esbuild.build({
      absWorkingDir: appDir,
      entryPoints: [join(appDir, 'src/main.js')],
      outfile: join(publicDir, 'main.bundle.js'),
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      logLevel: 'error',
    });
    // esbuild leaves `new URL('./worker.js', import.meta.url)` as it is: the app serves the
    // package's self-contained worker next to its bundle (docs/performance.md).
    cpSync(join(pkgDir, 'dist/worker.js'), join(publicDir, 'worker.js'));
    const server = await serveStatic({ root: publicDir });
    onCleanup(() => server.close());
    return checkPage(await launch(), server.url, 'esbuild');
  });

  await test('quick start bundled with Vite 7 runs and blurs the background', async () => {
    try {
      await sh('npm', ['install', '-D', 'vite@7', '--no-audit', '--no-fund', '--prefer-offline'], appDir, { timeout: 240_000 });
    } catch (err) {
      throw new Error(`vite@7 could not be installed: ${String(err.message).split('\n')[0]}`);
    }
    // Vite's entry is the HTML; it rewrites the module script to the hashed bundle.
    const viteRoot = join(appDir, 'vite');
    mkdirSync(viteRoot);
    const html = readFileSync(join(quickStart, 'index.html'), 'utf8');
    assert(html.includes('./main.bundle.js'), 'index.html does not load ./main.bundle.js');
    writeFileSync(join(viteRoot, 'index.html'), html.replace('./main.bundle.js', '../src/main.js'));
    writeFileSync(join(appDir, 'vite.config.mjs'), `export default {
  root: 'vite',
  publicDir: false,
  logLevel: 'warn',
  build: { outDir: '../vite-dist', emptyOutDir: true, target: 'es2022' },
};
`);
    await sh(join(appDir, 'node_modules/.bin/vite'), ['build', '--config', 'vite.config.mjs'], appDir, { timeout: 180_000 });
    const viteDist = join(appDir, 'vite-dist');
    // Vite recognises `new Worker(new URL('./worker.js', import.meta.url), { type: 'module' })`
    // and emits the worker as an asset of its own.
    const emitted = readdirSync(join(viteDist, 'assets')).filter((f) => /^worker-.*\.js$/.test(f));
    assert(emitted.length === 1, `Vite emitted no pipeline worker (assets: ${readdirSync(join(viteDist, 'assets')).join(', ')})`);
    cpSync(join(pkgDir, 'models'), join(viteDist, 'models'), { recursive: true });
    const server = await serveStatic({ root: viteDist });
    onCleanup(() => server.close());
    return checkPage(await launch(), server.url, 'vite');
  });

  await finish();
} catch (err) {
  await finish(err);
}
