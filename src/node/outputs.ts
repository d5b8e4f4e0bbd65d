// Writes a run's folder (Node), for every kind: config.json, metrics.csv, summary.json,
// weights/*.npy, neuron traces (kinds that have them), the kind's figures and report.html. Every
// file is written to a temp name, synced and renamed, never through a symlink out of the folder;
// summary.json and then manifest.json (every file with its size and SHA-256) come last, so a
// folder with a manifest that checks out is complete.
import { lstat, mkdir, rm, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST, writeManifest } from './run-folder.js';
import { cpus, platform, release, arch } from 'node:os';
import { writeFileAtomic } from './atomic.js';
import { writeNpyAtomic } from './npy.js';
import { runTextFiles } from '../run/files.js';
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

async function writeNeurons(dir: string, tr: NeuronTraces, written: string[]): Promise<void> {
  const evals = tr.iterations.length;
  const m = tr.bgNorm[0]?.length ?? 0;
  const put = async (name: string, data: Float64Array, shape: number[]) => {
    await writeNpyAtomic(join(dir, name), data, shape, { within: dir });
    written.push(name);
  };
  await put('neurons.iteration.npy', Float64Array.from(tr.iterations), [evals]);
  await put('neurons.coreNorm.npy', stack(tr.coreNorm), [evals, m]);
  await put('neurons.bgNorm.npy', stack(tr.bgNorm), [evals, m]);
  await put('neurons.asymmetry.npy', stack(tr.asymmetry), [evals, m]);
  for (const [name, rows] of Object.entries(tr.more ?? {}))
    if (rows.length === evals) await put(`neurons.${name}.npy`, stack(rows), [evals, m]);
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
  const within = dir;
  const written: string[] = [];
  const put = async (rel: string, data: string | Uint8Array) => {
    await writeFileAtomic(join(dir, rel), data, { within });
    written.push(rel);
  };
  await mkdir(dir, { recursive: true });
  // a symlinked weights/ would take the weights out of the folder
  const w = await lstat(join(dir, 'weights')).catch(() => null);
  if (w && !w.isDirectory()) throw new Error(`${join(dir, 'weights')} is not a folder (a symlink or file); fclab writes the weights only into a folder of the run`);
  await mkdir(join(dir, 'weights'), { recursive: true });
  // The manifest and summary mark a complete folder: older ones must not vouch for a mix of old and
  // new files if this process dies half-way through replacing them.
  await rm(join(dir, MANIFEST), { force: true });
  await rm(join(dir, 'summary.json'), { force: true });
  const text = runTextFiles(result);
  await put('config.json', text['config.json']);
  await put('metrics.csv', text['metrics.csv']);
  for (const p of result.parameters) {
    await writeNpyAtomic(join(dir, 'weights', `${p.name}.npy`), p.data, p.shape, { within });
    written.push(`weights/${p.name}.npy`);
  }
  if (result.neurons.bgNorm[0]?.length) await writeNeurons(dir, result.neurons, written);
  for (const f of task.files?.(result) ?? []) {
    if (!/^[A-Za-z0-9._-]+$/.test(f.name)) throw new Error(`task ${task.kind}: run file name ${JSON.stringify(f.name)} is not a plain file name`);
    await writeNpyAtomic(join(dir, `${f.name}.npy`), f.data, f.shape, { within });
    written.push(`${f.name}.npy`);
  }
  if (opts.figure !== false) {
    const shown: Array<{ title: string; figure: ReportFigure }> = [];
    for (const f of task.figures(result)) {
      const out = await writeFigure(dir, f.name, f.spec);
      written.push(`${f.name}.svg`, ...(out.png ? [`${f.name}.png`] : []));
      // figures with tens of thousands of marks are embedded as their PNG (as SVG without the renderer)
      const svg = f.embedPng && out.png
        ? `<img alt="${f.title}" style="max-width:100%" src="data:image/png;base64,${Buffer.from(await readFile(out.png)).toString('base64')}">`
        : await readFile(out.svg, 'utf8');
      shown.push({ title: f.title, figure: { svg, caption: f.caption, png: out.png ? `${f.name}.png` : undefined } });
    }
    await put('report.html', runReportHtml(result, shown, { fclab: result.summary.engine.version, ...nodeEnvironment() }));
  }
  await put('summary.json', text['summary.json']);
  await writeManifest(dir, written);
}
