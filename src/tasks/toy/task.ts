// The feature model's run (toy.py) as a Task: the official numerical experiment and its variants.
import { ConfigError } from '../../config/resolve.js';
import { memoryProblem, traceProblem } from '../../engine/memory.js';
import type { MetricRow, RunResult, Summary, Task, TaskTrainer } from '../task.js';
import type { ToyConfig } from './config.js';
import { createTrainer, resolveEngineSettings, type Trainer } from './trainer.js';
import { memoryPlan } from './memory.js';
import { AGG_METRICS, DERIVED_HELP, derivedRow, METRIC_COLUMNS, METRIC_HELP, type MetricsRow } from './metrics.js';
import { runFigureSpec } from './figures.js';
import { TOY_LIVE_PANELS } from './live.js';

const f3 = (v: number) => v.toPrecision(3);

/** The trainer the run loop drives, over the feature model's Trainer. */
export function toyTaskTrainer(t: Trainer, extra?: () => unknown): TaskTrainer {
  return {
    get config() {
      return t.config;
    },
    get iteration() {
      return t.iteration;
    },
    get simd() {
      return t.simd;
    },
    get threads() {
      return t.threads;
    },
    get build() {
      return t.build;
    },
    step: (k) => t.step(k),
    evaluate: () => {
      const { neurons, ...row } = t.evaluate();
      return { row, neurons };
    },
    snapshot: () => t.snapshot(),
    restore: (s) => t.restore(s),
    parameters: () => t.parameters(),
    nonFiniteParameters: () => t.nonFiniteParameters(),
    ...(extra ? { extra } : {}),
    dispose: () => t.dispose(),
  };
}

/** Updates × rows × the weights touched per row, times a factor for activations whose kernels cost more (measured). */
export function denseCost(
  rows: number,
  inDim: number,
  model: { hidden: number; layers: number; activation: string },
  train: { iterations: number; evalEvery: number },
  evalRows: number,
  outputs = 1,
): number {
  const m = model.hidden;
  const perRow = m * inDim + m * m * (model.layers - 2) + m * outputs;
  const act = ({ relu: 1, leakyrelu: 1, identity: 1, sigmoid: 1.7, tanh: 2.4, gelu: 4.5 } as Record<string, number>)[model.activation] ?? 1;
  // evaluation: forward passes on train and OOD sets every evalEvery updates
  const evals = train.iterations / train.evalEvery + 1;
  return (train.iterations * rows * 3 + evals * 2 * evalRows) * perRow * act + 1;
}

export function runTitle(c: { preset: string; model: { activation: string }; train: { optimizer: string; loss?: string } }): string {
  return `${c.preset}: ${c.model.activation}, ${c.train.loss ?? 'mse'}, ${c.train.optimizer}`;
}

export const toyTask: Task<ToyConfig> = {
  kind: 'toy',
  title: 'the feature model of toy.py: core and background features embedded by V, one network, train and OOD sets',
  columns: () => METRIC_COLUMNS,
  metricHelp: () => METRIC_HELP,
  lossColumns: ['trainLoss', 'oodLoss'],
  importable: true,
  resolve: (c, { imported }) => resolveEngineSettings(c, imported),
  memoryProblem(c, { imported }) {
    const r = resolveEngineSettings(c, imported);
    return (
      memoryProblem(memoryPlan(r, { imported, factored: r.engine.factorInput })) ??
      traceProblem({ iterations: c.train.iterations, evalEvery: c.train.evalEvery, neurons: c.model.hidden })
    );
  },
  async createTrainer(c, ctx) {
    if (ctx.imported && c.engine.factorInput === true)
      throw new ConfigError('engine.factorInput = true is not valid with imported data: expected false or "auto"');
    return toyTaskTrainer(await createTrainer(c, { imported: ctx.imported, build: ctx.build, threads: ctx.threads }));
  },
  summaryLine(s: Summary) {
    const c = s.config as ToyConfig;
    const i = s.initial as MetricsRow;
    const f = s.final as MetricsRow;
    return (
      `${s.preset} (${c.model.activation}, ${c.train.loss}, ${c.train.optimizer}) seed ${s.seed}: ` +
      `${s.iterations} it in ${s.timing.wallSeconds.toFixed(1)} s (${s.timing.msPerIter.toFixed(2)} ms/it) | ` +
      `train loss ${f3(i.trainLoss)} -> ${f3(f.trainLoss)}, OOD loss ${f3(i.oodLoss)} -> ${f3(f.oodLoss)} | ` +
      `bgProj ${f3(i.bgProj)} -> ${f3(f.bgProj)}, coreProj ${f3(i.coreProj)} -> ${f3(f.coreProj)} | ` +
      `hash ${s.hash.slice(0, 12)}`
    );
  },
  progressText: (r: MetricRow) => `train ${f3(r.trainLoss)} OOD ${f3(r.oodLoss)} bgProj ${f3(r.bgProj)}`,
  aggregate: {
    metrics: () => AGG_METRICS,
    derived: (row, first) => derivedRow(row as MetricsRow, first as MetricsRow),
    help: { ...METRIC_HELP, ...DERIVED_HELP },
  },
  cost(c) {
    const rows = c.train.batchSize || c.data.n;
    const inDim = c.data.coreDim + c.data.bgDim;
    return denseCost(rows, inDim, c.model, c.train, c.data.n);
  },
  livePanels: TOY_LIVE_PANELS,
  figures(result: RunResult) {
    return [
      {
        name: 'run',
        title: 'Training curves',
        spec: runFigureSpec(result.metrics as MetricsRow[], { title: runTitle(result.config as ToyConfig) }),
        caption: 'Losses, and the mean projection of first-layer weights on the core and background features.',
      },
    ];
  },
  reportSections(result: RunResult) {
    const s = result.summary;
    const metrics = METRIC_COLUMNS.filter((m) => m !== 'iteration');
    return [
      {
        id: 'summary',
        title: 'Initial and final metrics',
        text: 'bgProj growing (the first layer learning the background, which is independent of the label) is feature contamination; oodLoss is measured with the background sign-flipped and the same core features.',
        tables: [{ columns: ['metric', 'initial', 'final', 'meaning'], rows: metrics.map((m) => [m, s.initial[m] ?? NaN, s.final[m] ?? NaN, METRIC_HELP[m]]) }],
      },
    ];
  },
};
