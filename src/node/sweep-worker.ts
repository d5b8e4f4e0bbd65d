// The piscina worker of `fclab sweep`: one task = one run, written to its folder exactly as
// `fclab run` writes it. Loaded from dist/ (Node cannot run .ts workers); see sweep-node.ts.
import type { MessagePort } from 'node:worker_threads';
import { planRun, runExperiment } from '../run/loop.js';
import { openRunFolder } from './run-folder.js';
import type { MetricRow, Summary } from '../tasks/task.js';
import { writeRunOutputs } from './outputs.js';
import { loadMnistDigits } from './mnist-digits.js';
import type { SetValue } from '../config/resolve.js';

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
  summary: Summary;
  metrics: MetricRow[];
}

export default async function runTask(task: WorkerTask): Promise<WorkerResult> {
  try {
    const onProgress = task.port ? (e: { iteration: number; total: number }) => task.port!.postMessage({ iteration: e.iteration, total: e.total }) : undefined;
    // the run folder is re-made for this run: a partial or foreign one loses fclab's files first
    const folder = await openRunFolder(task.dir, { flag: 'sweep run folder', config: planRun(task.input), force: true });
    try {
      const result = await runExperiment({
        ...task.input,
        threads: task.threads,
        digits: loadMnistDigits,
        onProgress,
      });
      await writeRunOutputs(task.dir, result, { figure: task.figure });
      return { summary: result.summary, metrics: result.metrics };
    } finally {
      await folder.release();
    }
  } finally {
    task.port?.close();
  }
}
