#!/usr/bin/env node
// Main thread vs worker mode, side by side (npm run measure:threads):
//
//   node scripts/measure-threads.mjs [--1080] [--effect=blur|color] [--warmup=S] [--measure=S] [--rounds=N]
//
// For each configuration (worker: false | true, layouts by core count) it opens the bench page
// (benchmarks/bench.ts, bundled with the worker by scripts/demo.mjs's build) in headless Chromium
// with the fake camera clip, waits `warmup` seconds, then measures for `measure` seconds:
//   - output FPS: requestVideoFrameCallback on the output <video> (what a viewer sees);
//   - the pipeline's own stats (fps, segmentation / composite ms, latency);
//   - main-thread long tasks (PerformanceObserver 'longtask'): count, total and longest, ms;
//   - CPU-ms per output frame for the whole browser: user+system time of every Chromium process
//     of that browser (from /proc, Linux only) over the window, divided by the output frames;
//     and the same per thread (process type / thread name: the profile of where the time goes).
// Rounds alternate the configurations (A B A B …) so that load from other processes hits both.
// Prints one JSON line per run and a Markdown table of medians.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBrowserEnv, cacheDir, projectRoot } from './ensure-browser-env.mjs';
import { chromiumArgs, makeUserDataDir } from './chromium-args.mjs';
import { serveStatic } from './serve.mjs';

const argv = process.argv.slice(2);
const flag = (n) => argv.includes(`--${n}`);
const value = (n, d) => {
  const a = argv.find((x) => x.startsWith(`--${n}=`));
  return a ? a.split('=')[1] : d;
};
const WARMUP_S = Number(value('warmup', 5));
const MEASURE_S = Number(value('measure', 10));
const ROUNDS = Number(value('rounds', 2));
const EFFECT = value('effect', 'blur');
const SIZES = flag('1080') ? [[1280, 720], [1920, 1080]] : [[1280, 720]];
const CLK_TCK = 100; // Linux USER_HZ

/** utime + stime (ms) of `pid` and all its descendants. */
function treeCpuMs(rootPid) {
  const parent = new Map();
  const cpu = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(name), Number(fields[1]));
      cpu.set(Number(name), ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK);
    } catch {
      /* process ended meanwhile */
    }
  }
  let total = 0;
  for (const [pid, ms] of cpu) {
    for (let p = pid; p; p = parent.get(p) ?? 0) {
      if (p === rootPid) {
        total += ms;
        break;
      }
    }
  }
  return total;
}

/** CPU ms per thread of `rootPid`'s process tree, keyed `process-type/thread-name`. */
function threadCpuMs(rootPid) {
  const parent = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* gone */
    }
  }
  const out = new Map();
  for (const pid of parent.keys()) {
    let inTree = false;
    for (let p = pid; p; p = parent.get(p) ?? 0) if (p === rootPid) { inTree = true; break; }
    if (!inTree) continue;
    let type = 'browser';
    try {
      const m = /--type=([a-z-]+)/.exec(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '));
      if (m) type = m[1] === 'utility' ? 'utility' : m[1];
    } catch {
      continue;
    }
    let tasks = [];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tasks) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/\d+$/, '');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const key = `${type}/${comm}`;
        out.set(key, (out.get(key) ?? 0) + ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK);
      } catch {
        /* thread ended */
      }
    }
  }
  return out;
}

async function run(puppeteer, env, url, c) {
  const userDataDir = makeUserDataDir('vcp-threads-');
  const browser = await puppeteer.launch({
    executablePath: env.chromium, headless: true, args: chromiumArgs({ clip: c.h >= 1080 ? env.clip1080 : env.clip720, userDataDir }),
    protocolTimeout: 300_000,
  });
  try {
    const page = await browser.newPage();
    const q = new URLSearchParams({ w: c.w, h: c.h, effect: EFFECT, backend: 'wasm', transport: 'insertable-streams', compositor: 'auto', worker: String(c.worker) });
    await page.goto(`${url}?${q}`, { waitUntil: 'load' });
    await page.waitForFunction(() => window.__bench && (window.__bench.ready || window.__bench.done), { timeout: 120_000, polling: 200 });
    const err = await page.evaluate(() => (window.__bench.ready ? null : window.__bench.error ?? 'failed'));
    if (err) throw new Error(err);
    await new Promise((r) => setTimeout(r, WARMUP_S * 1000));
    const pid = browser.process().pid;
    const cpu0 = treeCpuMs(pid);
    const threads0 = threadCpuMs(pid);
    const r = await page.evaluate(async (measureS) => {
      const bench = window.__bench;
      const video = document.querySelector('video');
      const t0 = performance.now();
      const firstStat = bench.stats.length;
      let frames = 0;
      let counting = true;
      const onFrame = () => {
        if (!counting) return;
        frames++;
        video.requestVideoFrameCallback(onFrame);
      };
      video.requestVideoFrameCallback(onFrame);
      await new Promise((res) => setTimeout(res, measureS * 1000));
      counting = false;
      const t1 = performance.now();
      const lt = bench.longTasks.filter((l) => l.start >= t0 && l.start < t1);
      const st = bench.stats.slice(firstStat);
      const mean = (k) => st.reduce((a, s) => a + s[k], 0) / Math.max(1, st.length);
      return {
        seconds: (t1 - t0) / 1000, frames,
        statsFps: mean('fps'), segmentationMs: mean('segmentationMs'), compositeMs: mean('compositeMs'), latencyMs: mean('latencyMs'),
        veiled: st.at(-1)?.veiledFrames ?? 0, worker: st.at(-1)?.worker,
        longTasks: lt.length, longTaskMs: lt.reduce((a, l) => a + l.duration, 0), longestTaskMs: Math.max(0, ...lt.map((l) => l.duration)),
      };
    }, MEASURE_S);
    const cpuMs = treeCpuMs(pid) - cpu0;
    const threads = [...threadCpuMs(pid)].map(([k, v]) => [k, Math.round(((v - (threads0.get(k) ?? 0)) / Math.max(1, r.frames)) * 10) / 10])
      .filter(([, v]) => v >= 0.5).sort((x, y) => y[1] - x[1]).slice(0, 10);
    return { ...c, ...r, outputFps: r.frames / r.seconds, cpuMsPerFrame: r.frames ? cpuMs / r.frames : null, cpuCores: cpuMs / (r.seconds * 1000), threadMsPerFrame: Object.fromEntries(threads) };
  } finally {
    await browser.close().catch(() => {});
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '–');

async function main() {
  const env = ensureBrowserEnv({ clip1080: SIZES.some(([, h]) => h >= 1080) });
  // The bench page and its worker, as `npm run demo` builds them.
  const { build } = await import('esbuild');
  const benchDir = join(cacheDir, 'bench');
  await build({ entryPoints: [join(projectRoot, 'benchmarks/bench.ts')], outfile: join(benchDir, 'bench.js'), bundle: true, format: 'esm', platform: 'browser', target: 'es2022', logLevel: 'error' });
  const { copyFileSync } = await import('node:fs');
  copyFileSync(join(projectRoot, 'benchmarks/index.html'), join(benchDir, 'index.html'));
  const { buildWorker } = await import('./build-worker.mjs');
  await buildWorker(join(benchDir, 'worker.js'));
  const server = await serveStatic({ root: benchDir, mounts: { '/models/': join(projectRoot, 'models') } });
  const { default: puppeteer } = await import('puppeteer-core');
  const results = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const [w, h] of SIZES) {
        for (const worker of [false, true]) {
          const c = { w, h, worker, round };
          try {
            const r = await run(puppeteer, env, server.url, c);
            results.push(r);
            console.log(JSON.stringify(r));
          } catch (e) {
            console.log(JSON.stringify({ ...c, error: String(e?.message ?? e) }));
          }
        }
      }
    }
  } finally {
    await server.close();
  }
  const rows = [];
  for (const [w, h] of SIZES) {
    for (const worker of [false, true]) {
      const rs = results.filter((r) => r.w === w && r.h === h && r.worker === worker);
      if (!rs.length) continue;
      const m = (k) => median(rs.map((r) => r[k]));
      rows.push([`${h}p ${EFFECT} ${worker ? 'worker' : 'main thread'}`, rs.length, f1(m('outputFps')), f1(m('statsFps')), f1(m('segmentationMs')), f1(m('compositeMs')),
        f1(m('latencyMs')), f1(m('cpuMsPerFrame')), f1(m('cpuCores')), f1(m('longTasks')), f1(m('longTaskMs')), f1(m('longestTaskMs'))]);
    }
  }
  const head = ['config', 'runs', 'output FPS', 'stats FPS', 'segmentation ms', 'composite ms', 'latency ms', 'browser CPU-ms/frame', 'cores busy', 'long tasks', 'long-task ms', 'longest ms'];
  console.log('');
  console.log([head, head.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n'));
  console.log(`\n(medians over rounds; warm-up ${WARMUP_S} s, measure ${MEASURE_S} s; long tasks counted over the measure window)`);
  // Where the CPU time goes: per thread, ms per output frame, median over rounds.
  for (const [w, h] of SIZES) {
    for (const worker of [false, true]) {
      const rs = results.filter((r) => r.w === w && r.h === h && r.worker === worker);
      if (!rs.length) continue;
      const keys = new Set(rs.flatMap((r) => Object.keys(r.threadMsPerFrame)));
      const rows = [...keys].map((k) => [k, median(rs.map((r) => r.threadMsPerFrame[k] ?? 0))]).sort((a, b) => b[1] - a[1]);
      console.log(`\n${h}p ${EFFECT} ${worker ? 'worker' : 'main thread'}: CPU ms per output frame by thread: ` +
        rows.map(([k, v]) => `${k} ${f1(v)}`).join(', '));
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
