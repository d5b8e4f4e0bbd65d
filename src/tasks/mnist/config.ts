// Padded MNIST (the analogue of the paper's CIFAR-10 border figure): config section, preset, help.
// Only the keys this kind uses: no feature-model data keys, no online sampling, no engine section
// (the digits have no factored form).
import { z } from 'zod';
import { ACTIVATIONS, int, LOSSES, modelFields, refineBatch, seedField, TOY_TRAIN, trainFields } from '../../config/fields.js';

export const MNIST_TASKS = ['binary', 'ten'] as const;
export const MNIST_BORDERS = ['constant', 'texture'] as const;
/** Loss of 10-class runs only: softmax cross-entropy. */
export const SOFTMAX = 'softmax' as const;

export const mnistSection = z
  .object({
    task: z.enum(MNIST_TASKS),
    testN: int(10, 100_000),
    borderWidth: int(1, 64),
    border: z.enum(MNIST_BORDERS),
    intensity: z.number().min(0).max(1),
    oodIntensity: z.number().min(0).max(1),
  })
  .strict();

export const mnistConfigSchema = z
  .object({
    preset: z.string(),
    task: z.literal('mnist'),
    seed: seedField,
    data: z.object({ n: int(10, 1_000_000) }).strict(),
    mnist: mnistSection,
    model: z.object(modelFields).strict(),
    train: z.object({ ...trainFields, loss: z.enum([...LOSSES, SOFTMAX]) }).strict(),
  })
  .strict()
  .superRefine((c, ctx) => {
    refineBatch(c, ctx);
    const ten = c.mnist.task === 'ten';
    if (c.train.loss === SOFTMAX && !ten)
      ctx.addIssue({ code: 'custom', path: ['train', 'loss'], message: 'softmax needs 10 classes: expected logistic, hinge or mse (softmax only with mnist.task = ten)' });
    if (ten && c.train.loss !== SOFTMAX && c.train.loss !== 'mse')
      ctx.addIssue({ code: 'custom', path: ['train', 'loss'], message: 'expected softmax or mse with mnist.task = ten (10 outputs)' });
    if (ten && c.model.freezeOutput)
      ctx.addIssue({ code: 'custom', path: ['model', 'freezeOutput'], message: 'expected false with mnist.task = ten (the frozen +-1/m output layer has one output)' });
    if (c.data.n % 10 !== 0)
      ctx.addIssue({ code: 'custom', path: ['data', 'n'], message: 'expected a multiple of 10 (the same number of digits per class)' });
    if (c.mnist.testN % 10 !== 0)
      ctx.addIssue({ code: 'custom', path: ['mnist', 'testN'], message: 'expected a multiple of 10 (the same number of digits per class)' });
  });

export type MnistRunConfig = z.infer<typeof mnistConfigSchema>;
export type MnistConfig = MnistRunConfig['mnist'];

export const MNIST_HELP: Record<string, string> = {
  'data.n': 'training digits (a multiple of 10: the same number per class)',
  'train.loss': [...LOSSES, SOFTMAX].join(' | ') + ' (softmax and mse with mnist.task = ten)',
  'model.activation': ACTIVATIONS.join(' | '),
  'mnist.task': 'binary (digits 0-4 vs 5-9, one output) | ten (10 classes, softmax or mse)',
  'mnist.testN': 'in-distribution test digits (the OOD set is the same digits with another border)',
  'mnist.borderWidth': 'border width in pixels around the 28x28 digit',
  'mnist.border': 'constant (every border pixel = intensity) | texture (a fixed random texture of mean intensity, the same for every image)',
  'mnist.intensity': 'border intensity in training and ID test (0 = the MNIST background, black)',
  'mnist.oodIntensity': 'border intensity of the OOD test set (0 = no visible border)',
};

// 10 classes, because one-vs-rest neurons are strongly class-asymmetric (the mechanism); minibatch
// AdamW so that a run takes seconds; width 64 keeps the weight images readable.
export const MNIST_PRESETS = [
  {
    name: 'mnist-padded',
    summary: 'MNIST digits with a constant gray border (the same for every class), 10 classes; OOD: border removed',
    config: {
      preset: 'mnist-padded',
      task: 'mnist',
      seed: 2024,
      data: { n: 2000 },
      mnist: { task: 'ten', testN: 1000, borderWidth: 4, border: 'constant', intensity: 0.5, oodIntensity: 0 },
      model: { layers: 2, hidden: 64, activation: 'relu', bias: true, freezeOutput: false },
      train: { ...TOY_TRAIN, loss: 'softmax', iterations: 1000, batchSize: 100, evalEvery: 50 },
    } satisfies MnistRunConfig,
  },
];
