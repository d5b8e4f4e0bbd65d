// The run configuration: a union on the experiment kind (`task`), so that a config carries the keys
// of its kind and no others, and combinations across kinds cannot be built. Each kind's section is
// defined in its own folder (src/tasks/<kind>/config.ts) from the shared pieces of ./fields.ts.
// Keys are addressed as dotted paths (`train.iterations`), which is what `--set` and sweeps use.
import { z } from 'zod';
import { toyConfigSchema, TOY_HELP } from '../tasks/toy/config.js';
import { mnistConfigSchema, MNIST_HELP } from '../tasks/mnist/config.js';
import { distillConfigSchema, DISTILL_KEY_HELP } from '../tasks/distill/config.js';
import { SHARED_HELP } from './fields.js';

export { ACTIVATIONS, LOSSES, OPTIMIZERS, CORES } from './fields.js';
export type { Activation, Loss, Optimizer } from './fields.js';
export type { ToyConfig, ToyResolvedConfig } from '../tasks/toy/config.js';
export type { MnistRunConfig, MnistConfig } from '../tasks/mnist/config.js';
export type { DistillConfig } from '../tasks/distill/config.js';

export const configSchema = z.discriminatedUnion('task', [toyConfigSchema, mnistConfigSchema, distillConfigSchema]);

/** A validated configuration of any kind. */
export type Config = z.infer<typeof configSchema>;
/** The experiment kinds. */
export type TaskKind = Config['task'];
export const TASK_KINDS: readonly TaskKind[] = ['toy', 'mnist', 'distill'];

/** Help of each kind's keys: the shared text, then the kind's own entries. */
export const KEY_HELP: Record<TaskKind, Record<string, string>> = {
  toy: { ...SHARED_HELP, ...TOY_HELP },
  mnist: { ...SHARED_HELP, ...MNIST_HELP },
  distill: { ...SHARED_HELP, ...DISTILL_KEY_HELP },
};

/**
 * Config files written before the config was a union (an optional `experiment` and
 * `data.source`, and every kind carrying the feature model's keys) in today's form: old run
 * folders, checkpoints and sweep specs keep working. Anything else is returned as it is.
 */
export function migrateConfig(raw: unknown): unknown {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw) || 'task' in raw) return raw;
  const c = structuredClone(raw) as Record<string, Record<string, unknown> | unknown>;
  const sec = (k: string) => (c[k] && typeof c[k] === 'object' ? (c[k] as Record<string, unknown>) : undefined);
  const data = sec('data');
  const experiment = c.experiment;
  const source = data?.source;
  if (experiment === undefined && source === undefined) return { preset: c.preset, task: 'toy', ...withoutKeys(c, ['preset']) };
  delete c.experiment;
  if (data) delete data.source;
  if (experiment === 'distill') {
    delete sec('model')?.freezeOutput;
    delete sec('train')?.loss;
    delete sec('train')?.online;
    delete c.engine;
    return { preset: c.preset, task: 'distill', ...withoutKeys(c, ['preset']) };
  }
  if (source === 'mnist-padded') {
    for (const k of ['core', 'coreDim', 'bgDim', 'inputDim', 'bgMean']) delete data?.[k];
    delete sec('train')?.online;
    delete c.engine;
    return { preset: c.preset, task: 'mnist', ...withoutKeys(c, ['preset']) };
  }
  return { preset: c.preset, task: 'toy', ...withoutKeys(c, ['preset']) };
}

function withoutKeys(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));
}
