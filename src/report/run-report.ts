// report.html of one run: the headline numbers (initial -> final), the figure, the config and the
// environment, on one self-contained page. Isomorphic: the caller supplies the environment.
import { configSection, renderReport, type ReportDoc } from './html.js';
import { METRIC_HELP, MNIST_METRIC_HELP, metricColumns } from '../tasks/toy/metrics.js';
import type { RunResult } from '../run/loop.js';

export function runReportHtml(result: RunResult, figureSvg: string | null, environment: Record<string, string>, weightsSvg: string | null = null): string {
  const s = result.summary;
  const c = result.config;
  const mnist = !!result.mnist;
  const help: Record<string, string> = mnist ? MNIST_METRIC_HELP : METRIC_HELP;
  const metrics = metricColumns(c).filter((m) => m !== 'iteration');
  const doc: ReportDoc = {
    title: `fclab run: ${s.preset} (${c.model.activation}, ${c.train.loss}, ${c.train.optimizer})`,
    subtitle: `${s.iterations} iterations, seed ${s.seed}; hash ${s.hash}`,
    sections: [
      {
        id: 'summary',
        title: 'Initial and final metrics',
        text: mnist
          ? 'The border is the same for every digit and every class, so it is uncorrelated with the label; first-layer weight on the border (bgEnergy, bgProj growing) is feature contamination. The OOD set holds the ID test digits with another border.'
          : 'bgProj growing (the first layer learning the background, which is independent of the label) is feature contamination; oodLoss is measured with the background sign-flipped and the same core features.',
        tables: [
          {
            columns: ['metric', 'initial', 'final', 'meaning'],
            rows: metrics.map((m) => [m, s.initial[m] ?? NaN, s.final[m] ?? NaN, help[m]]),
          },
        ],
      },
      ...(figureSvg
        ? [{ id: 'figure', title: 'Training curves', figures: [{ svg: figureSvg, caption: mnist ? 'Accuracies, and the border\'s share of the first layer\'s weight energy (of the weights, and of their change since initialisation).' : 'Losses, and the mean projection of first-layer weights on the core and background features.', png: 'run.png' }] }]
        : []),
      ...(weightsSvg
        ? [{ id: 'weights', title: 'First-layer weights as images', figures: [{ svg: weightsSvg, caption: 'The first 16 neurons\' weights reshaped to the padded image, and their change since initialisation; a uniform frame is the learned border.', png: 'weights.png' }] }]
        : []),
      configSection(s, c),
    ],
    environment,
  };
  return renderReport(doc);
}
