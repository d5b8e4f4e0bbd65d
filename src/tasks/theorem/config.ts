// The setting the paper proves its theorems in (Definition 1 of its earlier version, Feature
// Accompaniment): d0 core and d0 background features embedded orthonormally in R^d, x = Σ_core
// y·z_j·m_j + Σ_bg z_j·m_j with z_j ~ U(0, 1), OOD background in [-1, 0]; a two-layer ReLU
// network without biases, w_k ~ N(0, I/d), output fixed at ±1/m; online hinge-loss SGD on fresh
// batches with step η and weight decay λ.
import { z } from 'zod';
import { ACTIVATIONS, int, nonNegative, positive, seedField } from '../../config/fields.js';

export const theoremConfigSchema = z
  .object({
    preset: z.string(),
    task: z.literal('theorem'),
    seed: seedField,
    data: z
      .object({
        coreDim: int(1, 4096),
        bgDim: int(1, 4096),
        inputDim: int(2, 65536),
        testN: int(2, 1_000_000),
      })
      .strict(),
    model: z.object({ hidden: int(2, 8192), activation: z.enum(ACTIVATIONS) }).strict(),
    train: z
      .object({
        iterations: int(0, 100_000_000),
        lr: positive,
        weightDecay: nonNegative,
        batchSize: int(1, 1_000_000),
        evalEvery: int(1, 100_000_000),
        checkpointEvery: int(0, 100_000_000).default(0),
      })
      .strict(),
    theorem: z.object({ epsilon: z.number().gt(0).lt(0.5) }).strict(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.data.inputDim < c.data.coreDim + c.data.bgDim)
      ctx.addIssue({ code: 'custom', path: ['data', 'inputDim'], message: `must be at least data.coreDim + data.bgDim = ${c.data.coreDim + c.data.bgDim} (orthonormal features)` });
    if (c.model.hidden % 2 !== 0)
      ctx.addIssue({ code: 'custom', path: ['model', 'hidden'], message: 'expected an even width (half the neurons have a_k = +1/m, half -1/m)' });
  });

export type TheoremConfig = z.infer<typeof theoremConfigSchema>;

export const THEOREM_HELP: Record<string, string> = {
  'data.coreDim': 'd0: number of core features m_j (label-correlated: y·z_j, z_j ~ U(0,1))',
  'data.bgDim': 'number of background features (z_j ~ U(0,1) in training, in [-1,0] OOD)',
  'data.inputDim': 'd: input dimension (features embedded orthonormally in R^d; the theory wants d >= d0^2)',
  'data.testN': 'points of the fixed ID and OOD evaluation sets (the OOD set: the same core, background in [-1,0])',
  'model.hidden': 'm: width (even; a_k = +1/m for the first half, -1/m for the rest, fixed)',
  'model.activation': ACTIVATIONS.join(' | ') + ' (relu is the theorems\' network, identity Theorem 4\'s linear one)',
  'train.iterations': 'online SGD steps (each on a fresh batch)',
  'train.lr': 'η: step size',
  'train.weightDecay': 'λ: weight decay',
  'train.batchSize': 'N: fresh samples per step (balanced classes)',
  'train.evalEvery': 'metrics every this many steps (and at the end)',
  'train.checkpointEvery': '0 = off; else a checkpoint every this many steps (no effect on results)',
  'theorem.epsilon': 'ε of "asymmetric": P(active | own class) >= 1-ε and P(active | other class) <= ε',
};

// d0 = 16 + 16 features, d = 1024 = (d0 core + d0 background)^2 >= d0^2.5 for the core alone; m =
// 256 lies between d0 and d. Online steps in feature coordinates cost m·(2 d0)·N multiply-adds, so
// a run of 2,000 steps takes a few seconds, and η = 0.5 puts T0 and T1 well inside it.
export const THEOREM_PRESETS = [
  {
    name: 'theorem',
    summary: "the theorems' own setting (Definition 1): orthonormal features in R^1024, no biases, Gaussian init, fixed ±1/m output, online hinge SGD",
    config: {
      preset: 'theorem',
      task: 'theorem',
      seed: 2024,
      data: { coreDim: 16, bgDim: 16, inputDim: 1024, testN: 1000 },
      model: { hidden: 256, activation: 'relu' },
      train: { iterations: 2000, lr: 0.5, weightDecay: 1e-4, batchSize: 32, evalEvery: 25, checkpointEvery: 0 },
      theorem: { epsilon: 0.1 },
    } satisfies TheoremConfig,
  },
];
