#!/usr/bin/env node
// Long run: one privacy track (fake 720p camera, selfie, blur) for N minutes; every interval it
// samples tensor count and bytes, open VideoFrames, live pipelines, JS heap and output FPS, prints
// the series (JSON lines + a table), and fails on growth.
//   node scripts/soak.mjs                       10 minutes, a sample a minute (the run)
//   node scripts/soak.mjs --minutes=1 --every=10  the short CI version (npm test)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import puppeteer from 'puppeteer-core';
import { cacheDir, ensureBrowserEnv, projectRoot } from './ensure-browser-env.mjs';
import { chromiumArgs, makeUserDataDir } from './chromium-args.mjs';
import { serveStatic } from './serve.mjs';

const arg = (name, fallback) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.split('=')[1]) : fallback;
};
const minutes = arg('minutes', 10);
const every = arg('every', 60); // seconds
const effect = process.argv.includes('--color') ? 'color' : 'blur';

const env = ensureBrowserEnv();
const dir = join(cacheDir, 'soak');
mkdirSync(dir, { recursive: true });
await build({
  entryPoints: [join(projectRoot, 'test/soak/page.ts')], bundle: true, format: 'esm', platform: 'browser', target: 'es2022',
  outfile: join(dir, 'page.js'), logLevel: 'error', loader: { '.json': 'json' },
});
// The pipeline worker next to page.js, where the default `new URL('./worker.js', import.meta.url)` finds it.
const { buildWorker } = await import('./build-worker.mjs');
await buildWorker(join(dir, 'worker.js'));
writeFileSync(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><body><script type="module" src="./page.js"></script>');
const server = await serveStatic({ root: dir, mounts: { '/models/': join(projectRoot, 'models') } });
const browser = await puppeteer.launch({
  executablePath: env.chromium, headless: true,
  // --expose-gc: the page collects garbage before each heap sample, so the series shows live memory.
  args: [...chromiumArgs({ clip: env.clip720, userDataDir: makeUserDataDir() }), '--js-flags=--expose-gc'],
});
let failed = false;
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('[page error]', e.message));
  page.on('console', (m) => { if (m.type() === 'error') console.error('[page console]', m.text()); });
  await page.goto(`${server.url}index.html`);
  await page.waitForFunction(() => typeof window.soak === 'object');
  await page.evaluate((e) => window.soak.start(e), effect);
  const series = [];
  const samples = Math.max(2, Math.round((minutes * 60) / every) + 1);
  for (let i = 0; i < samples; i++) {
    if (i) await new Promise((r) => setTimeout(r, every * 1000));
    const s = { t: i * every, ...(await page.evaluate(() => window.soak.sample())) };
    series.push(s);
    console.log(JSON.stringify(s));
  }
  // Growth checks against the first sample taken after start-up (sample 0 is already warm).
  const first = series[0];
  const last = series[series.length - 1];
  const problems = [];
  if (last.tensors !== first.tensors) problems.push(`tensor count ${first.tensors} → ${last.tensors}`);
  if (last.tensorBytes !== first.tensorBytes) problems.push(`tensor bytes ${first.tensorBytes} → ${last.tensorBytes}`);
  if (series.some((s) => s.openFrames > 1)) problems.push(`open VideoFrames reached ${Math.max(...series.map((s) => s.openFrames))}`);
  if (series.some((s) => s.livePipelines !== 1)) problems.push('live pipeline count changed');
  // The heap may wander with GC timing; sustained growth shows as a rising minimum.
  const half = series.slice(Math.floor(series.length / 2));
  const minFirstHalf = Math.min(...series.slice(0, Math.ceil(series.length / 2)).map((s) => s.heapMB));
  const minSecondHalf = Math.min(...half.map((s) => s.heapMB));
  if (minSecondHalf > minFirstHalf * 1.25 + 2) problems.push(`JS heap floor grew ${minFirstHalf} → ${minSecondHalf} MB`);
  if (last.presentedFrames <= series[series.length - 2].presentedFrames) problems.push('output stopped moving');
  console.log('\n| t (s) | tensors | tensor MB | open frames | heap MB | presented frames | fps | protection |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const s of series) {
    console.log(`| ${s.t} | ${s.tensors} | ${(s.tensorBytes / 1e6).toFixed(2)} | ${s.openFrames} | ${s.heapMB} | ${s.presentedFrames} | ${s.fps} | ${s.protection} |`);
  }
  if (problems.length) {
    failed = true;
    console.log(`\nsoak: growth or stall: ${problems.join('; ')}`);
  }
  console.log(`soak: ${failed ? 0 : 1} passed, ${failed ? 1 : 0} failed (${minutes} min, ${effect})`);
} catch (e) {
  failed = true;
  console.error(e);
  console.log('soak: 0 passed, 1 failed');
} finally {
  await browser.close();
  await server.close();
}
process.exit(failed ? 1 : 0);
