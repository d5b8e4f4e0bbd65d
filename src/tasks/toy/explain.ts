// What the feature model's runs show, per preset: the one source of the explanation texts that
// report.html (toyTask.reportSections), README.md and docs/ use (the form: ../explain.ts). Each
// sentence that says what a plot shows is a Claim with a check; tests/explain.test.ts runs every
// described configuration and asserts every check, and a report shows for its own run whether each
// claim holds there.
import type { MetricRow } from '../task.js';
import { describedRunOf, type Explanation, type DescribedRun } from '../explain.js';

export type { Claim, DescribedRun, Explanation } from '../explain.js';

const grew = (m: string, factor: number) => (a: MetricRow, b: MetricRow) => b[m] > factor * a[m];

export const EXPLANATIONS: Record<string, Explanation> = {
  'toy-theory': {
    about:
      'The theory setting: the core is linearly separable (+U(0,1) vs −U(0,1) per coordinate), the background U(0,1) is independent of the label, ' +
      'and the OOD set flips the background to −U(0,1), which moves it only along its mean direction û. Hinge loss, SGD, output frozen at ±1/m. ' +
      'bgShiftProj is the first layer\'s weight along û (what the shift hits: feature contamination); bgNoiseProj is its weight in the other background directions (memorization, which the ID test set also punishes).',
    runs: [
      {
        label: 'ReLU (the preset)',
        set: {},
        claims: [
          { text: 'ReLU: bgShiftProj grows (more than 3× its initial value)', holds: grew('bgShiftProj', 3) },
          { text: 'ReLU: bgNoiseProj does not grow', holds: (a, b) => b.bgNoiseProj <= a.bgNoiseProj },
          { text: 'ReLU: the OOD loss ends well above the ID test loss (shift gap > 0.1), while the generalization gap (ID test − train) stays below 0.05', holds: (_a, b) => b.oodLoss - b.idTestLoss > 0.1 && b.idTestLoss - b.trainLoss < 0.05 },
        ],
      },
      {
        label: 'identity (a linear network)',
        set: { 'model.activation': 'identity' },
        claims: [
          { text: 'identity: bgShiftProj does not grow', holds: (a, b) => b.bgShiftProj <= a.bgShiftProj },
          { text: 'identity: the core is fitted (train accuracy 1) and the shift costs almost nothing (OOD − ID test loss < 0.05)', holds: (_a, b) => b.trainAcc === 1 && b.oodLoss - b.idTestLoss < 0.05 },
        ],
      },
    ],
  },
  'toy-default': {
    about:
      'toy.py as published: the core is on two spheres (radius 1 for y = +1, 2 for y = −1), so the label is in the core\'s norm and no linear function of the inputs separates the classes; ' +
      'the background U(0,1) is independent of the label and flips to −U(0,1) OOD. Logistic loss, AdamW, output layer trained. ' +
      'bgShiftProj is the first layer\'s weight along the shift direction û (feature contamination); bgNoiseProj its weight in the other background directions (memorization).',
    runs: [
      {
        label: 'ReLU (the preset)',
        set: {},
        claims: [
          { text: 'ReLU: most of bgProj\'s growth is bgNoiseProj (memorization), not bgShiftProj', holds: (a, b) => b.bgNoiseProj - a.bgNoiseProj > b.bgShiftProj - a.bgShiftProj && b.bgShiftProj > a.bgShiftProj },
          { text: 'ReLU: bgShiftProj grows (more than 3× its initial value)', holds: grew('bgShiftProj', 3) },
          { text: 'ReLU: the training loss falls to almost 0 and the OOD loss falls too; the generalization gap (ID test − train) ends larger than the shift gap (OOD − ID test)', holds: (a, b) => b.trainLoss < 0.01 && b.oodLoss < a.oodLoss && b.idTestLoss - b.trainLoss > b.oodLoss - b.idTestLoss },
        ],
      },
      {
        label: 'identity (a linear network)',
        set: { 'model.activation': 'identity' },
        claims: [
          { text: 'identity: a linear network cannot fit the sphere core: its training loss stays above 0.6 and its training accuracy below 0.65', holds: (_a, b) => b.trainLoss > 0.6 && b.trainAcc < 0.65 },
        ],
      },
    ],
  },
};

/** The described run a config matches by activation (the explanation's runs differ only there). */
export function describedRun(preset: string, activation: string): DescribedRun | undefined {
  return describedRunOf(EXPLANATIONS[preset], activation);
}
