// CPU time of processes (Node's, a browser's renderer/content processes), from Linux's
// /proc/<pid>/task/<tid>/schedstat (ns on a CPU, per thread). The browser leg reads it around each
// timed block beside the wall time: on a machine shared with other jobs the wall time of a block
// includes the time its threads waited for a core, the CPU time does not, so the CPU-time ratio
// browser / Node stays readable under load. Elsewhere (no /proc) every reading is NaN.
import { readdirSync, readFileSync } from 'node:fs';

const read = (path: string): string | null => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
};

/** Every process's parent, from /proc/<pid>/stat (field 4, after the parenthesized name). */
function parents(): Map<number, number> {
  const m = new Map<number, number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return m;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const stat = read(`/proc/${e}/stat`);
    if (!stat) continue;
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    m.set(Number(e), ppid);
  }
  return m;
}

/** The direct children of `pid` now. */
export function childrenOf(pid: number): number[] {
  return [...parents()].filter(([, pp]) => pp === pid).map(([p]) => p);
}

/** `root` and all its descendants now. */
export function processTree(root: number): number[] {
  const kids = new Map<number, number[]>();
  for (const [p, pp] of parents()) (kids.get(pp) ?? kids.set(pp, []).get(pp)!).push(p);
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    const p = stack.pop()!;
    out.push(p);
    stack.push(...(kids.get(p) ?? []));
  }
  return out;
}

/** CPU time of every thread of these processes now, ns by "pid/tid" (empty without /proc). */
export type CpuSnapshot = Map<string, number>;

export function cpuSnapshot(pids: number[]): CpuSnapshot {
  const m: CpuSnapshot = new Map();
  for (const pid of pids) {
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const t of tasks) {
      const s = read(`/proc/${pid}/task/${t}/schedstat`);
      if (s) m.set(`${pid}/${t}`, Number(s.split(' ')[0]));
    }
  }
  return m;
}

/**
 * CPU ms the threads used between two snapshots, thread by thread: a thread that exited in between
 * (a worker of a trainer just closed) drops out instead of taking its past CPU time off the sum,
 * and one that started counts from 0. NaN when nothing could be read.
 */
export function cpuDeltaMs(before: CpuSnapshot, after: CpuSnapshot): number {
  if (!after.size) return NaN;
  let ns = 0;
  for (const [k, v] of after) ns += Math.max(0, v - (before.get(k) ?? 0));
  return ns / 1e6;
}

/**
 * The processes of a browser's tree that can host pages (Chromium: --type=renderer but not its own
 * UI's; Firefox: -isForBrowser content processes), so that the browser's own process and its
 * helpers, which serve the driver's messages, stay out of the page's CPU time. All of the tree when
 * none matches.
 */
export function pageProcesses(tree: number[]): number[] {
  const hosts = tree.filter((pid) => {
    // (Chromium rewrites its processes' titles: their arguments end up joined by spaces, not NULs)
    const cmd = read(`/proc/${pid}/cmdline`)?.split(/[\0 ]/) ?? [];
    return (cmd.includes('--type=renderer') && !cmd.includes('--top-chrome-webui')) || cmd.includes('-isForBrowser');
  });
  return hosts.length ? hosts : tree;
}
