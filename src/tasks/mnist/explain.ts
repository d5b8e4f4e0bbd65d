// What the padded-MNIST preset's runs show: the one source of the explanation texts that
// report.html (mnistTask.reportSections), the demo page and docs/explanations.md use (the form:
// ../explain.ts). The described runs are the demo page's mnist configuration (300 updates, metrics
// every 25: what `fclab reproduce --quick` trains; the page takes its defaults from here), so each
// sentence the page shows is checked on the run it shows (tests/explain.test.ts).
import type { MetricRow } from '../task.js';
import type { Explanation } from '../explain.js';

/** The described runs' overrides of the preset (besides the activation). */
export const MNIST_DESCRIBED_SET = { 'train.iterations': 300, 'train.evalEvery': 25 } as const;

const accDrop = (r: MetricRow) => r.idTestAcc - r.oodAcc;

export const MNIST_EXPLANATIONS: Record<string, Explanation> = {
  'mnist-padded': {
    about:
      'Padded MNIST, the analogue of the paper\'s CIFAR-10 border: each 28×28 digit sits in a 36×36 image whose 4-pixel border has intensity 0.5, the same for every digit and class, so the border carries no information about the label; ' +
      'the OOD set is the ID test digits with the border removed (intensity 0). A 1296 → 64 → 10 network, softmax cross-entropy, AdamW, minibatches of 100. ' +
      'For a first-layer neuron a constant border is an extra input that every digit shares: its border weights all get the same gradient, which cancels in a linear network once its output bias has settled, and does not where a ReLU gate makes the neuron fire for some classes more than others. ' +
      'bgProj is the mean norm of each neuron\'s border weights; bgShareLearned the border\'s share of the energy of the learned change W − W0 (what the weight images show: a uniform frame is a learned border weight); ' +
      'bgEnergy, the border\'s share of all first-layer weight energy, falls for both networks as the digit weights grow, so compare the two networks, not bgEnergy with its start.',
    runs: [
      {
        label: 'ReLU (300 updates)',
        set: { ...MNIST_DESCRIBED_SET },
        claims: [
          { text: 'ReLU: the border weight norm bgProj grows by more than 10% of its initial value', holds: (a, b) => b.bgProj > 1.1 * a.bgProj },
          { text: 'ReLU: more than 1% of the energy of the learned change W − W0 is on the border (bgShareLearned > 0.01)', holds: (_a, b) => b.bgShareLearned > 0.01 },
          { text: 'ReLU: removing the border costs more than 5 accuracy points (ID test − OOD accuracy > 0.05)', holds: (_a, b) => accDrop(b) > 0.05 },
        ],
      },
      {
        label: 'identity (a linear network, 300 updates)',
        set: { ...MNIST_DESCRIBED_SET, 'model.activation': 'identity' },
        claims: [
          { text: 'identity: the border weight norm bgProj stays within 2% of its initial value', holds: (a, b) => Math.abs(b.bgProj - a.bgProj) < 0.02 * a.bgProj },
          { text: 'identity: less than 0.2% of the energy of the learned change W − W0 is on the border (bgShareLearned < 0.002)', holds: (_a, b) => b.bgShareLearned < 0.002 },
          {
            text: 'identity: removing the border still costs accuracy (ID test − OOD accuracy > 0.02), through the border weights it keeps from initialisation, not through learned ones',
            holds: (a, b) => accDrop(b) > 0.02 && Math.abs(b.bgProj - a.bgProj) < 0.02 * a.bgProj,
          },
        ],
      },
    ],
  },
};
