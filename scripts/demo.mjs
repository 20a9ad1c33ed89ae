#!/usr/bin/env node
// Demo server and headless benchmark for videochat-privacy (npm run demo / npm run bench).
//
//   node scripts/demo.mjs --serve        bundle benchmarks/, serve it, print the URL, run until Ctrl-C
//                                         (also the default when DISPLAY is set, unless --headless)
//   node scripts/demo.mjs [--headless]   quick headless benchmark: 720p, selfie on wasm, effect blur
//                                         and color, insertable streams, compositor auto
//     --1080                             also 1080p
//     --all                              the matrix: every model (selfie, selfie-landscape, lite, full,
//                                         heavy) × backend (wasm, webgl, webgpu; selfie-landscape: its
//                                         own WebGL graph) with blur, the canvas transport and WebGL
//                                         compositor for selfie/wasm, the GPU-resident path (webgl
//                                         backend + webgl compositor), heavy on wasm once more with
//                                         adaptiveModel: false (heavy itself; by default it may step
//                                         down to full), and the original project's approach
//                                         (legacy.html) side by side
//     --legacy                           add the original project's approach to the quick run
//     --no-preview                       also run ours without showing the output in a <video> (the
//                                         CPU of the pipeline + camera, without the page's display)
//     --raw                              add the camera alone shown in a <video> (no processing): what
//                                         the display costs on this machine
//     --coi                              also run ours cross-origin isolated (COOP/COEP headers): the
//                                         wasm backend then uses its threaded build (wasm threads)
//     --models=a,b  --backends=a,b  --effects=a,b   restrict the matrix
//     --warmup=SECONDS (5) --measure=SECONDS (10) --port=N (--serve) --json=FILE (write all results)
//
// Every configuration runs in a fresh Chromium (same binary, flags, window and fake-camera clip for
// ours and the legacy page). Measured window: output FPS = frames put on the output track (ours:
// written to the track generator; legacy: drawn on the captured canvas); presented FPS = frames a
// <video> playing the output track presented (requestVideoFrameCallback); CPU-ms per output frame =
// utime+stime of every process of that Chromium (/proc, scripts/cpu.mjs) over the window ÷ output
// frames; frame latency p50/p95 = the
// pipeline's read → write time (per-second stats windows; median of the windows' p50 and p95)
// and capture → output per frame (camera capture timestamp → frame handed to the output).
//
// Prints one JSON line per configuration, then a Markdown table. Exit code 1 if selfie/wasm or
// the legacy reference failed to start (other failures are listed with their reason).
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { cacheDir, ensureBrowserEnv, projectRoot } from './ensure-browser-env.mjs';
import { chromiumArgs, makeUserDataDir } from './chromium-args.mjs';
import { clockTicksPerSecond, cpuDelta, cpuMsPerFrame, sampleTree } from './cpu.mjs';
import { serveStatic } from './serve.mjs';

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const value = (name, fallback) => {
  const a = argv.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : fallback;
};
const list = (name, fallback) => (value(name) ? value(name).split(',').filter(Boolean) : fallback);
const want1080 = flag('1080');
const wantAll = flag('all');
const wantLegacy = wantAll || flag('legacy');
const wantCoi = flag('coi');
const wantNoPreview = flag('no-preview');
const wantRaw = flag('raw');
/** Headers that make the bench page cross-origin isolated (wasm threads). */
const COI_HEADERS = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
const serveMode = flag('serve') || (Boolean(process.env.DISPLAY) && !flag('headless'));
const WARMUP_S = Number(value('warmup', 5));
const MEASURE_S = Number(value('measure', 10));
const START_TIMEOUT_MS = 120_000;
const MODELS = ['selfie', 'selfie-landscape', 'lite', 'full', 'heavy'];
const BACKENDS = ['wasm', 'webgl', 'webgpu'];

const benchDir = join(cacheDir, 'bench');

async function bundle() {
  mkdirSync(benchDir, { recursive: true });
  await build({
    entryPoints: [join(projectRoot, 'benchmarks/bench.ts'), join(projectRoot, 'benchmarks/legacy.ts')],
    outdir: benchDir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: true,
    logLevel: 'error',
  });
  copyFileSync(join(projectRoot, 'benchmarks/index.html'), join(benchDir, 'index.html'));
  copyFileSync(join(projectRoot, 'benchmarks/legacy.html'), join(benchDir, 'legacy.html'));
  const { buildWorker } = await import('./build-worker.mjs');
  await buildWorker(join(benchDir, 'worker.js')); // the page passes workerUrl: '/worker.js'
}

function startServer(port = 0, headers = {}) {
  return serveStatic({ root: benchDir, port, headers, mounts: { '/models/': join(projectRoot, 'models') } });
}

/** The configurations to measure. */
function configurations() {
  const sizes = [[1280, 720]];
  if (want1080) sizes.push([1920, 1080]);
  const out = [];
  const ours = (w, h, model, backend, effect, transport = 'insertable-streams', compositor = 'auto', worker = 'auto') =>
    ({ page: 'ours', w, h, model, backend, effect, transport, compositor, worker });
  for (const [w, h] of sizes) {
    if (!wantAll) {
      for (const effect of list('effects', ['blur', 'color'])) out.push(ours(w, h, 'selfie', 'wasm', effect));
      // The same on the main thread (worker: false), for the worker mode's gain.
      if (list('effects', ['blur', 'color']).includes('blur')) out.push(ours(w, h, 'selfie', 'wasm', 'blur', 'insertable-streams', 'auto', false));
    } else {
      for (const model of list('models', MODELS)) {
        const backends = model === 'selfie-landscape' ? ['webgl'] : list('backends', BACKENDS);
        for (const backend of backends) {
          for (const effect of list('effects', ['blur'])) out.push(ours(w, h, model, backend, effect));
        }
        // heavy may step down to full when it cannot keep up (option adaptiveModel, default on):
        // also measure heavy itself.
        if (model === 'heavy' && backends.includes('wasm')) {
          for (const effect of list('effects', ['blur'])) out.push({ ...ours(w, h, model, 'wasm', effect), adaptiveModel: false });
        }
      }
      if (list('models', MODELS).includes('selfie') && list('backends', BACKENDS).includes('wasm')) {
        out.push(ours(w, h, 'selfie', 'wasm', 'blur', 'insertable-streams', 'auto', false));
        out.push(ours(w, h, 'selfie', 'wasm', 'blur', 'canvas'));
        out.push(ours(w, h, 'selfie', 'wasm', 'blur', 'insertable-streams', 'webgl'));
      }
      if (list('models', MODELS).includes('selfie') && list('backends', BACKENDS).includes('webgl')) {
        // The GPU-resident path (src/gpu/): webgl backend + webgl compositor.
        out.push(ours(w, h, 'selfie', 'webgl', 'blur', 'insertable-streams', 'webgl'));
      }
    }
    if (wantNoPreview) for (const c of [...out]) if (c.page === 'ours' && c.backend === 'wasm' && c.worker === 'auto') out.push({ ...c, preview: false });
    if (wantCoi) for (const c of [...out]) if (c.page === 'ours' && c.backend === 'wasm') out.push({ ...c, coi: true });
    if (wantRaw) out.push({ page: 'raw', w, h, model: 'none', backend: 'none', effect: 'none', transport: 'none', compositor: 'none', worker: false });
    if (wantLegacy) out.push({ page: 'legacy', w, h, model: 'legacy landscape', backend: 'mediapipe', effect: 'blur', transport: 'captureStream', compositor: 'canvas2d' });
  }
  return out;
}

const label = (c) => (c.page === 'legacy'
  ? `${c.h}p original project (legacy MediaPipe selfie landscape, canvas blur, captureStream)`
  : c.page === 'raw' ? `${c.h}p camera only in a <video> (no processing)`
  : `${c.h}p ${c.model} ${c.backend} ${c.effect} ${c.transport} ${c.compositor} worker=${c.worker}${c.coi ? ' coi' : ''}${c.preview === false ? ' no-preview' : ''}${c.adaptiveModel === false ? ' adaptiveModel=false' : ''}`);
const median = (xs) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? s[(s.length - 1) >> 1] : NaN;
};
const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
/** Nearest-rank percentile, as src/stats.ts. */
const pct = (xs, q) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length, Math.max(1, Math.ceil(q * s.length))) - 1] : NaN;
};
const r1 = (x) => (Number.isFinite(x) ? Math.round(x * 10) / 10 : null);
const r2 = (x) => (Number.isFinite(x) ? Math.round(x * 100) / 100 : null);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Launch Chromium with the clip for this size, run the page, and measure. */
async function measure(puppeteer, env, baseUrl, c, ticksPerSecond) {
  const clip = c.h >= 1080 ? env.clip1080 : env.clip720;
  const userDataDir = makeUserDataDir('vcp-bench-');
  const key = c.page === 'legacy' ? '__legacy' : '__bench';
  let browser;
  const errors = [];
  try {
    browser = await puppeteer.launch({
      executablePath: env.chromium,
      headless: true,
      args: chromiumArgs({ clip, userDataDir }),
      protocolTimeout: (WARMUP_S + MEASURE_S) * 1000 + START_TIMEOUT_MS + 60_000,
    });
    const pid = browser.process()?.pid;
    const page = await browser.newPage();
    page.on('pageerror', (err) => errors.push(String(err?.message ?? err)));
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(msg.text());
    });
    const url = c.page === 'legacy'
      ? `${baseUrl}legacy.html?${new URLSearchParams({ w: c.w, h: c.h })}`
      : `${baseUrl}?${new URLSearchParams({ w: c.w, h: c.h, effect: c.effect, model: c.model, backend: c.backend, transport: c.transport, compositor: c.compositor, worker: String(c.worker), preview: c.preview === false ? '0' : '1', raw: c.page === 'raw' ? '1' : '0', adaptiveModel: c.adaptiveModel === false ? '0' : '1' })}`;
    await page.goto(url, { waitUntil: 'load' });
    try {
      await page.waitForFunction((k) => window[k] && (window[k].ready || window[k].done), { timeout: START_TIMEOUT_MS, polling: 200 }, key);
    } catch {
      throw new Error(`not ready within ${START_TIMEOUT_MS / 1000} s`);
    }
    const startErr = await page.evaluate((k) => (window[k].ready ? null : window[k].error ?? 'unknown error'), key);
    if (startErr) throw new Error(startErr);
    await sleep(WARMUP_S * 1000);

    // Measured window: CPU samples bracket the page's own counting.
    const cpuBefore = pid ? sampleTree(pid) : null;
    const t0 = Date.now();
    await page.evaluate((k) => {
      const bench = window[k];
      const video = document.querySelector('video#output');
      const m = { frames: 0, first: 0, last: 0, counting: true, firstStat: bench.stats.length, framesOutStart: bench.outputFrames, statsOutStart: bench.stats.at(-1)?.framesOut ?? 0, veiledStart: bench.stats.at(-1)?.veiledFrames ?? 0, reusedStart: bench.stats.at(-1)?.reusedMasks ?? 0, t: performance.now() };
      const onFrame = (now) => {
        if (!m.counting) return;
        if (m.frames === 0) m.first = now;
        m.last = now;
        m.frames++;
        video.requestVideoFrameCallback(onFrame);
      };
      video.requestVideoFrameCallback(onFrame);
      bench.captureToOutputMs = [];
      bench.latencyParts = [];
      bench.recording = true;
      window.__measure = m;
    }, key);
    await sleep(MEASURE_S * 1000);
    const result = await page.evaluate((k) => {
      const bench = window[k];
      const m = window.__measure;
      m.counting = false;
      bench.recording = false;
      const seconds = (performance.now() - m.t) / 1000;
      const video = document.querySelector('video#output');
      const win = bench.stats.slice(m.firstStat);
      const lastStat = bench.stats.at(-1);
      return {
        frames: m.frames,
        seconds,
        framesOut: bench.outputFrames - m.framesOutStart,
        // veiled frames are known per stats window only: their share over the windows in between
        veiled: lastStat?.veiledFrames === undefined ? null : lastStat.veiledFrames - m.veiledStart,
        reused: lastStat?.reusedMasks === undefined ? null : lastStat.reusedMasks - m.reusedStart,
        statsFramesOut: (lastStat?.framesOut ?? 0) - m.statsOutStart,
        stats: win.map((s) => ({
          fps: s.fps, inputFps: s.inputFps, cameraFps: s.cameraFps, segmentationMs: s.segmentationMs, compositeMs: s.compositeMs, latencyMs: s.latencyMs,
          latencyP50Ms: s.latencyP50Ms, latencyP95Ms: s.latencyP95Ms,
        })),
        captureToOutputMs: bench.captureToOutputMs.slice(),
        latencyParts: bench.latencyParts?.slice() ?? [],
        clockOffsetMs: bench.clockOffsetMs,
        videoWidth: video.videoWidth,
        videoHeight: video.videoHeight,
        startMs: bench.startMs,
        isolated: globalThis.crossOriginIsolated === true,
        backend: lastStat?.backend,
        model: lastStat?.model,
        transport: lastStat?.transport,
        compositor: lastStat?.compositor,
        droppedFrames: lastStat?.droppedFrames,
        veiledFrames: lastStat?.veiledFrames,
        state: lastStat?.state,
      };
    }, key);
    const cpuAfter = pid ? sampleTree(pid) : null;
    const wallMs = Date.now() - t0;
    const cpu = cpuBefore && cpuAfter ? cpuDelta(cpuBefore, cpuAfter, ticksPerSecond) : null;
    const pick = (k) => r1(mean(result.stats.map((s) => s[k])));
    const outFps = result.framesOut / result.seconds;
    // Capture → output values outside 0..10 s mean the clock offset could not be estimated.
    const c2o = result.captureToOutputMs.filter((x) => x >= 0 && x < 10_000);
    return {
      config: label(c),
      ...c,
      ok: true,
      outputFps: r1(outFps),
      presentedFps: c.preview === false ? null : r1(result.frames / result.seconds),
      outputFrames: Math.round(outFps * result.seconds),
      presentedFrames: result.frames,
      seconds: r2(result.seconds),
      // Share of output frames veiled (no mask in time: the effect over the whole frame) in the window.
      veiledShare: result.veiled === null ? null : r2(result.veiled / Math.max(1, result.statsFramesOut)),
      // Share of output frames whose mask was reused from the previous frame (adaptive quality, worker mode).
      reusedShare: result.reused === null ? null : r2(result.reused / Math.max(1, result.statsFramesOut)),
      statsFps: pick('fps'),
      inputFps: pick('inputFps'),
      cameraFps: pick('cameraFps'),
      segmentationMs: pick('segmentationMs'),
      compositeMs: pick('compositeMs'),
      latencyMs: pick('latencyMs'),
      latencyP50Ms: r1(median(result.stats.map((s) => s.latencyP50Ms))),
      latencyP95Ms: r1(median(result.stats.map((s) => s.latencyP95Ms))),
      captureToOutputP50Ms: c2o.length ? r1(pct(c2o, 0.5)) : null,
      captureToOutputP95Ms: c2o.length ? r1(pct(c2o, 0.95)) : null,
      captureToOutputFrames: c2o.length,
      // capture → output in parts (p50 / p95 of each, ms): waiting for the reader, segmentation
      // (split worker mode), hand-over to the compositing worker, compositing + write.
      latencyParts: Object.fromEntries(['captureToRead', 'readToSegmented', 'segmentedToComposite', 'compositeToOutput'].map((name, i) => {
        const xs = result.latencyParts.map((p) => p[i]).filter(Number.isFinite);
        return [name, xs.length ? [r1(pct(xs, 0.5)), r1(pct(xs, 0.95))] : null];
      })),
      cpuMs: cpu ? Math.round(cpu.ms) : null,
      wallMs,
      cpuCores: cpu ? r2(cpu.ms / wallMs) : null,
      cpuMsPerFrame: cpu ? r1(cpuMsPerFrame(cpu.ms, outFps * result.seconds)) : null,
      cpuMsPerPresentedFrame: cpu && c.preview !== false ? r1(cpuMsPerFrame(cpu.ms, result.frames)) : null,
      cpuProcesses: cpu ? { counted: cpu.processes, started: cpu.started, exited: cpu.exited } : null,
      statsEvents: result.stats.length,
      video: `${result.videoWidth}x${result.videoHeight}`,
      startMs: result.startMs,
      crossOriginIsolated: result.isolated,
      backendUsed: result.backend,
      modelUsed: result.model,
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

/** our / their ratios against the legacy run at the same resolution. */
function withRatios(results) {
  for (const r of results) {
    const legacy = results.find((x) => x.page === 'legacy' && x.ok && x.h === r.h);
    if (!r.ok || r.page !== 'ours' || !legacy) continue;
    r.fpsRatio = legacy.outputFps ? r2(r.outputFps / legacy.outputFps) : null;
    r.cpuPerFrameRatio = legacy.cpuMsPerFrame && r.cpuMsPerFrame !== null ? r2(r.cpuMsPerFrame / legacy.cpuMsPerFrame) : null;
  }
  return results;
}

const cell = (x) => (x === null || x === undefined ? '—' : String(x));

function markdown(results) {
  const head = ['config', 'video', 'camera FPS', 'output FPS', 'presented FPS', 'veiled', 'mask reused', 'segment ms', 'composite ms', 'read→write p50 / p95 ms',
    'capture→output p50 / p95 ms', 'CPU-ms / frame', 'CPU cores', 'FPS ÷ legacy', 'CPU/frame ÷ legacy', 'start ms'];
  const rows = results.map((r) => (r.ok
    ? [r.modelUsed && r.page === 'ours' && r.modelUsed !== r.model ? `${r.config} (model in use at the end: ${r.modelUsed})` : r.config, r.video, r.cameraFps, r.outputFps, r.presentedFps, r.veiledShare === null ? null : `${Math.round(r.veiledShare * 100)} %`, r.reusedShare === null ? null : `${Math.round(r.reusedShare * 100)} %`, r.segmentationMs, r.compositeMs, `${cell(r.latencyP50Ms)} / ${cell(r.latencyP95Ms)}`,
      `${cell(r.captureToOutputP50Ms)} / ${cell(r.captureToOutputP95Ms)}`, r.cpuMsPerFrame, r.cpuCores, r.fpsRatio, r.cpuPerFrameRatio, r.startMs]
    : [r.config, 'FAILED', ...new Array(head.length - 3).fill(''), r.error.slice(0, 80).replace(/\|/g, '/')]).map(cell));
  const table = (h, rs) => [h, h.map(() => '---'), ...rs].map((row) => `| ${row.join(' | ')} |`).join('\n');
  // Where capture → output goes (ours): p50 / p95 of each part, ms.
  const partsHead = ['config', 'capture → read', 'read → segmented (split workers)', 'segmented → compositing', 'compositing → output', 'capture → output'];
  const pp = (x) => (x ? `${x[0]} / ${x[1]}` : '—');
  const partRows = results.filter((r) => r.ok && r.page === 'ours' && r.latencyParts).map((r) => [r.config, pp(r.latencyParts.captureToRead),
    pp(r.latencyParts.readToSegmented), pp(r.latencyParts.segmentedToComposite), pp(r.latencyParts.compositeToOutput),
    `${cell(r.captureToOutputP50Ms)} / ${cell(r.captureToOutputP95Ms)}`]);
  return `${table(head, rows)}\n\n${table(partsHead, partRows)}`;
}

async function main() {
  const env = ensureBrowserEnv({ clip1080: want1080 });
  await bundle();

  if (serveMode) {
    const server = await startServer(Number(value('port', 8080)));
    console.log(`demo: serving ${benchDir} (models from ${join(projectRoot, 'models')})`);
    console.log(`demo: open ${server.url}?w=1280&h=720&effect=blur&backend=auto  (Ctrl-C to stop)`);
    console.log(`demo: the original project's approach: ${server.url}legacy.html?w=1280&h=720`);
    const stop = () => server.close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return new Promise(() => {});
  }

  const { default: puppeteer } = await import('puppeteer-core');
  const server = await startServer();
  const coiServer = wantCoi ? await startServer(0, COI_HEADERS) : null;
  const ticksPerSecond = clockTicksPerSecond();
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
      const r = await measure(puppeteer, env, c.coi ? coiServer.url : server.url, c, ticksPerSecond);
      results.push(r);
      console.log(JSON.stringify(r));
    }
  } finally {
    await server.close();
    await coiServer?.close();
  }
  withRatios(results);
  console.log('');
  console.log(markdown(results));
  console.log('');
  console.log(`demo: ${results.length} configurations in ${((Date.now() - started) / 1000).toFixed(0)} s ` +
    `(warm-up ${WARMUP_S} s, measure ${MEASURE_S} s each, fresh Chromium per configuration). output FPS: frames put on the output ` +
    'track (ours: written to the generator; legacy: drawn on the captured canvas); presented FPS: frames a <video> of the output ' +
    'track presented; CPU-ms / frame: all Chromium ' +
    'processes (utime+stime) over the window; CPU cores = CPU-ms ÷ wall-ms; veiled = output frames with no mask in time (whole frame ' +
    'covered by the effect); ratios are ours ÷ the legacy run at the same resolution.');
  const jsonFile = value('json');
  if (jsonFile) {
    writeFileSync(jsonFile, JSON.stringify({ date: new Date().toISOString(), warmupS: WARMUP_S, measureS: MEASURE_S, results }, null, 2) + '\n');
    console.log(`demo: wrote ${jsonFile}`);
  }
  // A failure is listed in the table with its reason; the run fails when the default path (selfie
  // on wasm) or the legacy reference could not start, or was interrupted. Other backends may
  // legitimately not start on a machine (e.g. WebGPU on SwiftShader).
  const failed = results.filter((r) => !r.ok);
  const critical = failed.filter((r) => r.page === 'legacy' || (r.model === 'selfie' && r.backend === 'wasm'));
  if (failed.length) console.error(`demo: ${failed.length} configuration(s) failed to start: ${failed.map((r) => r.config).join('; ')}`);
  if (critical.length || interrupted) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack ?? err.message : err);
  process.exit(1);
});
