// Bundle the pipeline worker (src/worker/worker.ts) into one self-contained module file, as
// tsup.worker.config.ts does for dist/worker.js. Used by the examples and bench builds, which
// bundle this checkout's source with esbuild: esbuild leaves `new URL('./worker.js',
// import.meta.url)` alone, so those pages serve this file and pass its URL as `workerUrl`.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = fileURLToPath(new URL('..', import.meta.url));

/** Node built-ins the tfjs wasm glue requires only under Node. */
export const NODE_ONLY = ['fs', 'path', 'crypto', 'os', 'worker_threads', 'perf_hooks', 'util'];

/**
 * Write the worker bundle to `outfile`.
 * @param {string} outfile
 * @param {{minify?: boolean}} [options]
 */
export async function buildWorker(outfile, { minify = true } = {}) {
  const { build } = await import('esbuild');
  await build({
    entryPoints: [join(projectRoot, 'src/worker/worker.ts')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify,
    sourcemap: true,
    external: NODE_ONLY,
    logLevel: 'error',
  });
  return outfile;
}
