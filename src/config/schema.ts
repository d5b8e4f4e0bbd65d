// The run configuration: every knob of the paper's toy.py in one visible place. Keys are
// addressed as dotted paths (`train.iterations`), which is what `--set` and sweeps use.
import { z } from 'zod';

export const ACTIVATIONS = ['relu', 'gelu', 'leakyrelu', 'sigmoid', 'tanh', 'identity'] as const;
export const LOSSES = ['logistic', 'hinge', 'mse'] as const;
export const OPTIMIZERS = ['sgd', 'adam', 'adamw'] as const;
export const CORES = ['sphere', 'uniform'] as const;
/** Where the data comes from: the feature model (the default when data.source is absent) or padded MNIST. */
export const SOURCES = ['features', 'mnist-padded'] as const;
/** Loss of 10-class MNIST runs only: softmax cross-entropy (not one of LOSSES, which the feature model and F4 sweep). */
export const SOFTMAX = 'softmax' as const;
export const MNIST_TASKS = ['binary', 'ten'] as const;
export const MNIST_BORDERS = ['constant', 'texture'] as const;
/** Run kinds: the toy training run (default, `experiment` absent) or representation distillation. */
export const EXPERIMENTS = ['toy', 'distill'] as const;

export type Activation = (typeof ACTIVATIONS)[number];
export type Loss = (typeof LOSSES)[number];
export type Optimizer = (typeof OPTIMIZERS)[number];

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.number().int().min(min).max(max);
const positive = z.number().positive().finite();
const unit = z.number().min(0).lt(1);

/** Representation distillation (the paper's Section 3); the student is model.*, trained with train.*. */
const distillSchema = z
  .object({
    teacherWidth: int(1, 8192),
    teacherBias: z.boolean(),
    testN: int(2, 1_000_000),
    probeIterations: int(1, 100_000_000),
    probeLr: positive,
    probeWeightDecay: z.number().min(0).finite(),
  })
  .strict();

type Refinable = {
  experiment?: (typeof EXPERIMENTS)[number];
  distill?: unknown;
  train: { loss: string; online: boolean };
  model: { freezeOutput: boolean };
};

function refineDistill(c: Refinable, ctx: z.RefinementCtx): void {
  const distill = c.experiment === 'distill';
  if (distill && !c.distill)
    ctx.addIssue({ code: 'custom', path: ['experiment'], message: 'needs a distill section; start from --preset distill-toy' });
  if (!distill && c.distill)
    ctx.addIssue({ code: 'custom', path: ['experiment'], message: 'must be "distill" when the config has a distill section' });
  if (!distill) return;
  if (c.train.loss !== 'mse')
    ctx.addIssue({ code: 'custom', path: ['train', 'loss'], message: 'expected mse: a distilled student fits the teacher\'s representation with the mean squared error' });
  if (c.train.online)
    ctx.addIssue({ code: 'custom', path: ['train', 'online'], message: 'expected false: the student is distilled on a fixed set of ID inputs' });
  if (c.model.freezeOutput)
    ctx.addIssue({ code: 'custom', path: ['model', 'freezeOutput'], message: 'expected false: the student\'s output layer is its representation' });
}

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
        // optional so that the feature-model presets' resolved configs stay exactly as they were
        source: z.enum(SOURCES).optional(),
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
        loss: z.enum([...LOSSES, SOFTMAX]),
        lr: positive,
        weightDecay: z.number().min(0).finite(),
        momentum: unit,
        beta1: unit,
        beta2: unit,
        eps: positive,
        batchSize: int(0, 1_000_000),
        online: z.boolean(),
        evalEvery: int(1, 100_000_000),
        // Not part of the math (the run hash does not depend on it); defaults to off so that
        // config.json files written before the key existed still validate.
        checkpointEvery: int(0, 100_000_000).default(0),
      })
      .strict(),
    engine: z
      .object({
        factorInput: z.union([z.literal('auto'), z.boolean()]),
        featureCoords: z.union([z.literal('auto'), z.boolean()]),
      })
      .strict(),
    // padded MNIST (data.source = mnist-padded); absent for the feature model
    mnist: z
      .object({
        task: z.enum(MNIST_TASKS),
        testN: int(10, 100_000),
        borderWidth: int(1, 64),
        border: z.enum(MNIST_BORDERS),
        intensity: z.number().min(0).max(1),
        oodIntensity: z.number().min(0).max(1),
      })
      .strict()
      .optional(),
    // Optional, so configs without them (every toy preset) resolve exactly as before.
    experiment: z.enum(EXPERIMENTS).optional(),
    distill: distillSchema.optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    refineDistill(c, ctx);
    if (c.data.inputDim < c.data.coreDim + c.data.bgDim)
      ctx.addIssue({
        code: 'custom',
        path: ['data', 'inputDim'],
        message: `must be at least data.coreDim + data.bgDim = ${c.data.coreDim + c.data.bgDim} (the embedding V has orthonormal rows)`,
      });
    const mnist = c.data.source === 'mnist-padded';
    if (mnist && !c.mnist)
      ctx.addIssue({ code: 'custom', path: ['data', 'source'], message: 'needs the mnist.* keys: start from --preset mnist-padded' });
    if (!mnist && c.mnist)
      ctx.addIssue({ code: 'custom', path: ['mnist'], message: 'mnist.* keys apply only with data.source = "mnist-padded" (--preset mnist-padded)' });
    const ten = mnist && c.mnist?.task === 'ten';
    if (c.train.loss === SOFTMAX && !ten)
      ctx.addIssue({ code: 'custom', path: ['train', 'loss'], message: 'softmax needs 10 classes: expected logistic, hinge or mse (softmax only with mnist.task = ten)' });
    if (ten && c.train.loss !== SOFTMAX && c.train.loss !== 'mse')
      ctx.addIssue({ code: 'custom', path: ['train', 'loss'], message: 'expected softmax or mse with mnist.task = ten (10 outputs)' });
    if (mnist && (c.model.freezeOutput && ten))
      ctx.addIssue({ code: 'custom', path: ['model', 'freezeOutput'], message: 'expected false with mnist.task = ten (the frozen +-1/m output layer has one output)' });
    if (mnist && c.train.online)
      ctx.addIssue({ code: 'custom', path: ['train', 'online'], message: 'expected false with data.source = mnist-padded (a finite set of digits)' });
    if (mnist && c.data.n % 10 !== 0)
      ctx.addIssue({ code: 'custom', path: ['data', 'n'], message: 'expected a multiple of 10 with data.source = mnist-padded (the same number of digits per class)' });
    if (mnist && c.mnist && c.mnist.testN % 10 !== 0)
      ctx.addIssue({ code: 'custom', path: ['mnist', 'testN'], message: 'expected a multiple of 10 (the same number of digits per class)' });
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
  'data.source': 'features (the feature model; the default when absent) | mnist-padded (MNIST digits with a border; mnist.* keys)',
  'model.layers': 'number of linear layers (>= 2)',
  'model.hidden': 'width of every hidden layer (m)',
  'model.activation': ACTIVATIONS.join(' | '),
  'model.bias': 'biases in every layer',
  'model.freezeOutput': 'output layer fixed at +1/m (first m/2 neurons) and -1/m, bias frozen too',
  'train.iterations': 'number of updates',
  'train.optimizer': OPTIMIZERS.join(' | ') + ' (PyTorch semantics)',
  'train.loss': LOSSES.join(' | ') + ' (softmax with mnist.task = ten)',
  'train.lr': 'learning rate',
  'train.weightDecay': 'L2 (sgd, adam) or decoupled (adamw) weight decay',
  'train.momentum': 'SGD momentum',
  'train.beta1': 'Adam beta1',
  'train.beta2': 'Adam beta2',
  'train.eps': 'Adam epsilon',
  'train.batchSize': '0 = full batch; otherwise minibatches from per-epoch permutations (drop last)',
  'train.online': 'fresh samples at every step (batchSize of them, or n when full batch)',
  'train.evalEvery': 'metrics every this many updates (and at the end)',
  'train.checkpointEvery': '0 = off; else write a checkpoint every this many updates (fclab run --resume continues it; no effect on results)',
  'engine.factorInput': 'auto | true | false: train on X = Z V in factored form (exact same model, less work)',
  'engine.featureCoords': 'auto | true | false: with SGD and factored inputs, train the first layer in feature coordinates (exact in real arithmetic; auto = wherever it is exact)',
  'mnist.task': 'binary (digits 0-4 vs 5-9, one output) | ten (10 classes, softmax or mse)',
  'mnist.testN': 'in-distribution test digits (the OOD set is the same digits with another border)',
  'mnist.borderWidth': 'border width in pixels around the 28x28 digit',
  'mnist.border': 'constant (every border pixel = intensity) | texture (a fixed random texture of mean intensity, the same for every image)',
  'mnist.intensity': 'border intensity in training and ID test (0 = the MNIST background, black)',
  'mnist.oodIntensity': 'border intensity of the OOD test set (0 = no visible border)',
  experiment: 'run kind: toy (absent) or distill (fclab distill; the student is model.*, trained with train.*)',
  'distill.teacherWidth': 'teacher representation dimension r: relu(W z_core + b), a fixed random layer on the core features',
  'distill.teacherBias': 'the teacher layer has a (random, fixed) bias',
  'distill.testN': 'held-out ID test points (and their OOD twins: same core, background sign-flipped)',
  'distill.probeIterations': 'full-batch AdamW updates of each linear probe (logistic regression on ID representations)',
  'distill.probeLr': 'learning rate of the linear probes',
  'distill.probeWeightDecay': 'weight decay of the linear probes',
};
