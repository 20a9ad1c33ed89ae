// CPU accounting of the headless benchmark (scripts/cpu.mjs): /proc stat parsing, the process
// tree, and the delta over a measured window (started / exited processes, pid reuse).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cpuDelta, cpuMsPerFrame, descendants, parseStat, readProcs, sampleTree } from '../../scripts/cpu.mjs';

/** A /proc/<pid>/stat line with the fields the module reads (others are filler). */
function statLine(pid: number, comm: string, ppid: number, utime: number, stime: number, starttime: number): string {
  // fields: 1 pid, 2 (comm), 3 state, 4 ppid, 5..13 filler, 14 utime, 15 stime, 16..21 filler, 22 starttime, 23.. filler
  const f = [pid, `(${comm})`, 'S', ppid, 1, 1, 0, -1, 4194304, 100, 0, 0, 0, utime, stime, 0, 0, 20, 0, 8, 0, starttime, 1000, 200];
  return f.join(' ') + '\n';
}

describe('parseStat', () => {
  it('reads ppid, utime, stime, starttime after a command name with spaces and parentheses', () => {
    const s = parseStat(statLine(4242, 'chromium (gpu) x', 17, 1234, 56, 999));
    expect(s).toEqual({ pid: 4242, comm: 'chromium (gpu) x', ppid: 17, utime: 1234, stime: 56, starttime: 999 });
  });

  it('parses this process\'s own real stat line', () => {
    const s = readProcs().find((p) => p.pid === process.pid);
    expect(s).toBeDefined();
    expect(s!.ppid).toBe(process.ppid);
    expect(s!.utime + s!.stime).toBeGreaterThan(0);
  });

  it('throws on text that is not a stat line', () => {
    expect(() => parseStat('nonsense')).toThrow(/not a \/proc stat line/);
    expect(() => parseStat('12 (x) S 1')).toThrow(/field 14 missing/);
  });
});

describe('descendants', () => {
  it('collects the whole subtree of the root, not its siblings or parent', () => {
    const procs = [
      { pid: 1, ppid: 0 }, { pid: 10, ppid: 1 }, { pid: 11, ppid: 10 }, { pid: 12, ppid: 10 },
      { pid: 13, ppid: 12 }, { pid: 20, ppid: 1 }, { pid: 21, ppid: 20 },
    ];
    expect([...descendants(procs, 10)].sort((a, b) => a - b)).toEqual([10, 11, 12, 13]);
    expect([...descendants(procs, 21)]).toEqual([21]);
  });
});

describe('cpuDelta over a window', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  /** A fake /proc with the given stat lines. */
  function fakeProc(lines: string[]): string {
    const dir = mkdtempSync(join(tmpdir(), 'vcp-proc-'));
    dirs.push(dir);
    for (const line of lines) {
      const pid = line.split(' ')[0]!;
      mkdirSync(join(dir, pid));
      writeFileSync(join(dir, pid, 'stat'), line);
    }
    mkdirSync(join(dir, 'self')); // non-numeric entries are ignored
    return dir;
  }

  it('charges the tree: differences for survivors, all ticks for new processes, none for others', () => {
    const before = sampleTree(100, readProcs(fakeProc([
      statLine(100, 'chromium', 1, 500, 100, 10), // browser
      statLine(101, 'chromium', 100, 200, 50, 11), // gpu
      statLine(102, 'chromium', 100, 1000, 0, 12), // renderer
      statLine(103, 'chromium', 100, 7, 3, 13), // a utility process that will exit
      statLine(200, 'node', 1, 9999, 9999, 5), // not in the tree
    ])));
    const after = sampleTree(100, readProcs(fakeProc([
      statLine(100, 'chromium', 1, 520, 110, 10), // +30
      statLine(101, 'chromium', 100, 260, 60, 11), // +70
      statLine(102, 'chromium', 100, 1300, 0, 12), // +300
      statLine(104, 'chromium', 102, 40, 10, 50), // started in the window: +50
      statLine(200, 'node', 1, 20000, 20000, 5),
    ])));
    const d = cpuDelta(before, after, 100);
    expect(d.ms).toBe(4500); // 450 ticks at 100 Hz
    expect(d).toMatchObject({ processes: 4, started: 1, exited: 1 });
    expect(cpuMsPerFrame(d.ms, 150)).toBe(30);
  });

  it('treats a reused pid (different start time) as a new process', () => {
    const before = sampleTree(100, readProcs(fakeProc([statLine(100, 'chromium', 1, 10, 0, 10), statLine(101, 'chromium', 100, 900, 0, 11)])));
    const after = sampleTree(100, readProcs(fakeProc([statLine(100, 'chromium', 1, 10, 0, 10), statLine(101, 'chromium', 100, 5, 0, 80)])));
    const d = cpuDelta(before, after, 100);
    expect(d.ms).toBe(50); // the new 101 ran 5 ticks; the old one's 900 are not subtracted
    expect(d).toMatchObject({ started: 1, exited: 1 });
  });

  it('gives no per-frame figure without frames', () => {
    expect(cpuMsPerFrame(1000, 0)).toBeNull();
  });
});
