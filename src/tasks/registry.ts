// The one place that knows every experiment kind: a Map from kind to Task that refuses a second
// registration of the same kind (as tfjs-core's kernel registry does). Everything else asks it.
import type { Config, TaskKind } from '../config/schema.js';
import type { Task } from './task.js';
import { toyTask } from './toy/task.js';
import { mnistTask } from './mnist/task.js';
import { distillTask } from './distill/task.js';

const TASKS = new Map<TaskKind, Task>();

export function registerTask(task: Task): void {
  if (TASKS.has(task.kind)) throw new Error(`task "${task.kind}" is already registered`);
  TASKS.set(task.kind, task);
}

registerTask(toyTask as unknown as Task);
registerTask(mnistTask as unknown as Task);
registerTask(distillTask as unknown as Task);

/** The task of a kind; throws for a kind nobody registered. */
export function getTask(kind: TaskKind): Task {
  const t = TASKS.get(kind);
  if (!t) throw new Error(`no task registered for "${kind}"`);
  return t;
}

/** The task that runs this config. */
export function taskOf(config: Pick<Config, 'task'>): Task {
  return getTask(config.task);
}

export function tasks(): Task[] {
  return [...TASKS.values()];
}
