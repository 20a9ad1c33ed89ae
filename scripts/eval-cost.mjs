#!/usr/bin/env node
// Refiner cost microbenchmark in Node (see benchmarks/eval-cost.ts). Prints JSON.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { build } from 'esbuild';
import { cacheDir, projectRoot } from './ensure-browser-env.mjs';

const outfile = join(cacheDir, 'eval', 'eval-cost.mjs');
await build({ entryPoints: [join(projectRoot, 'benchmarks/eval-cost.ts')], outfile, bundle: true, format: 'esm', platform: 'node', logLevel: 'error' });
execFileSync(process.execPath, [outfile], { stdio: 'inherit' });
