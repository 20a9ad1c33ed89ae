import { defineConfig } from 'tsup';

// The pipeline worker (src/worker/worker.ts → dist/worker.js) as one self-contained module: tfjs
// and every stage bundled in, no bare imports, no chunks. `new Worker(new URL('./worker.js',
// import.meta.url), { type: 'module' })` in the main bundle then works whether the app's bundler
// re-bundles it (Vite, webpack 5, Parcel) or serves the file as it is (esbuild users copy it and
// set `workerUrl`). Runs after the main build (npm run build), which cleans dist/ first.
export default defineConfig({
  entry: { worker: 'src/worker/worker.ts' },
  format: ['esm'],
  target: 'es2022',
  platform: 'browser',
  dts: false,
  sourcemap: true,
  clean: false,
  splitting: false,
  treeshake: true,
  noExternal: [/.*/],
  minify: true,
  // Emscripten glue in tfjs-backend-wasm requires these only under Node.
  external: ['fs', 'path', 'crypto', 'os', 'worker_threads', 'perf_hooks', 'util'],
});
