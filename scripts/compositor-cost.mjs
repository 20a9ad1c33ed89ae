#!/usr/bin/env node
// CPU compositor cost microbenchmark in Node (see benchmarks/compositor-cost.ts): every case in a
// fresh process, three times; prints the best median per case as JSON.
//   node scripts/compositor-cost.mjs [--runs=3]
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { build } from 'esbuild';
import { cacheDir, projectRoot } from './ensure-browser-env.mjs';

const runs = Number(process.argv.find((a) => a.startsWith('--runs='))?.slice(7) ?? 3);
const outfile = join(cacheDir, 'eval', 'compositor-cost.mjs');
await build({ entryPoints: [join(projectRoot, 'benchmarks/compositor-cost.ts')], outfile, bundle: true, format: 'esm', platform: 'node', logLevel: 'error' });
const result = {};
for (const height of [720, 1080]) {
  for (const c of ['blur', 'blurWasm', 'blurGrid', 'blurGridWasm', 'blurBlend', 'blurBlendWasm', 'color']) {
    let best = Infinity;
    for (let i = 0; i < runs; i++) best = Math.min(best, JSON.parse(execFileSync(process.execPath, [outfile, c, String(height)], { encoding: 'utf8' })).ms);
    (result[`${height}p`] ??= {})[c] = best;
  }
}
console.log(JSON.stringify(result));
