// The logged metrics of padded-MNIST runs: the feature model's columns (pixels take the place of
// feature coordinates: "core" = the 28x28 digit pixels, "background" = the border), then MNIST's own.
import { BASE_COLUMNS, METRIC_HELP } from '../toy/metrics.js';

/**
 * Extra columns of padded-MNIST runs (data.source = mnist-padded), logged after BASE_COLUMNS.
 */
export const MNIST_COLUMNS = ['idTestLoss', 'idTestAcc', 'bgEnergy', 'bgEnergyRel', 'bgShareLearned'] as const;
export type MnistMetric = (typeof MNIST_COLUMNS)[number];

export type MnistRow = Record<(typeof BASE_COLUMNS)[number] | MnistMetric, number>;
export const MNIST_RUN_COLUMNS = [...BASE_COLUMNS, ...MNIST_COLUMNS] as const;
export type AnyMetric = (typeof MNIST_RUN_COLUMNS)[number];

/** What the metrics mean in an MNIST run (pixels take the place of feature coordinates). */
export const MNIST_METRIC_HELP: Record<AnyMetric, string> = {
  iteration: METRIC_HELP.iteration,
  trainLoss: 'mean loss on the training digits',
  oodLoss: 'mean loss on the OOD set: the ID test digits with the OOD border',
  trainAcc: 'training accuracy',
  oodAcc: 'OOD accuracy (test digits, OOD border)',
  coreProj: 'mean over first-layer neurons of the norm of the weights on the 28x28 digit pixels',
  bgProj: 'the same on the border pixels',
  asymmetry: 'binary: mean |P(active | 0-4) - P(active | 5-9)|; ten classes: mean over neurons of max - min over classes of P(active | class)',
  bgGradNorm: 'norm of the training-loss gradient of the first layer on the border pixels',
  coreGradNorm: 'the same on the digit pixels',
  idTestLoss: 'mean loss on the ID test digits (training border)',
  idTestAcc: 'ID test accuracy',
  bgEnergy: 'fraction of the first layer\'s weight energy (sum of squares) on border pixels',
  bgEnergyRel: 'bgEnergy / its initial value',
  bgShareLearned: 'fraction of the energy of the learned change W - W0 on border pixels (0 at iteration 0)',
};

/** Derived from padded-MNIST rows, besides DERIVED_METRICS. */
export const MNIST_DERIVED = ['accDrop'] as const;
export const MNIST_DERIVED_HELP: Record<(typeof MNIST_DERIVED)[number], string> = {
  accDrop: 'idTestAcc − oodAcc: the accuracy the OOD border costs on the same test digits',
};
