// Tiny harness shared by the end-to-end suites in test/e2e/ (plain Node + puppeteer-core, like
// test/pack): named tests with a one-line result each, cleanup on failure and on signals, and a
// closing line `<suite>: N passed, M failed`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * @param {string} suite short name used as the log prefix
 */
export function createHarness(suite) {
  const t0 = Date.now();
  const secs = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
  const log = (msg) => console.log(`[${suite} ${secs()}] ${msg}`);
  const tmpRoot = mkdtempSync(join(tmpdir(), `vcp-${suite}-`));
  const cleanups = [];
  const results = [];
  let cleanedUp = false;

  async function cleanup() {
    if (cleanedUp) return;
    cleanedUp = true;
    while (cleanups.length) {
      try {
        await cleanups.pop()();
      } catch {
        // keep cleaning
      }
    }
    rmSync(tmpRoot, { recursive: true, force: true });
  }
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.once(sig, () => {
      console.error(`${suite}: ${sig}, cleaning up`);
      cleanup().finally(() => process.exit(1));
    });
  }
  process.on('exit', () => {
    if (!cleanedUp) rmSync(tmpRoot, { recursive: true, force: true });
  });

  /** Run one named test; `fn` returns an optional one-line summary, or `{skip, reason}`. */
  async function test(name, fn) {
    const start = Date.now();
    try {
      const note = await fn();
      if (note && typeof note === 'object' && note.skip) {
        results.push({ name, status: 'skip' });
        log(`SKIP ${name}${note.reason ? `: ${note.reason}` : ''}`);
      } else {
        results.push({ name, status: 'pass' });
        log(`PASS ${name} (${((Date.now() - start) / 1000).toFixed(1)}s)${note ? ` — ${note}` : ''}`);
      }
    } catch (err) {
      results.push({ name, status: 'fail' });
      log(`FAIL ${name} (${((Date.now() - start) / 1000).toFixed(1)}s)`);
      console.error(err instanceof Error ? err.stack ?? err.message : err);
    }
  }

  /** Print the summary, clean up and exit (0 when something ran and nothing failed). */
  async function finish(setupError) {
    if (setupError) {
      console.error(setupError instanceof Error ? setupError.stack ?? setupError.message : setupError);
      results.push({ name: 'setup', status: 'fail' });
    }
    await cleanup();
    const passed = results.filter((r) => r.status === 'pass').length;
    const failed = results.filter((r) => r.status === 'fail').length;
    const skipped = results.filter((r) => r.status === 'skip').length;
    console.log(`${suite}: runtime ${secs()}${skipped ? `, ${skipped} skipped` : ''}`);
    console.log(`${suite}: ${passed} passed, ${failed} failed`);
    process.exit(failed || results.length === 0 ? 1 : 0);
  }

  return { log, test, finish, tmpRoot, onCleanup: (fn) => cleanups.push(fn) };
}

/** Throw `msg` unless `cond`. */
export function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

/** Format a fraction as a percentage with one decimal. */
export const pct = (x) => `${(100 * x).toFixed(1)} %`;
