// Representation distillation (the paper's Section 3) as a Task: a student fitted to a robust
// teacher's representation on ID inputs only, probed ID and OOD.
import { ConfigError } from '../../config/resolve.js';
import { memoryProblem, netMemoryPlan } from '../../engine/memory.js';
import type { MetricRow, RunResult, Summary, Task } from '../task.js';
import type { DistillConfig } from './config.js';
import { DistillTrainer, type DistillSummaryFields } from './trainer.js';
import { DISTILL_AGG, DISTILL_COLUMNS, DISTILL_DERIVED_HELP, DISTILL_HELP, distillDerivedRow, type DistillRow } from './metrics.js';
import { distillRunFigureSpec } from './figures.js';

const f = (v: number) => String(Number(v.toPrecision(3)));

export const distillTask: Task<DistillConfig> = {
  kind: 'distill',
  title: "representation distillation: an MLP and a linear student fitted to a robust teacher's representation, probed ID and OOD",
  columns: () => DISTILL_COLUMNS,
  metricHelp: () => DISTILL_HELP,
  lossColumns: ['fitTrain', 'fitId', 'fitOod', 'linFitTrain', 'linFitId', 'linFitOod'],
  importable: false,
  resolve: (c) => c,
  memoryProblem(c) {
    const { n, inputDim } = c.data;
    const t = c.distill.testN;
    const r = c.distill.teacherWidth;
    const sets = [
      { name: 'training inputs', rows: n },
      { name: 'held-out ID inputs', rows: t },
      { name: 'held-out OOD inputs', rows: t },
    ];
    const hidden = new Array<number>(c.model.layers - 1).fill(c.model.hidden);
    for (const sizes of [[inputDim, ...hidden, r], [inputDim, r]]) {
      const p = memoryProblem(netMemoryPlan({ sizes, datasets: sets, batchSize: c.train.batchSize }));
      if (p) return p;
    }
    return null;
  },
  async createTrainer(c, ctx) {
    if (ctx.imported) throw new ConfigError(`--import-npy is not valid with preset ${JSON.stringify(c.preset)}: expected generated data (distillation draws its own held-out set)`);
    return DistillTrainer.create(c, { build: ctx.build, threads: ctx.threads });
  },
  summaryLine(s: Summary) {
    const d = s as Summary & DistillSummaryFields;
    const side = (name: string, v: DistillSummaryFields['student']) =>
      `${name} ID ${f(v.idAcc)} OOD ${f(v.oodAcc)} fit ${f(v.fitId)} -> ${f(v.fitOod)} (x${f(v.fitOod / v.fitId)}) bgProj ${f(v.bgProj)}`;
    return (
      `${s.preset} seed ${s.seed}: teacher ID ${f(d.teacher.idAcc)} OOD ${f(d.teacher.oodAcc)} | ${side('student', d.student)} | ` +
      `${side('linear', d.linearStudent)} | ${s.timing.wallSeconds.toFixed(1)} s | hash ${s.hash.slice(0, 16)}`
    );
  },
  // both students: the contrast is between them
  progressText: (r: MetricRow) =>
    `MLP fit ID ${f(r.fitId)} OOD ${f(r.fitOod)}, probe ID ${f(r.idAcc)} OOD ${f(r.oodAcc)} | ` +
    `linear fit ID ${f(r.linFitId)} OOD ${f(r.linFitOod)}, probe ID ${f(r.linIdAcc)} OOD ${f(r.linOodAcc)}`,
  aggregate: {
    metrics: () => DISTILL_AGG,
    derived: (row, first) => distillDerivedRow(row as DistillRow, first as DistillRow),
    help: { ...DISTILL_HELP, ...DISTILL_DERIVED_HELP },
  },
  cost(c) {
    // two students on dense inputs, plus two probes per evaluation
    const rows = c.train.batchSize || c.data.n;
    const r = c.distill.teacherWidth;
    const student = c.data.inputDim * c.model.hidden + c.model.hidden * c.model.hidden * (c.model.layers - 2) + c.model.hidden * r;
    const evals = c.train.iterations / c.train.evalEvery + 1;
    return c.train.iterations * rows * 3 * (student + c.data.inputDim * r) + evals * 2 * c.distill.probeIterations * c.data.n * r * 3 + 1;
  },
  sweepHeadline: [
    { label: 'student ID acc', metric: 'idAcc' },
    { label: 'student OOD acc', metric: 'oodAcc' },
    { label: 'fit OOD / ID', metric: 'fitRatio' },
  ],
  livePanels: [
    {
      title: 'Fit to the teacher (MSE)',
      log: true,
      series: [
        { name: 'MLP ID', color: '#1f77b4', column: 'fitId' },
        { name: 'MLP OOD', color: '#ff7f0e', column: 'fitOod' },
        { name: 'linear ID', color: '#2ca02c', column: 'linFitId' },
        { name: 'linear OOD', color: '#d62728', column: 'linFitOod' },
      ],
    },
    {
      title: 'Probe accuracy',
      series: [
        { name: 'MLP ID', color: '#1f77b4', column: 'idAcc' },
        { name: 'MLP OOD', color: '#ff7f0e', column: 'oodAcc' },
        { name: 'linear ID', color: '#2ca02c', column: 'linIdAcc' },
        { name: 'linear OOD', color: '#d62728', column: 'linOodAcc' },
      ],
    },
  ],
  figures(result: RunResult) {
    const s = result.summary as Summary & DistillSummaryFields;
    const c = result.config as DistillConfig;
    const title = `${s.preset}: MLP ${c.model.layers - 1}×${c.model.hidden} ${c.model.activation} vs linear student, seed ${s.seed}`;
    return [
      {
        name: 'distill',
        title: 'Training curves',
        spec: distillRunFigureSpec(result.metrics as DistillRow[], s.teacher, title),
        caption: "Fit error on ID and OOD inputs, probe accuracies, and the first layer's background projection.",
      },
    ];
  },
  reportSections(result: RunResult) {
    const s = result.summary as Summary & DistillSummaryFields;
    const side = (name: string, v: DistillSummaryFields['student'] | null, t?: DistillSummaryFields['teacher']) =>
      v ? [name, v.idAcc, v.oodAcc, v.fitId, v.fitOod, v.fitOod / v.fitId, v.bgProj] : [name, t!.idAcc, t!.oodAcc, 0, 0, '', ''];
    return [
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
    ];
  },
};
