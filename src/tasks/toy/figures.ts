// The feature model's run figure: losses (train, ID test, OOD) and the first layer's projections,
// the background split into the part along the shift direction û and the rest.
import type { TopLevelSpec } from 'vega-lite';
import { finite, linePanel, spansDecades, top } from '../../report/figures.js';

// the rule for a log axis is shared with the sweep report's figures
export { spansDecades };

/** The fields of a training MetricsRow that the run figure needs (any MetricsRow fits). */
export interface RunFigureRow {
  iteration: number;
  trainLoss: number;
  oodLoss: number;
  coreProj: number;
  bgProj: number;
  /** drawn between train and OOD when present */
  idTestLoss?: number;
  /** with bgNoiseProj: the background drawn as its two parts, bgProj dashed */
  bgShiftProj?: number;
  bgNoiseProj?: number;
  /** drawn as a third panel when runFigureSpec's `asymmetry` option is on */
  asymmetry?: number;
}

const LOSS = ['Train loss', 'ID test loss', 'OOD loss'];
const SPLIT = ['Core features', 'bgShiftProj (bg along û)', 'bgNoiseProj (other bg dirs)', 'bgProj (both parts)'];

/**
 * Loss (train, ID test, OOD) and core/background projection norms vs iteration, side by side; with
 * `asymmetry`, a third panel with the mean activation asymmetry (the paper's mechanism). The loss
 * axis is logarithmic where the losses span two decades.
 */
export function runFigureSpec(
  rows: readonly RunFigureRow[],
  opts: { title?: string; asymmetry?: boolean; width?: number; height?: number } = {},
): TopLevelSpec {
  const loss: Array<{ iteration: number; series: string; value: number }> = [];
  const proj: Array<{ iteration: number; series: string; value: number }> = [];
  const asym: Array<{ iteration: number; series: string; value: number }> = [];
  const split = rows.some((r) => r.bgShiftProj !== undefined && r.bgNoiseProj !== undefined);
  const hasId = rows.some((r) => r.idTestLoss !== undefined);
  // JSON would turn NaN/Infinity into null; drop them so a diverged run still plots.
  for (const r of rows) {
    if (!finite(r.iteration)) continue;
    const add = (to: typeof loss, series: string, v: number | undefined) => {
      if (v !== undefined && finite(v)) to.push({ iteration: r.iteration, series, value: v });
    };
    add(loss, hasId ? 'Train loss' : 'Train (ID) loss', r.trainLoss);
    if (hasId) add(loss, 'ID test loss', r.idTestLoss);
    add(loss, 'OOD loss', r.oodLoss);
    add(proj, 'Core features', r.coreProj);
    if (split) {
      add(proj, SPLIT[1], r.bgShiftProj);
      add(proj, SPLIT[2], r.bgNoiseProj);
      add(proj, SPLIT[3], r.bgProj);
    } else add(proj, 'Background features', r.bgProj);
    if (opts.asymmetry) add(asym, 'Activation asymmetry', r.asymmetry);
  }
  // a hinge loss reaches exactly 0: a log axis then shows only the positive values
  const positive = loss.filter((p) => p.value > 0);
  const log = spansDecades(positive.map((p) => p.value)) && positive.length >= loss.length / 2;
  const size = { width: opts.width, height: opts.height };
  const lossPanel = hasId
    ? linePanel(log ? 'Loss (log scale)' : 'Loss', 'Loss', log ? positive : loss, LOSS, ['#1f77b4', '#17becf', '#ff7f0e'], size, { log })
    : linePanel(log ? 'Loss (log scale)' : 'Loss', 'Loss', log ? positive : loss, ['Train (ID) loss', 'OOD loss'], ['#1f77b4', '#ff7f0e'], size, { log });
  const projPanel = split
    ? linePanel('Feature projection', 'Mean projection norm', proj, SPLIT, ['#2ca02c', '#d62728', '#8c564b', '#d62728'], size, { dashed: [SPLIT[3]] })
    : linePanel('Feature projection', 'Mean projection norm', proj, ['Core features', 'Background features'], ['#2ca02c', '#d62728'], size);
  return top(
    {
      hconcat: [
        lossPanel,
        projPanel,
        ...(opts.asymmetry
          ? [linePanel('Activation asymmetry', 'Mean asymmetry', asym, ['Activation asymmetry'], ['#9467bd'], size)]
          : []),
      ],
      resolve: { scale: { color: 'independent', strokeDash: 'independent' } },
      spacing: 30,
    },
    opts.title,
  );
}
