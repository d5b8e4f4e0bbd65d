// The bench's activation leg (issue 19): toy-default for every activation of the paper's comparison,
// fclab's `run` (all threads, evaluation every 500) against PyTorch on 1 thread, in one process
// run, paired and alternating: each round times every activation's fclab run and then its PyTorch
// steps, the order reversed every other round, so that machine noise hits the pairs alike. The
// figures are medians over rounds of each time and of each paired ratio.
import { runExperiment } from '../../run/loop.js';
import { createTrainer } from '../../tasks/toy/trainer.js';
import { median, type BenchCase } from '../../bench/core.js';
import { dumpStart, timePytorch } from './peer-pytorch.js';

export const BENCH_ACTIVATIONS = ['relu', 'sigmoid', 'tanh', 'gelu'] as const;
export type BenchActivation = (typeof BENCH_ACTIVATIONS)[number];

export interface ActivationRow {
  activation: BenchActivation;
  /** fclab `run` training ms per iteration, median over rounds, and every round's */
  fclabMs: number;
  fclabSamples: number[];
  /** PyTorch 1-thread ms per step (null: PyTorch not available) */
  pytorchMs: number | null;
  pytorchSamples: number[];
  /** medians of the per-round ratios: fclab / fclab's ReLU of the same round; fclab / PyTorch */
  vsRelu: number;
  vsPytorch: number | null;
}

export interface ActivationLeg {
  iterations: number;
  evalEvery: number;
  rounds: number;
  threads: number;
  torch: string | null;
  rows: ActivationRow[];
}

const caseOf = (activation: BenchActivation): BenchCase => ({
  id: `toy-default-${activation}`,
  title: `toy-default, ${activation}`,
  preset: 'toy-default',
  set: { 'model.activation': activation },
  batch: 1000,
  online: false,
});

/** Paired, alternating rounds; `torch` false skips PyTorch. */
/** pytorchSteps: PyTorch's timed steps per round (default: iterations; its step time does not depend on the run's length). */
export async function activationLeg(o: { iterations: number; evalEvery: number; rounds: number; threads: number; torch: string | null; pytorchSteps?: number; log: (s: string) => void }): Promise<ActivationLeg> {
  const fcl: Record<string, number[]> = {}, pt: Record<string, number[]> = {};
  const starts = new Map<BenchActivation, { dir: string; cleanup: () => void; start: Awaited<ReturnType<typeof startOf>> }>();
  try {
    for (const a of BENCH_ACTIVATIONS) {
      fcl[a] = [];
      pt[a] = [];
      if (o.torch) {
        const start = await startOf(caseOf(a));
        starts.set(a, { ...dumpStart(start), start });
      }
    }
    for (let r = 0; r < o.rounds; r++) {
      const order = r % 2 ? [...BENCH_ACTIVATIONS].reverse() : [...BENCH_ACTIVATIONS];
      for (const a of order) {
        const res = await runExperiment({
          preset: 'toy-default',
          set: { 'model.activation': a, 'train.iterations': o.iterations, 'train.evalEvery': o.evalEvery },
          threads: o.threads,
        });
        fcl[a].push(res.summary.timing.msPerIter);
        let line = `round ${r + 1} ${a}: fclab ${res.summary.timing.msPerIter.toFixed(3)} ms`;
        const s = starts.get(a);
        if (s) {
          const t = await timePytorch(caseOf(a), s.start, s.dir, 1, 0, 1, o.pytorchSteps ?? o.iterations);
          pt[a].push(t.ms);
          line += `, pytorch-1t ${t.ms.toFixed(3)} ms`;
        }
        o.log(line);
      }
    }
  } finally {
    for (const s of starts.values()) s.cleanup();
  }
  const rows = BENCH_ACTIVATIONS.map((a): ActivationRow => ({
    activation: a,
    fclabMs: median(fcl[a]),
    fclabSamples: fcl[a],
    pytorchMs: pt[a].length ? median(pt[a]) : null,
    pytorchSamples: pt[a],
    vsRelu: median(fcl[a].map((x, i) => x / fcl.relu[i])),
    vsPytorch: pt[a].length ? median(fcl[a].map((x, i) => x / pt[a][i])) : null,
  }));
  return { iterations: o.iterations, evalEvery: o.evalEvery, rounds: o.rounds, threads: o.threads, torch: o.torch, rows };
}

async function startOf(c: BenchCase) {
  const t = await createTrainer({ preset: c.preset, set: c.set });
  const d = t.dataset();
  const start = { config: t.config, params: t.parameters(), trainX: d.trainX, y: d.y, transform: d.transform, n: d.n, inputDim: d.inputDim, featDim: d.featDim };
  t.dispose();
  return start;
}

const fmt = (x: number | null, d = 2) => (x === null ? 'n/a' : x.toFixed(d));

/** The leg's table for the terminal report. */
export function formatActivationLeg(l: ActivationLeg): string[] {
  const L = [`activations: toy-default, ${l.iterations} iterations, evaluation every ${l.evalEvery}; fclab run on ${l.threads} threads vs PyTorch${l.torch ? ` ${l.torch}` : ''} on 1 thread; medians of ${l.rounds} paired, alternating rounds`];
  L.push(`  ${'activation'.padEnd(10)} ${'fclab ms'.padStart(9)} ${'PyTorch ms'.padStart(11)} ${'x ReLU'.padStart(7)} ${'x PyTorch'.padStart(10)}`);
  for (const r of l.rows) L.push(`  ${r.activation.padEnd(10)} ${fmt(r.fclabMs, 3).padStart(9)} ${fmt(r.pytorchMs, 3).padStart(11)} ${fmt(r.vsRelu).padStart(7)} ${fmt(r.vsPytorch).padStart(10)}`);
  return L;
}
