// CPU time of a process tree from /proc (Linux): used by the headless benchmark to charge the
// whole browser (browser, GPU, renderer, utility processes) for the frames it output.
//
//   const before = sampleTree(browserPid); ... const after = sampleTree(browserPid);
//   const { ms } = cpuDelta(before, after, clockTicksPerSecond());
//
// ref: proc(5), /proc/[pid]/stat fields 4 (ppid), 14 (utime), 15 (stime), 22 (starttime), in
// clock ticks (sysconf(_SC_CLK_TCK)).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * Parse one /proc/<pid>/stat line. The command name (field 2) is in parentheses and may itself
 * contain spaces and parentheses, so fields are counted from the last ')'.
 * @param {string} text
 * @returns {{pid: number, comm: string, ppid: number, utime: number, stime: number, starttime: number}}
 */
export function parseStat(text) {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error(`not a /proc stat line: ${text.slice(0, 60)}`);
  const pid = Number(text.slice(0, open).trim());
  const comm = text.slice(open + 1, close);
  // After ')': field 3 (state) is index 0, so field n is index n - 3.
  const f = text.slice(close + 1).trim().split(/\s+/);
  const num = (n) => {
    const v = Number(f[n - 3]);
    if (!Number.isFinite(v)) throw new Error(`stat field ${n} missing in: ${text.slice(0, 60)}`);
    return v;
  };
  return { pid, comm, ppid: num(4), utime: num(14), stime: num(15), starttime: num(22) };
}

/**
 * Pids of `root` and all its descendants, given every process's parent.
 * @param {Iterable<{pid: number, ppid: number}>} procs
 * @param {number} root
 * @returns {Set<number>}
 */
export function descendants(procs, root) {
  const children = new Map();
  for (const p of procs) {
    if (!children.has(p.ppid)) children.set(p.ppid, []);
    children.get(p.ppid).push(p.pid);
  }
  const out = new Set([root]);
  const stack = [root];
  while (stack.length) {
    for (const c of children.get(stack.pop()) ?? []) {
      if (!out.has(c)) {
        out.add(c);
        stack.push(c);
      }
    }
  }
  return out;
}

/**
 * Every readable process in `procDir` (processes that exit while reading are skipped).
 * @param {string} [procDir]
 */
export function readProcs(procDir = '/proc') {
  const out = [];
  for (const name of readdirSync(procDir)) {
    if (!/^\d+$/.test(name)) continue;
    try {
      out.push(parseStat(readFileSync(`${procDir}/${name}/stat`, 'utf8')));
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

/**
 * CPU ticks (utime + stime) of `rootPid` and its descendants now, keyed by `pid:starttime` so a
 * reused pid is not mistaken for the same process.
 * @param {number} rootPid
 * @param {Array<{pid: number, ppid: number, utime: number, stime: number, starttime: number, comm: string}>} [procs]
 * @returns {Map<string, {pid: number, comm: string, ticks: number}>}
 */
export function sampleTree(rootPid, procs = readProcs()) {
  const tree = descendants(procs, rootPid);
  const out = new Map();
  for (const p of procs) {
    if (tree.has(p.pid)) out.set(`${p.pid}:${p.starttime}`, { pid: p.pid, comm: p.comm, ticks: p.utime + p.stime });
  }
  return out;
}

/**
 * CPU milliseconds the tree used between two samples. A process present in both counts its
 * difference; one that started in between counts all its ticks; one that exited in between is
 * not counted (its last ticks are unknown) and is reported in `exited`, so the figure is then a
 * lower bound.
 * @param {Map<string, {ticks: number}>} before
 * @param {Map<string, {ticks: number}>} after
 * @param {number} ticksPerSecond
 * @returns {{ms: number, processes: number, started: number, exited: number}}
 */
export function cpuDelta(before, after, ticksPerSecond) {
  let ticks = 0;
  let started = 0;
  for (const [key, a] of after) {
    const b = before.get(key);
    if (b) ticks += Math.max(0, a.ticks - b.ticks);
    else {
      ticks += a.ticks;
      started++;
    }
  }
  let exited = 0;
  for (const key of before.keys()) if (!after.has(key)) exited++;
  return { ms: (ticks * 1000) / ticksPerSecond, processes: after.size, started, exited };
}

/** CPU-ms per output frame, or null when no frame was output. */
export function cpuMsPerFrame(cpuMs, frames) {
  return frames > 0 ? cpuMs / frames : null;
}

/** Clock ticks per second (sysconf _SC_CLK_TCK; 100 on Linux unless changed). */
export function clockTicksPerSecond() {
  try {
    const v = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    if (Number.isFinite(v) && v > 0) return v;
  } catch {
    // getconf missing: fall through
  }
  return 100;
}
