// The logged metrics: one row per evaluation. `iteration` counts updates applied, so row 0
// is the initial state. The column order is the CSV's and the hash's.
export const METRIC_COLUMNS = [
  'iteration',
  'trainLoss',
  'oodLoss',
  'trainAcc',
  'oodAcc',
  'coreProj',
  'bgProj',
  'asymmetry',
  'bgGradNorm',
  'coreGradNorm',
] as const;

export type MetricName = (typeof METRIC_COLUMNS)[number];

/**
 * Extra columns of padded-MNIST runs (data.source = mnist-padded), logged after METRIC_COLUMNS.
 * Feature-model runs do not have them, so their metrics.csv and hash are unchanged.
 */
export const MNIST_COLUMNS = ['idTestLoss', 'idTestAcc', 'bgEnergy', 'bgEnergyRel', 'bgShareLearned'] as const;
export type MnistMetric = (typeof MNIST_COLUMNS)[number];

/** One evaluation: every METRIC_COLUMNS value, plus the MNIST_COLUMNS of MNIST runs. */
export type MetricsRow = Record<MetricName, number> & Partial<Record<MnistMetric, number>>;
export type AnyMetric = MetricName | MnistMetric;

/** The logged columns of a run (metrics.csv, the hash, checkpoints). */
export function metricColumns(config: { data: { source?: string } }): readonly AnyMetric[] {
  return config.data.source === 'mnist-padded' ? [...METRIC_COLUMNS, ...MNIST_COLUMNS] : METRIC_COLUMNS;
}

/** What each column means (README and report). */
export const METRIC_HELP: Record<MetricName, string> = {
  iteration: 'updates applied before this evaluation (0 = initial state)',
  trainLoss: 'mean loss on the training set (in distribution)',
  oodLoss: 'mean loss on the OOD set: same core features, background sign-flipped',
  trainAcc: 'training accuracy (sign of the output)',
  oodAcc: 'OOD accuracy',
  coreProj: 'mean over first-layer neurons of the norm of the weight projected on the core features',
  bgProj: 'the same on the background features: its growth is feature contamination',
  asymmetry: 'mean over neurons of |P(active | y=+1) - P(active | y=-1)| on the training set',
  bgGradNorm: 'norm of the training-loss gradient of the first layer projected on the background subspace',
  coreGradNorm: 'the same on the core subspace',
};

/** What the metrics mean in an MNIST run (pixels take the place of feature coordinates). */
export const MNIST_METRIC_HELP: Record<AnyMetric, string> = {
  iteration: METRIC_HELP.iteration,
  trainLoss: 'mean loss on the training digits',
  oodLoss: 'mean loss on the OOD set: the ID test digits with the OOD border',
  trainAcc: 'training accuracy',
  oodAcc: 'OOD accuracy (test digits, OOD border)',
  coreProj: 'mean over first-layer neurons of the norm of the weights on the 28x28 digit pixels',
  bgProj: 'the same on the border pixels',
  asymmetry: 'binary: mean |P(active | 0-4) - P(active | 5-9)|; ten classes: mean over neurons of max - min over classes of P(active | class)',
  bgGradNorm: 'norm of the training-loss gradient of the first layer on the border pixels',
  coreGradNorm: 'the same on the digit pixels',
  idTestLoss: 'mean loss on the ID test digits (training border)',
  idTestAcc: 'ID test accuracy',
  bgEnergy: 'fraction of the first layer\'s weight energy (sum of squares) on border pixels',
  bgEnergyRel: 'bgEnergy / its initial value',
  bgShareLearned: 'fraction of the energy of the learned change W - W0 on border pixels (0 at iteration 0)',
};

/** Per-neuron values at one evaluation (first hidden layer). */
export interface NeuronStats {
  coreNorm: Float64Array;
  bgNorm: Float64Array;
  asymmetry: Float64Array;
}

/** metrics.csv: header, then one row per evaluation; numbers in JavaScript's shortest round-trip form. */
export function metricsCsv(rows: readonly MetricsRow[], columns: readonly AnyMetric[] = METRIC_COLUMNS): string {
  const lines = [columns.join(',')];
  for (const r of rows) lines.push(columns.map((c) => String(r[c] ?? NaN)).join(','));
  return lines.join('\n') + '\n';
}
