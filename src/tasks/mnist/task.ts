// Padded MNIST as a Task: the analogue of the paper's CIFAR-10 border figure.
import { ConfigError } from '../../config/resolve.js';
import { memoryProblem, netMemoryPlan, traceProblem } from '../../engine/memory.js';
import type { MetricRow, RunResult, Summary, Task } from '../task.js';
import type { MnistRunConfig } from './config.js';
import { DIGIT_SIDE } from './data.js';
import { createMnistTrainer } from './trainer.js';
import { MNIST_DERIVED_HELP, MNIST_METRIC_HELP, MNIST_RUN_COLUMNS, MNIST_COLUMNS, type MnistRow } from './metrics.js';
import { BASE_AGG_METRICS, DERIVED_HELP, baseDerivedRow } from '../toy/metrics.js';
import { mnistRunFigureSpec, weightGridSpec } from './figures.js';
import { toyTaskTrainer, runTitle, denseCost } from '../toy/task.js';
import type { Trainer } from '../toy/trainer.js';
import { describedRunOf, explanationText } from '../explain.js';
import { MNIST_EXPLANATIONS } from './explain.js';

const f3 = (v: number | undefined) => (v ?? NaN).toPrecision(3);

/** What the weight images need: the padded side, the border and the initial first-layer weights. */
export interface MnistRunInfo {
  side: number;
  borderWidth: number;
  /** first-layer weights at initialisation, [hidden x side^2] */
  initialWeights: Float32Array;
}

const MNIST_AGG: readonly string[] = [...BASE_AGG_METRICS, ...MNIST_COLUMNS, 'accDrop'];

const trend = (a: number, b: number) => (b > a ? 'grows' : b < a ? 'shrinks' : 'stays');

/** What this run's numbers show, computed from them (so it is true of the run it is shown with). */
export function mnistSummaryText(c: MnistRunConfig, i: MnistRow, f: MnistRow): string {
  const ood = c.mnist.oodIntensity === 0 ? 'the ID test digits with the border removed' : `the ID test digits with the border at intensity ${c.mnist.oodIntensity}`;
  return (
    'The border is the same for every digit and every class, so it is uncorrelated with the label: weight that the first layer keeps on it is what the OOD border moves. ' +
    `The OOD set holds ${ood}. In this run bgEnergy (the border's share of the first layer's weight energy) ${trend(i.bgEnergy, f.bgEnergy)} from ${f3(i.bgEnergy)} to ${f3(f.bgEnergy)}, ` +
    `bgProj ${trend(i.bgProj, f.bgProj)} from ${f3(i.bgProj)} to ${f3(f.bgProj)}, and the border holds ${f3(f.bgShareLearned)} of the energy of the learned change W − W0; ` +
    `accuracy: ID test ${f3(f.idTestAcc)}, OOD ${f3(f.oodAcc)} (drop ${f3(f.idTestAcc - f.oodAcc)}).`
  );
}

export const mnistTask: Task<MnistRunConfig> = {
  kind: 'mnist',
  title: 'MNIST digits with a border that is the same for every class; OOD: another border',
  columns: () => MNIST_RUN_COLUMNS,
  metricHelp: () => MNIST_METRIC_HELP,
  lossColumns: ['trainLoss', 'oodLoss'],
  importable: false,
  resolve: (c) => c,
  memoryProblem(c) {
    const side = DIGIT_SIDE + 2 * c.mnist.borderWidth;
    const C = c.mnist.task === 'ten' ? 10 : 1;
    const sizes = [side * side, ...new Array<number>(c.model.layers - 1).fill(c.model.hidden), C];
    const rows = [
      { name: 'training digits', rows: c.data.n },
      { name: 'ID test digits', rows: c.mnist.testN },
      { name: 'OOD test digits', rows: c.mnist.testN },
    ];
    return (
      memoryProblem(netMemoryPlan({ sizes, datasets: rows, batchSize: c.train.batchSize })) ??
      traceProblem({ iterations: c.train.iterations, evalEvery: c.train.evalEvery, neurons: c.model.hidden })
    );
  },
  async createTrainer(c, ctx) {
    if (ctx.imported) throw new ConfigError(`--import-npy is not valid with preset ${JSON.stringify(c.preset)}: expected generated data (the digits come from the shipped MNIST file)`);
    const d = ctx.digits;
    if (!d) throw new ConfigError(`preset ${JSON.stringify(c.preset)} needs the MNIST digits: pass options.digits (loadMnistDigits from fclab/node; the web demo fetches them)`);
    const t = await createMnistTrainer(c, { digits: typeof d === 'function' ? await d() : d, build: ctx.build, threads: ctx.threads });
    const info: MnistRunInfo = { side: t.data.side, borderWidth: c.mnist.borderWidth, initialWeights: t.initialWeights() };
    return toyTaskTrainer(t as unknown as Trainer, { extra: () => info });
  },
  summaryLine(s: Summary) {
    const c = s.config as MnistRunConfig;
    const i = s.initial as MnistRow;
    const f = s.final as MnistRow;
    return (
      `${s.preset} (${c.model.activation}, ${c.train.loss}, ${c.train.optimizer}) seed ${s.seed}: ` +
      `${s.iterations} it in ${s.timing.wallSeconds.toFixed(1)} s (${s.timing.msPerIter.toFixed(2)} ms/it) | ` +
      `train acc ${f3(f.trainAcc)}, ID test acc ${f3(f.idTestAcc)}, OOD acc ${f3(f.oodAcc)} | ` +
      `bgEnergy ${f3(i.bgEnergy)} -> ${f3(f.bgEnergy)}, learned share on border ${f3(f.bgShareLearned)} | ` +
      `hash ${s.hash.slice(0, 12)}`
    );
  },
  progressText: (r: MetricRow) => `train acc ${f3(r.trainAcc)} ID ${f3(r.idTestAcc)} OOD ${f3(r.oodAcc)}`,
  aggregate: {
    metrics: () => MNIST_AGG,
    derived(row, first) {
      const r = row as MnistRow;
      const out: Record<string, number> = baseDerivedRow(r, first as MnistRow);
      for (const c of MNIST_COLUMNS) out[c] = r[c];
      out.accDrop = r.idTestAcc - r.oodAcc;
      return out;
    },
    help: { ...MNIST_METRIC_HELP, ...DERIVED_HELP, ...MNIST_DERIVED_HELP },
  },
  cost(c) {
    const side = DIGIT_SIDE + 2 * c.mnist.borderWidth;
    return denseCost(c.train.batchSize || c.data.n, side * side, c.model, c.train, c.data.n + c.mnist.testN, c.mnist.task === 'ten' ? 10 : 1);
  },
  sweepHeadline: [
    { label: 'ID test acc', metric: 'idTestAcc' },
    { label: 'OOD acc', metric: 'oodAcc' },
    { label: 'bgShareLearned', metric: 'bgShareLearned' },
  ],
  explanations: MNIST_EXPLANATIONS,
  livePanels: [
    {
      title: 'Accuracy',
      series: [
        { name: 'Train', color: '#1f77b4', column: 'trainAcc' },
        { name: 'ID test', color: '#2ca02c', column: 'idTestAcc' },
        { name: 'OOD (border removed)', color: '#ff7f0e', column: 'oodAcc' },
      ],
    },
    {
      title: 'First-layer weights on the border',
      series: [
        { name: 'bgEnergy (weights)', color: '#d62728', column: 'bgEnergy' },
        { name: 'bgShareLearned (W − W0)', color: '#9467bd', column: 'bgShareLearned' },
      ],
    },
  ],
  figures(result: RunResult) {
    const c = result.config as MnistRunConfig;
    const title = runTitle(c);
    const m = result.extra as MnistRunInfo | undefined;
    const figures = [
      {
        name: 'run',
        title: 'Training curves',
        spec: mnistRunFigureSpec(result.metrics as unknown as MnistRow[], { title, oodLabel: c.mnist.oodIntensity === 0 ? 'OOD (border removed)' : `OOD (border at ${c.mnist.oodIntensity})` }),
        caption: "Accuracies, and the border's share of the first layer's weight energy (of the weights, and of their change since initialisation).",
      },
    ];
    if (!m) return figures;
    const W = result.parameters[0];
    const grid = weightGridSpec({
      title: { text: `${title}: first-layer weights`, subtitle: `first 16 neurons, ${m.side}x${m.side} (border ${m.borderWidth} px), each scaled to its own max |w|; red > 0 > blue` },
      side: m.side,
      panels: [
        { title: `Weights after ${result.summary.iterations} iterations`, weights: W.data },
        { title: 'Learned change W - W0', weights: W.data.map((v, i) => v - m.initialWeights[i]) },
      ],
    });
    return [
      ...figures,
      {
        name: 'weights',
        title: 'First-layer weights as images',
        spec: grid,
        // one rect per weight (tens of thousands): the report embeds the PNG
        embedPng: true,
        caption: "The first 16 neurons' weights reshaped to the padded image, and their change since initialisation; a uniform frame is the learned border.",
      },
    ];
  },
  reportSections(result: RunResult) {
    const s = result.summary;
    const metrics = MNIST_RUN_COLUMNS.filter((m) => m !== 'iteration');
    const c = result.config as MnistRunConfig;
    const e = MNIST_EXPLANATIONS[c.preset];
    const d = describedRunOf(e, c.model.activation);
    return [
      ...(e && d ? [{ id: 'explanation', title: `What the ${c.preset} run shows`, text: explanationText(e, d, s) }] : []),
      {
        id: 'summary',
        title: 'Initial and final metrics',
        text: mnistSummaryText(result.config as MnistRunConfig, s.initial as MnistRow, s.final as MnistRow),
        tables: [{ columns: ['metric', 'initial', 'final', 'meaning'], rows: metrics.map((m) => [m, s.initial[m] ?? NaN, s.final[m] ?? NaN, MNIST_METRIC_HELP[m]]) }],
      },
    ];
  },
};
