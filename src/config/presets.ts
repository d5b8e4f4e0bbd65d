// The presets: each names a setting of one experiment kind (defined beside the kind, in
// src/tasks/<kind>/config.ts). The first is the default of `fclab run`.
import type { Config } from './schema.js';
import { TOY_PRESETS } from '../tasks/toy/config.js';
import { MNIST_PRESETS } from '../tasks/mnist/config.js';
import { DISTILL_PRESETS } from '../tasks/distill/config.js';

export interface Preset {
  name: string;
  summary: string;
  config: Config;
}

export const PRESETS: readonly Preset[] = [...TOY_PRESETS, ...MNIST_PRESETS, ...DISTILL_PRESETS];

export function findPreset(name: string): Preset | undefined {
  return PRESETS.find((p) => p.name === name);
}
