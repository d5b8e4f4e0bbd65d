// Figures of representation distillation (fclab distill): a run's curves, and the
// effective-robustness plot (ID against OOD probe accuracy, the y = x line being "as robust in
// distribution as out of it"). Isomorphic: vega-lite specs only.
import type { TopLevelSpec } from 'vega-lite';
import { bandLineSpec, gridSpec, panelsSpec, top, type BandSeries, type FigureTitle } from '../../report/figures.js';
import type { DistillRow } from './metrics.js';

const C_STUDENT = '#d62728';
const C_LINEAR = '#1f77b4';
const C_TEACHER = '#2ca02c';

// Each series has its own marker shape as well as its colour and dash: the teacher's OOD line lies
// exactly on its ID line, and the MLP student's OOD probe accuracy can equal the linear student's
// (both at chance on distill-toy). OOD markers are outlines of another shape, so the marker drawn
// first stays visible under them, and each role's OOD line has its own dash pattern.
type Role = 'teacher' | 'mlp' | 'linear';
const MARKERS: Record<Role, { id: string; ood: string; dash: number[] }> = {
  teacher: { id: 'diamond', ood: 'triangle-up', dash: [10, 5] },
  mlp: { id: 'circle', ood: 'triangle-down', dash: [6, 4] },
  linear: { id: 'square', ood: 'cross', dash: [2, 3] },
};

function line(name: string, rows: readonly DistillRow[], pick: (r: DistillRow) => number, color: string, role: Role, ood = false): BandSeries {
  return {
    name,
    color,
    dashed: ood,
    // coinciding OOD lines of two roles interleave their colours instead of one hiding the other
    dash: MARKERS[role].dash,
    marker: ood ? MARKERS[role].ood : MARKERS[role].id,
    hollow: ood,
    points: rows.map((r) => ({ x: r.iteration, mean: pick(r), lo: pick(r), hi: pick(r) })),
  };
}

/** One run: fit error (log), probe accuracies with the teacher's, background projection. */
export function distillRunFigureSpec(rows: readonly DistillRow[], teacher: { idAcc: number; oodAcc: number }, title?: FigureTitle): TopLevelSpec {
  const fit = bandLineSpec({
    title: "Fit to the teacher's representation (MSE)",
    x: 'Iterations',
    y: 'Mean squared error',
    yScale: 'log',
    legend: 'bottom',
    legendColumns: 2,
    width: 330,
    series: [
      line('MLP student, ID', rows, (r) => r.fitId, C_STUDENT, 'mlp'),
      line('MLP student, OOD', rows, (r) => r.fitOod, C_STUDENT, 'mlp', true),
      line('Linear student, ID', rows, (r) => r.linFitId, C_LINEAR, 'linear'),
      line('Linear student, OOD', rows, (r) => r.linFitOod, C_LINEAR, 'linear', true),
    ],
  });
  const acc = bandLineSpec({
    title: 'Linear probe accuracy',
    x: 'Iterations',
    y: 'Accuracy (held-out)',
    yDomain: [0.4, 1],
    legend: 'bottom',
    legendColumns: 2,
    width: 330,
    series: [
      line('Teacher, ID', rows, () => teacher.idAcc, C_TEACHER, 'teacher'),
      line('Teacher, OOD', rows, () => teacher.oodAcc, C_TEACHER, 'teacher', true),
      line('MLP student, ID', rows, (r) => r.idAcc, C_STUDENT, 'mlp'),
      line('MLP student, OOD', rows, (r) => r.oodAcc, C_STUDENT, 'mlp', true),
      line('Linear student, ID', rows, (r) => r.linIdAcc, C_LINEAR, 'linear'),
      line('Linear student, OOD', rows, (r) => r.linOodAcc, C_LINEAR, 'linear', true),
    ],
  });
  const proj = bandLineSpec({
    title: 'First layer on the background',
    x: 'Iterations',
    y: 'bgProj',
    legend: 'bottom',
    legendColumns: 2,
    width: 330,
    series: [line('MLP student', rows, (r) => r.bgProj, C_STUDENT, 'mlp'), line('Linear student', rows, (r) => r.linBgProj, C_LINEAR, 'linear')],
  });
  // two columns: at 2x the PNG stays under 2400 px and report.html shows it unscaled (text >= 11 px)
  return gridSpec([[fit, acc], [proj]], title);
}

export type RobustnessKind = 'teacher' | 'MLP student' | 'linear student';

/** One probe's accuracies, for the effective-robustness plot. */
export interface RobustnessPoint {
  /** the panel it is drawn in (e.g. the data setting); points without one share a single panel */
  panel?: string;
  /** what the colour shows: the teacher, or a student setting, e.g. "MLP, hidden 256" */
  group: string;
  kind: RobustnessKind;
  idAcc: number;
  oodAcc: number;
  seed: number;
}

/** The three points of one distillation run (teacher, MLP student, linear student). */
export function robustnessPoints(
  s: { seed: number; teacher: { idAcc: number; oodAcc: number }; student: { idAcc: number; oodAcc: number }; linearStudent: { idAcc: number; oodAcc: number } },
  label: string,
): RobustnessPoint[] {
  return [
    { group: 'teacher', kind: 'teacher', idAcc: s.teacher.idAcc, oodAcc: s.teacher.oodAcc, seed: s.seed },
    { group: label, kind: 'MLP student', idAcc: s.student.idAcc, oodAcc: s.student.oodAcc, seed: s.seed },
    { group: 'linear student', kind: 'linear student', idAcc: s.linearStudent.idAcc, oodAcc: s.linearStudent.oodAcc, seed: s.seed },
  ];
}

const PALETTE = ['#d62728', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#bcbd22', '#17becf', '#7f7f7f', '#aec7e8', '#ff9896'];

/**
 * Effective-robustness scatter: probe accuracy on held-out ID inputs (x) against their OOD twins
 * (y), a point per seed, with the y = x line; one panel per distinct `panel` (same axes). Groups
 * keep their first-appearance order; the teacher is green and the linear student blue in every
 * figure. Markers are outlines of a shape per kind: the teacher's and a student's points can
 * coincide exactly (both at 1.0 ID and OOD), and an outline leaves the one under it visible.
 */
export function effectiveRobustnessSpec(points: readonly RobustnessPoint[], title?: FigureTitle): TopLevelSpec {
  const groups = [...new Set(points.map((p) => p.group))];
  let k = 0;
  const range = groups.map((g) => (g === 'teacher' ? C_TEACHER : g === 'linear student' ? C_LINEAR : PALETTE[k++ % PALETTE.length]));
  const lo = Math.min(0.4, ...points.map((p) => Math.min(p.idAcc, p.oodAcc)).filter(Number.isFinite));
  const domain = [Math.floor(lo * 20) / 20, 1];
  const axis = (field: string, t: string) => ({ field, type: 'quantitative', title: t, scale: { domain } });
  const panelNames = [...new Set(points.map((p) => p.panel ?? ''))];
  const many = panelNames.length > 1;
  const panel = (name: string) => ({
    title: many ? name : 'Probe accuracy: in distribution vs out of distribution',
    width: many ? 400 : 420,
    height: many ? 300 : 380,
    layer: [
      {
        data: { values: domain.map((v) => ({ id: v, ood: v })) },
        mark: { type: 'line', color: '#888', strokeDash: [5, 4], strokeWidth: 1.5 },
        encoding: { x: axis('id', 'ID accuracy (held-out test inputs)'), y: axis('ood', 'OOD accuracy (background sign-flipped)') },
      },
      {
        data: { values: points.filter((p) => (p.panel ?? '') === name && Number.isFinite(p.idAcc) && Number.isFinite(p.oodAcc)).map((p) => ({ ...p })) },
        mark: { type: 'point', filled: false, size: 110, strokeWidth: 2, opacity: 0.9 },
        encoding: {
          x: axis('idAcc', 'ID accuracy (held-out test inputs)'),
          y: axis('oodAcc', 'OOD accuracy (background sign-flipped)'),
          color: { field: 'group', type: 'nominal', title: null, scale: { domain: groups, range }, legend: { symbolOpacity: 1, labelLimit: 400 } },
          shape: {
            field: 'kind',
            type: 'nominal',
            title: null,
            scale: { domain: ['teacher', 'MLP student', 'linear student'], range: ['diamond', 'circle', 'square'] },
          },
          tooltip: [{ field: 'group' }, { field: 'seed' }, { field: 'idAcc' }, { field: 'oodAcc' }],
        },
      },
    ],
  });
  // panels stacked, one legend on the right (shared colour and shape scales: a group has one
  // colour in every panel): side by side with the legend they would not fit report.html's column
  if (many)
    return top({ vconcat: panelNames.map(panel), resolve: { scale: { x: 'independent', y: 'independent' } }, spacing: 24 }, title);
  return panelsSpec([panel(panelNames[0]) as unknown as TopLevelSpec], title);
}
