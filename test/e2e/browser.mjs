// Browser side of the end-to-end suites in test/e2e/: one headless Debian Chromium (720p fake
// camera) per suite, and pages that record their errors and CSP violations.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBrowserEnv } from '../../scripts/ensure-browser-env.mjs';
import { chromiumArgs, makeUserDataDir } from '../../scripts/chromium-args.mjs';

/**
 * What Galene itself sends (webserver/webserver.go, jech/galene): default-src 'self' with no
 * 'wasm-unsafe-eval', so WebAssembly cannot be compiled and the library must fall back to WebGL.
 */
export const GALENE_CSP = "connect-src ws: wss: 'self'; img-src data: 'self'; media-src blob: 'self'; default-src 'self'";

/** The two wasm-compile refusals expected under a policy without 'wasm-unsafe-eval'. */
export const isWasmEvalViolation = (v) => /wasm-eval|WebAssembly/.test(v);

/**
 * A lazily launched browser for one suite.
 * @param {{onCleanup: (fn: () => unknown) => void, prefix: string, debugDir?: string}} options
 * @returns {{open(url: string): Promise<{page: import('puppeteer-core').Page, errors: string[], violations: string[], describe(): string, close(label: string): Promise<void>}>}}
 */
export function createBrowser({ onCleanup, prefix, debugDir }) {
  let browser;
  async function launch() {
    if (browser) return browser;
    const env = ensureBrowserEnv();
    const { default: puppeteer } = await import('puppeteer-core');
    browser = await puppeteer.launch({
      executablePath: env.chromium,
      headless: true,
      args: chromiumArgs({ clip: env.clip720, userDataDir: makeUserDataDir(prefix) }),
      protocolTimeout: 180_000,
    });
    onCleanup(() => browser.close());
    return browser;
  }

  /** Open `url`, recording page errors (incl. failed loads) and CSP violations. */
  async function open(url) {
    const page = await (await launch()).newPage();
    const errors = [];
    const violations = [];
    page.on('pageerror', (err) => errors.push(String(err?.message ?? err)));
    page.on('console', (msg) => {
      const text = msg.text();
      if (/content security policy/i.test(text)) violations.push(`console: ${text}`);
      // Failed loads are reported by URL below (the console line has none).
      else if (msg.type() === 'error' && !text.startsWith('Failed to load resource')) errors.push(text);
    });
    page.on('response', (res) => {
      // The browser asks for /favicon.ico on its own; the pages have none.
      if (res.status() >= 400 && !res.url().endsWith('/favicon.ico')) errors.push(`HTTP ${res.status()} for ${res.url()}`);
    });
    await page.exposeFunction('__vcpViolation', (v) => violations.push(v));
    await page.evaluateOnNewDocument(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        window.__vcpViolation(`${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'}${e.sample ? `: ${e.sample}` : ''}`);
      });
    });
    await page.goto(url, { waitUntil: 'load' });
    return {
      page,
      errors,
      violations,
      describe: () => [errors.length ? `page errors:\n  ${errors.join('\n  ')}` : '', violations.length ? `CSP violations:\n  ${violations.join('\n  ')}` : '']
        .filter(Boolean).join('\n'),
      async close(label) {
        if (debugDir) {
          mkdirSync(debugDir, { recursive: true });
          await page.screenshot({ path: join(debugDir, `${label}.png`) }).catch(() => {});
        }
        await page.close().catch(() => {});
      },
    };
  }
  return { open };
}
