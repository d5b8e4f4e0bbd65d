// Padded MNIST's run figures: accuracies and the border's weight share, and the weight images.
import type { TopLevelSpec } from 'vega-lite';
import { CONFIG, finite, linePanel, top, type FigureTitle } from '../../report/figures.js';

/** The fields of an MNIST run's rows that its figure needs. */
export interface MnistFigureRow {
  iteration: number;
  trainAcc: number;
  oodAcc: number;
  idTestAcc?: number;
  bgEnergy?: number;
  bgShareLearned?: number;
}

/** MNIST run: accuracies (train, ID test, OOD) and the border's share of first-layer weight energy. */
export function mnistRunFigureSpec(
  rows: readonly MnistFigureRow[],
  opts: { title?: string; width?: number; height?: number; /** the OOD series' label (the task names the border from the config; without it a neutral one) */ oodLabel?: string } = {},
): TopLevelSpec {
  const ood = opts.oodLabel ?? 'OOD (test digits, OOD border)';
  const size = { width: opts.width, height: opts.height };
  const acc: Array<{ iteration: number; series: string; value: number }> = [];
  const energy: Array<{ iteration: number; series: string; value: number }> = [];
  const push = (out: typeof acc, it: number, series: string, v: number | undefined) => {
    if (v !== undefined && finite(v)) out.push({ iteration: it, series, value: v });
  };
  for (const r of rows) {
    if (!finite(r.iteration)) continue;
    push(acc, r.iteration, 'Train', r.trainAcc);
    push(acc, r.iteration, 'ID test', r.idTestAcc);
    push(acc, r.iteration, ood, r.oodAcc);
    push(energy, r.iteration, 'bgEnergy (weights)', r.bgEnergy);
    push(energy, r.iteration, 'bgShareLearned (W − W0)', r.bgShareLearned);
  }
  return top(
    {
      hconcat: [
        linePanel('Accuracy', 'Accuracy', acc, ['Train', 'ID test', ood], ['#1f77b4', '#2ca02c', '#ff7f0e'], size),
        linePanel('First-layer weights on the border', 'Fraction of energy', energy, ['bgEnergy (weights)', 'bgShareLearned (W − W0)'], ['#d62728', '#9467bd'], size),
      ],
      resolve: { scale: { color: 'independent' } },
      spacing: 30,
    },
    opts.title,
  );
}

/**
 * First-layer weights as images: per panel, the first `neurons` rows of a [rows x side^2] matrix,
 * each reshaped to side x side and scaled by its own max |w| (so every image spans -1..1), laid
 * out `columns` per row with a one-pixel gap; diverging colours, red > 0 > blue. Rect marks.
 */
export function weightGridSpec(opts: {
  title?: FigureTitle;
  side: number;
  panels: Array<{ title: FigureTitle; weights: ArrayLike<number> }>;
  neurons?: number;
  columns?: number;
  /** pixels per image pixel (default 2; integers keep the SVG's coordinates short) */
  scale?: number;
}): TopLevelSpec {
  const side = opts.side;
  const D = side * side;
  const columns = opts.columns ?? 4;
  const children = opts.panels.map((p) => {
    const rows = Math.min(opts.neurons ?? 16, Math.floor(p.weights.length / D));
    const gridRows = Math.ceil(rows / columns);
    const values: Array<{ x: number; y: number; v: number }> = [];
    for (let k = 0; k < rows; k++) {
      let max = 0;
      for (let j = 0; j < D; j++) max = Math.max(max, Math.abs(p.weights[k * D + j]));
      const ox = (k % columns) * (side + 1);
      const oy = Math.floor(k / columns) * (side + 1);
      for (let j = 0; j < D; j++) {
        const v = max > 0 ? p.weights[k * D + j] / max : 0;
        values.push({ x: ox + (j % side), y: oy + Math.floor(j / side), v: Number(v.toFixed(3)) });
      }
    }
    const wUnits = columns * (side + 1) - 1;
    const hUnits = gridRows * (side + 1) - 1;
    const px = opts.scale ?? 2;
    const axis = null;
    return {
      title: p.title,
      width: wUnits * px,
      height: hUnits * px,
      data: { values },
      transform: [{ calculate: 'datum.x + 1', as: 'x2' }, { calculate: 'datum.y + 1', as: 'y2' }],
      // no per-rect aria labels: tens of thousands of them would make the SVG several times larger
      mark: { type: 'rect', strokeWidth: 0, aria: false },
      encoding: {
        x: { field: 'x', type: 'quantitative', scale: { domain: [0, wUnits], nice: false, zero: false }, axis },
        x2: { field: 'x2' },
        y: { field: 'y', type: 'quantitative', scale: { domain: [0, hUnits], nice: false, zero: false, reverse: true }, axis },
        y2: { field: 'y2' },
        color: { field: 'v', type: 'quantitative', title: 'w / max|w|', scale: { scheme: 'redblue', reverse: true, domain: [-1, 1] } },
      },
    };
  });
  return top(
    { hconcat: children, resolve: { scale: { color: 'shared' } }, spacing: 24, config: { ...CONFIG, view: { stroke: null } } },
    opts.title,
  );
}
