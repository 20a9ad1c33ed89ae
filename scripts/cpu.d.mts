// Types for scripts/cpu.mjs (CPU time of a process tree from /proc), for the unit tests.
export interface ProcStat {
  pid: number;
  comm: string;
  ppid: number;
  utime: number;
  stime: number;
  starttime: number;
}
export interface TreeSample {
  pid: number;
  comm: string;
  ticks: number;
}
export function parseStat(text: string): ProcStat;
export function descendants(procs: Iterable<{ pid: number; ppid: number }>, root: number): Set<number>;
export function readProcs(procDir?: string): ProcStat[];
export function sampleTree(rootPid: number, procs?: ProcStat[]): Map<string, TreeSample>;
export function cpuDelta(
  before: Map<string, { ticks: number }>,
  after: Map<string, { ticks: number }>,
  ticksPerSecond: number,
): { ms: number; processes: number; started: number; exited: number };
export function cpuMsPerFrame(cpuMs: number, frames: number): number | null;
export function clockTicksPerSecond(): number;
