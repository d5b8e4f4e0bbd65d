// The logged metrics: one row per evaluation. `iteration` counts updates applied, so row 0
// is the initial state. The column order is the CSV's and the hash's.
/** The columns shared with padded MNIST (which logs its own ID test columns after them). */
export const BASE_COLUMNS = [
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

/** The feature model's columns: the shared ones, the ID test set, and the split projections. */
export const METRIC_COLUMNS = [
  ...BASE_COLUMNS,
  'idTestLoss',
  'idTestAcc',
  'bgShiftProj',
  'bgNoiseProj',
  'coreSignalProj',
  'coreNoiseProj',
  'bgGradShift',
] as const;

export type MetricName = (typeof METRIC_COLUMNS)[number];

/** One evaluation of a feature-model run (the padded-MNIST kind logs these and more). */
export type MetricsRow = Record<MetricName, number>;

/** What each column means (docs and report). */
export const METRIC_HELP: Record<MetricName, string> = {
  iteration: 'updates applied before this evaluation (0 = initial state)',
  trainLoss: 'mean loss on the training set (in distribution)',
  oodLoss: 'mean loss on the OOD set: same core features, background sign-flipped',
  trainAcc: 'training accuracy (sign of the output)',
  oodAcc: 'OOD accuracy',
  coreProj: 'mean over first-layer neurons of the norm of the weight projected on the core features',
  bgProj: 'the same on the background features (the paper\'s metric): the norm of both bgShiftProj and bgNoiseProj',
  asymmetry: 'mean over neurons of |P(active | y=+1) - P(active | y=-1)| on the training set',
  bgGradNorm: 'norm of the training-loss gradient of the first layer projected on the background subspace',
  coreGradNorm: 'the same on the core subspace',
  idTestLoss: 'mean loss on held-out points from the training distribution (data.testN of them, own stream)',
  idTestAcc: 'ID test accuracy',
  bgShiftProj: 'mean over neurons of |P[k,bg]·û|, û the unit vector of E_ood[z_bg] − E_train[z_bg]: the background weight the shift hits (feature contamination)',
  bgNoiseProj: 'mean over neurons of the norm of P[k,bg] without its û part: background noise directions (memorization, which the ID test set also punishes)',
  coreSignalProj: 'mean over neurons of |P[k,core]·ĉ|, ĉ the unit class-mean difference of the core (0 for the sphere core, whose class means coincide)',
  coreNoiseProj: 'mean over neurons of the norm of P[k,core] without its ĉ part (= coreProj for the sphere core)',
  bgGradShift: 'mean over neurons of the signed training-loss gradient of P[k,bg] along û (positive: descent grows the weight towards the training background mean)',
};

export type { NeuronStats } from '../task.js';

/** Quantities derived from the logged metrics, aggregated like them. */
/** Derived quantities every kind with the shared columns has (padded MNIST too). */
export const BASE_DERIVED = ['oodGap', 'accGap', 'bgGrowth', 'coreGrowth'] as const;
export const DERIVED_METRICS = ['oodGap', 'accGap', 'genGap', 'shiftGap', 'genAccGap', 'shiftAccGap', 'bgGrowth', 'bgShiftGrowth', 'bgNoiseGrowth', 'coreGrowth'] as const;
export type DerivedMetric = (typeof DERIVED_METRICS)[number];
export const DERIVED_HELP: Record<DerivedMetric, string> = {
  oodGap: 'oodLoss − trainLoss at the same iteration: generalization gap and shift gap together',
  accGap: 'trainAcc − oodAcc',
  genGap: 'idTestLoss − trainLoss: the ordinary generalization gap (no shift)',
  shiftGap: 'oodLoss − idTestLoss: what the background shift alone costs',
  genAccGap: 'trainAcc − idTestAcc',
  shiftAccGap: 'idTestAcc − oodAcc',
  bgGrowth: 'bgProj − its initial value (shift and noise parts together)',
  bgShiftGrowth: 'bgShiftProj − its initial value: feature contamination',
  bgNoiseGrowth: 'bgNoiseProj − its initial value: memorization of background noise',
  coreGrowth: 'coreProj − its initial value',
};

/** The aggregated quantities of the shared columns (padded MNIST). */
export const BASE_AGG_METRICS: readonly string[] = [...BASE_COLUMNS.filter((c) => c !== 'iteration'), ...BASE_DERIVED];

/** The shared columns' aggregated quantities of one evaluation (padded MNIST). */
export function baseDerivedRow(row: Record<string, number>, first: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of BASE_COLUMNS) if (m !== 'iteration') out[m] = row[m];
  out.oodGap = row.oodLoss - row.trainLoss;
  out.accGap = row.trainAcc - row.oodAcc;
  out.bgGrowth = row.bgProj - first.bgProj;
  out.coreGrowth = row.coreProj - first.coreProj;
  return out;
}

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
  out.genGap = row.idTestLoss - row.trainLoss;
  out.shiftGap = row.oodLoss - row.idTestLoss;
  out.genAccGap = row.trainAcc - row.idTestAcc;
  out.shiftAccGap = row.idTestAcc - row.oodAcc;
  out.bgGrowth = row.bgProj - first.bgProj;
  out.bgShiftGrowth = row.bgShiftProj - first.bgShiftProj;
  out.bgNoiseGrowth = row.bgNoiseProj - first.bgNoiseProj;
  out.coreGrowth = row.coreProj - first.coreProj;
  return out;
}
