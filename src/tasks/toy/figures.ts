// The feature model's run figure: losses and the first layer's core/background projections.
import type { TopLevelSpec } from 'vega-lite';
import { finite, linePanel, top } from '../../report/figures.js';

/** The fields of a training MetricsRow that the run figure needs (any MetricsRow fits). */
export interface RunFigureRow {
  iteration: number;
  trainLoss: number;
  oodLoss: number;
  coreProj: number;
  bgProj: number;
  /** drawn as a third panel when runFigureSpec's `asymmetry` option is on */
  asymmetry?: number;
}

/**
 * Loss (train vs OOD) and core/background projection norms vs iteration, side by side; with
 * `asymmetry`, a third panel with the mean activation asymmetry (the paper's mechanism).
 */
export function runFigureSpec(
  rows: readonly RunFigureRow[],
  opts: { title?: string; asymmetry?: boolean; width?: number; height?: number } = {},
): TopLevelSpec {
  const loss: Array<{ iteration: number; series: string; value: number }> = [];
  const proj: Array<{ iteration: number; series: string; value: number }> = [];
  const asym: Array<{ iteration: number; series: string; value: number }> = [];
  // JSON would turn NaN/Infinity into null; drop them so a diverged run still plots.
  for (const r of rows) {
    if (!finite(r.iteration)) continue;
    if (finite(r.trainLoss)) loss.push({ iteration: r.iteration, series: 'Train (ID) loss', value: r.trainLoss });
    if (finite(r.oodLoss)) loss.push({ iteration: r.iteration, series: 'OOD loss', value: r.oodLoss });
    if (finite(r.coreProj)) proj.push({ iteration: r.iteration, series: 'Core features', value: r.coreProj });
    if (finite(r.bgProj)) proj.push({ iteration: r.iteration, series: 'Background features', value: r.bgProj });
    if (opts.asymmetry && r.asymmetry !== undefined && finite(r.asymmetry))
      asym.push({ iteration: r.iteration, series: 'Activation asymmetry', value: r.asymmetry });
  }
  const size = { width: opts.width, height: opts.height };
  return top(
    {
      hconcat: [
        linePanel('Loss', 'Loss', loss, ['Train (ID) loss', 'OOD loss'], ['#1f77b4', '#ff7f0e'], size),
        linePanel('Feature projection', 'Mean projection norm', proj, ['Core features', 'Background features'], ['#2ca02c', '#d62728'], size),
        ...(opts.asymmetry
          ? [linePanel('Activation asymmetry', 'Mean asymmetry', asym, ['Activation asymmetry'], ['#9467bd'], size)]
          : []),
      ],
      resolve: { scale: { color: 'independent' } },
      spacing: 30,
    },
    opts.title,
  );
}
