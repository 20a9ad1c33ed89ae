// @web/test-runner config: browser tests in headless Debian Chromium with a fake 720p camera.
//   npx web-test-runner                          (or: npm run test:browser): every group
//   npx web-test-runner --group default          test/browser/*.test.ts, Chromium's usual flags
//   npx web-test-runner --group webgpu-resident  test/browser/webgpu-resident/, a Chromium whose
//                                                WebGPU runs on SwiftShader's Vulkan (canvases present)
import { createReadStream, promises as fsp, rmSync } from 'node:fs';
import { extname, isAbsolute, normalize, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromeLauncher } from '@web/test-runner-chrome';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { fromRollup } from '@web/dev-server-rollup';
import rollupCommonjs from '@rollup/plugin-commonjs'; // pinned to 18: later versions break in the dev server (modernweb-dev/web#1700)
import { ensureBrowserEnv, mediaDir } from './scripts/ensure-browser-env.mjs';
import { chromiumArgs, makeUserDataDir } from './scripts/chromium-args.mjs';
import { MIME } from './scripts/serve.mjs';

const rootDir = fileURLToPath(new URL('.', import.meta.url));
const env = ensureBrowserEnv(); // idempotent: installs nothing and makes no clip when all is present
const commonjs = fromRollup(rollupCommonjs);
const userDataDir = makeUserDataDir(); // fresh profile per run, removed when the runner exits
const webgpuUserDataDir = makeUserDataDir(); // the webgpu-resident group's own browser
process.once('exit', () => {
  for (const dir of [userDataDir, webgpuUserDataDir]) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Chromium may still hold files; the OS temp dir is cleaned eventually
    }
  }
});

/** Koa middleware: serve ../shared/media/* under /media/ (read-only, no traversal). */
function mediaMiddleware(prefix = '/media/', dir = mediaDir) {
  return async (ctx, next) => {
    if (!ctx.path.startsWith(prefix) || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
    let rel;
    try {
      rel = decodeURIComponent(ctx.path.slice(prefix.length));
    } catch {
      ctx.status = 400;
      return;
    }
    const file = resolve(dir, '.' + normalize('/' + rel));
    const r = relative(dir, file);
    const st = r.startsWith('..') || isAbsolute(r) ? null : await fsp.stat(file).catch(() => null);
    if (!st?.isFile()) {
      ctx.status = 404;
      return;
    }
    ctx.status = 200;
    ctx.type = MIME[extname(file).toLowerCase()] ?? 'application/octet-stream';
    ctx.length = st.size;
    ctx.set('cache-control', 'no-store');
    if (ctx.method === 'GET') ctx.body = createReadStream(file);
  };
}

/**
 * A worker script requested by URL (`new Worker(new URL('./worker.js', import.meta.url))` in
 * src/worker/host.ts) is no import, so the esbuild plugin's .js → .ts mapping does not apply:
 * serve src/.../x.ts for src/.../x.js when only the .ts exists.
 */
async function srcTsMiddleware(ctx, next) {
  if (ctx.path.startsWith('/src/') && ctx.path.endsWith('.js')) {
    const file = resolve(rootDir, '.' + normalize(ctx.path));
    const ts = file.slice(0, -3) + '.ts';
    if (file.startsWith(resolve(rootDir, 'src') + sep) && !(await fsp.stat(file).catch(() => null)) && (await fsp.stat(ts).catch(() => null))) {
      ctx.url = ctx.path.slice(0, -3) + '.ts' + (ctx.querystring ? `?${ctx.querystring}` : '');
    }
  }
  return next();
}

/** Make sure .wasm is always application/wasm (needed for instantiateStreaming). */
async function wasmMimeMiddleware(ctx, next) {
  await next();
  if (ctx.path.endsWith('.wasm') && ctx.status === 200) ctx.type = 'application/wasm';
}

/**
 * src/ imports models/manifest.json (tsup inlines it in the build). Serve only that file as a JS
 * module; every other .json (the model graphs) must reach fetch() byte for byte, or the sha256
 * check rightly fails.
 */
const manifestJsonPlugin = {
  name: 'manifest-json-module',
  resolveMimeType(context) {
    if (context.path === '/models/manifest.json') return 'js';
  },
  transform(context) {
    if (context.path === '/models/manifest.json') return { body: `export default ${context.body};` };
  },
};

/**
 * `@mediapipe/selfie_segmentation` (model 'selfie-landscape', imported by body-segmentation) is a
 * Closure script that sets its exports on the `this` it is called with; bundlers (esbuild, as in
 * the examples and the pack test) wrap it as CommonJS so `this` is `exports`. The dev server
 * serves it unbundled: turn it into an ES module with the same two named exports.
 */
const mediapipeSolutionPlugin = {
  name: 'mediapipe-solution-esm',
  transform(context) {
    if (!context.path.endsWith('/@mediapipe/selfie_segmentation/selfie_segmentation.js')) return undefined;
    // (the esbuild plugin may already have reformatted it and added an inline source map)
    const at = context.body.lastIndexOf('}).call(this)');
    if (at < 0) throw new Error('selfie_segmentation.js: unexpected wrapper, update mediapipeSolutionPlugin');
    const body = `${context.body.slice(0, at)}}).call(__exports)${context.body.slice(at + '}).call(this)'.length)}`;
    return { body: `const __exports = {};\n${body}\nexport const SelfieSegmentation = __exports.SelfieSegmentation;\nexport const VERSION = __exports.VERSION;\n` };
  },
};

/**
 * Server command for tests: `executeServerCommand('page-visibility', { hidden: true|false })`
 * hides the test page behind another tab (as when the user switches tabs) or brings it back.
 */
function pageVisibilityPlugin() {
  const covers = new Map();
  return {
    name: 'page-visibility',
    async executeCommand({ command, payload, session }) {
      if (command !== 'page-visibility') return undefined;
      const page = session.browser.getPage(session.id);
      if (payload?.hidden) {
        const cover = await page.browser().newPage();
        await cover.bringToFront();
        covers.set(session.id, cover);
      } else {
        await covers.get(session.id)?.close();
        covers.delete(session.id);
        await page.bringToFront();
      }
      return true;
    },
  };
}

export default {
  rootDir,
  files: ['test/browser/*.test.ts'],
  nodeResolve: true,
  concurrency: 1,
  // One browser at a time: the groups' Chromiums would otherwise share the 2 cores.
  concurrentBrowsers: 1,
  testsStartTimeout: 60000,
  testsFinishTimeout: 300000,
  browserStartTimeout: 60000,
  testFramework: { config: { timeout: 120000 } },
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: env.chromium,
        headless: true,
        args: chromiumArgs({ clip: env.clip720, userDataDir }),
      },
    }),
  ],
  groups: [
    {
      // The WebGPU-resident path presents a WebGPU canvas; with Chromium's usual flags that loses
      // the device on this machine's SwiftShader adapter, so it runs in a browser of its own.
      name: 'webgpu-resident',
      files: ['test/browser/webgpu-resident/*.test.ts'],
      browsers: [
        chromeLauncher({
          launchOptions: {
            executablePath: env.chromium,
            headless: true,
            args: chromiumArgs({ clip: env.clip720, userDataDir: webgpuUserDataDir, webgpuCanvas: true }),
          },
        }),
      ],
    },
  ],
  middleware: [mediaMiddleware(), srcTsMiddleware, wasmMimeMiddleware],
  plugins: [
    pageVisibilityPlugin(),
    esbuildPlugin({ ts: true, target: 'es2022' }),
    manifestJsonPlugin,
    mediapipeSolutionPlugin,
    commonjs({
      include: [
        '**/node_modules/long/**/*',
        '**/node_modules/seedrandom/**/*',
        '**/node_modules/@tensorflow/tfjs-backend-wasm/wasm-out/**/*',
      ],
      // Emscripten glue requires these only under Node; keep them out of the browser graph.
      ignore: ['crypto', 'fs', 'path', 'os', 'worker_threads', 'perf_hooks', 'util'],
    }),
  ],
};
