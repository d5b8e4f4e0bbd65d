// The feature model's run (toy.py) as a Task: the official numerical experiment and its variants.
import { ConfigError } from '../../config/resolve.js';
import { memoryProblem, traceProblem } from '../../engine/memory.js';
import type { MetricRow, NeuronTraces, RunResult, Summary, Task, TaskTrainer } from '../task.js';
import { correlation } from './contamination.js';
import type { ToyConfig } from './config.js';
import { createTrainer, resolveEngineSettings, type Trainer } from './trainer.js';
import { memoryPlan } from './memory.js';
import { AGG_METRICS, DERIVED_HELP, derivedRow, METRIC_COLUMNS, METRIC_HELP, type MetricsRow } from './metrics.js';
import { runFigureSpec } from './figures.js';
import { TOY_LIVE_PANELS } from './live.js';
import { describedRun, EXPLANATIONS } from './explain.js';
import { explanationText } from '../explain.js';
import type { ReportSection } from '../../report/html.js';

const f3 = (v: number) => v.toPrecision(3);

/** What a kind built on the feature model's Trainer replaces in the adapter (the theorem kind). */
export interface ToyTrainerOverrides {
  /** the config the run records (default: the Trainer's own) */
  config?: TaskTrainer['config'];
  evaluate?: TaskTrainer['evaluate'];
  /** kind-specific data for the figures */
  extra?: () => unknown;
  /** false: no summary fields (default: the gradient-along-û summary) */
  summaryFields?: false;
}

/** The trainer the run loop drives, over the feature model's Trainer. */
export function toyTaskTrainer(t: Trainer, o: ToyTrainerOverrides = {}): TaskTrainer {
  return {
    get config() {
      return o.config ?? t.config;
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
    evaluate:
      o.evaluate ??
      (() => {
        const { neurons, ...row } = t.evaluate();
        return { row, neurons };
      }),
    ...(o.summaryFields === false ? {} : { summaryFields: (traces: NeuronTraces) => gradientShiftSummary(traces) }),
    snapshot: () => t.snapshot(),
    restore: (s) => t.restore(s),
    parameters: () => t.parameters(),
    nonFiniteParameters: () => t.nonFiniteParameters(),
    ...(o.extra ? { extra: o.extra } : {}),
    dispose: () => t.dispose(),
  };
}

/** summary.json's `gradientShift`: the paper's mechanism, per neuron, over the whole run. */
export interface GradientShiftSummary {
  /** evaluations averaged over (every logged one, the initial state included) */
  evaluations: number;
  /** mean over neurons of each neuron's training-loss gradient along û, averaged over the evaluations */
  mean: number;
  /** fraction of neurons whose averaged gradient along û is positive (descent grows them towards the training background mean) */
  positiveShare: number;
  /** Pearson correlation over neurons of the averaged gradient along û with the averaged |asymmetry| */
  corrAbsAsymmetry: number;
  /** the same with the signed asymmetry */
  corrAsymmetry: number;
}

/**
 * Averages each neuron's signed background gradient along û (neurons.bgGradShift) and its
 * activation asymmetry over the run's evaluations, and correlates them across neurons. Empty for
 * kinds without the trace (padded MNIST shares this adapter).
 */
export function gradientShiftSummary(traces: NeuronTraces): { gradientShift?: GradientShiftSummary } {
  const g = traces.more?.bgGradShift;
  if (!g?.length || traces.asymmetry.length !== g.length) return {};
  const m = g[0].length;
  const gAvg = new Float64Array(m);
  const aAbs = new Float64Array(m);
  const aSigned = new Float64Array(m);
  for (let e = 0; e < g.length; e++)
    for (let k = 0; k < m; k++) {
      gAvg[k] += g[e][k];
      aAbs[k] += Math.abs(traces.asymmetry[e][k]);
      aSigned[k] += traces.asymmetry[e][k];
    }
  let sum = 0;
  let pos = 0;
  for (let k = 0; k < m; k++) {
    gAvg[k] /= g.length;
    aAbs[k] /= g.length;
    aSigned[k] /= g.length;
    sum += gAvg[k];
    if (gAvg[k] > 0) pos++;
  }
  return {
    gradientShift: {
      evaluations: g.length,
      mean: sum / m,
      positiveShare: pos / m,
      corrAbsAsymmetry: correlation(gAvg, aAbs),
      corrAsymmetry: correlation(gAvg, aSigned),
    },
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
      `loss train ${f3(i.trainLoss)} -> ${f3(f.trainLoss)}, ID test ${f3(i.idTestLoss)} -> ${f3(f.idTestLoss)}, OOD ${f3(i.oodLoss)} -> ${f3(f.oodLoss)} ` +
      `(gaps: generalization ${f3(f.idTestLoss - f.trainLoss)}, shift ${f3(f.oodLoss - f.idTestLoss)}) | ` +
      `bgShiftProj ${f3(i.bgShiftProj)} -> ${f3(f.bgShiftProj)}, bgNoiseProj ${f3(i.bgNoiseProj)} -> ${f3(f.bgNoiseProj)} (bgProj ${f3(i.bgProj)} -> ${f3(f.bgProj)}), coreProj ${f3(i.coreProj)} -> ${f3(f.coreProj)} | ` +
      `hash ${s.hash.slice(0, 12)}`
    );
  },
  progressText: (r: MetricRow) => `train ${f3(r.trainLoss)} ID ${f3(r.idTestLoss)} OOD ${f3(r.oodLoss)} bgShift ${f3(r.bgShiftProj)} bgNoise ${f3(r.bgNoiseProj)}`,
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
  sweepHeadline: [
    { label: 'shift gap (OOD − ID test loss)', metric: 'shiftGap' },
    { label: 'bgShiftProj growth', metric: 'bgShiftGrowth' },
    { label: 'bgNoiseProj growth', metric: 'bgNoiseGrowth' },
  ],
  livePanels: TOY_LIVE_PANELS,
  explanations: EXPLANATIONS,
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
    const c = result.config as ToyConfig;
    const metrics = METRIC_COLUMNS.filter((m) => m !== 'iteration');
    const f = s.final;
    const sections: ReportSection[] = [];
    const e = EXPLANATIONS[c.preset];
    const d = describedRun(c.preset, c.model.activation);
    if (e && d) sections.push({ id: 'explanation', title: `What the ${c.preset} run shows`, text: explanationText(e, d, s) });
    sections.push(
      {
        id: 'gaps',
        title: 'Train, ID test and OOD',
        text: 'The ID test set holds fresh points from the training distribution; the OOD set the training points with the background sign-flipped. The generalization gap (ID test − train) is what any held-out set shows; the shift gap (OOD − ID test) is what the background shift alone costs.',
        tables: [
          {
            columns: ['', 'train', 'ID test', 'OOD', 'generalization gap', 'shift gap'],
            rows: [
              ['final loss', f.trainLoss, f.idTestLoss, f.oodLoss, f.idTestLoss - f.trainLoss, f.oodLoss - f.idTestLoss],
              ['final accuracy', f.trainAcc, f.idTestAcc, f.oodAcc, f.trainAcc - f.idTestAcc, f.idTestAcc - f.oodAcc],
            ],
          },
        ],
      },
      {
        id: 'summary',
        title: 'Initial and final metrics',
        text: 'bgShiftProj (the first layer\'s weight along the shift direction û) growing is feature contamination; bgNoiseProj growing is memorization of background noise; bgProj, the paper\'s metric, is the norm of both.',
        tables: [{ columns: ['metric', 'initial', 'final', 'meaning'], rows: metrics.map((m) => [m, s.initial[m] ?? NaN, s.final[m] ?? NaN, METRIC_HELP[m]]) }],
      },
    );
    const g = (s as { gradientShift?: GradientShiftSummary }).gradientShift;
    if (g)
      sections.push({
        id: 'mechanism',
        title: 'The mechanism: gradient along û and activation asymmetry',
        text: `Each neuron's training-loss gradient along û, averaged over the ${g.evaluations} evaluations: mean over neurons ${f3(g.mean)}, positive for ${(100 * g.positiveShare).toFixed(1)}% of neurons (positive: descent grows the weight towards the training background mean). Its correlation across neurons with the neuron's mean |activation asymmetry| is ${f3(g.corrAbsAsymmetry)} (with the signed asymmetry ${f3(g.corrAsymmetry)}). Per-neuron traces: neurons.bgGradShift.npy, neurons.bgShift.npy, neurons.bgNoise.npy.`,
      });
    return sections;
  },
};
