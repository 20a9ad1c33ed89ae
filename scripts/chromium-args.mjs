// Chromium flags verified on this machine (see ../shared/RECIPES.md).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh, empty Chromium profile directory under the OS temp dir. */
export function makeUserDataDir(prefix = 'vcp-chromium-') {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Flags under which a WebGPU canvas can present on this machine's SwiftShader WebGPU adapter
 * (no GPU): WebGPU on SwiftShader's Vulkan. Without them `getCurrentTexture()` on a `webgpu`
 * canvas loses the device (docs/models-and-backends.md, "WebGPU-resident path").
 */
export const WEBGPU_CANVAS_ARGS = ['--enable-features=Vulkan', '--use-vulkan=swiftshader'];

/**
 * Headless-safe flags + fake camera. `headless` itself is left to the launcher
 * (puppeteer / @web/test-runner-chrome pass `headless: true`). `webgpuCanvas` adds
 * {@link WEBGPU_CANVAS_ARGS}.
 * @param {{clip?: string, userDataDir?: string, webgpuCanvas?: boolean}} [options]
 * @returns {string[]}
 */
export function chromiumArgs({ clip, userDataDir, webgpuCanvas = false } = {}) {
  const args = [
    '--no-sandbox',
    '--disable-dev-shm-usage',
    '--disable-quic',
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--enable-unsafe-swiftshader',
    '--use-angle=swiftshader',
    '--enable-unsafe-webgpu',
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    '--autoplay-policy=no-user-gesture-required',
  ];
  if (webgpuCanvas) args.push(...WEBGPU_CANVAS_ARGS);
  if (clip) args.push(`--use-file-for-fake-video-capture=${clip}`);
  args.push(`--user-data-dir=${userDataDir ?? makeUserDataDir()}`);
  return args;
}
