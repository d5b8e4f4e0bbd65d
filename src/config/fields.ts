// The pieces every experiment kind's config section is built from: value types, the network
// (model.*), the optimizer and schedule (train.*), the feature model's data (data.*), and the
// help text of those keys. Each kind (src/tasks/<kind>/config.ts) composes its own section.
import { z } from 'zod';

export const ACTIVATIONS = ['relu', 'gelu', 'leakyrelu', 'sigmoid', 'tanh', 'identity'] as const;
export const LOSSES = ['logistic', 'hinge', 'mse'] as const;
export const OPTIMIZERS = ['sgd', 'adam', 'adamw'] as const;
export const CORES = ['sphere', 'uniform'] as const;
/** Initialisations of the first layers: PyTorch's default, or the theory's Gaussian N(0, 1/fan_in). */
export const INITS = ['pytorch', 'gaussian'] as const;

export type Activation = (typeof ACTIVATIONS)[number];
export type Loss = (typeof LOSSES)[number];
export type Optimizer = (typeof OPTIMIZERS)[number];

/** The largest finite float32: the engine computes in float32, so a real setting must fit. */
export const FLOAT32_MAX = 3.4028234663852886e38;
// range before integrality: 1e308 is refused with the key's own limit, not the safe-integer one
export const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.number().min(min).max(max).int();
export const positive = z.number().positive().max(FLOAT32_MAX);
export const nonNegative = z.number().min(0).max(FLOAT32_MAX);
export const float32 = z.number().min(-FLOAT32_MAX).max(FLOAT32_MAX);
export const unit = z.number().min(0).lt(1);
export const seedField = int(0, 2 ** 32 - 1);

/** The feature model's data (toy.py): the toy runs and distillation share it. */
export const featureDataFields = {
  n: int(2, 1_000_000),
  core: z.enum(CORES),
  coreDim: int(1, 4096),
  bgDim: int(1, 4096),
  inputDim: int(2, 65536),
  bgMean: float32,
};

export const modelFields = {
  layers: int(2, 16),
  hidden: int(1, 8192),
  activation: z.enum(ACTIVATIONS),
  bias: z.boolean(),
  freezeOutput: z.boolean(),
};

/** train.* without the loss (its choices depend on the kind) and without online sampling (the feature model's only). */
export const trainFields = {
  iterations: int(0, 100_000_000),
  optimizer: z.enum(OPTIMIZERS),
  lr: positive,
  weightDecay: nonNegative,
  momentum: unit,
  beta1: unit,
  beta2: unit,
  eps: positive,
  batchSize: int(0, 1_000_000),
  evalEvery: int(1, 100_000_000),
  // Not part of the math (the run hash does not depend on it); defaults to off so that
  // config.json files written before the key existed still validate.
  checkpointEvery: int(0, 100_000_000).default(0),
};

/** Rules shared by the kinds: one refinement each, so messages name the field. */
export function refineInputDim(c: { data: { inputDim: number; coreDim: number; bgDim: number } }, ctx: z.RefinementCtx): void {
  if (c.data.inputDim < c.data.coreDim + c.data.bgDim)
    ctx.addIssue({
      code: 'custom',
      path: ['data', 'inputDim'],
      message: `must be at least data.coreDim + data.bgDim = ${c.data.coreDim + c.data.bgDim} (the embedding V has orthonormal rows)`,
    });
}

export function refineBatch(c: { data: { n: number }; train: { batchSize: number } }, ctx: z.RefinementCtx): void {
  if (c.train.batchSize > c.data.n)
    ctx.addIssue({ code: 'custom', path: ['train', 'batchSize'], message: `must be at most data.n = ${c.data.n} (0 means full batch)` });
}

/** What `fclab keys` prints for the shared keys; a kind may override an entry. */
export const SHARED_HELP: Record<string, string> = {
  preset: 'name of the preset the config started from',
  task: 'the experiment kind (fixed by the preset)',
  seed: 'root seed of every random stream (uint32)',
  'data.n': 'training points; the first n/2 have y=+1 (the OOD set reuses their core features)',
  'data.core': 'core feature distribution: sphere (radius 1 vs 2) or uniform (+U(0,1) vs -U(0,1))',
  'data.coreDim': 'dimension of the core (label-correlated) features',
  'data.bgDim': 'dimension of the background features (independent of y)',
  'data.inputDim': 'input dimension; x = [z_core, z_bg] V with V orthonormal rows',
  'data.bgMean': 'mean of each background coordinate in training, U(bgMean-1/2, bgMean+1/2); OOD flips its sign',
  'model.layers': 'number of linear layers (>= 2)',
  'model.hidden': 'width of every hidden layer (m)',
  'model.activation': ACTIVATIONS.join(' | '),
  'model.bias': 'biases in every layer',
  'model.freezeOutput': 'output layer fixed at +1/m (first m/2 neurons) and -1/m, bias frozen too',
  'train.iterations': 'number of updates',
  'train.optimizer': OPTIMIZERS.join(' | ') + ' (PyTorch semantics)',
  'train.loss': LOSSES.join(' | '),
  'train.lr': 'learning rate',
  'train.weightDecay': 'L2 (sgd, adam) or decoupled (adamw) weight decay',
  'train.momentum': 'SGD momentum',
  'train.beta1': 'Adam beta1',
  'train.beta2': 'Adam beta2',
  'train.eps': 'Adam epsilon',
  'train.batchSize': '0 = full batch; otherwise minibatches from per-epoch permutations (drop last)',
  'train.evalEvery': 'metrics every this many updates (and at the end)',
  'train.checkpointEvery': '0 = off; else write a checkpoint every this many updates (fclab run --resume continues it; no effect on results)',
};

/** The default optimizer and schedule of toy.py (every preset starts from it). */
export const TOY_TRAIN = {
  iterations: 20000,
  optimizer: 'adamw' as Optimizer,
  lr: 1e-3,
  weightDecay: 1e-3,
  momentum: 0.9,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  batchSize: 0,
  evalEvery: 100,
  checkpointEvery: 0,
};
