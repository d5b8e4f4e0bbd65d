// The theorem run's figure: one panel per theorem, against steps.
import type { TopLevelSpec } from 'vega-lite';
import { finite, linePanel, top } from '../../report/figures.js';
import type { TheoremRow } from './metrics.js';

export function theoremRunFigureSpec(rows: readonly TheoremRow[], title: string): TopLevelSpec {
  const series = (names: Array<[keyof TheoremRow, string]>) =>
    rows.flatMap((r) => names.filter(([k]) => finite(r[k])).map(([k, label]) => ({ iteration: r.iteration, series: label, value: r[k] })));
  const palette = ['#0072b2', '#d55e00', '#009e73', '#cc79a7'];
  return top(
    {
      hconcat: [
        linePanel('Theorem 1: activation asymmetry', 'fraction of neurons', series([['asymFraction', 'asymmetric']]), ['asymmetric'], [palette[0]]),
        linePanel('Theorem 2: core and background', 'mean over neurons', series([['sCoreAll', 'S_core'], ['sBgAll', 'S_bg']]), ['S_core', 'S_bg'], [palette[0], palette[1]]),
        linePanel('Theorem 3: risks', '0-1 risk', series([['idError', 'ID'], ['oodError', 'OOD']]), ['ID', 'OOD'], [palette[2], palette[1]]),
        linePanel('Theorem 4: background weights', '√d · max |⟨w_k, m_j⟩|', series([['bgMaxScaled', 'background']]), ['background'], [palette[3]]),
      ],
      spacing: 30,
    },
    title,
  );
}
