// The run configuration: every knob of the paper's toy.py in one visible place. Keys are
// addressed as dotted paths (`train.iterations`), which is what `--set` and sweeps use.
import { z } from 'zod';

export const ACTIVATIONS = ['relu', 'gelu', 'leakyrelu', 'sigmoid', 'tanh', 'identity'] as const;
export const LOSSES = ['logistic', 'hinge', 'mse'] as const;
export const OPTIMIZERS = ['sgd', 'adam', 'adamw'] as const;
export const CORES = ['sphere', 'uniform'] as const;

export type Activation = (typeof ACTIVATIONS)[number];
export type Loss = (typeof LOSSES)[number];
export type Optimizer = (typeof OPTIMIZERS)[number];

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.number().int().min(min).max(max);
const positive = z.number().positive().finite();
const unit = z.number().min(0).lt(1);

export const configSchema = z
  .object({
    preset: z.string(),
    seed: int(0, 2 ** 32 - 1),
    data: z
      .object({
        n: int(2, 1_000_000),
        core: z.enum(CORES),
        coreDim: int(1, 4096),
        bgDim: int(1, 4096),
        inputDim: int(2, 65536),
        bgMean: z.number().finite(),
      })
      .strict(),
    model: z
      .object({
        layers: int(2, 16),
        hidden: int(1, 8192),
        activation: z.enum(ACTIVATIONS),
        bias: z.boolean(),
        freezeOutput: z.boolean(),
      })
      .strict(),
    train: z
      .object({
        iterations: int(0, 100_000_000),
        optimizer: z.enum(OPTIMIZERS),
        loss: z.enum(LOSSES),
        lr: positive,
        weightDecay: z.number().min(0).finite(),
        momentum: unit,
        beta1: unit,
        beta2: unit,
        eps: positive,
        batchSize: int(0, 1_000_000),
        online: z.boolean(),
        evalEvery: int(1, 100_000_000),
      })
      .strict(),
    engine: z
      .object({
        factorInput: z.union([z.literal('auto'), z.boolean()]),
        featureCoords: z.union([z.literal('auto'), z.boolean()]),
      })
      .strict(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.data.inputDim < c.data.coreDim + c.data.bgDim)
      ctx.addIssue({
        code: 'custom',
        path: ['data', 'inputDim'],
        message: `must be at least data.coreDim + data.bgDim = ${c.data.coreDim + c.data.bgDim} (the embedding V has orthonormal rows)`,
      });
    if (c.train.batchSize > c.data.n)
      ctx.addIssue({
        code: 'custom',
        path: ['train', 'batchSize'],
        message: `must be at most data.n = ${c.data.n} (0 means full batch)`,
      });
  });

/** A validated configuration; engine.factorInput may still be 'auto' until the run resolves it. */
export type Config = z.infer<typeof configSchema>;

/** What `help` prints for each key. */
export const KEY_HELP: Record<string, string> = {
  preset: 'name of the preset the config started from',
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
  'train.online': 'fresh samples at every step (batchSize of them, or n when full batch)',
  'train.evalEvery': 'metrics every this many updates (and at the end)',
  'engine.factorInput': 'auto | true | false: train on X = Z V in factored form (exact same model, less work)',
  'engine.featureCoords': 'auto | true | false: with SGD and factored inputs, train the first layer in feature coordinates (exact in real arithmetic; auto = wherever it is exact)',
};
