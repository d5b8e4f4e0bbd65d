// Writes a run's folder (Node): config.json, metrics.csv, summary.json, weights/*.npy, neuron
// traces, and the run figure. Every file is written to a temp name and renamed, and summary.json
// comes last, so a folder with a summary is complete.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic.js';
import { writeNpyAtomic } from './npy.js';
import { metricColumns, metricsCsv } from '../tasks/toy/metrics.js';
import { runFigureSpec, mnistRunFigureSpec, weightGridSpec } from '../report/figures.js';
import { writeFigure } from './png.js';
import { runReportHtml } from '../report/run-report.js';
import { readFile } from 'node:fs/promises';
import { cpus, platform, release, arch } from 'node:os';
import type { RunResult, NeuronTraces } from '../run/loop.js';

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
  await mkdir(join(dir, 'weights'), { recursive: true });
  // A summary marks a complete folder: an older one must not vouch for a mix of old and new files
  // if this process dies half-way through replacing them.
  await rm(join(dir, 'summary.json'), { force: true });
  await writeFileAtomic(join(dir, 'config.json'), JSON.stringify(result.config, null, 2) + '\n');
  await writeFileAtomic(join(dir, 'metrics.csv'), metricsCsv(result.metrics, metricColumns(result.config)));
  for (const p of result.parameters) await writeNpyAtomic(join(dir, 'weights', `${p.name}.npy`), p.data, p.shape);
  await writeNeurons(dir, result.neurons);
  if (opts.figure !== false) {
    const title = `${result.config.preset}: ${result.config.model.activation}, ${result.config.train.loss}, ${result.config.train.optimizer}`;
    const m = result.mnist;
    const { svg } = await writeFigure(dir, 'run', m ? mnistRunFigureSpec(result.metrics, { title }) : runFigureSpec(result.metrics, { title }));
    let weightsSvg: string | null = null;
    if (m) {
      const W = result.parameters[0];
      const grid = weightGridSpec({
        title: { text: `${title}: first-layer weights`, subtitle: `first 16 neurons, ${m.side}x${m.side} (border ${m.borderWidth} px), each scaled to its own max |w|; red > 0 > blue` },
        side: m.side,
        panels: [
          { title: `Weights after ${result.summary.iterations} iterations`, weights: W.data },
          { title: 'Learned change W - W0', weights: W.data.map((v, i) => v - m.initialWeights[i]) },
        ],
      });
      // the report embeds the PNG: the SVG has one rect per weight (tens of thousands)
      const png = await readFile((await writeFigure(dir, 'weights', grid)).png);
      weightsSvg = `<img alt="first-layer weights as images" style="max-width:100%" src="data:image/png;base64,${Buffer.from(png).toString('base64')}">`;
    }
    const html = runReportHtml(result, await readFile(svg, 'utf8'), { fclab: result.summary.engine.version, ...nodeEnvironment() }, weightsSvg);
    await writeFileAtomic(join(dir, 'report.html'), html);
  }
  await writeFileAtomic(join(dir, 'summary.json'), JSON.stringify(result.summary, null, 2) + '\n');
}
