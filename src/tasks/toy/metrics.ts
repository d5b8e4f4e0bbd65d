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

/** One evaluation of a feature-model run (the padded-MNIST kind logs these and more). */
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

export type { NeuronStats } from '../task.js';

/** Quantities derived from the logged metrics, aggregated like them. */
export const DERIVED_METRICS = ['oodGap', 'accGap', 'bgGrowth', 'coreGrowth'] as const;
export type DerivedMetric = (typeof DERIVED_METRICS)[number];
export const DERIVED_HELP: Record<DerivedMetric, string> = {
  oodGap: 'oodLoss − trainLoss at the same iteration: the OOD generalization gap',
  accGap: 'trainAcc − oodAcc',
  bgGrowth: 'bgProj − its initial value: feature contamination',
  coreGrowth: 'coreProj − its initial value',
};

/** Every aggregated quantity: the metrics (without iteration), then the derived ones. */
export const AGG_METRICS = [...METRIC_COLUMNS.filter((c) => c !== 'iteration'), ...DERIVED_METRICS] as Array<
  Exclude<(typeof METRIC_COLUMNS)[number], 'iteration'> | DerivedMetric
>;
export type AggMetric = (typeof AGG_METRICS)[number];

/** All aggregated quantities of one evaluation. */
export function derivedRow(row: MetricsRow, first: MetricsRow): Record<AggMetric, number> {
  const out = {} as Record<AggMetric, number>;
  for (const m of METRIC_COLUMNS) if (m !== 'iteration') out[m] = row[m];
  out.oodGap = row.oodLoss - row.trainLoss;
  out.accGap = row.trainAcc - row.oodAcc;
  out.bgGrowth = row.bgProj - first.bgProj;
  out.coreGrowth = row.coreProj - first.coreProj;
  return out;
}
