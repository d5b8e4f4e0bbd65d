// Kernel threads under a controlled background load: the bench's case steps on 1 thread, on all
// threads and with threads: 'auto', timed in rounds whose order rotates (1t Nt auto, Nt auto 1t,
// auto 1t Nt, ...), with and without a busy-loop child process that keeps one core busy. The medians
// of the per-round ratios hold up while other processes load the machine; the load average at each
// condition is recorded beside it. The cases include the online batch-32 steps (issue 18: steps of
// 32 rows now run on all threads).
import { spawn, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { CASES, median, stepsFor } from '../../bench/core.js';
import { createTrainer } from '../../tasks/toy/trainer.js';
import type { Engine } from '../../engine/wasm.js';

export interface LoadCondition {
  case: string;
  condition: 'no added load' | 'one busy core';
  /** medians of the paired runs, ms per iteration */
  ms1: number;
  msN: number;
  /** median of the paired ratios msN / ms1 (< 1: the threads help) */
  ratio: number;
  ratios: number[];
  /** threads: 'auto': median ms and the median of its paired ratios to 1 thread (the goal: <= 1.05) */
  msAuto: number;
  ratioAuto: number;
  ratiosAuto: number[];
  /** what auto chose at its checks (1 or the pool) */
  autoChoices: number[];
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
  const ids = (o.cases ?? ['toy-default', 'toy-theory', 'online-b32']).filter((id) => CASES.some((c) => c.id === id && (!c.online || c.batch >= 32)));
  const conditions: LoadCondition[] = [];
  if (!ids.length) return { threads: o.threads, pairs: o.pairs, conditions };
  for (const condition of ['no added load', 'one busy core'] as const) {
    const busy = condition === 'one busy core' ? await startBusyCore() : null;
    try {
      for (const id of ids) {
        const c = CASES.find((x) => x.id === id)!;
        const trainers = [
          await createTrainer({ preset: c.preset, set: c.set }, { threads: 1 }),
          await createTrainer({ preset: c.preset, set: c.set }, { threads: o.threads }),
          await createTrainer({ preset: c.preset, set: c.set }, { threads: 'auto' }),
        ];
        try {
          const steps = stepsFor(c, true);
          const time = (t: (typeof trainers)[number]) => {
            const s = performance.now();
            t.step(steps);
            return (performance.now() - s) / steps;
          };
          // steps of 32 rows split as well (a fixed count keeps them inline; this shows whether splitting pays)
          (trainers[1] as unknown as { engine: Engine }).engine.kernels.parSetMinRows(32);
          trainers.forEach(time);
          const ms: number[][] = [[], [], []];
          const ratios: number[] = [], ratiosAuto: number[] = [];
          for (let p = 0; p < o.pairs; p++) {
            // rotate which goes first, so a drift in load falls on all alike
            const round: number[] = [];
            for (let j = 0; j < 3; j++) {
              const v = (p + j) % 3;
              round[v] = time(trainers[v]);
            }
            round.forEach((x, v) => ms[v].push(x));
            ratios.push(round[1] / round[0]);
            ratiosAuto.push(round[2] / round[0]);
          }
          const auto = (trainers[2] as unknown as { engine: Engine }).engine.auto;
          const row: LoadCondition = {
            case: id, condition, ms1: median(ms[0]), msN: median(ms[1]), ratio: median(ratios), ratios,
            msAuto: median(ms[2]), ratioAuto: median(ratiosAuto), ratiosAuto, autoChoices: auto ? auto.decisions.map((d) => d.threads) : [1],
            loadAverage: loadavg()[0],
          };
          conditions.push(row);
          log(`${id}, ${condition}: 1 thread ${row.ms1.toFixed(3)} ms, ${o.threads} threads ${row.msN.toFixed(3)} ms (ratio ${row.ratio.toFixed(2)}), ` +
            `auto ${row.msAuto.toFixed(3)} ms (ratio ${row.ratioAuto.toFixed(2)}; chose ${summarizeChoices(row.autoChoices)}) (load ${row.loadAverage.toFixed(1)})`);
        } finally {
          trainers.forEach((t) => t.dispose());
        }
      }
    } finally {
      if (busy) await stopBusyCore(busy);
    }
  }
  return { threads: o.threads, pairs: o.pairs, conditions };
}

/** "2 (x5), 1 (x2)": auto's choices at its checks. */
export function summarizeChoices(choices: number[]): string {
  const counts = new Map<number, number>();
  for (const c of choices) counts.set(c, (counts.get(c) ?? 0) + 1);
  return [...counts].map(([t, n]) => `${t} (x${n})`).join(', ') || 'none';
}
