// Resolution: preset, then a partial config (e.g. a JSON file), then dotted `--set` overrides,
// then validation. Every error names the field, the value found and what was expected. The keys a
// config accepts are those of its kind (the preset decides the kind).
import { configSchema, KEY_HELP, migrateConfig, TASK_KINDS, type Config, type TaskKind } from './schema.js';
import { PRESETS, findPreset } from './presets.js';
import { FLOAT32_MAX } from './fields.js';
import { InputError } from '../engine/errors.js';

export class ConfigError extends InputError {
  override name = 'ConfigError';
}

function leaves(obj: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) =>
    v && typeof v === 'object' && !Array.isArray(v) ? leaves(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}`],
  );
}

/** The settable keys of one kind (every leaf of its presets but `task`, which the preset fixes). */
export function configKeys(kind: TaskKind): string[] {
  const p = PRESETS.find((q) => q.config.task === kind);
  return p ? leaves(p.config as unknown as Record<string, unknown>).filter((k) => k !== 'task') : [];
}

/** What a key means in a kind's runs (`fclab keys`). */
export function keyHelp(kind: TaskKind, key: string): string {
  return KEY_HELP[kind][key] ?? '';
}

/** Every key of every kind, for suggestions. */
export const CONFIG_KEYS: readonly string[] = [...new Set(TASK_KINDS.flatMap(configKeys))];

export type SetValue = string | number | boolean;

export interface ConfigInput {
  /** Preset name; defaults to toy-default. */
  preset?: string;
  /** A partial config merged over the preset (nested objects, same keys as config.json). */
  config?: unknown;
  /** Dotted overrides, e.g. { 'train.iterations': 2000 }. String values are parsed like --set. */
  set?: Record<string, SetValue>;
}

function show(v: unknown): string {
  // JSON.stringify would print NaN and Infinity (e.g. a JSON 1e999) as null
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return JSON.stringify(v) ?? String(v);
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length][b.length];
}

function suggest(key: string, keys: readonly string[] = CONFIG_KEYS): string {
  const lower = key.toLowerCase();
  let best = '';
  let bestD = Infinity;
  for (const k of keys) {
    const d = Math.min(editDistance(lower, k.toLowerCase()), editDistance(lower, k.split('.').pop()!.toLowerCase()) + 1);
    if (d < bestD) [best, bestD] = [k, d];
  }
  return bestD <= Math.max(2, Math.floor(key.length / 3)) ? `; did you mean "${best}"?` : `; known keys: ${keys.join(', ')}`;
}

/** Parses a --set value: JSON where it parses (numbers, booleans, quoted strings), else the raw string. */
export function parseSetValue(raw: string): SetValue {
  const t = raw.trim();
  if (t === '') return '';
  try {
    const v: unknown = JSON.parse(t);
    if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return v;
  } catch {
    // not JSON: a bare word such as gelu
  }
  return t;
}

/** "train.iterations=2000" -> ['train.iterations', 2000]. */
export function parseSetArg(arg: string): [string, SetValue] {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new ConfigError(`--set ${show(arg)}: expected key=value, e.g. train.iterations=2000`);
  return [arg.slice(0, eq).trim(), parseSetValue(arg.slice(eq + 1))];
}

function setPath(target: Record<string, unknown>, key: string, value: unknown, source: string): void {
  const kind = target.task as TaskKind;
  const keys = configKeys(kind);
  if (key === 'task')
    throw new ConfigError(`${source}: the experiment kind (task = ${show(kind)}) is fixed by the preset; choose another --preset (${PRESETS.map((p) => p.name).join(', ')})`);
  if (!keys.includes(key)) {
    const owners = TASK_KINDS.filter((k) => k !== kind && configKeys(k).includes(key));
    if (owners.length) {
      const presets = PRESETS.filter((p) => owners.includes(p.config.task)).map((p) => p.name);
      throw new ConfigError(`${source}: key "${key}" does not apply to preset ${show(target.preset)} (a ${kind} run); it belongs to ${presets.join(', ')}`);
    }
    throw new ConfigError(`${source}: unknown key "${key}"${suggest(key, keys)}`);
  }
  const parts = key.split('.');
  let node = target;
  for (const p of parts.slice(0, -1)) node = node[p] as Record<string, unknown>;
  node[parts[parts.length - 1]] = value;
}

/** Flattens a nested partial config into dotted keys (setPath checks them against the kind). */
function flatten(obj: unknown, source: string, prefix = ''): Array<[string, unknown]> {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj))
    throw new ConfigError(`${source}: ${prefix || 'config'} = ${show(obj)} is not valid: expected an object`);
  const out: Array<[string, unknown]> = [];
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (CONFIG_KEYS.includes(key) || key === 'task') out.push([key, v]);
    else if (CONFIG_KEYS.some((c) => c.startsWith(key + '.'))) out.push(...flatten(v, source, key));
    else throw new ConfigError(`${source}: unknown key "${key}"${suggest(key)}`);
  }
  return out;
}

function getPath(obj: unknown, path: PropertyKey[]): unknown {
  let node = obj;
  for (const p of path) node = node && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[p] : undefined;
  return node;
}

/** Validates a full config object; throws ConfigError listing every problem. */
export function validateConfig(input: unknown, source = 'config'): Config {
  const candidate = migrateConfig(input);
  const r = configSchema.safeParse(candidate);
  if (r.success) {
    // a preset is a name from the registry, of this kind: it names folders and figures
    const p = findPreset(r.data.preset);
    if (!p || p.config.task !== r.data.task) {
      const names = PRESETS.filter((q) => q.config.task === r.data.task).map((q) => q.name);
      throw new ConfigError(`${source}: preset = ${show(r.data.preset)} is not valid: expected one of ${names.join(', ')} (a ${r.data.task} preset)`);
    }
    return r.data;
  }
  const key = (i: { path: PropertyKey[] }) => i.path.join('.');
  // zod adds the safe-integer bound to a key's own limit: keep the key's
  const issues = r.error.issues.filter(
    (i) => !((i.code === 'too_big' || i.code === 'too_small') && i.origin === 'int' && r.error.issues.some((j) => j !== i && key(j) === key(i))),
  );
  const lines = issues.map((issue) => {
    const key = issue.path.join('.');
    if (issue.code === 'unrecognized_keys')
      return issue.keys.map((k) => `unknown key "${key ? key + '.' : ''}${k}"${suggest(`${key ? key + '.' : ''}${k}`)}`).join('\n');
    const value = getPath(candidate, issue.path);
    let expected = issue.message;
    if (issue.code === 'invalid_value' && 'values' in issue) expected = `expected one of ${issue.values.join(', ')}`;
    else if (issue.code === 'invalid_type') expected = `expected ${issue.expected === 'int' ? 'an integer' : `a ${issue.expected}`}`;
    else if (issue.code === 'too_small' && Number(issue.minimum) === -FLOAT32_MAX) expected = `expected a float32 value: at least ${-FLOAT32_MAX} (minus the largest float32)`;
    else if (issue.code === 'too_small') expected = `expected ${issue.inclusive ? '>=' : '>'} ${issue.minimum}`;
    else if (issue.code === 'too_big' && Number(issue.maximum) === FLOAT32_MAX) expected = `expected a float32 value: at most ${FLOAT32_MAX} (the largest float32)`;
    else if (issue.code === 'too_big') expected = `expected ${issue.inclusive ? '<=' : '<'} ${issue.maximum}`;
    else if (issue.code === 'invalid_union' && issue.path[0] === 'task') expected = `expected one of ${TASK_KINDS.join(', ')}`;
    else if (issue.code === 'invalid_union') expected = `expected "auto", true or false`;
    if (value === undefined) return `${key} is missing: ${expected}`;
    return `${key} = ${show(value)} is not valid: ${expected}`;
  });
  throw new ConfigError(lines.map((l) => `${source}: ${l}`).join('\n'));
}

/** Preset + partial config + dotted overrides -> a validated config. */
export function resolveConfig(input: ConfigInput = {}): Config {
  const name = input.preset ?? 'toy-default';
  const preset = findPreset(name);
  if (!preset)
    throw new ConfigError(`preset = ${show(name)} is not valid: expected one of ${PRESETS.map((p) => p.name).join(', ')}`);
  const config = structuredClone(preset.config) as unknown as Record<string, unknown>;
  if (input.config !== undefined) {
    for (const [k, v] of flatten(input.config, 'config')) {
      // a whole config.json (its own kind given) may be passed back: the kind must match the preset's
      if (k === 'task' && v === config.task) continue;
      setPath(config, k, v, 'config');
    }
  }
  for (const [k, raw] of Object.entries(input.set ?? {})) {
    setPath(config, k, typeof raw === 'string' ? parseSetValue(raw) : raw, `--set ${k}`);
  }
  return validateConfig(config, 'config');
}

/** Every settable leaf of a config as [dotted key, value]. */
export function flattenConfig(c: Config): Array<[string, unknown]> {
  return configKeys(c.task).map((k): [string, unknown] => [k, getPath(c, k.split('.'))]);
}
