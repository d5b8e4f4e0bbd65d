// The theorems' setting as a Task: the feature model's trainer configured as Definition 1 (uniform
// core, U(0,1) background, OOD background in [-1,0], no biases, Gaussian init, fixed ±1/m output,
// online hinge SGD), with the theorems' quantities as its metrics.
import { memoryProblem } from '../../engine/memory.js';
import type { MetricRow, NeuronStats, RunFile, RunResult, Summary, Task, TaskTrainer } from '../task.js';
import type { ToyConfig } from '../toy/config.js';
import { createTrainer, type Trainer } from '../toy/trainer.js';
import { memoryPlan } from '../toy/memory.js';
import { denseCost, toyTaskTrainer } from '../toy/task.js';
import type { TheoremConfig } from './config.js';
import { backgroundDrift, THEOREM_COLUMNS, THEOREM_METRIC_HELP, theoremStats, timeScales, type TheoremRow } from './metrics.js';
import { theoremRunFigureSpec } from './figures.js';

const f3 = (v: number) => (Number.isFinite(v) ? v.toPrecision(3) : String(v));

/** The feature-model config that trains the theorem's network (its hash is that of this config). */
export function toyConfigOf(c: TheoremConfig): ToyConfig {
  return {
    // a toy config names a toy preset; the label does not enter the results
    preset: 'toy-theory',
    task: 'toy',
    seed: c.seed,
    // the fixed ID and OOD evaluation sets are the feature model's training and OOD sets (online
    // steps never see them); its own ID test set is not used here, so it is the smallest allowed
    data: { n: c.data.testN, core: 'uniform', coreDim: c.data.coreDim, bgDim: c.data.bgDim, inputDim: c.data.inputDim, bgMean: 0.5, testN: 2 },
    model: { layers: 2, hidden: c.model.hidden, activation: c.model.activation, bias: false, freezeOutput: true, init: 'gaussian' },
    train: {
      iterations: c.train.iterations,
      optimizer: 'sgd',
      loss: 'hinge',
      lr: c.train.lr,
      weightDecay: c.train.weightDecay,
      momentum: 0,
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      batchSize: c.train.batchSize,
      online: true,
      evalEvery: c.train.evalEvery,
      checkpointEvery: c.train.checkpointEvery,
    },
    engine: { factorInput: 'auto', featureCoords: 'auto' },
  };
}

/** Per-neuron values at the last evaluation, for the S_bg-against-S_core figure. */
export interface TheoremNeurons {
  sCore: Float64Array;
  sBg: Float64Array;
  asymmetric: Uint8Array;
  drift: Float64Array;
}

/** The feature model's trainer with the theorems' quantities as its metrics. */
function theoremTrainer(c: TheoremConfig, t: Trainer): TaskTrainer {
  const d = t.featureData();
  const Z = { trainZ: d.trainZ, y: d.y, n: d.n };
  let last: TheoremNeurons | null = null;
  const evaluate = (): { row: MetricRow; neurons: NeuronStats } => {
    const { neurons, ...base } = t.evaluate();
    const { coreDim, bgDim, inputDim } = c.data;
    const m = c.model.hidden;
    // the gradient on the ID set leaves its activations in place for the firing statistics
    const drift = backgroundDrift(t.featureGradient(), m, coreDim, bgDim);
    const A = t.hiddenActivations();
    const threshold = c.model.activation === 'sigmoid' ? 0.5 : 0;
    const st = theoremStats(t.featureWeights(), m, coreDim, bgDim, A, threshold, Z.trainZ, Z.y, Z.n, c.theorem.epsilon, inputDim);
    last = { sCore: st.sCore, sBg: st.sBg, asymmetric: st.asymmetric, drift: drift.perNeuron };
    const row: TheoremRow = {
      iteration: base.iteration,
      idRisk: base.trainLoss,
      oodRisk: base.oodLoss,
      idError: 1 - base.trainAcc,
      oodError: 1 - base.oodAcc,
      coreProj: base.coreProj,
      bgProj: base.bgProj,
      ...st.row,
      eq7Measured: drift.mean,
    };
    return { row, neurons };
  };
  return toyTaskTrainer(t, { config: c, evaluate, extra: () => last ?? undefined, summaryFields: false });
}

export const theoremTask: Task<TheoremConfig> = {
  kind: 'theorem',
  title: "the theorems' setting (Definition 1): orthonormal features, Gaussian init, no biases, fixed ±1/m output, online hinge SGD",
  columns: () => THEOREM_COLUMNS,
  metricHelp: () => THEOREM_METRIC_HELP,
  lossColumns: ['idRisk', 'oodRisk'],
  importable: false,
  resolve: (c) => c,
  memoryProblem(c) {
    const t = toyConfigOf(c);
    return memoryProblem(memoryPlan(t, { imported: false, factored: true }));
  },
  async createTrainer(c, ctx) {
    const t = await createTrainer(toyConfigOf(c), { build: ctx.build, threads: ctx.threads });
    return theoremTrainer(c, t);
  },
  summaryLine(s: Summary) {
    const c = s.config as TheoremConfig;
    const f = s.final as unknown as TheoremRow;
    const t = s.times as { t0: number | null; t1: number | null };
    return (
      `${s.preset} (${c.model.activation}, m ${c.model.hidden}, d ${c.data.inputDim}, d0 ${c.data.coreDim}+${c.data.bgDim}, η ${c.train.lr}) seed ${s.seed}: ` +
      `${s.iterations} steps in ${s.timing.wallSeconds.toFixed(1)} s | ID error ${f3(f.idError)}, OOD error ${f3(f.oodError)} | ` +
      `asymmetric ${f3(f.asymFraction)}, S_core ${f3(f.sCore)}, S_bg ${f3(f.sBg)} | T0 ${t.t0 ?? '-'}, T1 ${t.t1 ?? '-'} | √d·max|⟨w,m_bg⟩| ${f3(f.bgMaxScaled)} | hash ${s.hash.slice(0, 12)}`
    );
  },
  summarize: (rows) => ({ times: timeScales(rows) }),
  progressText: (r: MetricRow) => `asym ${f3(r.asymFraction)} S_bg ${f3(r.sBgAll)} ID err ${f3(r.idError)} OOD err ${f3(r.oodError)}`,
  aggregate: {
    metrics: () => THEOREM_COLUMNS.filter((c) => c !== 'iteration'),
    derived: (row) => Object.fromEntries(THEOREM_COLUMNS.filter((c) => c !== 'iteration').map((c) => [c, row[c]])),
    help: THEOREM_METRIC_HELP,
  },
  cost: (c) => denseCost(c.train.batchSize, c.data.coreDim + c.data.bgDim, { hidden: c.model.hidden, layers: 2, activation: c.model.activation }, c.train, c.data.testN),
  sweepHeadline: [
    { label: 'asymmetric fraction', metric: 'asymFraction' },
    { label: 'S_bg (asymmetric neurons)', metric: 'sBg' },
    { label: 'OOD error', metric: 'oodError' },
  ],
  livePanels: [
    { title: 'Theorem 1: asymmetric neurons', series: [{ name: 'asymmetric fraction', color: '#0072b2', column: 'asymFraction' }] },
    {
      title: 'Theorem 2: S_core and S_bg',
      series: [
        { name: 'S_core', color: '#0072b2', column: 'sCoreAll' },
        { name: 'S_bg', color: '#d55e00', column: 'sBgAll' },
      ],
    },
    {
      title: 'Theorem 3: 0-1 risk',
      series: [
        { name: 'ID', color: '#009e73', column: 'idError' },
        { name: 'OOD', color: '#d55e00', column: 'oodError' },
      ],
    },
  ],
  figures(result: RunResult) {
    const c = result.config as TheoremConfig;
    return [
      {
        name: 'run',
        title: 'The theorems over training',
        spec: theoremRunFigureSpec(result.metrics as unknown as TheoremRow[], `${c.preset}: ${c.model.activation}, m ${c.model.hidden}, d ${c.data.inputDim}, η ${c.train.lr}, seed ${c.seed}`),
        caption: 'Fraction of asymmetric neurons (Theorem 1); S_core and S_bg averaged over all neurons (Theorem 2); ID and OOD 0-1 risk (Theorem 3); √d·max|⟨w_k, m_j⟩| over background features (Theorem 4).',
      },
    ];
  },
  // per-neuron values at the last evaluation (theorem.sCore.npy, ...): what reproduce's S_bg-against-S_core figure reads
  files(result: RunResult): RunFile[] {
    const x = result.extra as TheoremNeurons | undefined;
    if (!x) return [];
    const m = x.sCore.length;
    return [
      { name: 'theorem.sCore', data: x.sCore, shape: [m] },
      { name: 'theorem.sBg', data: x.sBg, shape: [m] },
      { name: 'theorem.asymmetric', data: Float64Array.from(x.asymmetric), shape: [m] },
      { name: 'theorem.drift', data: x.drift, shape: [m] },
    ];
  },
  reportSections(result: RunResult) {
    const s = result.summary;
    const t = s.times as { t0: number | null; t1: number | null };
    return [
      {
        id: 'summary',
        title: 'Initial and final metrics',
        text: `T0 (half the neurons asymmetric): ${t.t0 ?? 'not reached'}; T1 (S_bg at half its plateau): ${t.t1 ?? 'not reached'}.`,
        tables: [
          {
            columns: ['metric', 'initial', 'final', 'meaning'],
            rows: THEOREM_COLUMNS.filter((m) => m !== 'iteration').map((m) => [m, s.initial[m] ?? NaN, s.final[m] ?? NaN, THEOREM_METRIC_HELP[m]]),
          },
        ],
      },
    ];
  },
};
