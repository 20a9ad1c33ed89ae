#!/usr/bin/env node
// CPU profile of the bench page's threads (main thread + workers) in worker mode: self time per
// function, top N, for a few seconds after warm-up. Used to find where the CPU-ms per frame go.
//   node scripts/profile.mjs [--model=selfie] [--effect=blur] [--worker=auto] [--seconds=5] [--top=25] [--h=720]
import { join } from 'node:path';
import { build } from 'esbuild';
import { cacheDir, ensureBrowserEnv, projectRoot } from './ensure-browser-env.mjs';
import { chromiumArgs, makeUserDataDir } from './chromium-args.mjs';
import { serveStatic } from './serve.mjs';
import { copyFileSync, mkdirSync } from 'node:fs';

const argv = process.argv.slice(2);
const value = (name, fallback) => {
  const a = argv.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : fallback;
};
const effect = value('effect', 'blur');
const model = value('model', 'selfie');
const worker = value('worker', 'auto');
const seconds = Number(value('seconds', 5));
const top = Number(value('top', 25));
const h = Number(value('h', 720));
const w = h === 1080 ? 1920 : 1280;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const env = await ensureBrowserEnv();
const benchDir = join(cacheDir, 'bench');
mkdirSync(benchDir, { recursive: true });
await build({ entryPoints: [join(projectRoot, 'benchmarks/bench.ts')], outdir: benchDir, bundle: true, format: 'esm', platform: 'browser', target: 'es2022', sourcemap: true, logLevel: 'error' });
copyFileSync(join(projectRoot, 'benchmarks/index.html'), join(benchDir, 'index.html'));
const { buildWorker } = await import('./build-worker.mjs');
await buildWorker(join(benchDir, 'worker.js'), { minify: process.env.MINIFY === '1' });
const server = await serveStatic({ root: benchDir, port: 0, headers: argv.includes('--coi') ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {}, mounts: { '/models/': join(projectRoot, 'models') } });
const { default: puppeteer } = await import('puppeteer-core');
const browser = await puppeteer.launch({ executablePath: env.chromium, headless: true, args: chromiumArgs({ clip: h >= 1080 ? env.clip1080 : env.clip720, userDataDir: makeUserDataDir('vcp-prof-') }) });
try {
  const page = await browser.newPage();
  const workers = [];
  page.on('workercreated', (wk) => workers.push(wk));
  await page.goto(`${server.url}?${new URLSearchParams({ w, h, effect, model, backend: 'wasm', transport: 'insertable-streams', compositor: 'auto', worker })}`);
  await page.waitForFunction(() => window.__bench && (window.__bench.ready || window.__bench.done), { timeout: 120000, polling: 200 });
  await sleep(4000);
  const targets = [{ name: 'main', client: await page.createCDPSession() }, ...workers.map((wk, i) => ({ name: `worker${i} ${wk.url().split('/').pop()}`, client: wk.client }))];
  for (const t of targets) {
    await t.client.send('Profiler.enable');
    await t.client.send('Profiler.setSamplingInterval', { interval: 200 });
    await t.client.send('Profiler.start');
  }
  const f0 = await page.evaluate(() => window.__bench.outputFrames);
  await sleep(seconds * 1000);
  const f1 = await page.evaluate(() => window.__bench.outputFrames);
  const frames = f1 - f0;
  console.log(`frames ${frames} in ${seconds} s (${(frames / seconds).toFixed(1)} FPS)`);
  for (const t of targets) {
    const { profile } = await t.client.send('Profiler.stop');
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const self = new Map();
    const dt = profile.timeDeltas;
    let total = 0;
    profile.samples.forEach((id, i) => {
      const n = byId.get(id);
      const cf = n.callFrame;
      const key = `${cf.functionName || '(anon)'} ${cf.url.split('/').pop()}:${cf.lineNumber + 1}`;
      const d = (dt[i + 1] ?? 0) / 1000;
      total += d;
      self.set(key, (self.get(key) ?? 0) + d);
    });
    const idle = (self.get('(idle) :0') ?? 0);
    console.log(`\n== ${t.name}: busy ${((total - idle) / frames).toFixed(2)} ms/frame`);
    [...self.entries()].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, top)
      .forEach(([k, v]) => console.log(`${(v / frames).toFixed(2).padStart(7)} ms/frame  ${k}`));
  }
} finally {
  await browser.close();
  await server.close();
}
