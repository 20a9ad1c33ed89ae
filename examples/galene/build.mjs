#!/usr/bin/env node
// Builds the Galene integration into one folder to copy into Galene's static/:
//
//   node examples/galene/build.mjs --out=/path/to/galene/static/videochat-privacy
//
// The folder holds: videochat-privacy-galene.js (the filter plugin: one <script defer> after
// galene.js), videochat-privacy-filter.js and chunks/ (the library, loaded on demand),
// publish.html + publish.bundle.js (a standalone page that publishes the protected camera with
// Galene's protocol.js), and models/ (the package's model and wasm files).
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const projectRoot = resolve(here, '../..');

/**
 * @param {{outDir: string, models?: boolean, packageEntry?: string}} options
 *   models: copy models/ in (default true); packageEntry: what `videochat-privacy` resolves to
 *   (default this checkout's src/index.ts).
 */
export async function buildGalene({ outDir, models = true, packageEntry = join(projectRoot, 'src/index.ts') }) {
  const { build } = await import('esbuild');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  for (const f of ['videochat-privacy-galene.js', 'publish.html', 'README.md']) cpSync(join(here, f), join(outDir, f));
  await build({
    entryPoints: [
      { in: join(here, 'videochat-privacy-filter.js'), out: 'videochat-privacy-filter' },
      { in: join(here, 'publish.js'), out: 'publish.bundle' },
    ],
    outdir: outDir,
    bundle: true,
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    logLevel: 'error',
    plugins: [{
      name: 'videochat-privacy-self',
      setup(b) {
        b.onResolve({ filter: /^videochat-privacy$/ }, () => ({ path: packageEntry }));
      },
    }],
  });
  if (models) cpSync(join(projectRoot, 'models'), join(outDir, 'models'), { recursive: true });
  return outDir;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const out = process.argv.find((a) => a.startsWith('--out='))?.slice(6);
  const outDir = await buildGalene({ outDir: resolve(out ?? join(projectRoot, '.cache/galene/videochat-privacy')) });
  console.log(`Galene integration built into ${outDir}`);
  console.log('Add to static/galene.html, after galene.js:  <script src="/videochat-privacy/videochat-privacy-galene.js" defer></script>');
}
