#!/usr/bin/env node
// Ensures the browser-test environment exists: Debian Chromium, ffmpeg, and the fake-camera
// y4m clips in .cache/ (ignored by git). Idempotent; safe to call at every config load.
//   node scripts/ensure-browser-env.mjs [--1080]
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const projectRoot = resolve(here, '..');
export const mediaDir = resolve(projectRoot, '../shared/media');
export const cacheDir = join(projectRoot, '.cache');
export const CHROMIUM = '/usr/bin/chromium';

const SOURCE_CLIP = join(mediaDir, 'video/doctor-540p.mp4');

function hasCommand(cmd) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, cmd), constants.X_OK);
      return true;
    } catch {
      // keep looking
    }
  }
  return false;
}

export const FIREFOX = '/usr/bin/firefox-esr';

function ensurePackages({ firefox = false } = {}) {
  const present = (pkg) => (pkg === 'chromium' ? existsSync(CHROMIUM) : pkg === 'firefox-esr' ? existsSync(FIREFOX) : hasCommand(pkg));
  const wanted = ['chromium', 'ffmpeg', ...(firefox ? ['firefox-esr'] : [])];
  const missing = wanted.filter((p) => !present(p));
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    throw new Error(
      `ensure-browser-env: missing ${missing.join(' and ')}. ` +
        `Run as root, or install them yourself: sudo apt-get install -y ${missing.join(' ')}`,
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  console.log(`ensure-browser-env: missing ${missing.join(', ')}; running: apt-get update`);
  execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
  console.log(`ensure-browser-env: running: apt-get install -y ${missing.join(' ')}`);
  execFileSync('apt-get', ['install', '-y', ...missing], { stdio: 'inherit', env });
  const still = missing.filter((p) => !present(p));
  if (still.length) throw new Error(`ensure-browser-env: apt-get finished but ${still.join(', ')} still missing`);
}

function nonEmpty(file) {
  try {
    return statSync(file).size > 0;
  } catch {
    return false;
  }
}

/** Remove temp files left by runs that were killed (their pid is gone). */
function removeStaleTemps() {
  let names = [];
  try {
    names = readdirSync(cacheDir);
  } catch {
    return;
  }
  for (const n of names) {
    const m = /^\.tmp-(\d+)-/.exec(n);
    if (!m) continue;
    let alive = true;
    try {
      process.kill(Number(m[1]), 0);
    } catch (err) {
      alive = err?.code === 'EPERM';
    }
    if (!alive) rmSync(join(cacheDir, n), { force: true });
  }
}

function makeClip(name, width, height) {
  const out = join(cacheDir, name);
  if (nonEmpty(out)) return out;
  if (!existsSync(SOURCE_CLIP)) {
    throw new Error(`ensure-browser-env: source video not found: ${SOURCE_CLIP}`);
  }
  mkdirSync(cacheDir, { recursive: true });
  removeStaleTemps();
  // Keep the .y4m extension on the temp name: ffmpeg picks the muxer from it.
  const tmp = join(cacheDir, `.tmp-${process.pid}-${Date.now()}-${name}`);
  console.log(`ensure-browser-env: making ${out} (${width}x${height}, 30 fps, 4 s)`);
  try {
    execFileSync(
      'ffmpeg',
      ['-y', '-loglevel', 'error', '-ss', '2', '-i', SOURCE_CLIP, '-t', '4',
        '-vf', `scale=${width}:${height}:flags=lanczos,fps=30,format=yuv420p`, '-an', tmp],
      { stdio: 'inherit' },
    );
    renameSync(tmp, out);
  } finally {
    rmSync(tmp, { force: true });
  }
  return out;
}

/**
 * @param {{clip1080?: boolean, firefox?: boolean}} [options]
 * @returns {{chromium: string, clip720: string, clip1080?: string}}
 */
export function ensureBrowserEnv({ clip1080 = false, firefox = false } = {}) {
  ensurePackages({ firefox });
  const result = { chromium: CHROMIUM, clip720: makeClip('clip720.y4m', 1280, 720) };
  if (clip1080) result.clip1080 = makeClip('clip1080.y4m', 1920, 1080);
  return result;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    const env = ensureBrowserEnv({ clip1080: process.argv.includes('--1080'), firefox: process.argv.includes('--firefox') });
    console.log(JSON.stringify(env, null, 2));
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
