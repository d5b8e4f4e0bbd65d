// Writes a run's folder (Node), for every kind: config.json, metrics.csv, summary.json,
// weights/*.npy, neuron traces (kinds that have them), the kind's figures and report.html. Every file is written to a temp name and renamed, and summary.json
// comes last, so a folder with a summary is complete.
import { mkdir, rm, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cpus, platform, release, arch } from 'node:os';
import { writeFileAtomic } from './atomic.js';
import { writeNpyAtomic } from './npy.js';
import { metricsCsv } from '../io/csv.js';
import { writeFigure } from './png.js';
import { runReportHtml } from '../report/run-report.js';
import { taskOf } from '../tasks/registry.js';
import type { NeuronTraces, RunResult } from '../tasks/task.js';
import type { ReportFigure } from '../report/html.js';

function stack(rows: Float64Array[]): Float64Array {
  const width = rows[0]?.length ?? 0;
  const out = new Float64Array(rows.length * width);
  rows.forEach((r, i) => out.set(r, i * width));
  return out;
}

async function writeNeurons(dir: string, tr: NeuronTraces): Promise<void> {
  const evals = tr.iterations.length;
  const m = tr.bgNorm[0]?.length ?? 0;
  await writeNpyAtomic(join(dir, 'neurons.iteration.npy'), Float64Array.from(tr.iterations), [evals]);
  await writeNpyAtomic(join(dir, 'neurons.coreNorm.npy'), stack(tr.coreNorm), [evals, m]);
  await writeNpyAtomic(join(dir, 'neurons.bgNorm.npy'), stack(tr.bgNorm), [evals, m]);
  await writeNpyAtomic(join(dir, 'neurons.asymmetry.npy'), stack(tr.asymmetry), [evals, m]);
  for (const [name, rows] of Object.entries(tr.more ?? {}))
    if (rows.length === evals) await writeNpyAtomic(join(dir, `neurons.${name}.npy`), stack(rows), [evals, m]);
}

export interface WriteOptions {
  /** skip the SVG/PNG figure and report.html (sweeps write hundreds of runs) */
  figure?: boolean;
}

/** Where a result was computed, for reports. */
export function nodeEnvironment(): Record<string, string> {
  const c = cpus();
  return {
    node: process.version,
    platform: `${platform()} ${release()} (${arch()})`,
    cpu: c.length ? `${c[0].model.trim()} × ${c.length}` : 'unknown',
  };
}

export async function writeRunOutputs(dir: string, result: RunResult, opts: WriteOptions = {}): Promise<void> {
  const task = taskOf(result.config);
  await mkdir(join(dir, 'weights'), { recursive: true });
  // A summary marks a complete folder: an older one must not vouch for a mix of old and new files
  // if this process dies half-way through replacing them.
  await rm(join(dir, 'summary.json'), { force: true });
  await writeFileAtomic(join(dir, 'config.json'), JSON.stringify(result.config, null, 2) + '\n');
  await writeFileAtomic(join(dir, 'metrics.csv'), metricsCsv(result.metrics, task.columns(result.config)));
  for (const p of result.parameters) await writeNpyAtomic(join(dir, 'weights', `${p.name}.npy`), p.data, p.shape);
  if (result.neurons.bgNorm[0]?.length) await writeNeurons(dir, result.neurons);
  if (opts.figure !== false) {
    const shown: Array<{ title: string; figure: ReportFigure }> = [];
    for (const f of task.figures(result)) {
      const out = await writeFigure(dir, f.name, f.spec);
      // figures with tens of thousands of marks are embedded as their PNG
      const svg = f.embedPng
        ? `<img alt="${f.title}" style="max-width:100%" src="data:image/png;base64,${Buffer.from(await readFile(out.png)).toString('base64')}">`
        : await readFile(out.svg, 'utf8');
      shown.push({ title: f.title, figure: { svg, caption: f.caption, png: `${f.name}.png` } });
    }
    await writeFileAtomic(join(dir, 'report.html'), runReportHtml(result, shown, { fclab: result.summary.engine.version, ...nodeEnvironment() }));
  }
  await writeFileAtomic(join(dir, 'summary.json'), JSON.stringify(result.summary, null, 2) + '\n');
}
