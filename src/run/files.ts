// The text files of a run folder, built from its result with no Node: what `fclab run` writes
// (src/node/outputs.ts) and what the demo page offers as downloads, from the same function. The
// figures are the kind's (taskOf(config).figures(result), rendered with renderSvg).
import { metricsCsv } from '../io/csv.js';
import { taskOf } from '../tasks/registry.js';
import type { RunResult } from '../tasks/task.js';
/** config.json's text (written when a run starts, and again with its results). */
export const configJson = (config: unknown): string => JSON.stringify(config, null, 2) + '\n';

export interface RunTextFiles {
  /** the resolved config: `fclab run --config config.json` reproduces the run and its hash */
  'config.json': string;
  /** one row per evaluation, the kind's columns */
  'metrics.csv': string;
  /** the summary, with the hash */
  'summary.json': string;
}

export function runTextFiles(result: Pick<RunResult, 'config' | 'metrics' | 'summary'>): RunTextFiles {
  return {
    'config.json': configJson(result.config),
    'metrics.csv': metricsCsv(result.metrics, taskOf(result.config).columns(result.config)),
    'summary.json': JSON.stringify(result.summary, null, 2) + '\n',
  };
}
