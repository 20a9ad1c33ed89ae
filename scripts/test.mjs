#!/usr/bin/env node
// The one test command (`npm test`, also what .ci/run calls). Runs every suite in order and
// prints one closing line `suites: N passed, M failed`. Set-up is part of it: the models folder
// is made and verified, and the browser suites install Debian chromium/ffmpeg when missing
// (scripts/ensure-browser-env.mjs).
import { spawnSync } from 'node:child_process';

const SUITES = [
  ['models: make and verify models/ against the manifest', 'node', ['scripts/models.mjs']],
  ['typecheck (strict, src + tests)', 'npm', ['run', '--silent', 'typecheck']],
  ['unit tests (vitest, Node)', 'npx', ['vitest', 'run']],
  ['build (tsup, declarations)', 'npm', ['run', '--silent', 'build']],
  ['API reference (TypeDoc: broken links and unexported public types fail)', 'npm', ['run', '--silent', 'docs:check']],
  ['browser tests (web-test-runner, headless Chromium, fake camera, real models)', 'npm', ['run', '--silent', 'test:browser']],
  ['packed package (npm pack → install → esbuild → Chromium)', 'npm', ['run', '--silent', 'test:pack']],
  ['examples (bundled, served, strict CSP, pixels of the output and received video)', 'npm', ['run', '--silent', 'test:examples']],
  ['Galene integration (filter plugin contract, protocol.js page, Galene\'s CSP)', 'npm', ['run', '--silent', 'test:galene']],
  ['Firefox ESR (canvas transport, CPU compositor, wasm; WebDriver BiDi)', 'npm', ['run', '--silent', 'test:firefox']],
  ['soak, short (1 min: tensors, open frames, heap after GC, output moving)', 'npm', ['run', '--silent', 'test:soak']],
];

const only = process.argv.slice(2);
let passed = 0;
let failed = 0;
const started = Date.now();
for (const [name, cmd, args] of SUITES) {
  if (only.length && !only.some((o) => name.startsWith(o))) continue;
  const t0 = Date.now();
  console.log(`\n=== ${name}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: process.env });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (r.status === 0) {
    passed++;
    console.log(`=== ok (${secs} s): ${name}`);
  } else {
    failed++;
    console.log(`=== FAILED (${secs} s, exit ${r.status ?? r.signal}): ${name}`);
  }
}
console.log(`\nall suites in ${((Date.now() - started) / 1000).toFixed(0)} s`);
console.log(`suites: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
