#!/usr/bin/env node
// Quality evaluation (npm run eval): portraits (mIoU, core mIoU, leak, retention) and clip flicker
// per model (selfie, selfie-landscape, lite, full, heavy) × refinement off/on, and the legacy
// @mediapipe/selfie_segmentation solution (general model) for comparison, in headless Chromium.
// Method: see benchmarks/eval.ts and docs/quality.md.
//
//   node scripts/eval.mjs [--models=a,b] [--portraits=N] [--frames=N] [--images] [--write]
//     --models=a,b    models to evaluate (default all five)
//     --portraits=N   first N portraits (default all 58)
//     --frames=N      consecutive clip frames for flicker (default 150 = 5 s)
//     --images        also write before/after PNGs to docs/images/ (Apache-2.0 media only)
//     --write         write the results table into docs/quality.md (between the eval markers)
//
// Prints one JSON object, then a Markdown table.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { cacheDir, ensureBrowserEnv, mediaDir, projectRoot } from './ensure-browser-env.mjs';
import { chromiumArgs, makeUserDataDir } from './chromium-args.mjs';
import { serveStatic } from './serve.mjs';

const argv = process.argv.slice(2);
const num = (name, fallback) => {
  const a = argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.split('=')[1]) : fallback;
};
const flag = (name) => argv.includes(`--${name}`);
const MODELS = ['selfie', 'selfie-landscape', 'lite', 'full', 'heavy'];
const models = (argv.find((x) => x.startsWith('--models='))?.slice('--models='.length).split(',').filter(Boolean)) ?? MODELS;
for (const m of models) if (!MODELS.includes(m)) throw new Error(`--models: unknown model ${m} (${MODELS.join(', ')})`);
const CLIP_START_S = 2;
const evalDir = join(cacheDir, 'eval');
const clipDir = join(evalDir, 'clip');

async function bundle() {
  mkdirSync(evalDir, { recursive: true });
  await build({
    entryPoints: [join(projectRoot, 'benchmarks/eval.ts')],
    outfile: join(evalDir, 'eval.js'),
    bundle: true, format: 'esm', platform: 'browser', target: 'es2022', logLevel: 'error',
  });
  writeFileSync(join(evalDir, 'index.html'), '<!doctype html><meta charset="utf-8"><title>eval</title>' +
    '<script src="/mp/selfie_segmentation.js"></script><script type="module" src="./eval.js"></script>');
}

/** Consecutive frames of the doctor clip as PNG (decoded once by ffmpeg, cached). */
function extractClip(frames) {
  const have = existsSync(clipDir) ? readdirSync(clipDir).filter((f) => f.endsWith('.png')).length : 0;
  if (have >= frames) return;
  rmSync(clipDir, { recursive: true, force: true });
  mkdirSync(clipDir, { recursive: true });
  execFileSync('ffmpeg', ['-v', 'error', '-ss', String(CLIP_START_S), '-i', join(mediaDir, 'video/doctor-540p.mp4'),
    '-frames:v', String(frames), join(clipDir, '%04d.png')], { stdio: 'inherit' });
}

const f3 = (x) => Math.round(x * 1000) / 1000;
const f4 = (x) => Math.round(x * 10000) / 10000;
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[s.length >> 1] : NaN; };

function markdown(r) {
  const lines = [];
  const methods = Object.keys(r.portraits?.methods ?? r.clip?.flicker ?? {});
  lines.push(`Portraits: ${r.portraits ? `${r.portraits.n}, measured on what the output shows` : 'not run'}; ` +
    `flicker: ${r.clip ? `doctor-540p, ${r.clip.frames} consecutive frames, ${(r.clip.staticShare * 100).toFixed(0)} % of pixel-frames static` : 'not run'}.`, '',
    '| model | refinement | mIoU | core mIoU | leak | retention | flicker | ms per portrait (median) |', '|---|---|---|---|---|---|---|---|');
  for (const m of methods) {
    const s = r.portraits?.methods[m];
    const f = r.clip?.flicker[m];
    const [model, refinement] = m.startsWith('legacy') ? ['legacy MediaPipe solution, general model (reference)', 'none'] : m.split(' ');
    const ms = r.portraits?.segMs?.[model];
    lines.push(`| ${model} | ${refinement === 'refined' ? 'on' : refinement === 'raw' ? 'off' : refinement} | ${s ? s.mIoU : '—'} | ${s ? s.coreMIoU : '—'} | ` +
      `${s ? `${(s.leak * 100).toFixed(2)} %` : '—'} | ${s ? s.retention : '—'} | ${f !== undefined ? `${(f * 100).toFixed(3)} %` : '—'} | ${ms ?? '—'} |`);
  }
  lines.push('');
  lines.push(`Refiner cost in the page (median ms per frame): portraits ${r.refineMs.portraits}, 960×540 clip ${r.refineMs.clip}.`);
  return lines.join('\n');
}

async function main() {
  const env = ensureBrowserEnv();
  const ids = readFileSync(join(mediaDir, 'portraits/ids.txt'), 'utf8').split(/\s+/).filter(Boolean).slice(0, num('portraits', 1000));
  const frames = num('frames', 150);
  const images = flag('images');
  if (frames > 1 || images) extractClip(Math.max(frames, images ? 60 : 0));
  await bundle();
  const server = await serveStatic({
    root: evalDir,
    mounts: {
      '/models/': join(projectRoot, 'models'),
      '/media/': mediaDir,
      '/clip/': clipDir,
      '/mp/': join(projectRoot, 'node_modules/@mediapipe/selfie_segmentation'),
    },
  });
  const { default: puppeteer } = await import('puppeteer-core');
  const userDataDir = makeUserDataDir('vcp-eval-');
  let browser;
  try {
    browser = await puppeteer.launch({ executablePath: env.chromium, headless: true, args: chromiumArgs({ userDataDir }), protocolTimeout: 3_600_000 });
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.error('[page error]', e?.message ?? e));
    page.on('console', (m) => { if (m.type() === 'error') console.error('[page]', m.text()); });
    await page.goto(`${server.url}index.html`, { waitUntil: 'load' });
    await page.waitForFunction(() => window.__eval && window.SelfieSegmentation, { timeout: 60_000 });
    const raw = await page.evaluate((o) => window.__eval.run(o), { ids, clipFrames: frames, images, models });
    const result = { date: new Date().toISOString().slice(0, 10), chromium: raw.userAgent.match(/Chrome\/[\d.]+/)?.[0] };
    if (raw.portraits) {
      const methods = {};
      for (const [m, s] of Object.entries(raw.portraits.sums)) {
        methods[m] = { mIoU: f4(s.iou / s.n), coreMIoU: f4(s.coreIou / s.n), leak: f4(s.leak / s.n), retention: f4(s.retention / s.n) };
      }
      result.portraits = { n: ids.length, methods, segMs: Object.fromEntries(Object.entries(raw.portraits.segMs).map(([k, v]) => [k, Math.round(median(v))])) };
    }
    if (raw.clip) result.clip = { frames: raw.clip.frames, staticShare: f3(raw.clip.staticShare), flicker: Object.fromEntries(Object.entries(raw.clip.flicker).map(([k, v]) => [k, Math.round(v * 1e6) / 1e6])) };
    result.refineMs = { portraits: f3(median(raw.portraits?.refineMs ?? [])), clip: f3(median(raw.clip?.refineMs ?? [])) };
    if (raw.pictures) {
      const dir = join(projectRoot, 'docs/images');
      mkdirSync(dir, { recursive: true });
      for (const [name, url] of Object.entries(raw.pictures)) {
        const file = join(dir, `refine-${name}.png`);
        const tmp = join(evalDir, `refine-${name}.png`);
        writeFileSync(tmp, Buffer.from(url.split(',')[1], 'base64'));
        // Palette PNG (96 colours, no dither): ~20–40 KB instead of ~150 KB.
        execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', tmp, '-vf', 'split[a][b];[a]palettegen=max_colors=96[p];[b][p]paletteuse=dither=none', file]);
        console.error(`wrote ${file}`);
      }
    }
    console.log(JSON.stringify(result, null, 2));
    const md = markdown(result);
    console.log('\n' + md);
    if (flag('write')) {
      const doc = join(projectRoot, 'docs/quality.md');
      const text = readFileSync(doc, 'utf8');
      const start = '<!-- eval:start -->', end = '<!-- eval:end -->';
      const i = text.indexOf(start), j = text.indexOf(end);
      if (i < 0 || j < 0) throw new Error('docs/quality.md has no eval markers');
      writeFileSync(doc, `${text.slice(0, i + start.length)}\n${md}\n${text.slice(j)}`);
      console.error('updated docs/quality.md');
    }
  } finally {
    await browser?.close().catch(() => {});
    await server.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
