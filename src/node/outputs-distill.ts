// Writes a distillation run's folder (Node): config.json, metrics.csv, weights/*.npy, the figure
// (distill.svg/png), report.html and summary.json, each atomically, summary.json last.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic.js';
import { writeNpyAtomic } from './npy.js';
import { distillCsv } from '../tasks/distill/metrics.js';
import { distillRunFigureSpec } from '../tasks/distill/figures.js';
import { distillReportHtml } from '../tasks/distill/report.js';
import { writeFigure } from './png.js';
import { nodeEnvironment, type WriteOptions } from './outputs.js';
import type { DistillResult } from '../tasks/distill/trainer.js';

export async function writeDistillOutputs(dir: string, result: DistillResult, opts: WriteOptions = {}): Promise<void> {
  await mkdir(join(dir, 'weights'), { recursive: true });
  await writeFileAtomic(join(dir, 'config.json'), JSON.stringify(result.config, null, 2) + '\n');
  await writeFileAtomic(join(dir, 'metrics.csv'), distillCsv(result.metrics));
  for (const p of result.parameters) await writeNpyAtomic(join(dir, 'weights', `${p.name}.npy`), p.data, p.shape);
  if (opts.figure !== false) {
    const s = result.summary;
    const title = `${s.preset}: MLP ${result.config.model.layers - 1}×${result.config.model.hidden} ${result.config.model.activation} vs linear student, seed ${s.seed}`;
    const { svg } = await writeFigure(dir, 'distill', distillRunFigureSpec(result.metrics, s.teacher, title));
    const html = distillReportHtml(result, await readFile(svg, 'utf8'), { fclab: s.engine.version, ...nodeEnvironment() });
    await writeFileAtomic(join(dir, 'report.html'), html);
  }
  await writeFileAtomic(join(dir, 'summary.json'), JSON.stringify(result.summary, null, 2) + '\n');
}
