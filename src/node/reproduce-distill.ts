// The distillation part of `fclab reproduce` (the paper's Section 3): one sweep over the student's
// width, depth and training length on distill-toy (its own folder, OUT/distill, so the figure
// sweep's fingerprint is unchanged), the effective-robustness figure and the report section.
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { writeFileAtomic } from './atomic.js';
import { renderSvg } from '../report/render.js';
import { writePng } from './png.js';
import { effectiveRobustnessSpec, robustnessPoints, type RobustnessPoint } from '../tasks/distill/figures.js';
import type { ReportSection } from '../report/html.js';
import { formatStat, summarize } from '../sweep/aggregate.js';
import { planSweep, type CellInput } from '../sweep/plan.js';
import { runPlan, type SweepOutcome, type SweepProgressEvent } from './sweep.js';
import type { DistillSummaryFields } from '../tasks/distill/trainer.js';
import type { Summary } from '../tasks/task.js';
type DistillSummary = Summary & DistillSummaryFields;
import type { SetValue } from '../config/resolve.js';

/** Options of a part of `fclab reproduce` that runs its own sweep (distillation, padded MNIST). */
export interface ReproducePartOptions {
  /** the reproduction folder; the part's sweep goes to a subfolder (OUT/distill, OUT/mnist), its figures to OUT/figures */
  out: string;
  quick?: boolean;
  seeds: number;
  workers?: number;
  reuse?: boolean;
  onProgress?: (e: SweepProgressEvent) => void;
}

export type DistillReproduceOptions = ReproducePartOptions;

export interface DistillClaim {
  statement: string;
  holds: boolean;
  evidence: string;
}

export interface DistillReproduceOutcome {
  sweep: SweepOutcome;
  figure: { name: string; svg: string; png: string; svgText: string };
  claims: DistillClaim[];
  section: ReportSection;
}

export const DISTILL_FIGURE = 'D1-distill-robustness';

/** Student variants: the preset's defaults, then one knob at a time (width, depth, length). */
export function distillCells(quick: boolean): CellInput[] {
  const v: Array<[string, Record<string, SetValue>]> = quick
    ? [['default', {}], ['hidden=32', { 'model.hidden': 32 }], ['iterations=200', { 'train.iterations': 200 }]]
    : [
        ['default', {}],
        ['hidden=32', { 'model.hidden': 32 }],
        ['hidden=512', { 'model.hidden': 512 }],
        ['layers=3', { 'model.layers': 3 }],
        ['layers=4', { 'model.layers': 4 }],
        ['iterations=200', { 'train.iterations': 200 }],
        ['iterations=2000', { 'train.iterations': 2000 }],
      ];
  return v.map(([id, set]) => ({ id, preset: 'distill-toy', set }));
}

const LABELS: Record<string, string> = {
  default: 'MLP, default (hidden 128, 600 it)',
  'hidden=32': 'MLP, hidden 32',
  'hidden=512': 'MLP, hidden 512',
  'layers=3': 'MLP, 3 layers',
  'layers=4': 'MLP, 4 layers',
  'iterations=200': 'MLP, 200 iterations',
  'iterations=2000': 'MLP, 2000 iterations',
};
const label = (id: string) => LABELS[id] ?? `MLP, ${id}`;

export async function reproduceDistill(o: DistillReproduceOptions): Promise<DistillReproduceOutcome> {
  const plan = planSweep({ preset: 'distill-toy', cells: distillCells(!!o.quick), seeds: o.seeds });
  const sweep = await runPlan(plan, { out: join(o.out, 'distill'), workers: o.workers, figure: false, reuse: o.reuse, onProgress: o.onProgress });
  const byCell = new Map<string, DistillSummary[]>();
  for (const r of sweep.runs) {
    const id = plan.cells[r.run.cell].id;
    byCell.set(id, [...(byCell.get(id) ?? []), r.summary as DistillSummary]);
  }
  const points: RobustnessPoint[] = [];
  for (const [id, list] of byCell)
    for (const s of list) points.push(...robustnessPoints(s, label(id)).filter((p) => id === 'default' || p.kind === 'MLP student'));

  const mode = o.quick ? 'quick mode' : 'full';
  const spec = effectiveRobustnessSpec(points, {
    text: 'D1 · Distillation: fitting a robust teacher is not enough',
    subtitle: `distill-toy, ${o.seeds} seeds per setting (${mode}); the teacher ignores the background by construction`,
  });
  const svgText = await renderSvg(spec);
  const figDir = join(o.out, 'figures');
  await mkdir(figDir, { recursive: true });
  const svg = join(figDir, `${DISTILL_FIGURE}.svg`);
  const png = join(figDir, `${DISTILL_FIGURE}.png`);
  await writeFileAtomic(svg, svgText);
  await writePng(png, svgText);

  const base = byCell.get('default') ?? [];
  const st = (f: (s: DistillSummary) => number) => summarize(base.map(f));
  const claims: DistillClaim[] = [
    {
      statement: "The student's ID accuracy is within 5 points of the teacher's in every seed",
      holds: base.every((s) => s.student.idAcc >= s.teacher.idAcc - 0.05),
      evidence: `teacher ${formatStat(st((s) => s.teacher.idAcc))}, student ${formatStat(st((s) => s.student.idAcc))}`,
    },
    {
      statement: "The student's OOD accuracy is clearly lower (by more than 25 points) in every seed; the teacher's equals its ID accuracy",
      holds: base.every((s) => s.student.oodAcc < s.student.idAcc - 0.25 && s.teacher.oodAcc === s.teacher.idAcc),
      evidence: `student OOD ${formatStat(st((s) => s.student.oodAcc))}, teacher OOD ${formatStat(st((s) => s.teacher.oodAcc))}`,
    },
    {
      statement: "The student's OOD fit error is more than 5 times its ID fit error in every seed",
      holds: base.every((s) => s.student.fitOod > 5 * s.student.fitId),
      evidence: `fit ID ${formatStat(st((s) => s.student.fitId))}, OOD ${formatStat(st((s) => s.student.fitOod))}, ratio ${formatStat(st((s) => s.student.fitOod / s.student.fitId))}`,
    },
    {
      statement: 'The linear student keeps its accuracy OOD (within 5 points) and its fit degrades far less',
      holds: base.every((s) => Math.abs(s.linearStudent.oodAcc - s.linearStudent.idAcc) < 0.05),
      evidence: `linear ID ${formatStat(st((s) => s.linearStudent.idAcc))}, OOD ${formatStat(st((s) => s.linearStudent.oodAcc))}, fit ratio ${formatStat(st((s) => s.linearStudent.fitOod / s.linearStudent.fitId))}`,
    },
  ];
  const rows = plan.cells.map((c) => {
    const f = sweep.doc.cells.find((x) => x.index === c.index)!.final;
    return [c.id, formatStat(f.idAcc), formatStat(f.oodAcc), formatStat(f.fitId), formatStat(f.fitOod), formatStat(f.fitRatio), formatStat(f.bgProj)];
  });
  const section: ReportSection = {
    id: 'd1',
    title: 'D1 · Representation distillation (Section 3)',
    text:
      "A teacher that ignores the background by construction (a fixed random ReLU layer on the core features) and students trained from scratch with MSE to the teacher's representation on ID inputs only; linear probes trained on ID representations, tested on held-out ID inputs and their OOD twins (background sign-flipped). " +
      'Points on the dashed line are as accurate OOD as ID. The linear student cannot express the teacher\'s nonlinear features (the classes are concentric spheres), so its probe is at chance, ID and OOD alike.',
    figures: [{ svg: svgText, caption: 'Probe accuracy ID (x) against OOD (y), one point per seed: teacher, linear student, and MLP students of several widths, depths and training lengths.', png: `figures/${DISTILL_FIGURE}.png` }],
    tables: [
      { caption: 'Checks (default student)', columns: ['claim', 'holds', 'evidence'], rows: claims.map((c) => [c.statement, c.holds ? 'yes' : 'NO', c.evidence]) },
      { caption: 'MLP students, final values (mean [95% CI] over seeds)', columns: ['setting', 'ID acc', 'OOD acc', 'fit ID', 'fit OOD', 'fit OOD / ID', 'bgProj'], rows },
    ],
  };
  return { sweep, figure: { name: DISTILL_FIGURE, svg, png, svgText }, claims, section };
}
