// Sweeps in Node: runs on a pool of worker threads (piscina), run folders, aggregate files, and
// merging shards. Layout of a sweep folder:
//   sweep.json   the spec, fingerprint, shard, and per cell: runs (seed, folder, hash, final values)
//                and mean/std/95% CI of every metric at every logged iteration (written last)
//   sweep.csv    the same statistics, one row per cell and logged iteration
//   report.html, figures/   with the `report` option, for a complete sweep: per metric a band figure
//                over the cells and a table of final values (./sweep-report.ts), written after sweep.json
//   runs/<cell>/seed-<seed>/   one folder per run, exactly as `fclab run` writes it
import { availableParallelism } from 'node:os';
import { fitToCores } from './cores.js';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, realpath } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { setMaxListeners } from 'node:events';
import { Piscina } from 'piscina';
import { isInside, writeFileAtomic } from './atomic.js';
import { readRegularFile } from './npy.js';
import { canonicalJson, checkDestination, lockFolder, LOCK_FILE, verifyManifest, type FolderLock } from './run-folder.js';
import { VERSION } from '../version.js';
import { taskOf } from '../tasks/registry.js';
import type { MetricRow, Summary } from '../tasks/task.js';
import {
  aggregateCell,
  aggregateCsv,
  compactJson,
  type CellAggregate,
  type RunData,
} from '../sweep/aggregate.js';
import {
  estimateRunCost,
  formatShard,
  parseShard,
  planSweep,
  shardOf,
  SweepError,
  type PlannedRun,
  type Shard,
  type SweepPlan,
  type SweepSpec,
} from '../sweep/plan.js';
import type { WorkerResult, WorkerTask } from './sweep-worker.js';
import { writeSweepReport, type SweepReportProgress } from './sweep-report.js';
import type { SweepReportInput } from '../report/sweep-report.js';

export const SWEEP_JSON = 'sweep.json';
export const SWEEP_CSV = 'sweep.csv';
export const SWEEP_FORMAT = 'fclab-sweep';
export const SWEEP_FORMAT_VERSION = 1;
export const CI_METHOD =
  "mean ± t(0.975, n−1)·s/√n over seeds, s the sample standard deviation (n−1); t from a table (df 1..30, 40, 50, 60, 80, 100, 120), linear in 1/df between entries and towards 1.959964 beyond 120";

/** sweep.json */
export interface SweepDoc extends SweepReportInput {
  format: typeof SWEEP_FORMAT;
  formatVersion: number;
}

export interface SweepProgressEvent {
  type: 'start' | 'progress' | 'run-done';
  runsDone: number;
  runsTotal: number;
  runsReused: number;
  /** estimated fraction of the training work done (0..1; reused runs count as done) */
  fraction: number;
  elapsedSeconds: number;
  /** null until there is enough progress to extrapolate */
  etaSeconds: number | null;
  workers: number;
  run?: { cellIndex: number; cell: string; seed: number; dir: string; hash: string; wallSeconds: number; reused: boolean };
}

export interface SweepOptions {
  out: string;
  /** worker threads; default: the number of cores */
  workers?: number;
  /** run only this shard's cells (`i/n` or an object) */
  shard?: Shard | string;
  /** kernel threads per run (default 1: parallelism comes from the workers; hashes do not depend on it) */
  threads?: number;
  /** write each run's figure (run.svg/png); default true */
  figure?: boolean;
  /** reuse complete run folders whose config.json equals the run's config (default true) */
  reuse?: boolean;
  onProgress?: (e: SweepProgressEvent) => void;
  /**
   * write report.html and figures/ once the sweep is complete (not for a shard: merge writes it);
   * default false: `fclab sweep` asks for it, the reproduction has its own report
   */
  report?: boolean;
  onReportProgress?: (e: SweepReportProgress) => void;
}

export interface RunRecord {
  run: PlannedRun;
  /** absolute run folder */
  dir: string;
  summary: Summary;
  metrics: MetricRow[];
  reused: boolean;
}

export interface SweepOutcome {
  plan: SweepPlan;
  doc: SweepDoc;
  out: string;
  runs: RunRecord[];
  workers: number;
  /** the runs and the aggregates (the report's rendering is report.seconds) */
  wallSeconds: number;
  /** report: report.html, present when the report was written */
  files: { json: string; csv: string; report?: string };
  /** the report's figures (SVG paths) and its rendering time, when it was written */
  report?: { figures: string[]; seconds: number };
}

/** The package root: the nearest folder above this file holding package.json. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('fclab: cannot find package.json above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** The compiled worker (Node cannot run .ts workers; `npm run build` writes dist/). */
export function workerFile(): string {
  const file = join(packageRoot(), 'dist', 'src', 'node', 'sweep-worker.js');
  if (!existsSync(file)) throw new Error(`fclab: ${file} is missing; run \`npm run build\` first`);
  return file;
}

function checkThreads(t: number | undefined): void {
  if (t !== undefined && (!Number.isInteger(t) || t < 1 || t > 64))
    throw new SweepError(`--threads ${JSON.stringify(t)} is not valid: expected an integer from 1 to 64`);
}

function checkWorkers(w: number | undefined): number {
  if (w === undefined) return availableParallelism();
  if (!Number.isInteger(w) || w < 1) throw new SweepError(`--workers ${JSON.stringify(w)} is not valid: expected an integer >= 1`);
  return w;
}


/** Parses a metrics.csv written by metricsCsv with these columns (numbers round-trip exactly). */
export function parseMetricsCsv(text: string, source: string, columns: readonly string[]): MetricRow[] {
  const lines = text.trim().split('\n');
  const header = lines[0].split(',');
  const cols = columns.map((c) => header.indexOf(c));
  if (cols.some((i) => i < 0)) throw new SweepError(`${source}: header lacks ${columns.filter((_, j) => cols[j] < 0).join(', ')}`);
  return lines.slice(1).map((line) => {
    const f = line.split(',');
    const row: Record<string, number> = {};
    columns.forEach((c, j) => (row[c] = Number(f[cols[j]])));
    return row as MetricRow;
  });
}

/** The config a run writes to config.json ('auto' settings resolved as the run resolves them). */
function recordedConfig(config: PlannedRun['config']): unknown {
  return taskOf(config).resolve(config, { imported: false });
}

/** A run folder that is complete, of this fclab version and of exactly this config; else null. */
async function readCompleteRun(dir: string, run: PlannedRun): Promise<Pick<RunRecord, 'summary' | 'metrics'> | null> {
  try {
    // every file the run wrote, with its size and digest: a deleted or truncated file means a re-run
    if ((await verifyManifest(dir)) !== null) return null;
    const summary = JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8')) as RunRecord['summary'];
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as unknown;
    if (summary.engine?.version !== VERSION) return null;
    if (canonicalJson(config) !== canonicalJson(recordedConfig(run.config))) return null;
    const csv = await readFile(join(dir, 'metrics.csv'), 'utf8');
    const file = join(dir, 'metrics.csv');
    const metrics = parseMetricsCsv(csv, file, taskOf(run.config).columns(run.config)) as MetricRow[];
    if (!metrics.length || metrics.some((m) => !Number.isFinite(m.iteration))) return null;
    return { summary, metrics };
  } catch {
    return null;
  }
}

/** Non-finite numbers in sweep.json: NaN is null (as JSON.stringify); ±Infinity are strings. */
function encodeNonFinite(v: unknown): unknown {
  if (typeof v === 'number') return Number.isFinite(v) || Number.isNaN(v) ? v : v > 0 ? 'Infinity' : '-Infinity';
  if (Array.isArray(v)) return v.map(encodeNonFinite);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encodeNonFinite(x)]));
  return v;
}

function decodeNumbers(v: unknown): unknown {
  if (v === null) return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  if (Array.isArray(v)) return v.map(decodeNumbers);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decodeNumbers(x)]));
  return v;
}

export function sweepJson(doc: SweepDoc): string {
  return compactJson(encodeNonFinite(doc)) + '\n';
}

export function sweepCsv(doc: SweepDoc): string {
  return aggregateCsv(doc.keys, doc.cells);
}

/** Reads a sweep folder's sweep.json (numbers restored: null → NaN in statistics). */
export async function readSweep(dir: string): Promise<SweepDoc> {
  const file = join(dir, SWEEP_JSON);
  let text: string;
  try {
    text = new TextDecoder().decode(await readRegularFile(file, 1 << 30));
  } catch {
    throw new SweepError(`${dir}: no ${SWEEP_JSON} (not a finished sweep or shard folder)`);
  }
  let doc: SweepDoc;
  try {
    doc = JSON.parse(text) as SweepDoc;
  } catch (e) {
    throw new SweepError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (doc?.format !== SWEEP_FORMAT) throw new SweepError(`${file}: not an fclab sweep file`);
  if (doc.formatVersion !== SWEEP_FORMAT_VERSION)
    throw new SweepError(`${file}: format version ${doc.formatVersion}; this fclab reads version ${SWEEP_FORMAT_VERSION}`);
  const malformed = sweepDocProblem(doc);
  if (malformed) throw new SweepError(`${file}: malformed sweep file (${malformed}); re-run the sweep or restore the file`);
  doc.cells = doc.cells.map((c) => ({
    ...c,
    runs: c.runs.map((r) => ({ ...r, final: decodeNumbers(r.final) as typeof r.final })),
    series: decodeNumbers(c.series) as typeof c.series,
    final: decodeNumbers(c.final) as typeof c.final,
  }));
  return doc;
}

/** What is wrong with a parsed sweep.json's shape, or null (checked before any field is used). */
function sweepDocProblem(doc: SweepDoc): string | null {
  const obj = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (typeof doc.fingerprint !== 'string') return 'fingerprint is not a string';
  if (!obj(doc.spec)) return 'spec is not an object';
  if (!Array.isArray(doc.keys)) return 'keys is not a list';
  if (!Number.isInteger(doc.cellCount) || !Number.isInteger(doc.seeds)) return 'cellCount or seeds is not an integer';
  if (doc.shard !== null && !(obj(doc.shard) && Number.isInteger(doc.shard.index) && Number.isInteger(doc.shard.count))) return 'shard is neither null nor {index, count}';
  if (!Array.isArray(doc.cells)) return 'cells is not a list';
  for (const [i, c] of doc.cells.entries()) {
    if (!obj(c)) return `cells[${i}] is not an object`;
    if (!Number.isInteger(c.index) || typeof c.id !== 'string' || typeof c.dir !== 'string') return `cells[${i}] lacks index, id or dir`;
    if (!Array.isArray(c.runs) || c.runs.some((r) => !obj(r))) return `cells[${i}].runs is not a list of runs`;
    if (!obj(c.series) || !obj(c.final)) return `cells[${i}] lacks series or final`;
  }
  return null;
}

function makeDoc(plan: SweepPlan, shard: Shard | null, cells: CellAggregate[]): SweepDoc {
  return {
    format: SWEEP_FORMAT,
    formatVersion: SWEEP_FORMAT_VERSION,
    fclab: VERSION,
    fingerprint: plan.fingerprint,
    spec: plan.spec,
    keys: plan.keys,
    cellCount: plan.cells.length,
    seeds: plan.spec.seeds,
    shard,
    ci: { level: 0.95, method: CI_METHOD },
    cells: [...cells].sort((a, b) => a.index - b.index),
  };
}

async function writeAggregates(out: string, doc: SweepDoc): Promise<{ json: string; csv: string }> {
  const json = join(out, SWEEP_JSON);
  const csv = join(out, SWEEP_CSV);
  // sweep.json last: its presence marks a finished sweep
  await writeFileAtomic(csv, sweepCsv(doc));
  await writeFileAtomic(json, sweepJson(doc));
  return { json, csv };
}

/** Refuses an output folder that holds another sweep, or another shard of this one. */
async function checkOut(out: string, plan: SweepPlan, shard: Shard | null): Promise<void> {
  if (!existsSync(join(out, SWEEP_JSON))) return;
  let doc: SweepDoc;
  try {
    doc = await readSweep(out);
  } catch {
    throw new SweepError(`${out} holds an unreadable ${SWEEP_JSON}; choose another --out or remove it`);
  }
  if (doc.fingerprint !== plan.fingerprint)
    throw new SweepError(`${out} holds a different sweep (fingerprint ${doc.fingerprint.slice(0, 12)}, this one ${plan.fingerprint.slice(0, 12)}); choose another --out`);
  const a = doc.shard ? formatShard(doc.shard) : 'all';
  const b = shard ? formatShard(shard) : 'all';
  if (a !== b)
    throw new SweepError(
      `${out} holds ${doc.shard ? `shard ${a}` : 'the complete sweep'}, not ${shard ? `shard ${b}` : 'the complete sweep'}; give each shard its own --out and combine them with fclab merge`,
    );
}

/** Runs a validated plan's runs (those of `shard`), writes run folders and the aggregates. */
export async function runPlan(plan: SweepPlan, options: SweepOptions): Promise<SweepOutcome> {
  const workersWanted = checkWorkers(options.workers);
  checkThreads(options.threads);
  const shard = typeof options.shard === 'string' ? parseShard(options.shard) : (options.shard ?? null);
  if (shard && (!Number.isInteger(shard.index) || !Number.isInteger(shard.count) || shard.count < 1 || shard.index < 0 || shard.index >= shard.count))
    throw new SweepError(`--shard ${shard.index}/${shard.count} is not valid: expected i/n with integers 0 <= i < n`);
  if (options.out.trim() === '') throw new SweepError(`--out ${JSON.stringify(options.out)}: expected a folder name (use --out . for the current folder)`);
  const out = resolve(options.out);
  await checkDestination(out, '--out');
  // one writer per sweep folder: a second sweep (or a second shard) waits for none, it is refused
  const lock = await lockFolder(out, '--out');
  try {
    return await runLocked(plan, options, out, shard, workersWanted);
  } finally {
    await lock.release();
  }
}

async function runLocked(plan: SweepPlan, options: SweepOptions, out: string, shard: Shard | null, workersWanted: number): Promise<SweepOutcome> {
  await checkOut(out, plan, shard);
  const t0 = performance.now();
  const elapsed = () => (performance.now() - t0) / 1000;

  const mine = plan.runs.filter((r) => !shard || shardOf(r.cell, shard.count) === shard.index);
  const records = new Map<PlannedRun, RunRecord>();
  if (options.reuse !== false) {
    for (const r of mine) {
      const dir = join(out, r.dir);
      const done = await readCompleteRun(dir, r);
      if (done) records.set(r, { run: r, dir, ...done, reused: true });
    }
  }
  const reused = records.size;
  // longest first: fewer idle cores at the end
  const cost = new Map(mine.map((r) => [r, estimateRunCost(r.config)]));
  const todo = mine.filter((r) => !records.has(r)).sort((a, b) => cost.get(b)! - cost.get(a)! || a.cell - b.cell || a.seedIndex - b.seedIndex);
  const workTotal = todo.reduce((s, r) => s + cost.get(r)!, 0);
  const partial = new Map<PlannedRun, number>();
  let workDone = 0;
  let runsDone = reused;
  const { workers, threads } = fitToCores(availableParallelism(), todo.length, workersWanted, options.threads);

  const fraction = () => {
    if (workTotal === 0) return 1;
    let w = workDone;
    for (const v of partial.values()) w += v;
    return Math.min(1, w / workTotal);
  };
  const event = (type: SweepProgressEvent['type'], run?: SweepProgressEvent['run']): SweepProgressEvent => {
    const f = fraction();
    const e = elapsed();
    return {
      type,
      runsDone,
      runsTotal: mine.length,
      runsReused: reused,
      fraction: todo.length ? f : 1,
      elapsedSeconds: e,
      etaSeconds: f >= 0.01 && e > 0.5 ? (e * (1 - f)) / f : f >= 1 ? 0 : null,
      workers,
      run,
    };
  };
  options.onProgress?.(event('start'));

  if (todo.length) {
    await mkdir(out, { recursive: true });
    const pool = new Piscina<WorkerTask, WorkerResult>({
      filename: workerFile(),
      minThreads: workers,
      maxThreads: workers,
      idleTimeout: 5000,
    });
    const abort = new AbortController();
    setMaxListeners(todo.length + 10, abort.signal);
    let firstError: { run: PlannedRun; error: unknown } | undefined;
    let lastTick = 0;
    try {
      await Promise.all(
        todo.map(async (r) => {
          const dir = join(out, r.dir);
          const { port1, port2 } = new MessageChannel();
          port1.on('message', (m: { iteration: number; total: number }) => {
            partial.set(r, m.total ? (cost.get(r)! * m.iteration) / m.total : 0);
            const now = performance.now();
            if (now - lastTick > 250) {
              lastTick = now;
              options.onProgress?.(event('progress'));
            }
          });
          try {
            const res = await pool.run(
              { input: r.input, dir, figure: options.figure !== false, threads, port: port2 },
              { transferList: [port2], signal: abort.signal },
            );
            partial.delete(r);
            workDone += cost.get(r)!;
            runsDone++;
            records.set(r, { run: r, dir, summary: res.summary, metrics: res.metrics, reused: false });
            const cell = plan.cells[r.cell];
            options.onProgress?.(
              event('run-done', { cellIndex: cell.index, cell: cell.id, seed: r.seed, dir, hash: res.summary.hash, wallSeconds: res.summary.timing.wallSeconds, reused: false }),
            );
          } catch (error) {
            if (!firstError) {
              firstError = { run: r, error };
              abort.abort();
            }
          } finally {
            port1.close();
          }
        }),
      );
    } finally {
      await pool.destroy();
    }
    if (firstError) {
      const { run, error } = firstError;
      const cell = plan.cells[run.cell];
      const msg = error instanceof Error ? error.message : String(error);
      const wrapped = new Error(`run ${cell.id} seed ${run.seed} (${join(out, run.dir)}) failed: ${msg}; no aggregate was written`);
      (wrapped as Error & { cause?: unknown }).cause = error;
      throw wrapped;
    }
  }

  // aggregate per cell, runs in seed order
  // a cell's runs share its config, hence its run kind (toy rows or distillation rows)
  const byCell = new Map<number, RunData[]>();
  for (const rec of records.values()) {
    const list = byCell.get(rec.run.cell) ?? [];
    const d = rec.summary.diverged;
    list.push({
      seedIndex: rec.run.seedIndex,
      seed: rec.run.seed,
      dir: rec.run.dir,
      hash: rec.summary.hash,
      metrics: rec.metrics,
      ...(d ? { diverged: { iteration: d.iteration, tensors: d.tensors.map((t) => t.name) } } : {}),
    });
    byCell.set(rec.run.cell, list);
  }
  const cells = [...byCell.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([i, runs]) => {
      const c = plan.cells[i];
      return aggregateCell({ index: c.index, id: c.id, dir: c.dir, values: c.values, config: c.config }, runs);
    });
  const doc = makeDoc(plan, shard, cells);
  await mkdir(out, { recursive: true });
  const files: SweepOutcome['files'] = await writeAggregates(out, doc);
  const wallSeconds = elapsed();
  // after sweep.json: rendering only reads the aggregate, and a sweep killed here is complete (a re-run reuses every run and writes the report)
  let report: SweepOutcome['report'];
  if (options.report && shard === null) {
    const r = await writeSweepReport(out, doc, options.onReportProgress);
    files.report = r.html;
    report = { figures: r.figures, seconds: r.seconds };
  }
  const runs = [...records.values()].sort((a, b) => a.run.cell - b.run.cell || a.run.seedIndex - b.run.seedIndex);
  return { plan, doc, out, runs, workers, wallSeconds, files, ...(report ? { report } : {}) };
}

/** Plans (validating every cell first) and runs a sweep. */
export async function runSweep(spec: SweepSpec, options: SweepOptions): Promise<SweepOutcome> {
  return runPlan(planSweep(spec), options);
}

export interface MergeOptions {
  out: string;
  /** copy the shards' run folders into out (default true); false writes the aggregates only */
  copyRuns?: boolean;
  /** write report.html and figures/ of the merged sweep (default false) */
  report?: boolean;
  onReportProgress?: (e: SweepReportProgress) => void;
}

export interface MergeOutcome {
  doc: SweepDoc;
  out: string;
  files: { json: string; csv: string; report?: string };
  report?: { figures: string[]; seconds: number };
  shards: Array<{ dir: string; shard: Shard | null; cells: number }>;
}

/** The real path of a folder, or of its nearest existing ancestor joined with the rest (a new --out). */
async function realpathOf(p: string): Promise<string> {
  const r = await realpath(p).catch(() => null);
  if (r) return r;
  const up = dirname(p);
  return up === p ? p : join(await realpathOf(up), p.slice(up.length + 1));
}

/** Copies a folder file by file, each written to a temp name and renamed (a killed merge leaves no half file). */
async function copyTreeAtomic(src: string, dst: string): Promise<void> {
  await mkdir(dst, { recursive: true });
  for (const e of await readdir(src, { withFileTypes: true })) {
    if (e.name.endsWith('.tmp') || e.name === LOCK_FILE) continue; // a killed run's temp file or lock is not part of it
    const [from, to] = [join(src, e.name), join(dst, e.name)];
    if (e.isDirectory()) await copyTreeAtomic(from, to);
    else if (e.isFile()) await writeFileAtomic(to, await readFile(from));
  }
}

function describeCell(plan: SweepPlan, i: number): string {
  return `${String(i).padStart(3, '0')} (${plan.cells[i].id})`;
}

/** Combines shard folders of one sweep into the aggregate a single-machine sweep writes. */
export async function mergeSweeps(dirs: string[], options: MergeOptions): Promise<MergeOutcome> {
  if (dirs.length === 0) throw new SweepError('merge: expected at least one shard folder');
  const out = resolve(options.out);
  const docs: Array<{ dir: string; doc: SweepDoc }> = [];
  for (const d of dirs) docs.push({ dir: d, doc: await readSweep(d) });
  if (options.out.trim() === '') throw new SweepError(`merge: --out ${JSON.stringify(options.out)}: expected a folder name`);
  const realOut = await realpathOf(out);
  for (const { dir } of docs) {
    const realIn = await realpathOf(resolve(dir));
    if (realIn === realOut) throw new SweepError(`merge: --out ${options.out} is one of the inputs; choose a new folder`);
    // writing inside a shard (s0/runs) would change an input; a shard inside --out would be copied into itself
    if (isInside(realIn, realOut)) throw new SweepError(`merge: --out ${options.out} is inside the input ${dir}; choose a folder outside every input`);
    if (isInside(realOut, realIn)) throw new SweepError(`merge: the input ${dir} is inside --out ${options.out}; choose a folder outside every input`);
  }

  const first = docs[0];
  for (const { dir, doc } of docs.slice(1))
    if (doc.fingerprint !== first.doc.fingerprint) {
      const diff = (['spec', 'fclab', 'seeds'] as const).filter((k) => canonicalJson(doc[k]) !== canonicalJson(first.doc[k]));
      throw new SweepError(
        `merge: ${first.dir} and ${dir} are different sweeps (fingerprints ${first.doc.fingerprint.slice(0, 12)} and ${doc.fingerprint.slice(0, 12)}${diff.length ? `; they differ in ${diff.join(', ')}` : ''})`,
      );
    }
  // the fingerprint must follow from the spec with this fclab
  const plan = planSweep(first.doc.spec as SweepSpec);
  if (plan.fingerprint !== first.doc.fingerprint)
    throw new SweepError(
      `merge: ${first.dir} was written by fclab ${first.doc.fclab} and its cells resolve differently with fclab ${VERSION} (fingerprint ${first.doc.fingerprint.slice(0, 12)} vs ${plan.fingerprint.slice(0, 12)}); merge with the fclab that ran it`,
    );

  const found = new Map<number, { dir: string; cell: CellAggregate }>();
  for (const { dir, doc } of docs) {
    for (const cell of doc.cells) {
      const prev = found.get(cell.index);
      if (prev) {
        if (canonicalJson(encodeNonFinite(prev.cell)) !== canonicalJson(encodeNonFinite(cell)))
          throw new SweepError(`merge: cell ${describeCell(plan, cell.index)} is in ${prev.dir} and ${dir} with different results`);
        continue;
      }
      found.set(cell.index, { dir, cell });
    }
  }
  const missing = plan.cells.map((c) => c.index).filter((i) => !found.has(i));
  if (missing.length) {
    const counts = [...new Set(docs.map((d) => d.doc.shard?.count).filter((c): c is number => c !== undefined))];
    const hint =
      counts.length === 1
        ? `; missing shard(s): ${[...new Set(missing.map((i) => shardOf(i, counts[0])))].map((s) => `${s}/${counts[0]}`).join(', ')}`
        : '';
    const list = missing.slice(0, 20).map((i) => describeCell(plan, i)).join(', ') + (missing.length > 20 ? `, ... (${missing.length - 20} more)` : '');
    throw new SweepError(`merge: ${missing.length} of ${plan.cells.length} cells missing: ${list}${hint}`);
  }

  await checkDestination(out, '--out');
  const lock: FolderLock = await lockFolder(out, '--out');
  try {
    return await mergeLocked(out, plan, found, docs, options);
  } finally {
    await lock.release();
  }
}

async function mergeLocked(
  out: string,
  plan: SweepPlan,
  found: Map<number, { dir: string; cell: CellAggregate }>,
  docs: Array<{ dir: string; doc: SweepDoc }>,
  options: MergeOptions,
): Promise<MergeOutcome> {
  await checkOut(out, plan, null);
  const cells = plan.cells.map((c) => found.get(c.index)!);
  if (options.copyRuns !== false) {
    for (const { dir, cell } of cells) {
      const src = join(dir, cell.dir);
      if (!existsSync(src)) throw new SweepError(`merge: ${src} is missing (cell ${describeCell(plan, cell.index)}); pass --no-runs to merge the aggregates only`);
    }
    for (const { dir, cell } of cells) await copyTreeAtomic(join(dir, cell.dir), join(out, cell.dir));
  }
  const doc = makeDoc(plan, null, cells.map((c) => c.cell));
  const files: MergeOutcome['files'] = await writeAggregates(out, doc);
  let report: MergeOutcome['report'];
  if (options.report) {
    const r = await writeSweepReport(out, doc, options.onReportProgress);
    files.report = r.html;
    report = { figures: r.figures, seconds: r.seconds };
  }
  return {
    doc,
    out,
    files,
    ...(report ? { report } : {}),
    shards: docs.map(({ dir, doc: d }) => ({ dir, shard: d.shard, cells: d.cells.length })),
  };
}
