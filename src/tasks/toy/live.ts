// The feature model's live panels (what the browser's live plot draws while a run streams in):
// the same series, names and colours as the static run figure.
import type { LivePanel } from '../task.js';

export const TOY_LIVE_PANELS: readonly LivePanel[] = [
  {
    title: 'Loss',
    log: true,
    series: [
      { name: 'Train (ID) loss', color: '#1f77b4', column: 'trainLoss' },
      { name: 'OOD loss', color: '#ff7f0e', column: 'oodLoss' },
    ],
  },
  {
    title: 'Feature projection',
    series: [
      { name: 'Core features', color: '#2ca02c', column: 'coreProj' },
      { name: 'Background features', color: '#d62728', column: 'bgProj' },
    ],
  },
  { title: 'Activation asymmetry', series: [{ name: 'Activation asymmetry', color: '#9467bd', column: 'asymmetry' }] },
];
