// Presets name the official settings of the paper's toy.py. Both carry every hyperparameter
// of the script (momentum 0.9 included, used when the optimizer is switched to SGD).
import type { Config } from './schema.js';

const base: Omit<Config, 'preset'> = {
  seed: 2024,
  data: { n: 1000, core: 'sphere', coreDim: 32, bgDim: 32, inputDim: 256, bgMean: 0.5 },
  model: { layers: 2, hidden: 256, activation: 'relu', bias: true, freezeOutput: false },
  train: {
    iterations: 20000,
    optimizer: 'adamw',
    loss: 'logistic',
    lr: 1e-3,
    weightDecay: 1e-3,
    momentum: 0.9,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    batchSize: 0,
    online: false,
    evalEvery: 100,
    checkpointEvery: 0,
  },
  engine: { factorInput: 'auto', featureCoords: 'auto' },
};

export interface Preset {
  name: string;
  summary: string;
  config: Config;
}

function preset(name: string, summary: string, patch: (c: Config) => void): Preset {
  const config = structuredClone({ preset: name, ...base }) as Config;
  patch(config);
  return { name, summary, config };
}

export const PRESETS: Preset[] = [
  preset('toy-default', "toy.py as published: sphere core, logistic loss, AdamW, ReLU, output layer trained", () => {}),
  preset('toy-theory', 'the theory setting: uniform core, hinge loss, SGD (momentum 0.9), ReLU, output frozen at +-1/m', (c) => {
    c.data.core = 'uniform';
    c.train.loss = 'hinge';
    c.train.optimizer = 'sgd';
    c.model.freezeOutput = true;
  }),
  // Padded MNIST, the analogue of the paper's CIFAR-10 border figure (README: "Real data").
  // 10 classes, because one-vs-rest neurons are strongly class-asymmetric (the mechanism); minibatch
  // AdamW so that a run takes seconds; width 64 keeps the weight images readable.
  preset('mnist-padded', 'MNIST digits with a constant gray border (the same for every class), 10 classes; OOD: border removed', (c) => {
    c.data.n = 2000;
    c.data.source = 'mnist-padded';
    c.model.hidden = 64;
    c.train.loss = 'softmax';
    c.train.iterations = 1000;
    c.train.batchSize = 100;
    c.train.evalEvery = 50;
    c.mnist = { task: 'ten', testN: 1000, borderWidth: 4, border: 'constant', intensity: 0.5, oodIntensity: 0 };
  }),
  preset(
    'distill-toy',
    "Section 3: an MLP student fitted with MSE to a robust teacher's representation (fixed random ReLU layer on the core features), linear probes ID vs OOD",
    (c) => {
      // A short run that shows the claim in seconds (README, "Representation distillation").
      c.experiment = 'distill';
      c.model.hidden = 128;
      c.train.loss = 'mse';
      c.train.lr = 3e-3;
      c.train.iterations = 600;
      c.train.evalEvery = 100;
      c.distill = { teacherWidth: 64, teacherBias: true, testN: 1000, probeIterations: 1000, probeLr: 1e-2, probeWeightDecay: 0 };
    },
  ),
];

export function findPreset(name: string): Preset | undefined {
  return PRESETS.find((p) => p.name === name);
}
