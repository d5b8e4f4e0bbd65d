// Sweeps, isomorphic part: the spec (a grid of config values, or an explicit list of cells, times
// N seeds), its validation, expansion into cells and runs, shards and the fingerprint. Running the
// runs is Node's job (sweep-node.ts); aggregation is aggregate.ts.
//
// Cells and seeds
// - A grid `--grid a=1,2 --grid b=x,y` expands to the cross product in the order given, the first
//   key varying slowest: (a=1,b=x), (a=1,b=y), (a=2,b=x), (a=2,b=y). Cell ids are `a=1,b=x`.
// - Seeds: the cell's config seed (2024 in the presets, or `--set seed=S`) is the base; seed j of
//   every cell is base + j, j = 0..N−1. So the same seed index gives the same data, transform and
//   initial weights in every cell whose shapes agree: comparisons between cells are paired.
// - Shard i/n holds the cells whose index ≡ i (mod n); every cell's seeds stay together, so a
//   shard's aggregate of a cell is the final one.
// - The fingerprint is SHA-256 over the fclab version, the seed count, and every cell's id and
//   fully resolved config: two folders come from the same sweep exactly when fingerprints agree.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { ConfigError, CONFIG_KEYS, parseSetValue, resolveConfig, type SetValue } from '../config/resolve.js';
import type { Config } from '../config/schema.js';
import { VERSION } from '../version.js';
import { compactJson } from './aggregate.js';
import { taskOf } from '../tasks/registry.js';

/** Problems with a sweep's input: spec, shard, workers, output folder, a set of folders to merge. */
export class SweepError extends ConfigError {
  override name = 'SweepError';
}

export type GridAxis = [key: string, values: SetValue[]];

/** An explicit cell (used by `fclab reproduce`): its own preset and overrides. */
export interface CellInput {
  id: string;
  preset?: string;
  set?: Record<string, SetValue>;
}

export interface SweepSpec {
  /** Preset of every grid cell (default toy-default); a grid axis named `preset` overrides it. */
  preset?: string;
  /** A partial config merged over the preset (e.g. the --config file). */
  config?: unknown;
  /** Overrides common to every cell. */
  set?: Record<string, SetValue>;
  /** Grid axes in order (the first varies slowest). Values given as strings are parsed like --set. */
  grid?: GridAxis[];
  /** Explicit cells instead of a grid (mutually exclusive with grid). */
  cells?: CellInput[];
  /** Seeds per cell (≥ 1). */
  seeds: number;
}

export interface Shard {
  index: number;
  count: number;
}

export interface PlannedCell {
  index: number;
  id: string;
  /** folder name under runs/: zero-padded index + a file-system-safe id */
  slug: string;
  /** run folder relative to the sweep folder, without the seed part: runs/<slug> */
  dir: string;
  /** the value of each sweep key in this cell (from its resolved config) */
  values: Record<string, SetValue>;
  /** what `fclab run` would be given (without the seed) */
  input: { preset: string; config?: unknown; set: Record<string, SetValue> };
  /** resolved config at the base seed */
  config: Config;
  /** seeds of this cell, base + j */
  seeds: number[];
}

export interface PlannedRun {
  cell: number;
  seedIndex: number;
  seed: number;
  /** relative to the sweep folder: runs/<slug>/seed-<seed> */
  dir: string;
  /** complete run input, seed included */
  input: { preset: string; config?: unknown; set: Record<string, SetValue> };
  config: Config;
}

export interface SweepPlan {
  /** the normalized spec (what sweep.json stores) */
  spec: NormalizedSpec;
  /** the columns of sweep.csv that name a cell */
  keys: string[];
  cells: PlannedCell[];
  runs: PlannedRun[];
  fingerprint: string;
}

export interface NormalizedSpec {
  preset?: string;
  config?: unknown;
  set: Record<string, SetValue>;
  grid?: GridAxis[];
  cells?: Array<{ id: string; preset: string; set: Record<string, SetValue> }>;
  seeds: number;
}

const show = (v: unknown) => JSON.stringify(v);
const MAX_SEED = 2 ** 32 - 1;

/** `key=v1,v2,...` -> [key, values]; values parsed like --set (numbers, booleans, words). */
export function parseGridArg(arg: string): GridAxis {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new SweepError(`--grid ${show(arg)}: expected key=v1,v2,..., e.g. model.activation=relu,gelu`);
  const key = arg.slice(0, eq).trim();
  const raw = arg.slice(eq + 1);
  const items = raw.split(',').map((s) => s.trim());
  if (raw.trim() === '' || items.some((s) => s === ''))
    throw new SweepError(`--grid ${show(arg)}: empty value in the list; expected key=v1,v2,... with non-empty values`);
  return [key, items.map(parseOnce)];
}

/** `i/n` with 0 ≤ i < n. */
export function parseShard(arg: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(arg);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !(count >= 1) || !(index < count) || !Number.isSafeInteger(count))
    throw new SweepError(`--shard ${show(arg)} is not valid: expected i/n with integers 0 <= i < n, e.g. 0/4`);
  return { index, count };
}

export function formatShard(s: Shard): string {
  return `${s.index}/${s.count}`;
}

/** The cells of a shard: index ≡ shard.index (mod shard.count). */
export function shardOf(cellIndex: number, count: number): number {
  return cellIndex % count;
}

function valueText(v: SetValue): string {
  return typeof v === 'string' ? v : String(v);
}

/** A folder-name-safe form of a cell id: keeps letters, digits and . _ = , + -; max 120 chars. */
export function safeName(id: string): string {
  const s = id.replace(/[^A-Za-z0-9._=,+-]/g, '_').replace(/^\.+/, '_');
  return (s || 'cell').slice(0, 120);
}

function getKey(c: Config, key: string): SetValue {
  let node: unknown = c;
  for (const p of key.split('.')) node = (node as Record<string, unknown>)[p];
  return node as SetValue;
}

/** Re-throws resolveConfig's message for an unknown key as coming from the given flag. */
function checkKey(key: string, flag: string): void {
  if (CONFIG_KEYS.includes(key)) return;
  try {
    resolveConfig({ set: { [key]: 0 } });
  } catch (e) {
    throw new SweepError((e as Error).message.replace(/^--set [^:]*:/, `${flag} ${key}:`));
  }
}

function stableSeeds(base: number, n: number, where: string): number[] {
  if (base + n - 1 > MAX_SEED)
    throw new SweepError(`${where}: seeds ${base}..${base + n - 1} exceed 2^32 - 1; lower the base seed (--set seed=...)`);
  return Array.from({ length: n }, (_, j) => base + j);
}

/** Validates a spec and expands it into cells and runs. Throws SweepError/ConfigError naming the problem. */
/**
 * Parses a --set style value once: resolveConfig parses string values again, so a quoted JSON
 * string ("0.001") is passed on quoted, to stay a string there.
 */
function parseOnce(v: string): SetValue {
  const p = parseSetValue(v);
  return typeof p === 'string' && v.trim().startsWith('"') ? JSON.stringify(p) : p;
}

export function planSweep(spec: SweepSpec): SweepPlan {
  const seeds = spec.seeds;
  if (!Number.isInteger(seeds) || seeds < 1)
    throw new SweepError(`--seeds ${show(seeds)} is not valid: expected an integer >= 1`);
  const baseSet: Record<string, SetValue> = {};
  for (const [k, v] of Object.entries(spec.set ?? {})) {
    checkKey(k, '--set');
    baseSet[k] = typeof v === 'string' ? parseOnce(v) : v;
  }
  if (spec.grid && spec.cells) throw new SweepError('a sweep has either grid axes or explicit cells, not both');

  type Raw = { id: string; preset: string; config?: unknown; set: Record<string, SetValue>; values: Record<string, SetValue> };
  const raw: Raw[] = [];
  let keys: string[];
  let normalized: NormalizedSpec;

  if (spec.cells) {
    if (spec.cells.length === 0) throw new SweepError('cells: expected at least one cell');
    const ids = new Set<string>();
    for (const c of spec.cells) {
      if (!c.id) throw new SweepError('cells: every cell needs a non-empty id');
      if (ids.has(c.id)) throw new SweepError(`cells: duplicate cell id ${show(c.id)}`);
      ids.add(c.id);
      const set: Record<string, SetValue> = { ...baseSet };
      for (const [k, v] of Object.entries(c.set ?? {})) {
        checkKey(k, `cell ${show(c.id)}:`);
        set[k] = typeof v === 'string' ? parseOnce(v) : v;
      }
      raw.push({ id: c.id, preset: c.preset ?? spec.preset ?? 'toy-default', config: spec.config, set, values: {} });
    }
    // columns: preset, then every key some cell overrides (in CONFIG_KEYS order)
    const overridden = new Set(raw.flatMap((r) => Object.keys(r.set)).filter((k) => k !== 'seed'));
    keys = ['preset', ...CONFIG_KEYS.filter((k) => overridden.has(k) && k !== 'preset')];
    normalized = {
      ...(spec.preset !== undefined ? { preset: spec.preset } : {}),
      ...(spec.config !== undefined ? { config: spec.config } : {}),
      set: baseSet,
      cells: raw.map((r) => ({ id: r.id, preset: r.preset, set: r.set })),
      seeds,
    };
  } else {
    const grid: GridAxis[] = [];
    const seen = new Set<string>();
    for (const [key, values] of spec.grid ?? []) {
      if (key === 'seed') throw new SweepError('--grid seed: seeds are not a grid axis; use --seeds N (seeds base..base+N-1) and --set seed=BASE');
      if (key !== 'preset') checkKey(key, '--grid');
      if (seen.has(key)) throw new SweepError(`--grid ${key}: given twice; list all values in one --grid ${key}=v1,v2,...`);
      if (key in baseSet) throw new SweepError(`--grid ${key}: also fixed by --set ${key}; remove one of them`);
      seen.add(key);
      if (!values.length) throw new SweepError(`--grid ${key}: expected at least one value`);
      const parsed = values.map((v) => (typeof v === 'string' ? parseOnce(v) : v));
      const texts = parsed.map(valueText);
      const dup = texts.find((t, i) => texts.indexOf(t) !== i);
      if (dup !== undefined) throw new SweepError(`--grid ${key}: value ${dup} listed twice`);
      grid.push([key, parsed]);
    }
    keys = grid.map(([k]) => k);
    const preset = spec.preset ?? 'toy-default';
    // cross product, first axis slowest
    let combos: Array<Array<[string, SetValue]>> = [[]];
    for (const [key, values] of grid) combos = combos.flatMap((c) => values.map((v) => [...c, [key, v] as [string, SetValue]]));
    for (const combo of combos) {
      const id = combo.length ? combo.map(([k, v]) => `${k}=${valueText(v)}`).join(',') : 'base';
      const set = { ...baseSet };
      let cellPreset = preset;
      for (const [k, v] of combo) {
        if (k === 'preset') cellPreset = String(v);
        else set[k] = v;
      }
      raw.push({ id, preset: cellPreset, config: spec.config, set, values: Object.fromEntries(combo) });
    }
    normalized = {
      preset,
      ...(spec.config !== undefined ? { config: spec.config } : {}),
      set: baseSet,
      grid,
      seeds,
    };
  }

  const width = Math.max(3, String(raw.length - 1).length);
  const cells: PlannedCell[] = raw.map((r, index) => {
    let config: Config;
    try {
      config = resolveConfig({ preset: r.preset, config: r.config, set: r.set });
    } catch (e) {
      if (e instanceof ConfigError) throw new SweepError(`cell ${show(r.id)}: ${e.message.replace(/\n/g, `\ncell ${show(r.id)}: `)}`);
      throw e;
    }
    const slug = `${String(index).padStart(width, '0')}-${safeName(r.id)}`;
    const values: Record<string, SetValue> = {};
    for (const k of keys) values[k] = k === 'preset' ? r.preset : getKey(config, k);
    return {
      index,
      id: r.id,
      slug,
      dir: `runs/${slug}`,
      values,
      input: { preset: r.preset, ...(r.config !== undefined ? { config: r.config } : {}), set: r.set },
      config,
      seeds: stableSeeds(config.seed, seeds, `cell ${show(r.id)}`),
    };
  });

  const runs: PlannedRun[] = [];
  for (const c of cells) {
    c.seeds.forEach((seed, seedIndex) => {
      runs.push({
        cell: c.index,
        seedIndex,
        seed,
        dir: `${c.dir}/seed-${seed}`,
        input: { ...c.input, set: { ...c.input.set, seed } },
        config: { ...c.config, seed },
      });
    });
  }
  const fingerprint = bytesToHex(
    sha256(utf8ToBytes(compactJson({ fclab: VERSION, seeds, cells: cells.map((c) => ({ id: c.id, config: c.config })) }))),
  );
  return { spec: normalized, keys, cells, runs, fingerprint };
}

/** A relative cost of one run, for scheduling (longest first) and the ETA (the kind's estimate). */
export function estimateRunCost(c: Config): number {
  return taskOf(c).cost(c);
}
