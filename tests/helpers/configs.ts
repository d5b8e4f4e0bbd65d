// resolveConfig returns the union of every kind's config; tests that work on one kind narrow it
// here, and fail loudly if a preset turned out to be of another kind.
import { resolveConfig, type ConfigInput } from '../../src/config/resolve.js';
import type { Config, DistillConfig, MnistRunConfig, TaskKind, ToyConfig } from '../../src/config/schema.js';

function ofKind<K extends TaskKind>(kind: K, input: ConfigInput): Extract<Config, { task: K }> {
  const c = resolveConfig(input);
  if (c.task !== kind) throw new Error(`expected a ${kind} config, got task = ${c.task} (preset ${c.preset})`);
  return c as Extract<Config, { task: K }>;
}

export const toyConfig = (input: ConfigInput = {}): ToyConfig => ofKind('toy', input);
export const mnistConfig = (input: ConfigInput = {}): MnistRunConfig => ofKind('mnist', { preset: 'mnist-padded', ...input });
export const distillConfig = (input: ConfigInput = {}): DistillConfig => ofKind('distill', { preset: 'distill-toy', ...input });
