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
export type MetricsRow = Record<MetricName, number>;

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

/** Per-neuron values at one evaluation (first hidden layer). */
export interface NeuronStats {
  coreNorm: Float64Array;
  bgNorm: Float64Array;
  asymmetry: Float64Array;
}

/** metrics.csv: header, then one row per evaluation; numbers in JavaScript's shortest round-trip form. */
export function metricsCsv(rows: readonly MetricsRow[]): string {
  const lines = [METRIC_COLUMNS.join(',')];
  for (const r of rows) lines.push(METRIC_COLUMNS.map((c) => String(r[c])).join(','));
  return lines.join('\n') + '\n';
}
