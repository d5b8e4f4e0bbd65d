// Statistics across seeds, and the sweep aggregate files (sweep.json, sweep.csv). Isomorphic.
//
// Every number here is computed with IEEE-exact operations only (+ − × ÷ and Math.sqrt), in a
// fixed order: runs sorted by seed index, sums taken left to right in float64. The aggregate of a
// cell is therefore a pure function of its runs' metrics, whichever machine, worker or shard ran
// them and in whatever order they finished; merged shards give byte-identical files.
//
// 95% confidence interval of a mean over n seeds: mean ± t(0.975, n−1) · s / √n, with s the sample
// standard deviation (divisor n − 1). The Student t critical values come from the table below
// (exact to 7 decimals for df 1..30, 40, 50, 60, 80, 100, 120); between entries, and from 120 to
// the normal limit 1.959964, t is interpolated linearly in 1/df, which is within 1e-4 of the exact
// quantile everywhere. With one seed, std and the interval are NaN (null in JSON).
import type { Config } from '../config/schema.js';
import type { SetValue } from '../config/resolve.js';
import { taskOf } from '../tasks/registry.js';
import type { MetricRow } from '../tasks/task.js';

/** t(0.975, df): two-sided 95% critical values of Student's t distribution. */
export const T_TABLE_975: ReadonlyArray<readonly [number, number]> = [
  [1, 12.7062047], [2, 4.3026527], [3, 3.1824463], [4, 2.7764451], [5, 2.5705818],
  [6, 2.4469119], [7, 2.3646243], [8, 2.3060041], [9, 2.2621572], [10, 2.2281389],
  [11, 2.2009852], [12, 2.1788128], [13, 2.1603687], [14, 2.1447867], [15, 2.1314495],
  [16, 2.1199053], [17, 2.1098156], [18, 2.100922], [19, 2.0930241], [20, 2.0859634],
  [21, 2.0796138], [22, 2.0738731], [23, 2.0686576], [24, 2.0638986], [25, 2.0595386],
  [26, 2.0555294], [27, 2.0518305], [28, 2.0484071], [29, 2.0452296], [30, 2.0422725],
  [40, 2.0210754], [50, 2.0085591], [60, 2.0002978], [80, 1.9900634], [100, 1.9839715],
  [120, 1.9799304],
];
/** The normal quantile z(0.975), the limit of t(0.975, df) as df → ∞. */
export const Z_975 = 1.959964;

/** t(0.975, df) for df ≥ 1 (NaN otherwise); see the file header for the interpolation. */
export function tCritical95(df: number): number {
  if (!(df >= 1)) return NaN;
  const table = T_TABLE_975;
  for (let i = 0; i < table.length; i++) {
    const [d, t] = table[i];
    if (df === d) return t;
    if (df < d) {
      const [d0, t0] = table[i - 1];
      const w = (1 / d0 - 1 / df) / (1 / d0 - 1 / d);
      return t0 + w * (t - t0);
    }
  }
  const [dLast, tLast] = table[table.length - 1];
  // between df = 120 and ∞, linear in 1/df: at 1/df = 0 the normal value
  return Z_975 + (tLast - Z_975) * (dLast / df);
}

/** Mean, sample std and 95% CI of one quantity over seeds. */
export interface Stat {
  n: number;
  mean: number;
  std: number;
  ciLo: number;
  ciHi: number;
}

/** Summarise values (in the given order: callers sort by seed). NaN/Infinity propagate. */
export function summarize(values: readonly number[]): Stat {
  const n = values.length;
  if (n === 0) return { n, mean: NaN, std: NaN, ciLo: NaN, ciHi: NaN };
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / n;
  if (n === 1) return { n, mean, std: NaN, ciLo: NaN, ciHi: NaN };
  let ss = 0;
  for (const v of values) {
    const d = v - mean;
    ss += d * d;
  }
  const std = Math.sqrt(ss / (n - 1));
  const half = (tCritical95(n - 1) * std) / Math.sqrt(n);
  return { n, mean, std, ciLo: mean - half, ciHi: mean + half };
}

export interface SeriesStats {
  mean: number[];
  std: number[];
  ciLo: number[];
  ciHi: number[];
}

/** One run of a cell, as it appears in sweep.json. */
export interface RunEntry {
  seed: number;
  /** run folder, relative to the sweep folder */
  dir: string;
  hash: string;
  /** every aggregated quantity at the last evaluation (AggMetric keys for toy runs, DISTILL_AGG for distillation) */
  final: Record<string, number>;
  /** present when NaN or Infinity stopped the run: where, and in which tensors */
  diverged?: { iteration: number; tensors: string[] };
}

/** One grid cell of sweep.json: its runs and their statistics per logged iteration. */
export interface CellAggregate {
  index: number;
  id: string;
  /** cell folder, relative to the sweep folder (holds one folder per seed) */
  dir: string;
  /** the cell's value of each of the sweep's keys (resolved config values) */
  values: Record<string, SetValue>;
  /** resolved config of the cell's first seed */
  config: Config;
  n: number;
  runs: RunEntry[];
  iterations: number[];
  series: Record<string, SeriesStats>;
  final: Record<string, Stat>;
}

/** A run's contribution to aggregation (a toy run's rows by default, or a distillation run's). */
export interface RunData<R extends MetricRow = MetricRow> {
  seedIndex: number;
  seed: number;
  dir: string;
  hash: string;
  metrics: readonly R[];
  /** the run stopped early on NaN/Infinity (its summary's `diverged`) */
  diverged?: { iteration: number; tensors: string[] };
}

/**
 * A diverged run stopped early: its metrics continue as NaN at the evaluations its cell's other
 * runs logged, so the cell's statistics say "diverged" (NaN, null in JSON) from there on instead of
 * the whole sweep failing. The longest run of the cell gives the iterations.
 */
function padDiverged<R extends MetricRow>(runs: ReadonlyArray<RunData<R>>): (r: RunData<R>) => RunData<R> {
  const longestRun = runs.reduce((a, b) => (b.metrics.length > a.metrics.length ? b : a)).metrics;
  const longest = longestRun.map((m) => m.iteration);
  const columns = Object.keys(longestRun[0] ?? {});
  return (r) => {
    if (!r.diverged || r.metrics.length >= longest.length) return r;
    if (r.metrics.some((m, i) => m.iteration !== longest[i])) return r; // reported as a mismatch below
    const nan = (iteration: number) => Object.fromEntries(columns.map((c) => [c, c === 'iteration' ? iteration : NaN])) as R;
    return { ...r, metrics: [...r.metrics, ...longest.slice(r.metrics.length).map(nan)] };
  };
}

/** Aggregates a cell's runs; their order does not matter (sorted by seed index here). */
export function aggregateCell(
  cell: { index: number; id: string; dir: string; values: Record<string, SetValue>; config: Config },
  runs: ReadonlyArray<RunData>,
): CellAggregate {
  const task = taskOf(cell.config);
  if (runs.length === 0) throw new Error(`cell ${cell.id}: no runs to aggregate`);
  const sorted = [...runs].sort((a, b) => a.seedIndex - b.seedIndex).map(padDiverged(runs));
  const iterations = sorted[0].metrics.map((r) => r.iteration);
  for (const r of sorted) {
    const it = r.metrics.map((m) => m.iteration);
    if (it.length !== iterations.length || it.some((v, i) => v !== iterations[i]))
      throw new Error(`cell ${cell.id}: seed ${r.seed} logged different iterations than seed ${sorted[0].seed}`);
  }
  const derived = sorted.map((r) => r.metrics.map((m) => task.aggregate.derived(m, r.metrics[0])));
  const series: Record<string, SeriesStats> = {};
  const final: Record<string, Stat> = {};
  for (const m of task.aggregate.metrics(cell.config)) {
    const s: SeriesStats = { mean: [], std: [], ciLo: [], ciHi: [] };
    for (let i = 0; i < iterations.length; i++) {
      const st = summarize(derived.map((d) => d[i][m]));
      s.mean.push(st.mean);
      s.std.push(st.std);
      s.ciLo.push(st.ciLo);
      s.ciHi.push(st.ciHi);
    }
    series[m] = s;
    final[m] = summarize(derived.map((d) => d[d.length - 1][m]));
  }
  return {
    index: cell.index,
    id: cell.id,
    dir: cell.dir,
    values: cell.values,
    config: cell.config,
    n: sorted.length,
    runs: sorted.map((r, j) => ({
      seed: r.seed,
      dir: r.dir,
      hash: r.hash,
      final: derived[j][derived[j].length - 1],
      ...(r.diverged ? { diverged: r.diverged } : {}),
    })),
    iterations,
    series,
    final,
  };
}

/** Paired statistics of a − b over seeds (same seed index, hence same data and init). */
export function pairedDifference(a: readonly number[], b: readonly number[]): Stat {
  if (a.length !== b.length) throw new Error(`paired difference: ${a.length} vs ${b.length} values`);
  return summarize(a.map((v, i) => v - b[i]));
}

// ----------------------------------------------------------------------------------------------
// Files

/**
 * JSON with objects indented and arrays of numbers/strings on one line. NaN and ±Infinity become
 * null, as in JSON.stringify. Deterministic for equal input (key order is insertion order).
 */
export function compactJson(value: unknown, indent = ''): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  const inner = indent + '  ';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every((v) => v === null || typeof v !== 'object')) return `[${value.map((v) => compactJson(v)).join(', ')}]`;
    return `[\n${value.map((v) => inner + compactJson(v, inner)).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${compactJson(v, inner)}`).join(',\n')}\n${indent}}`;
}

function csvField(v: string | number | boolean): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * sweep.csv: one row per cell and logged iteration: cell_index, cell, the sweep's keys, iteration,
 * n (seeds), then for every metric <m>_mean, <m>_std, <m>_ci95_lo, <m>_ci95_hi.
 */
export function aggregateCsv(keys: readonly string[], cells: readonly CellAggregate[]): string {
  const header = ['cell_index', 'cell', ...keys, 'iteration', 'n'];
  // every quantity of the cells' kinds (empty where a cell has none)
  const columns = [...new Set(cells.flatMap((c) => Object.keys(c.series)))];
  for (const m of columns) header.push(`${m}_mean`, `${m}_std`, `${m}_ci95_lo`, `${m}_ci95_hi`);
  const lines = [header.map(csvField).join(',')];
  for (const c of cells) {
    const prefix = [c.index, c.id, ...keys.map((k) => c.values[k] ?? '')].map(csvField).join(',');
    c.iterations.forEach((it, i) => {
      const parts = [prefix, String(it), String(c.n)];
      for (const m of columns) {
        const s = c.series[m];
        if (s) parts.push(String(s.mean[i]), String(s.std[i]), String(s.ciLo[i]), String(s.ciHi[i]));
        else parts.push('', '', '', '');
      }
      lines.push(parts.join(','));
    });
  }
  return lines.join('\n') + '\n';
}

/** "0.431 [0.312, 0.55]": a Stat for tables and logs, 3 significant digits. */
export function formatStat(s: Stat, digits = 3): string {
  const f = (v: number) => (Number.isFinite(v) ? String(Number(v.toPrecision(digits))) : 'n/a');
  return s.n > 1 && Number.isFinite(s.ciLo) ? `${f(s.mean)} [${f(s.ciLo)}, ${f(s.ciHi)}]` : f(s.mean);
}
