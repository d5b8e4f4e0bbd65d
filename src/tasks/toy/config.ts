// The feature model's run (toy.py): config section, presets and key help. Every knob of the
// official script is here, momentum 0.9 included (used when the optimizer is switched to SGD).
import { z } from 'zod';
import { featureDataFields, int, INITS, LOSSES, modelFields, refineBatch, refineInputDim, seedField, TOY_TRAIN, trainFields } from '../../config/fields.js';

export const toyConfigSchema = z
  .object({
    preset: z.string(),
    task: z.literal('toy'),
    seed: seedField,
    // testN defaults to 0 (= data.n, decided by resolve) so that config files written before the key existed still validate
    data: z.object({ ...featureDataFields, testN: int(0, 1_000_000).default(0) }).strict(),
    model: z
      .object({
        ...modelFields,
        // optional default, so config.json files written before the key existed still validate
        init: z.enum(INITS).default('pytorch'),
      })
      .strict(),
    train: z
      .object({
        ...trainFields,
        loss: z.enum(LOSSES),
        online: z.boolean(),
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
    refineInputDim(c, ctx);
    refineBatch(c, ctx);
  });

export type ToyConfig = z.infer<typeof toyConfigSchema>;
/** A toy config whose 'auto' engine settings are decided: what config.json records. */
export type ToyResolvedConfig = ToyConfig & { engine: { factorInput: boolean; featureCoords: boolean } };

export const TOY_HELP: Record<string, string> = {
  'data.testN': 'held-out ID test points, fresh from the training distribution (own "idtest" stream); 0 = data.n (config.json records the number)',
  'train.online': 'fresh samples at every step (batchSize of them, or n when full batch)',
  'model.init': "pytorch (PyTorch's default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases) | gaussian (weights N(0, 1/fan_in), biases 0: the theory's w_k ~ N(0, I/d))",
  'engine.factorInput': 'auto | true | false: train on X = Z V in factored form (exact same model, less work)',
  'engine.featureCoords': 'auto | true | false: with SGD and factored inputs, train the first layer in feature coordinates (exact in real arithmetic; auto = wherever it is exact)',
};

const base = (preset: string): ToyConfig => ({
  preset,
  task: 'toy',
  seed: 2024,
  data: { n: 1000, core: 'sphere', coreDim: 32, bgDim: 32, inputDim: 256, bgMean: 0.5, testN: 0 },
  model: { layers: 2, hidden: 256, activation: 'relu', bias: true, freezeOutput: false, init: 'pytorch' },
  train: { ...TOY_TRAIN, loss: 'logistic', online: false },
  engine: { factorInput: 'auto', featureCoords: 'auto' },
});

export const TOY_PRESETS = [
  { name: 'toy-default', summary: 'toy.py as published: sphere core, logistic loss, AdamW, ReLU, output layer trained', config: base('toy-default') },
  {
    name: 'toy-theory',
    summary: 'the theory setting: uniform core, hinge loss, SGD (momentum 0.9), ReLU, output frozen at +-1/m',
    config: ((c) => {
      c.data.core = 'uniform';
      c.train.loss = 'hinge';
      c.train.optimizer = 'sgd';
      c.model.freezeOutput = true;
      return c;
    })(base('toy-theory')),
  },
];

