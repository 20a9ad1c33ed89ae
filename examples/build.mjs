#!/usr/bin/env node
// Builds the examples into one static site (npm run examples):
//
//   node examples/build.mjs                 build into .cache/examples/
//   node examples/build.mjs --serve [--port=8080]   build, then serve it on 127.0.0.1 until Ctrl-C
//   node examples/build.mjs --out=DIR       build into DIR
//
// Each example imports the package by its name, `videochat-privacy`, as an app would. Here the
// name resolves to this checkout's source (src/index.ts), so the examples always run the code you
// are looking at; in an app it resolves to node_modules/videochat-privacy/dist/index.js. esbuild
// bundles each example's main.js into main.bundle.js next to a copy of its files. The site serves
// the package's models/ folder at /models/ — the one thing an app must host itself.
//
// The output needs no inline script, no eval, no blob: or data: URL, so it runs under a strict
// Content-Security-Policy (test/e2e/examples.test.mjs serves it with Galene's policy).
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const examplesDir = dirname(fileURLToPath(import.meta.url));
const projectRoot = resolve(examplesDir, '..');

/** Examples with a main.js that is bundled. `galene` has its own build (examples/galene/build.mjs). */
export const EXAMPLES = ['basic', 'webrtc-loopback', 'background-image', 'background-video'];


/** esbuild plugin: `videochat-privacy` → this checkout's src/index.ts. */
const selfPackage = {
  name: 'videochat-privacy-self',
  setup(build) {
    build.onResolve({ filter: /^videochat-privacy$/ }, () => ({ path: join(projectRoot, 'src/index.ts') }));
  },
};

function copyDir(from, to) {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) {
    const src = join(from, name);
    if (statSync(src).isDirectory()) copyDir(src, join(to, name));
    else if (!name.endsWith('.mjs')) cpSync(src, join(to, name));
  }
}

/**
 * Bundle every example into `outDir` (wiped first).
 * @param {{outDir?: string, minify?: boolean}} [options]
 * @returns {Promise<string>} the output directory
 */
export async function buildExamples({ outDir = join(projectRoot, '.cache/examples'), minify = false } = {}) {
  const { build } = await import('esbuild');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  cpSync(join(examplesDir, 'index.html'), join(outDir, 'index.html'));
  cpSync(join(examplesDir, 'style.css'), join(outDir, 'style.css'));
  const entryPoints = [];
  for (const name of EXAMPLES) {
    const dir = join(examplesDir, name);
    if (!existsSync(dir)) continue;
    copyDir(dir, join(outDir, name));
    entryPoints.push({ in: join(dir, 'main.js'), out: `${name}/main.bundle` });
  }
  await build({
    entryPoints,
    outdir: outDir,
    bundle: true,
    splitting: true, // tfjs backends stay in their own chunks, loaded only when used
    chunkNames: 'chunks/[name]-[hash]',
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify,
    sourcemap: true,
    logLevel: 'error',
    plugins: [selfPackage],
  });
  // The pipeline worker, served at /worker.js (the examples pass it as `workerUrl`).
  const { buildWorker } = await import('../scripts/build-worker.mjs');
  await buildWorker(join(outDir, 'worker.js'), { minify });
  // The Galene folder (plugin, publish page), without its own models/: the site serves /models/.
  const { buildGalene } = await import('./galene/build.mjs');
  await buildGalene({ outDir: join(outDir, 'galene'), models: false });
  return outDir;
}

/** Static server for the built site: the site at /, the package's models at /models/. */
export async function serveExamples(outDir, { port = 0, headers = {} } = {}) {
  const { serveStatic } = await import('../scripts/serve.mjs');
  return serveStatic({ root: outDir, port, headers, mounts: { '/models/': join(projectRoot, 'models') } });
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const argv = process.argv.slice(2);
  const opt = (name) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const outDir = await buildExamples({ outDir: opt('out') ? resolve(opt('out')) : undefined });
  console.log(`examples built into ${outDir}`);
  if (argv.includes('--serve')) {
    const server = await serveExamples(outDir, { port: Number(opt('port') ?? 8080) });
    console.log(`serving on ${server.url} (camera access needs localhost or https; Ctrl-C to stop)`);
    for (const name of EXAMPLES) console.log(`  ${server.url}${name}/`);
    console.log(`  ${server.url}galene/ (the Galene plugin; runs inside Galene, see examples/galene/README.md)`);
  }
}
