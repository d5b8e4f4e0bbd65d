// report.html of one run: the headline numbers (initial -> final), the figure, the config and the
// environment, on one self-contained page. Isomorphic: the caller supplies the environment.
import { renderReport, type ReportDoc } from './html.js';
import { METRIC_COLUMNS, METRIC_HELP } from '../analysis/metrics.js';
import type { RunResult } from '../experiments/run.js';

export function runReportHtml(result: RunResult, figureSvg: string | null, environment: Record<string, string>): string {
  const s = result.summary;
  const c = result.config;
  const metrics = METRIC_COLUMNS.filter((m) => m !== 'iteration');
  const doc: ReportDoc = {
    title: `fclab run: ${s.preset} (${c.model.activation}, ${c.train.loss}, ${c.train.optimizer})`,
    subtitle: `${s.iterations} iterations, seed ${s.seed}; hash ${s.hash}`,
    sections: [
      {
        id: 'summary',
        title: 'Initial and final metrics',
        text: 'bgProj growing (the first layer learning the background, which is independent of the label) is feature contamination; oodLoss is measured with the background sign-flipped and the same core features.',
        tables: [
          {
            columns: ['metric', 'initial', 'final', 'meaning'],
            rows: metrics.map((m) => [m, s.initial[m] ?? NaN, s.final[m] ?? NaN, METRIC_HELP[m]]),
          },
        ],
      },
      ...(figureSvg
        ? [{ id: 'figure', title: 'Training curves', figures: [{ svg: figureSvg, caption: 'Losses, and the mean projection of first-layer weights on the core and background features.', png: 'run.png' }] }]
        : []),
      {
        id: 'config',
        title: 'Configuration and timing',
        tables: [
          {
            columns: ['setting', 'value'],
            rows: [
              ['wall time', `${s.timing.wallSeconds.toFixed(1)} s`],
              ['ms per iteration', s.timing.msPerIter.toFixed(3)],
              ['engine', `${s.engine.build}, ${s.engine.threads} thread(s), fclab ${s.engine.version}`],
            ],
          },
        ],
        configs: [{ name: 'config.json', json: c }],
      },
    ],
    environment,
  };
  return renderReport(doc);
}
