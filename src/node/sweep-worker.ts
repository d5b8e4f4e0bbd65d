// The piscina worker of `fclab sweep`: one task = one run, written to its folder exactly as
// `fclab run` writes it. Loaded from dist/ (Node cannot run .ts workers); see sweep-node.ts.
import type { MessagePort } from 'node:worker_threads';
import { runExperiment, type Summary } from '../run/loop.js';
import { writeRunOutputs } from './outputs.js';
import { loadMnistDigits } from './mnist-digits.js';
import { runDistill, type DistillSummary } from '../tasks/distill/trainer.js';
import { writeDistillOutputs } from './outputs-distill.js';
import type { MetricsRow } from '../tasks/toy/metrics.js';
import type { DistillRow } from '../tasks/distill/metrics.js';
import { resolveConfig, type SetValue } from '../config/resolve.js';

export interface WorkerTask {
  input: { preset: string; config?: unknown; set: Record<string, SetValue> };
  /** absolute run folder */
  dir: string;
  figure: boolean;
  /** kernel threads of this run (default 1; the hash is the same for any count) */
  threads?: number;
  /** receives { iteration, total } as the run progresses */
  port?: MessagePort;
}

export interface WorkerResult {
  summary: Summary | DistillSummary;
  metrics: MetricsRow[] | DistillRow[];
}

export default async function runTask(task: WorkerTask): Promise<WorkerResult> {
  try {
    const onProgress = task.port ? (e: { iteration: number; total: number }) => task.port!.postMessage({ iteration: e.iteration, total: e.total }) : undefined;
    // the run kind follows from the resolved config (experiment = distill, or the toy run)
    if (resolveConfig(task.input).experiment === 'distill') {
      const result = await runDistill({ ...task.input, threads: task.threads, onProgress });
      await writeDistillOutputs(task.dir, result, { figure: task.figure });
      return { summary: result.summary, metrics: result.metrics };
    }
    const result = await runExperiment({
      ...task.input,
      threads: task.threads,
      digits: loadMnistDigits,
      onProgress,
    });
    await writeRunOutputs(task.dir, result, { figure: task.figure });
    return { summary: result.summary, metrics: result.metrics };
  } finally {
    task.port?.close();
  }
}
