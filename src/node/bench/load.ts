// Kernel threads under a controlled background load: the bench's case steps on 1 thread and on all
// threads, timed in paired, alternating runs (1t then Nt, then Nt then 1t, ...) with and without a
// busy-loop child process that keeps one core busy. The median of the paired ratios holds up while
// other processes load the machine; the load average at each condition is recorded beside it.
import { spawn, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { CASES, median, stepsFor } from '../../bench/core.js';
import { createTrainer } from '../../tasks/toy/trainer.js';

export interface LoadCondition {
  case: string;
  condition: 'no added load' | 'one busy core';
  /** medians of the paired runs, ms per iteration */
  ms1: number;
  msN: number;
  /** median of the paired ratios msN / ms1 (< 1: the threads help) */
  ratio: number;
  ratios: number[];
  /** 1-minute load average when the condition ended */
  loadAverage: number;
}

export interface ThreadsUnderLoad {
  threads: number;
  pairs: number;
  conditions: LoadCondition[];
}

/** A child process spinning on one core until killed; resolves once it runs. */
export function startBusyCore(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', 'process.stdout.write("ready\\n"); for (;;) {}'], { stdio: ['ignore', 'pipe', 'ignore'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout!.once('data', () => resolve(child));
  });
}

/** Stops the busy child (this one process, by its handle) and waits for it to end. */
export function stopBusyCore(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

export async function threadsUnderLoad(o: { threads: number; pairs: number; cases?: string[]; log?: (s: string) => void }): Promise<ThreadsUnderLoad> {
  const log = o.log ?? (() => {});
  const ids = (o.cases ?? ['toy-default', 'toy-theory']).filter((id) => CASES.some((c) => c.id === id && !c.online));
  const conditions: LoadCondition[] = [];
  if (!ids.length) return { threads: o.threads, pairs: o.pairs, conditions };
  for (const condition of ['no added load', 'one busy core'] as const) {
    const busy = condition === 'one busy core' ? await startBusyCore() : null;
    try {
      for (const id of ids) {
        const c = CASES.find((x) => x.id === id)!;
        const t1 = await createTrainer({ preset: c.preset, set: c.set }, { threads: 1 });
        const tN = await createTrainer({ preset: c.preset, set: c.set }, { threads: o.threads });
        try {
          const steps = stepsFor(c, true);
          const time = (t: typeof t1) => {
            const s = performance.now();
            t.step(steps);
            return (performance.now() - s) / steps;
          };
          time(t1);
          time(tN);
          const a: number[] = [], b: number[] = [], ratios: number[] = [];
          for (let p = 0; p < o.pairs; p++) {
            // alternate which goes first, so a drift in load falls on both alike
            let x: number, y: number;
            if (p % 2 === 0) {
              x = time(t1);
              y = time(tN);
            } else {
              y = time(tN);
              x = time(t1);
            }
            a.push(x);
            b.push(y);
            ratios.push(y / x);
          }
          const row = { case: id, condition, ms1: median(a), msN: median(b), ratio: median(ratios), ratios, loadAverage: loadavg()[0] };
          conditions.push(row);
          log(`${id}, ${condition}: 1 thread ${row.ms1.toFixed(3)} ms, ${o.threads} threads ${row.msN.toFixed(3)} ms, paired ratio ${row.ratio.toFixed(2)} (load ${row.loadAverage.toFixed(1)})`);
        } finally {
          t1.dispose();
          tN.dispose();
        }
      }
    } finally {
      if (busy) await stopBusyCore(busy);
    }
  }
  return { threads: o.threads, pairs: o.pairs, conditions };
}
