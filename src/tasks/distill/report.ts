// report.html of one distillation run: teacher, students and probes, the figure, the config.
// Isomorphic: the caller supplies the figure and the environment.
import { configSection, renderReport, type ReportDoc } from '../../report/html.js';
import { DISTILL_COLUMNS, DISTILL_HELP } from './metrics.js';
import type { DistillResult } from './trainer.js';

export function distillReportHtml(result: DistillResult, figureSvg: string | null, environment: Record<string, string>): string {
  const s = result.summary;
  const c = result.config;
  const side = (name: string, v: typeof s.student | null, t?: typeof s.teacher) =>
    v ? [name, v.idAcc, v.oodAcc, v.fitId, v.fitOod, v.fitOod / v.fitId, v.bgProj] : [name, t!.idAcc, t!.oodAcc, 0, 0, '', ''];
  const doc: ReportDoc = {
    title: `fclab distill: ${s.preset} (MLP student ${c.model.layers - 1}×${c.model.hidden} ${c.model.activation}, teacher width ${c.distill!.teacherWidth})`,
    subtitle: `${s.iterations} student updates, seed ${s.seed}; hash ${s.hash}`,
    sections: [
      {
        id: 'summary',
        title: 'Teacher, students and their linear probes',
        text:
          "The teacher is a fixed random ReLU layer on the core features only, so its representation of an OOD input equals that of its ID twin. " +
          "The students see the full input (core and background mixed by V) and are fitted with MSE to the teacher's representation on ID inputs only. " +
          'Probes are logistic regressions trained on ID representations and tested on held-out ID inputs and their OOD twins (background sign-flipped).',
        tables: [
          {
            columns: ['model', 'ID acc', 'OOD acc', 'fit ID (MSE)', 'fit OOD (MSE)', 'fit OOD / ID', 'bgProj'],
            rows: [side('teacher', null, s.teacher), side('MLP student', s.student), side('linear student', s.linearStudent)],
          },
          {
            caption: 'metrics.csv columns (first and last evaluation)',
            columns: ['metric', 'initial', 'final', 'meaning'],
            rows: DISTILL_COLUMNS.filter((m) => m !== 'iteration').map((m) => [m, s.initial[m], s.final[m], DISTILL_HELP[m]]),
          },
        ],
      },
      ...(figureSvg
        ? [{ id: 'figure', title: 'Training curves', figures: [{ svg: figureSvg, caption: 'Fit error on ID and OOD inputs, probe accuracies, and the first layer\'s background projection.', png: 'distill.png' }] }]
        : []),
      configSection(s, c, 'ms per iteration (both students)'),
    ],
    environment,
  };
  return renderReport(doc);
}
