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
];

export function findPreset(name: string): Preset | undefined {
  return PRESETS.find((p) => p.name === name);
}
