// The logged metrics of a distillation run (fclab distill): one row per evaluation of the MLP
// student and of the linear student, trained side by side. Column order is the CSV's and the hash's.
export const DISTILL_COLUMNS = [
  'iteration',
  'fitTrain',
  'fitId',
  'fitOod',
  'idAcc',
  'oodAcc',
  'coreProj',
  'bgProj',
  'linFitTrain',
  'linFitId',
  'linFitOod',
  'linIdAcc',
  'linOodAcc',
  'linCoreProj',
  'linBgProj',
] as const;

export type DistillColumn = (typeof DISTILL_COLUMNS)[number];
export type DistillRow = Record<DistillColumn, number>;

export const DISTILL_HELP: Record<DistillColumn, string> = {
  iteration: 'student updates applied before this evaluation (0 = initial state)',
  fitTrain: "MLP student: mean squared error to the teacher's representation on the training inputs",
  fitId: 'the same on held-out ID test inputs',
  fitOod: 'the same on their OOD twins (same core features, background sign-flipped)',
  idAcc: "accuracy on held-out ID inputs of a linear probe trained on the student's ID representations",
  oodAcc: 'accuracy of the same probe on the OOD twins',
  coreProj: "mean over the student's first-layer neurons of the norm of the weight projected on the core features",
  bgProj: 'the same on the background features: its growth is feature contamination',
  linFitTrain: 'linear student (one layer): fitTrain',
  linFitId: 'linear student: fitId',
  linFitOod: 'linear student: fitOod',
  linIdAcc: 'linear student: probe accuracy on held-out ID inputs',
  linOodAcc: 'linear student: probe accuracy on the OOD twins',
  linCoreProj: "linear student: coreProj (its weights' projections)",
  linBgProj: 'linear student: bgProj',
};

/** Quantities derived from a distillation row, aggregated across seeds like the columns. */
export const DISTILL_DERIVED = ['accGap', 'fitRatio', 'bgGrowth', 'linAccGap', 'linFitRatio', 'linBgGrowth'] as const;
export type DistillDerived = (typeof DISTILL_DERIVED)[number];
export const DISTILL_DERIVED_HELP: Record<DistillDerived, string> = {
  accGap: 'MLP student: idAcc − oodAcc',
  fitRatio: 'MLP student: fitOod / fitId',
  bgGrowth: 'MLP student: bgProj − its initial value',
  linAccGap: 'linear student: linIdAcc − linOodAcc',
  linFitRatio: 'linear student: linFitOod / linFitId',
  linBgGrowth: 'linear student: linBgProj − its initial value',
};

export const DISTILL_AGG = [...DISTILL_COLUMNS.filter((c) => c !== 'iteration'), ...DISTILL_DERIVED] as Array<
  Exclude<DistillColumn, 'iteration'> | DistillDerived
>;

export function isDistillRow(row: object): row is DistillRow {
  return 'fitId' in row;
}

/** Every aggregated quantity of one evaluation (IEEE-exact operations only). */
export function distillDerivedRow(row: DistillRow, first: DistillRow): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of DISTILL_COLUMNS) if (c !== 'iteration') out[c] = row[c];
  out.accGap = row.idAcc - row.oodAcc;
  out.fitRatio = row.fitOod / row.fitId;
  out.bgGrowth = row.bgProj - first.bgProj;
  out.linAccGap = row.linIdAcc - row.linOodAcc;
  out.linFitRatio = row.linFitOod / row.linFitId;
  out.linBgGrowth = row.linBgProj - first.linBgProj;
  return out;
}

/** metrics.csv of a distillation run. */
export function distillCsv(rows: readonly DistillRow[]): string {
  const lines = [DISTILL_COLUMNS.join(',')];
  for (const r of rows) lines.push(DISTILL_COLUMNS.map((c) => String(r[c])).join(','));
  return lines.join('\n') + '\n';
}
