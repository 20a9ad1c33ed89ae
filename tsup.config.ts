import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm'],
  target: 'es2022',
  platform: 'browser',
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: true,
  treeshake: true,
  // tfjs packages stay external (dependencies): the app's bundler dedupes them, and backends are
  // imported dynamically so an app only loads the backend it uses.
});
