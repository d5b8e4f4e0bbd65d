// Writes a complete sweep's report (Node): figures/<metric>.svg and .png, then report.html, each
// file atomically (temp name, fsync, rename), report.html last: a killed rendering leaves the
// previous report (or none), never half of one; the next run of the sweep writes it again.
import { lstat, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic.js';
import { writeFigure } from './png.js';
import { nodeEnvironment } from './outputs.js';
import { sweepFigures, sweepReportHtml, type SweepReportInput } from '../report/sweep-report.js';
import type { ReportFigure } from '../report/html.js';

export const SWEEP_REPORT = 'report.html';
export const SWEEP_FIGURES = 'figures';

/** Progress of the report: `done` of `total` figures written (the last event has done === total). */
export interface SweepReportProgress {
  done: number;
  total: number;
  /** the figure just written (absent in the first event) */
  metric?: string;
  elapsedSeconds: number;
}

export interface SweepReportFiles {
  /** absolute path of report.html */
  html: string;
  /** absolute paths of the SVG figures (each has its PNG next to it when the PNG renderer loads) */
  figures: string[];
  seconds: number;
}

/** Renders every metric's figure into out/figures and writes out/report.html. */
export async function writeSweepReport(out: string, doc: SweepReportInput, onProgress?: (e: SweepReportProgress) => void): Promise<SweepReportFiles> {
  const t0 = performance.now();
  const elapsed = () => (performance.now() - t0) / 1000;
  const dir = join(out, SWEEP_FIGURES);
  // a symlinked figures/ would take the figures out of the sweep folder
  const st = await lstat(dir).catch(() => null);
  if (st && !st.isDirectory()) throw new Error(`${dir} is not a folder (a symlink or file); fclab writes the sweep's figures only into a folder of the sweep`);
  await mkdir(dir, { recursive: true });
  const figures = sweepFigures(doc);
  onProgress?.({ done: 0, total: figures.length, elapsedSeconds: elapsed() });
  const rendered: Array<{ figure: (typeof figures)[number]; rendered: ReportFigure }> = [];
  const svgs: string[] = [];
  for (const f of figures) {
    const files = await writeFigure(dir, f.name, f.spec);
    svgs.push(files.svg);
    rendered.push({
      figure: f,
      rendered: { svg: await readFile(files.svg, 'utf8'), caption: f.caption, png: files.png ? `${SWEEP_FIGURES}/${f.name}.png` : undefined },
    });
    onProgress?.({ done: rendered.length, total: figures.length, metric: f.metric, elapsedSeconds: elapsed() });
  }
  const html = join(out, SWEEP_REPORT);
  await writeFileAtomic(html, sweepReportHtml(doc, rendered, { fclab: doc.fclab, ...nodeEnvironment() }), { within: out });
  return { html, figures: svgs, seconds: elapsed() };
}
