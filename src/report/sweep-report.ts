// report.html of a complete sweep, for every kind: per aggregated metric one band figure (mean ±
// 95% CI over seeds against iterations, one series per grid cell) and a table of the final values.
// The metrics, their meaning and their order come from each cell's kind (Task.aggregate); the
// text states only what holds for any sweep. Isomorphic: the caller renders and writes the figures.
import type { TopLevelSpec } from 'vega-lite';
import { bandLineSpec, PALETTE, spansDecades, type BandSeries } from './figures.js';
import { formatCell, renderReport, type ReportDoc, type ReportFigure, type ReportSection, type ReportTable } from './html.js';
import { taskOf } from '../tasks/registry.js';
import type { CellAggregate, Stat } from '../sweep/aggregate.js';
import type { NormalizedSpec, Shard } from '../sweep/plan.js';

/** What the report reads of a sweep (sweep.json's SweepDoc fits). */
export interface SweepReportInput {
  fclab: string;
  fingerprint: string;
  spec: NormalizedSpec;
  /** columns of sweep.csv naming a cell (grid keys) */
  keys: string[];
  cellCount: number;
  seeds: number;
  /** null for a complete sweep (one machine, or merged shards) */
  shard: Shard | null;
  ci: { level: number; method: string };
  cells: CellAggregate[];
}

/** One figure of the report: figures/<name>.svg and .png. */
export interface SweepFigure {
  name: string;
  metric: string;
  title: string;
  caption: string;
  spec: TopLevelSpec;
}

// a legend to the right holds this many cells; more go below the plot, in columns
const RIGHT_LEGEND_MAX = 12;
const WIDTH = 520;
const HEIGHT = 300;

const valueText = (v: unknown): string => (v === undefined || v === null ? '—' : typeof v === 'string' ? v : String(v));

/**
 * The legend label of each cell: its values of the sweep's keys ("relu, 0.5"; the keys are named
 * in the figure), or its id where the keys do not tell cells apart (or there are none).
 */
export function cellLabels(doc: SweepReportInput): string[] {
  const labels = doc.cells.map((c) => (doc.keys.length ? doc.keys.map((k) => valueText(c.values[k])).join(', ') : c.id));
  return new Set(labels).size === labels.length ? labels : doc.cells.map((c) => c.id);
}

/** The aggregated metrics of the sweep's cells in their kinds' order (a grid may mix kinds), with their help. */
export function sweepMetrics(doc: SweepReportInput): Array<{ metric: string; help: string; cells: CellAggregate[] }> {
  const out = new Map<string, { metric: string; help: string; cells: CellAggregate[] }>();
  for (const c of doc.cells) {
    const task = taskOf(c.config);
    for (const m of task.aggregate.metrics(c.config)) {
      if (!c.series[m] || !c.final[m]) continue;
      const e = out.get(m) ?? { metric: m, help: task.aggregate.help[m] ?? task.metricHelp(c.config)[m] ?? '', cells: [] };
      e.cells.push(c);
      out.set(m, e);
    }
  }
  return [...out.values()];
}

/** Words of `text` in lines of at most `width` characters (vega titles do not wrap). */
function wrap(text: string, width = 80): string[] {
  const lines: string[] = [];
  let line = '';
  for (const w of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + w.length > width) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines;
}

/** A file name for a metric's figure (letters, digits, . _ -), unique within the sweep. */
function fileName(metric: string, used: Set<string>): string {
  const base = metric.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_') || 'metric';
  let name = base;
  for (let i = 2; used.has(name); i++) name = `${base}-${i}`;
  used.add(name);
  return name;
}

function seedsText(doc: SweepReportInput): string {
  return `${doc.seeds} seed${doc.seeds === 1 ? '' : 's'}`;
}

/** Every metric's band figure: one series per cell, log y where its means are positive and span two decades. */
export function sweepFigures(doc: SweepReportInput): SweepFigure[] {
  const labels = cellLabels(doc);
  const labelOf = new Map(doc.cells.map((c, i) => [c, labels[i]]));
  const indexOf = new Map(doc.cells.map((c, i) => [c, i]));
  const keysText = doc.keys.length ? doc.keys.join(', ') : 'cell id';
  const used = new Set<string>();
  return sweepMetrics(doc).map(({ metric, help, cells }) => {
    const series: BandSeries[] = cells.map((c) => {
      const s = c.series[metric];
      const i = indexOf.get(c)!;
      return {
        name: labelOf.get(c)!,
        // ten colours, then the same colours dashed
        color: PALETTE[i % PALETTE.length],
        dashed: Math.floor(i / PALETTE.length) % 2 === 1,
        // one seed has no interval (NaN): the line alone, which bandLineSpec would drop with its band
        points: c.iterations.map((x, j) =>
          Number.isFinite(s.ciLo[j]) && Number.isFinite(s.ciHi[j]) ? { x, mean: s.mean[j], lo: s.ciLo[j], hi: s.ciHi[j] } : { x, mean: s.mean[j], lo: s.mean[j], hi: s.mean[j] },
        ),
      };
    });
    const means = series.flatMap((s) => s.points.map((p) => p.mean)).filter(Number.isFinite);
    const log = spansDecades(means);
    const title = log ? `${metric} (log scale)` : metric;
    const spec = bandLineSpec({
      title: { text: title, subtitle: [...wrap(help), `series: ${keysText}; mean ± 95% CI over ${seedsText(doc)}`] },
      x: 'Iterations',
      y: metric,
      series,
      yScale: log ? 'log' : 'linear',
      width: WIDTH,
      height: HEIGHT,
      legend: cells.length > RIGHT_LEGEND_MAX ? 'bottom' : 'right',
      legendColumns: 3,
    });
    const caption =
      `${metric}${help ? `: ${help}` : ''}. Line: the mean over each cell's seeds at every logged iteration; band: its 95% confidence interval` +
      `${doc.seeds > 1 ? '' : ' (none with one seed)'}. One series per cell, labelled by ${keysText}` +
      `${log ? '; y axis logarithmic because the means are positive and span two decades or more' : ''}.` +
      `${cells.length > PALETTE.length ? ` Cells ${PALETTE.length + 1} to ${2 * PALETTE.length} are drawn dashed in the colours of cells 1 to ${PALETTE.length}.` : ''}`;
    return { name: fileName(metric, used), metric, title, caption, spec };
  });
}

// a number (right-aligned, 4 significant digits in the page) or n/a (a diverged run)
const statCell = (v: number): number | string => (Number.isFinite(v) ? v : 'n/a');

/** "[lo, hi]", or n/a (one seed, or a diverged run). */
function ciText(s: Stat): string {
  return Number.isFinite(s.ciLo) && Number.isFinite(s.ciHi) ? `[${formatCell(s.ciLo)}, ${formatCell(s.ciHi)}]` : 'n/a';
}

/** The final-value table: one row per metric and cell (mean and 95% CI at the cell's last logged iteration). */
export function finalValuesTable(doc: SweepReportInput): ReportTable {
  const keyColumns = doc.keys.length ? doc.keys : ['cell'];
  const rows: Array<Array<string | number>> = [];
  for (const { metric, cells } of sweepMetrics(doc))
    for (const c of cells) {
      const s = c.final[metric];
      rows.push([
        metric,
        ...(doc.keys.length ? doc.keys.map((k) => valueText(c.values[k])) : [c.id]),
        c.iterations[c.iterations.length - 1] ?? 'n/a',
        s.n,
        statCell(s.mean),
        ciText(s),
      ]);
    }
  return {
    caption: 'Final values: mean and 95% CI over seeds at the last logged iteration',
    columns: ['metric', ...keyColumns, 'iteration', 'n seeds', 'mean', '95% CI'],
    rows,
  };
}

function specRows(doc: SweepReportInput): Array<[string, string]> {
  const s = doc.spec;
  const rows: Array<[string, string]> = [];
  if (s.preset !== undefined) rows.push(['preset', s.preset]);
  for (const [k, values] of s.grid ?? []) rows.push([`grid ${k}`, values.map(valueText).join(', ')]);
  for (const [k, v] of Object.entries(s.set)) rows.push([`set ${k}`, valueText(v)]);
  if (s.config !== undefined) rows.push(['config', 'a config file merged over the preset (below)']);
  if (s.cells) rows.push(['cells', `${s.cells.length} given explicitly`]);
  return rows;
}

/** The page: the sweep (spec, fingerprint, CI method, cells), the final values, then one section per metric. */
export function sweepReportHtml(
  doc: SweepReportInput,
  figures: ReadonlyArray<{ figure: SweepFigure; rendered: ReportFigure }>,
  environment: Record<string, string>,
): string {
  const runs = doc.cells.reduce((n, c) => n + c.runs.length, 0);
  const diverged = doc.cells.flatMap((c) => c.runs.filter((r) => r.diverged).map((r) => `${c.id} seed ${r.seed} at iteration ${r.diverged!.iteration}`));
  const kinds = [...new Set(doc.cells.map((c) => taskOf(c.config).kind))];
  const about: ReportSection = {
    id: 'sweep',
    title: 'The sweep',
    text:
      `${doc.cells.length} cells × ${seedsText(doc)} = ${runs} runs. Every cell is ${doc.spec.grid ? 'one combination of the grid values' : 'one of the sweep\'s cells'}; ` +
      `seed j of every cell is the cell's base seed + j, so the same seed index gives the same data and initial weights wherever the shapes agree. ` +
      `Statistics over seeds (${Math.round(doc.ci.level * 100)}% confidence intervals): ${doc.ci.method}.` +
      (diverged.length ? `\n\n${diverged.length} of ${runs} runs diverged (NaN or Infinity); their cells' statistics are n/a from there on: ${diverged.join('; ')}.` : ''),
    tables: [
      {
        columns: ['setting', 'value'],
        rows: [
          ...specRows(doc),
          ['seeds per cell', doc.seeds],
          ['cells', doc.cells.length],
          ['kind', kinds.map((k) => `${k} (${taskOf(doc.cells.find((c) => taskOf(c.config).kind === k)!.config).title})`).join('; ')],
          ['fingerprint', doc.fingerprint],
          ['fclab', doc.fclab],
          ['CI method', doc.ci.method],
        ],
      },
      {
        caption: 'Cells and their run folders',
        columns: ['cell', 'id', 'folder', 'seeds', 'run hashes'],
        rows: doc.cells.map((c) => [c.index, c.id, c.dir, c.runs.map((r) => r.seed).join(', '), c.runs.map((r) => r.hash.slice(0, 12)).join(' ')]),
      },
    ],
    configs: [
      { name: 'sweep spec (as sweep.json records it)', json: doc.spec },
      ...doc.cells.map((c) => ({ name: `config of cell ${c.index} (${c.id}), base seed`, json: c.config })),
    ],
  };
  const finals: ReportSection = { id: 'final-values', title: 'Final values', tables: [finalValuesTable(doc)] };
  const sections: ReportSection[] = figures.map(({ figure, rendered }) => ({ id: `metric-${figure.name}`, title: figure.metric, figures: [rendered] }));
  const grid = (doc.spec.grid ?? []).map(([k]) => k);
  const report: ReportDoc = {
    title: `fclab sweep${doc.spec.preset ? `: ${doc.spec.preset}` : ''}${grid.length ? ` over ${grid.join(' × ')}` : ''}`,
    subtitle: `${doc.cells.length} cells × ${seedsText(doc)}; fingerprint ${doc.fingerprint.slice(0, 16)}`,
    sections: [about, finals, ...sections],
    environment,
  };
  return renderReport(report);
}
