// report.html of one run, for every kind: what the run's numbers mean (the kind's sections), its
// figures, the config and the environment, on one self-contained page. Isomorphic: the caller
// supplies the rendered figures and the environment.
import { configSection, renderReport, type ReportDoc, type ReportFigure } from './html.js';
import { taskOf } from '../tasks/registry.js';
import type { RunResult } from '../tasks/task.js';

export function runReportHtml(result: RunResult, figures: ReadonlyArray<{ title: string; figure: ReportFigure }>, environment: Record<string, string>): string {
  const s = result.summary;
  const c = result.config as { model: { activation: string }; train: { optimizer: string; loss?: string } };
  const task = taskOf(result.config);
  const doc: ReportDoc = {
    title: `fclab run: ${s.preset} (${c.model.activation}, ${c.train.loss ?? 'mse'}, ${c.train.optimizer})`,
    subtitle: `${s.iterations} iterations, seed ${s.seed}; hash ${s.hash}`,
    sections: [
      ...task.reportSections(result),
      ...figures.map((f, i) => ({ id: `figure-${i + 1}`, title: f.title, figures: [f.figure] })),
      configSection(s, result.config),
    ],
    environment,
  };
  return renderReport(doc);
}
