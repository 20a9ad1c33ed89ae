#!/usr/bin/env node
// Demo server and headless benchmark for videochat-privacy (npm run demo / npm run bench).
//
//   node scripts/demo.mjs --serve        bundle benchmarks/, serve it, print the URL, run until Ctrl-C
//                                         (also the default when DISPLAY is set, unless --headless)
//   node scripts/demo.mjs [--headless]   headless benchmark: 720p selfie wasm, effect blur + color,
//                                         insertable streams, compositor auto
//     --1080                             also 1080p
//     --all                              also canvas transport and the webgl compositor
//     --warmup=SECONDS (5) --measure=SECONDS (10) --port=N (--serve)
//
// Prints one JSON line per configuration, then a Markdown table. Exit code 1 if any configuration
// failed to start.
import { mkdirSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { cacheDir, ensureBrowserEnv, projectRoot } from './ensure-browser-env.mjs';
import { chromiumArgs, makeUserDataDir } from './chromium-args.mjs';
import { serveStatic } from './serve.mjs';
import { rmSync } from 'node:fs';

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const value = (name, fallback) => {
  const a = argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.split('=')[1]) : fallback;
};
const want1080 = flag('1080');
const wantAll = flag('all');
const serveMode = flag('serve') || (Boolean(process.env.DISPLAY) && !flag('headless'));
const WARMUP_S = value('warmup', 5);
const MEASURE_S = value('measure', 10);
const START_TIMEOUT_MS = 90_000;

const benchDir = join(cacheDir, 'bench');

async function bundle() {
  mkdirSync(benchDir, { recursive: true });
  await build({
    entryPoints: [join(projectRoot, 'benchmarks/bench.ts')],
    outfile: join(benchDir, 'bench.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: true,
    logLevel: 'error',
  });
  copyFileSync(join(projectRoot, 'benchmarks/index.html'), join(benchDir, 'index.html'));
  const { buildWorker } = await import('./build-worker.mjs');
  await buildWorker(join(benchDir, 'worker.js')); // the page passes workerUrl: '/worker.js'
}

function startServer(port = 0) {
  return serveStatic({ root: benchDir, port, mounts: { '/models/': join(projectRoot, 'models') } });
}

/** The configurations to measure. */
function configurations() {
  const sizes = [[1280, 720]];
  if (want1080) sizes.push([1920, 1080]);
  const list = [];
  for (const [w, h] of sizes) {
    for (const effect of ['blur', 'color']) {
      list.push({ w, h, model: 'selfie', backend: 'wasm', effect, transport: 'insertable-streams', compositor: 'auto' });
    }
    if (wantAll) {
      for (const effect of ['blur', 'color']) {
        list.push({ w, h, model: 'selfie', backend: 'wasm', effect, transport: 'canvas', compositor: 'auto' });
        list.push({ w, h, model: 'selfie', backend: 'wasm', effect, transport: 'insertable-streams', compositor: 'webgl' });
      }
    }
  }
  return list;
}

const label = (c) => `${c.h}p ${c.model} ${c.backend} ${c.effect} ${c.transport} ${c.compositor}`;
const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
const r1 = (x) => (Number.isFinite(x) ? Math.round(x * 10) / 10 : null);

/** Launch Chromium with the clip for this size, run the page, and measure. */
async function measure(puppeteer, env, baseUrl, c) {
  const clip = c.h >= 1080 ? env.clip1080 : env.clip720;
  const userDataDir = makeUserDataDir('vcp-bench-');
  let browser;
  const errors = [];
  try {
    browser = await puppeteer.launch({
      executablePath: env.chromium,
      headless: true,
      args: chromiumArgs({ clip, userDataDir }),
      protocolTimeout: (WARMUP_S + MEASURE_S) * 1000 + START_TIMEOUT_MS + 60_000,
    });
    const page = await browser.newPage();
    page.on('pageerror', (err) => errors.push(String(err?.message ?? err)));
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(msg.text());
    });
    const query = new URLSearchParams({ w: c.w, h: c.h, effect: c.effect, model: c.model, backend: c.backend, transport: c.transport, compositor: c.compositor });
    await page.goto(`${baseUrl}?${query}`, { waitUntil: 'load' });
    try {
      await page.waitForFunction(() => window.__bench && (window.__bench.ready || window.__bench.done), { timeout: START_TIMEOUT_MS, polling: 200 });
    } catch {
      throw new Error(`not ready within ${START_TIMEOUT_MS / 1000} s`);
    }
    const startErr = await page.evaluate(() => (window.__bench.ready ? null : window.__bench.error ?? 'unknown error'));
    if (startErr) throw new Error(startErr);
    const result = await page.evaluate(async (warmupS, measureS) => {
      const bench = window.__bench;
      const video = document.querySelector('video');
      await new Promise((r) => setTimeout(r, warmupS * 1000));
      const firstStat = bench.stats.length;
      let frames = 0;
      let counting = true;
      let first = 0;
      let last = 0;
      const onFrame = (now) => {
        if (!counting) return;
        if (frames === 0) first = now;
        last = now;
        frames++;
        video.requestVideoFrameCallback(onFrame);
      };
      video.requestVideoFrameCallback(onFrame);
      const t = performance.now();
      await new Promise((r) => setTimeout(r, measureS * 1000));
      counting = false;
      const seconds = (performance.now() - t) / 1000;
      const window_ = bench.stats.slice(firstStat);
      const lastStat = bench.stats.at(-1);
      return {
        frames,
        seconds,
        spanFps: frames > 1 ? ((frames - 1) * 1000) / (last - first) : 0,
        stats: window_.map((s) => ({ fps: s.fps, inputFps: s.inputFps, segmentationMs: s.segmentationMs, compositeMs: s.compositeMs, latencyMs: s.latencyMs })),
        videoWidth: video.videoWidth,
        videoHeight: video.videoHeight,
        startMs: bench.startMs,
        backend: lastStat?.backend,
        transport: lastStat?.transport,
        compositor: lastStat?.compositor,
        droppedFrames: lastStat?.droppedFrames,
        veiledFrames: lastStat?.veiledFrames,
        state: lastStat?.state,
        error: bench.error,
      };
    }, WARMUP_S, MEASURE_S);
    const pick = (k) => r1(mean(result.stats.map((s) => s[k])));
    return {
      config: label(c),
      ...c,
      ok: true,
      outputFps: r1(result.frames / result.seconds),
      statsFps: pick('fps'),
      inputFps: pick('inputFps'),
      segmentationMs: pick('segmentationMs'),
      compositeMs: pick('compositeMs'),
      latencyMs: pick('latencyMs'),
      statsEvents: result.stats.length,
      video: `${result.videoWidth}x${result.videoHeight}`,
      startMs: result.startMs,
      backendUsed: result.backend,
      transportUsed: result.transport,
      compositorUsed: result.compositor,
      droppedFrames: result.droppedFrames,
      veiledFrames: result.veiledFrames,
      state: result.state,
    };
  } catch (err) {
    return { config: label(c), ...c, ok: false, error: String(err?.message ?? err), pageErrors: errors.slice(0, 5) };
  } finally {
    await browser?.close().catch(() => {});
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

function markdown(results) {
  const head = ['config', 'video', 'output FPS', 'stats FPS', 'segmentation ms', 'composite ms', 'latency ms', 'compositor', 'start ms'];
  const rows = results.map((r) => r.ok
    ? [r.config, r.video, r.outputFps, r.statsFps, r.segmentationMs, r.compositeMs, r.latencyMs, r.compositorUsed, r.startMs]
    : [r.config, 'FAILED', '', '', '', '', '', '', r.error.slice(0, 80).replace(/\|/g, '/')]);
  return [head, head.map(() => '---'), ...rows].map((row) => `| ${row.join(' | ')} |`).join('\n');
}

async function main() {
  const env = ensureBrowserEnv({ clip1080: want1080 });
  await bundle();

  if (serveMode) {
    const server = await startServer(value('port', 8080));
    console.log(`demo: serving ${benchDir} (models from ${join(projectRoot, 'models')})`);
    console.log(`demo: open ${server.url}?w=1280&h=720&effect=blur&backend=auto  (Ctrl-C to stop)`);
    const stop = () => server.close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return new Promise(() => {});
  }

  const { default: puppeteer } = await import('puppeteer-core');
  const server = await startServer();
  const started = Date.now();
  const results = [];
  let interrupted = false;
  process.once('SIGINT', () => {
    interrupted = true;
    console.error('demo: interrupted; finishing the current configuration');
  });
  try {
    for (const c of configurations()) {
      if (interrupted) break;
      const r = await measure(puppeteer, env, server.url, c);
      results.push(r);
      console.log(JSON.stringify(r));
    }
  } finally {
    await server.close();
  }
  console.log('');
  console.log(markdown(results));
  console.log('');
  console.log(`demo: ${results.length} configurations in ${((Date.now() - started) / 1000).toFixed(0)} s ` +
    `(warm-up ${WARMUP_S} s, measure ${MEASURE_S} s each; output FPS = requestVideoFrameCallback on the output <video>)`);
  const failed = results.filter((r) => !r.ok).length;
  if (failed || interrupted) {
    console.error(`demo: ${failed} configuration(s) failed to start${interrupted ? ', interrupted' : ''}`);
    process.exitCode = 1;
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack ?? err.message : err);
  process.exit(1);
});
