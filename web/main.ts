// The demo page: feature contamination you can see. One click trains the same seed, data and
// initial weights with ReLU and with identity, each in its own Web Worker (the library's
// runInWorker, bit-exact: each hash is the CLI's), and draws for each, live at every evaluation,
// the decision slice (f over the plane of the class direction and the shift direction û, with the
// training and OOD points), one mark per neuron and the curves; for padded MNIST the first layer's
// learned change W − W0 as images. A finished run's files (config.json, metrics.csv, summary.json,
// the figures as SVG) download as the library makes them for `fclab run`. A thin shell over the
// public API (src/browser/index.ts: the library of src/index.ts plus runInWorker and serveRuns).
//
// The address bar holds the whole setting (replaceState as controls change, a history entry per
// run; back and forward restore it):
//   ?preset=toy-theory&set=train.lr=0.01&set=data.n=250&compare=1&threads=1&build=scalar&autorun=1
// A visit without parameters trains the default comparison at once.
// body[data-state]: idle, preparing, running, stopping, stopped, done (summaries in
// body[data-summary-a], [data-summary-b]; [data-summary] and #summary-json hold the first) or error.
import {
  PRESETS,
  VERSION,
  createTrainer,
  parseSetArg,
  renderSvg,
  resolveConfig,
  runInWorker,
  runTextFiles,
  taskOf,
  type Config,
  type MetricRow,
  type NamedTensor,
  type RunResult,
  type SetValue,
  type Summary,
  type WorkerRun,
  type WorkerRunOutcome,
  type Build,
} from '../src/browser/index.js';
// the page's own views (decision slice, neuron marks, weight images, small charts): page UI, not part of the library bundle
import { drawDecision, drawLines, drawNeurons, drawWeightImages, featureCoords, COLORS, FeaturePlane, type NeuronMarks, type PlaneFrame, type Series } from '../src/browser/views/index.js';

/**
 * What the page draws per kind: the feature model (toy.py) on the plane of its core and background
 * features; padded MNIST as the first layer's weight images. Other kinds are not offered here.
 */
const VIEWS: Record<string, 'plane' | 'weights'> = { toy: 'plane', mnist: 'weights' };
const viewOf = (config: Pick<Config, 'task'>) => VIEWS[config.task];
const PAGE_PRESETS = PRESETS.filter((p) => viewOf(p.config) !== undefined);

/**
 * The page's own starting values per preset (shown in the fields, so the fields always show what
 * runs): sized so the contrast appears within about 10 s with two networks training at once on a
 * 2-core laptop. Why these, with the numbers `fclab run` gives for them, is in EXPLAIN.
 */
const PAGE_DEFAULTS: Record<string, Record<string, SetValue>> = {
  'toy-theory': { 'train.lr': 0.01, 'train.iterations': 1000, 'train.evalEvery': 50, 'data.n': 250 },
  'toy-default': { 'train.iterations': 1000, 'train.evalEvery': 50, 'data.n': 250 },
};

/** A preset's explanation from the library (the text of report.html and docs/explanations.md), if its kind has one. */
const explanationOf = (p: (typeof PRESETS)[number]) => taskOf(p.config).explanations?.[p.name];

/**
 * The page's starting values: its own for the feature model, else the runs the preset's explanation
 * describes (so every sentence it shows is checked on the run the page trains: tests/explain.test.ts).
 */
function pageDefaults(p: (typeof PRESETS)[number]): Record<string, SetValue> {
  if (PAGE_DEFAULTS[p.name]) return PAGE_DEFAULTS[p.name];
  const { 'model.activation': _a, ...set } = explanationOf(p)?.runs[0]?.set ?? {};
  return set;
}

const escapeHtml = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The explanation as HTML: what the setting is, then each described run's claims (marked after a run: holds here or not). */
function explanationHtml(p: (typeof PRESETS)[number]): string | undefined {
  const e = explanationOf(p);
  if (!e) return undefined;
  const runs = e.runs.map((r) => {
    const cmd = ['fclab run --preset', p.name, ...Object.entries(r.set).map(([k, v]) => `--set ${k}=${v}`)].join(' ');
    const act = String(r.set['model.activation'] ?? 'relu');
    const items = r.claims.map((c, i) => `<li data-act="${escapeHtml(act)}" data-claim="${i}">${escapeHtml(c.text)}.<span class="claim-mark"></span></li>`).join('');
    return `<p><b>${escapeHtml(r.label)}</b> (<code>${escapeHtml(cmd)}</code>), the page's defaults: each of these is true, and after a run each says whether it holds there:</p><ul class="claims">${items}</ul>`;
  });
  return `<p>${escapeHtml(e.about)}</p>${runs.join('')}`;
}

/** What the page says per preset: the setting, what to look for, and what these defaults give (measured with fclab run). */
const EXPLAIN: Record<string, string> = {
  'toy-theory': `<p><b>The theory setting.</b> Class +1 has its 32 core features in (0, 1), class −1 in (−1, 0); the 32
    background features are U(0, 1) in training and U(−1, 0) in the OOD set, whatever the label. Hinge loss, SGD with
    momentum 0.9, output weights frozen at ±1/m: the setting of the paper's theorems.</p>
    <p><b>Why the ReLU network contaminates:</b> a ReLU neuron that lines up with one class fires mostly on that class
    (activation asymmetry, the neurons' x axis). Its gradient then keeps a share of the background, whose mean is not
    zero, and its weight grows along the background's mean (the neurons' y axis: the direction −û, which the OOD
    shift flips); when the OOD background flips, its output moves. A linear
    unit has no gate: each class contributes its background with opposite signs and they cancel, so its weight does not
    grow along û even where the sign of its input is asymmetric. Watch the ReLU boundary bend along û towards the △ OOD
    points, while the linear network's stays parallel to û.</p>
    <p><b>Sized for this page:</b> n = 250 points, learning rate 0.01 (the preset's is 0.001), 1,000 iterations,
    evaluated every 50: more than 80% of the growth happens before iteration 800. At these defaults <code>fclab run</code>
    gives ReLU bgProj 0.205 → 0.367 and OOD loss 0.795 against a training loss of 0.013; identity bgProj 0.205 → 0.186,
    OOD loss 0.007. With the preset's 1,000 points and 2,000 iterations (25 to 30 s per network on a 2-core machine) the ReLU numbers are
    0.205 → 0.362 and 0.769. The OOD accuracy stays near 1 in this setting: the shift eats the margin (the hinge loss
    rises), it does not cross the boundary.</p>`,
  'toy-default': `<p><b>toy.py as published:</b> the core is a sphere, radius 1 for class +1 and 2 for class −1, so the
    plane goes through one core axis and a point sits at its core radius (→). A point's core is spread over all 32 axes,
    so the colour under it is f on the axis, not at the point: its own prediction is its outline (black: misclassified,
    computed at the full point). Background as in the theory setting.
    Logistic loss, AdamW, all layers trained.</p>
    <p><b>A linear network cannot fit the sphere core:</b> the classes differ only in radius, and no linear function of
    the input separates two concentric spheres. At these defaults (n = 250, 1,000 iterations) <code>fclab run</code>
    gives the identity network a training accuracy of 0.74 (what it can memorize of 250 points in 256 dimensions) and
    OOD accuracy 0.50; the ReLU network fits the training set (accuracy 1, loss 0.0007) and falls to 0.50 OOD
    (loss 2.15), its bgProj growing 0.205 → 1.00. With AdamW much of that growth is memorization of the training
    background, not only the shift direction: compare bgShiftProj with bgProj.</p>`,
};

const FIELD_IDS = ['activation', 'lr', 'iterations', 'eval-every', 'n', 'seed'] as const;
const THREADS_MAX = 64;

type State = 'idle' | 'preparing' | 'running' | 'stopping' | 'stopped' | 'done' | 'error';

function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from index.html`);
  return el as T;
}

const ui = {
  form: $<HTMLFormElement>('run-form'),
  preset: $<HTMLSelectElement>('preset'),
  presetSummary: $('preset-summary'),
  compare: $<HTMLInputElement>('compare'),
  build: $<HTMLSelectElement>('build'),
  threads: $<HTMLSelectElement>('threads'),
  extra: $<HTMLInputElement>('extra'),
  run: $<HTMLButtonElement>('run'),
  step: $<HTMLButtonElement>('step'),
  stop: $<HTMLButtonElement>('stop'),
  reset: $<HTMLButtonElement>('reset'),
  error: $('error'),
  status: $('status'),
  progressBar: $('progress-bar'),
  live: $('live'),
  explain: $('explain'),
  verdict: $('verdict'),
  cli: $('cli-command'),
  share: $<HTMLAnchorElement>('share-link'),
  summaryJson: $('summary-json'),
  keysHint: $('keys-hint'),
};
const fields = FIELD_IDS.map((id) => $<HTMLInputElement | HTMLSelectElement>(id));
const keyOf = (el: HTMLElement) => el.dataset.key!;
const FIELD_KEYS = new Set(fields.map(keyOf));

// ---------------------------------------------------------------- formatting

function fmt(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return v.toLocaleString('en-US');
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(2);
  return String(Number(v.toPrecision(3)));
}

const fmtSeconds = (s: number) => (s < 60 ? `${Math.max(1, Math.round(s))} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`);

function setState(state: State): void {
  document.body.dataset.state = state;
  const busy = state === 'preparing' || state === 'running' || state === 'stopping';
  ui.run.disabled = busy;
  ui.step.disabled = busy;
  ui.stop.disabled = !(state === 'running');
  ui.run.textContent = state === 'stopped' ? 'Continue' : 'Train';
}

function status(text: string): void {
  ui.status.textContent = text;
}

// ---------------------------------------------------------------- the form

const getPath = (obj: unknown, key: string): unknown => key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], obj);

function presetOf(name: string) {
  return PAGE_PRESETS.find((p) => p.name === name);
}

/** Fields to the preset's values under the page's defaults; overrides cleared. */
function applyPreset(name: string): void {
  const p = presetOf(name) ?? PAGE_PRESETS[0];
  ui.preset.value = p.name;
  ui.presetSummary.textContent = p.summary;
  const defaults = pageDefaults(p);
  for (const el of fields) {
    const key = keyOf(el);
    el.value = String(defaults[key] ?? getPath(p.config, key));
  }
  ui.extra.value = '';
  ui.explain.innerHTML = EXPLAIN[p.name] ?? explanationHtml(p) ?? `<p>${escapeHtml(p.summary)}</p>`;
}

interface Setting {
  preset: string;
  set: Record<string, SetValue>;
  compare: boolean;
  build?: Build;
  threads?: number;
}

interface Checked {
  setting?: Setting;
  /** field id (or 'extra', 'threads', '') → messages */
  errors: Map<string, string[]>;
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Every problem of the form at once, each next to its field; the setting when there is none. */
function check(): Checked {
  const errors = new Map<string, string[]>();
  const add = (where: string, m: string) => errors.set(where, [...(errors.get(where) ?? []), m]);
  const preset = ui.preset.value;
  const set: Record<string, SetValue> = {};
  for (const el of fields) {
    const key = keyOf(el);
    const raw = el.value.trim();
    if (raw === '') {
      add(key, `${key}: enter a value`);
      continue;
    }
    try {
      const [, v] = parseSetArg(`${key}=${raw}`);
      resolveConfig({ preset, set: { [key]: v } });
      set[key] = v;
    } catch (e) {
      add(key, messageOf(e));
    }
  }
  for (const token of ui.extra.value.split(/\s+/).filter(Boolean)) {
    try {
      const [k, v] = parseSetArg(token);
      if (FIELD_KEYS.has(k)) {
        add('extra', `${k} has its own field above: set it there (an override would disagree with the field)`);
        continue;
      }
      resolveConfig({ preset, set: { [k]: v } });
      set[k] = v;
    } catch (e) {
      add('extra', messageOf(e));
    }
  }
  if (!errors.size)
    try {
      resolveConfig({ preset, set });
    } catch (e) {
      add('', messageOf(e));
    }
  const threads = ui.threads.value === '' ? undefined : Number(ui.threads.value);
  const build = (ui.build.value || undefined) as Build | undefined;
  showErrors(errors);
  return errors.size ? { errors } : { errors, setting: { preset, set, compare: ui.compare.checked, build, threads } };
}

function showErrors(errors: Map<string, string[]>): void {
  for (const el of document.querySelectorAll<HTMLElement>('.field-error')) el.textContent = '';
  for (const el of [...fields, ui.extra]) el.removeAttribute('aria-invalid');
  const general: string[] = [];
  for (const [where, ms] of errors) {
    const box = where === '' ? null : document.getElementById(`err-${where}`);
    if (!box) {
      general.push(...ms);
      continue;
    }
    box.textContent = ms.join(' · ');
    const input = where === 'extra' ? ui.extra : fields.find((f) => keyOf(f) === where) ?? null;
    input?.setAttribute('aria-invalid', 'true');
  }
  ui.error.textContent = general.join(' · ');
  ui.error.hidden = general.length === 0;
}

// ---------------------------------------------------------------- the URL

function queryOf(s: { preset: string; compare: boolean; set: Record<string, SetValue> | string[]; build?: string; threads?: number }): string {
  const q = new URLSearchParams();
  q.set('preset', s.preset);
  const sets = Array.isArray(s.set) ? s.set : Object.entries(s.set).map(([k, v]) => `${k}=${v}`);
  for (const kv of sets) q.append('set', kv);
  if (!s.compare) q.set('compare', '0');
  if (s.build) q.set('build', s.build);
  if (s.threads !== undefined) q.set('threads', String(s.threads));
  return '?' + q.toString();
}

/** The form as a query, whether or not it is valid (what the address bar shows). */
function formQuery(): string {
  const sets = fields.map((el) => `${keyOf(el)}=${el.value.trim()}`);
  sets.push(...ui.extra.value.split(/\s+/).filter(Boolean));
  const threads = ui.threads.value === '' ? undefined : Number(ui.threads.value);
  return queryOf({ preset: ui.preset.value, compare: ui.compare.checked, set: sets, build: ui.build.value || undefined, threads });
}

function syncUrl(push = false): void {
  const q = formQuery();
  ui.share.href = q;
  const cmd = (act: string) =>
    `fclab run --preset ${ui.preset.value} ` +
    [...fields.filter((f) => keyOf(f) !== 'model.activation').map((el) => `--set ${keyOf(el)}=${el.value.trim()}`), ...ui.extra.value.split(/\s+/).filter(Boolean).map((t) => `--set ${t}`)].join(' ') +
    ` --set model.activation=${act}`;
  const act = ($<HTMLSelectElement>('activation').value || 'relu').trim();
  ui.cli.textContent = ui.compare.checked ? `${cmd(act)}\n${cmd('identity')}` : cmd(act);
  if (push) entryHasRun = true;
  if (location.search === q) return;
  // edits rewrite the current history entry, except the entry of a run: the first edit after a run
  // opens a new entry, so Back returns to the setting that ran
  if (entryHasRun && !push) {
    history.pushState(null, '', q);
    entryHasRun = false;
  } else history.replaceState(null, '', q);
}

/** Whether the current history entry's setting has been run (see syncUrl). */
let entryHasRun = false;

/** The form from the address bar; returns whether it asks to train at once. */
function restore(): boolean {
  const params = new URLSearchParams(location.search);
  const name = params.get('preset') ?? 'toy-theory';
  const errors = new Map<string, string[]>();
  if (!presetOf(name)) errors.set('', [`preset = ${JSON.stringify(name)} is not valid here: expected one of ${PAGE_PRESETS.map((p) => p.name).join(', ')}`]);
  applyPreset(presetOf(name) ? name : 'toy-theory');
  const extra: string[] = [];
  for (const kv of params.getAll('set')) {
    const eq = kv.indexOf('=');
    const key = eq > 0 ? kv.slice(0, eq).trim() : '';
    const field = fields.find((f) => keyOf(f) === key);
    if (field) field.value = kv.slice(eq + 1);
    else extra.push(kv);
  }
  ui.extra.value = extra.join(' ');
  ui.compare.checked = params.get('compare') !== '0';
  const build = params.get('build');
  ui.build.value = build === 'simd' || build === 'scalar' ? build : '';
  const threads = params.get('threads');
  ui.threads.value = '';
  if (threads !== null && threads !== '' && threads !== 'auto') {
    const n = Number(threads);
    if (!/^\d+$/.test(threads) || n < 1 || n > THREADS_MAX)
      errors.set('threads', [`threads = ${JSON.stringify(threads)} is not valid: expected auto or an integer from 1 to ${THREADS_MAX}`]);
    else {
      if (![...ui.threads.options].some((o) => o.value === String(n))) ui.threads.append(new Option(String(n), String(n)));
      ui.threads.value = String(n);
    }
  }
  updateSides();
  syncUrl();
  if (errors.size) {
    showErrors(errors);
    setState('error');
    return false;
  }
  showErrors(new Map());
  const autorun = params.get('autorun');
  return autorun === '1' || autorun === 'true';
}

// ---------------------------------------------------------------- the runs

interface Side {
  id: 'a' | 'b';
  el: HTMLElement;
  activation: string;
  set: Record<string, SetValue>;
  view: 'plane' | 'weights';
  /** the feature plane (view 'plane') */
  plane?: FeaturePlane;
  initAlong?: Float64Array;
  frame?: PlaneFrame;
  /** padded MNIST (view 'weights'): the image side, the first layer at iteration 0 and now */
  weights?: { side: number; w0?: Float32Array; w?: Float32Array; iteration: number };
  /** bgShiftProj per evaluation, computed from the parameters the worker sent (view 'plane') */
  shift: Array<[number, number]>;
  rows: MetricRow[];
  run?: WorkerRun;
  state: 'ready' | 'running' | 'stopped' | 'done' | 'error';
  iteration: number;
  legStart: number;
  legElapsed: number;
  summary?: Summary;
  /** the finished run (what the downloads are made from) */
  result?: RunResult;
  marks?: NeuronMarks;
  highlight: number;
  pending?: { iteration: number; parameters: NamedTensor[] };
}

interface Session {
  key: string;
  setting: Setting;
  total: number;
  evalEvery: number;
  sides: Side[];
  /** where the current leg pauses (Step), or the end */
  target: number;
  startedAt: number;
}

let session: Session | null = null;
/** bumped whenever a session is dropped: late events of its workers are ignored */
let generation = 0;

const sideEl = (id: 'a' | 'b') => $(`side-${id}`);
const part = <T extends HTMLElement>(side: HTMLElement, sel: string) => side.querySelector<T>(sel)!;
const labelOf = (act: string) => (act === 'identity' ? 'Linear (identity)' : act === 'relu' ? 'ReLU' : act);

function updateSides(): void {
  const act = ($<HTMLSelectElement>('activation').value || 'relu').trim();
  part(sideEl('a'), '.side-title').textContent = labelOf(act);
  sideEl('b').hidden = !ui.compare.checked;
  const p = presetOf(ui.preset.value);
  for (const id of ['a', 'b'] as const) sideEl(id).dataset.view = p ? viewOf(p.config) : 'plane';
  ui.live.classList.toggle('single', !ui.compare.checked);
}

function workerFactory(): Worker {
  return new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
}

/** Threads per network: 1 when two networks share the machine, unless asked for. */
function threadsOf(s: Setting): number {
  if (s.threads !== undefined) return s.threads;
  if (s.build === 'scalar') return 1;
  const cores = navigator.hardwareConcurrency || 1;
  const perRun = Math.floor(cores / (s.compare ? 2 : 1));
  return crossOriginIsolated ? Math.max(1, Math.min(4, perRun)) : 1;
}

/** The data and the initial network of a side, from the public API (a trainer that never trains). */
async function prepareSide(id: 'a' | 'b', s: Setting, activation: string): Promise<Side> {
  const set = { ...s.set, 'model.activation': activation };
  const config = resolveConfig({ preset: s.preset, set });
  const base = { id, el: sideEl(id), activation, set, shift: [], rows: [], state: 'ready', iteration: 0, legStart: 0, legElapsed: 0, highlight: -1 } as const;
  if (viewOf(config) === 'weights') {
    // the digits are in the worker: W0 arrives with the run's first evaluation (W − W0 is 0 until then)
    const border = (config as unknown as { mnist: { borderWidth: number } }).mnist.borderWidth;
    return { ...base, shift: [], rows: [], view: 'weights', weights: { side: 28 + 2 * border, iteration: 0 } };
  }
  const trainer = await createTrainer({ preset: s.preset, set }, { build: s.build, threads: 1 });
  let init: NamedTensor[];
  let ds: ReturnType<typeof trainer.dataset>;
  try {
    ds = trainer.dataset();
    init = trainer.parameters();
  } finally {
    trainer.dispose();
  }
  const c = config as unknown as { data: { coreDim: number; bgDim: number; core: string; bgMean: number } };
  const data = {
    n: ds.n,
    coreDim: c.data.coreDim,
    bgDim: c.data.bgDim,
    core: c.data.core,
    bgMean: c.data.bgMean,
    y: ds.y,
    trainZ: featureCoords(ds.trainX, ds.transform, ds.n, ds.featDim, ds.inputDim),
    testZ: featureCoords(ds.testX, ds.transform, ds.n, ds.featDim, ds.inputDim),
    V: ds.transform,
    inputDim: ds.inputDim,
  };
  const plane = new FeaturePlane(data, activation);
  const frame = plane.frame(0, init);
  return { ...base, rows: [], view: 'plane', plane, initAlong: frame.along, frame, shift: [[0, frame.bgShiftProj]] };
}

function settingKey(s: Setting): string {
  return JSON.stringify([s.preset, Object.entries(s.set).sort(), s.compare, s.build ?? '', s.threads ?? '']);
}

async function newSession(s: Setting): Promise<Session> {
  const gen = ++generation;
  setState('preparing');
  status('Preparing the data and the initial networks…');
  const config = resolveConfig({ preset: s.preset, set: s.set });
  const act = String(s.set['model.activation'] ?? config.model.activation);
  const acts = s.compare ? [act, 'identity'] : [act];
  const sides: Side[] = [];
  for (const [i, a] of acts.entries()) sides.push(await prepareSide(i === 0 ? 'a' : 'b', s, a));
  if (gen !== generation) throw new Error('superseded');
  const next: Session = { key: settingKey(s), setting: s, total: config.train.iterations, evalEvery: config.train.evalEvery, sides, target: config.train.iterations, startedAt: performance.now() };
  session = next;
  for (const side of sides) drawSide(next, side);
  drawCharts(next);
  return next;
}

function clearResults(note: string): void {
  generation++;
  if (session) for (const side of session.sides) void side.run?.stop().catch(() => {});
  session = null;
  for (const id of ['a', 'b'] as const) {
    const el = sideEl(id);
    for (const c of el.querySelectorAll('canvas')) c.getContext('2d')?.clearRect(0, 0, c.width, c.height);
    part(el, '.numbers').replaceChildren();
    part(el, '.hash').textContent = '';
    part(el, '.neuron-info').textContent = '';
    const downloads = part(el, '.downloads');
    for (const a of downloads.querySelectorAll('a')) if (a.href.startsWith('blob:')) URL.revokeObjectURL(a.href);
    downloads.replaceChildren();
    downloads.hidden = true;
    const note = part(el, '.threads-note');
    note.textContent = '';
    note.hidden = true;
    delete document.body.dataset[`summary${id.toUpperCase()}`];
  }
  delete document.body.dataset.summary;
  ui.summaryJson.textContent = '';
  ui.verdict.textContent = '';
  for (const li of ui.explain.querySelectorAll<HTMLElement>('li[data-claim]')) {
    delete li.dataset.holds;
    li.querySelector('.claim-mark')!.textContent = '';
  }
  ui.progressBar.style.width = '0';
  status(note);
}

/** Trains (or continues) every side until `pauseAt` (Step) or the end. */
async function train(pauseAt?: number): Promise<void> {
  const checked = check();
  syncUrl();
  if (!checked.setting) {
    clearResults('Fix the settings marked in red: the previous results were cleared.');
    setState('error');
    return;
  }
  const s = checked.setting;
  let sess = session;
  const continuing = sess !== null && sess.key === settingKey(s) && sess.sides.every((x) => x.state === 'stopped' || x.state === 'ready');
  if (!continuing) {
    clearResults('');
    try {
      sess = await newSession(s);
    } catch (e) {
      if (messageOf(e) === 'superseded') return;
      showErrors(new Map([['', [messageOf(e)]]]));
      setState('error');
      status('The run could not start.');
      return;
    }
    syncUrl(true);
  }
  const cur = sess!;
  cur.target = pauseAt === undefined ? cur.total : Math.min(cur.total, pauseAt);
  const gen = generation;
  setState('running');
  ui.stop.focus({ preventScroll: true });
  // the live figure into view (on a phone it is below the controls)
  if (ui.live.getBoundingClientRect().top > innerHeight * 0.6) ui.live.scrollIntoView({ behavior: 'smooth', block: 'start' });
  const threads = threadsOf(s);
  await Promise.all(cur.sides.map((side) => trainSide(cur, side, threads, gen)));
  if (gen !== generation) return;
  finishLeg(cur);
}

function trainSide(sess: Session, side: Side, threads: number, gen: number): Promise<void> {
  const pauseAt = sess.target < sess.total ? sess.target : undefined;
  const onProgress = (e: { iteration: number; elapsedSeconds: number; metrics?: MetricRow }) => {
    if (gen !== generation) return;
    side.iteration = e.iteration;
    side.legElapsed = e.elapsedSeconds;
    if (e.metrics) side.rows.push(e.metrics);
    progress(sess);
  };
  const run =
    side.state === 'stopped' && side.run
      ? side.run.resume({ onProgress, pauseAt, threads })
      : runInWorker({ preset: sess.setting.preset, set: side.set, build: sess.setting.build, threads, live: true, pauseAt, onProgress, worker: workerFactory });
  side.run = run;
  side.state = 'running';
  side.legStart = side.iteration;
  side.legElapsed = 0;
  run.on('parameters', (p) => {
    if (gen !== generation) return;
    side.pending = p;
    requestAnimationFrame(() => flush(sess, side));
  });
  run.on('threads', (t) => {
    const note = part(side.el, '.threads-note');
    note.textContent = t.note;
    note.hidden = false;
  });
  return run.finished.then(
    (o: WorkerRunOutcome) => {
      if (gen !== generation) return;
      if (o.status === 'done') {
        side.state = 'done';
        side.summary = o.summary;
        side.result = o;
        side.rows = o.metrics;
        // the library's own W0 (RunResult.extra of padded MNIST), the same as the first evaluation's
        const init = (o.extra as { initialWeights?: Float32Array } | undefined)?.initialWeights;
        if (side.weights && init) side.weights.w0 = init;
        side.iteration = o.summary.iterations;
        side.pending = { iteration: o.summary.iterations, parameters: o.parameters };
        flush(sess, side);
        showDownloads(side, o);
      } else {
        side.state = 'stopped';
        side.iteration = o.iteration;
        side.rows = o.checkpoint ? [...o.checkpoint.metrics] : [];
        side.shift = side.shift.filter(([it]) => it <= o.iteration);
      }
    },
    (e: unknown) => {
      if (gen !== generation) return;
      side.state = 'error';
      showErrors(new Map([['', [`${labelOf(side.activation)}: ${messageOf(e)}`]]]));
    },
  );
}

function flush(sess: Session, side: Side): void {
  const p = side.pending;
  if (!p || session !== sess) return;
  side.pending = undefined;
  if (side.weights) {
    const w = side.weights;
    // the first layer's weights ([hidden x side^2], the first tensor); W0 from the run's first evaluation
    if (p.iteration === 0) w.w0 = p.parameters[0].data.slice();
    w.w = p.parameters[0].data;
    w.iteration = p.iteration;
  } else if (side.plane) {
    side.frame = side.plane.frame(p.iteration, p.parameters);
    const i = side.shift.findIndex(([it]) => it >= p.iteration);
    if (i >= 0) side.shift.splice(i);
    side.shift.push([p.iteration, side.frame.bgShiftProj]);
  }
  drawSide(sess, side);
  drawCharts(sess);
}

function progress(sess: Session): void {
  const parts = sess.sides.map((s) => `${labelOf(s.activation)} ${fmt(s.iteration)} / ${fmt(sess.total)}`);
  // ETA: the slower network's rate over this leg
  let eta = 0;
  for (const s of sess.sides) {
    const done = s.iteration - s.legStart;
    if (done > 0 && s.legElapsed > 0) eta = Math.max(eta, ((sess.target - s.iteration) * s.legElapsed) / done);
  }
  const min = Math.min(...sess.sides.map((s) => s.iteration));
  ui.progressBar.style.width = `${(100 * min) / (sess.total || 1)}%`;
  status(`Training: ${parts.join(' · ')}${eta > 0 && min < sess.target ? ` · about ${fmtSeconds(eta)} left` : ''}`);
}

function finishLeg(sess: Session): void {
  const states = sess.sides.map((s) => s.state);
  if (states.includes('error')) {
    setState('error');
    status('A run failed (see the message by the controls).');
    return;
  }
  const it = Math.min(...sess.sides.map((s) => s.iteration));
  if (states.every((s) => s === 'done')) {
    setState('done');
    const secs = (performance.now() - sess.startedAt) / 1000;
    status(`Done: ${fmt(sess.total)} iterations${sess.sides.length > 1 ? ' for each network' : ''} in ${fmtSeconds(secs)}.`);
    const first = sess.sides[0].summary!;
    for (const s of sess.sides) document.body.dataset[`summary${s.id.toUpperCase()}`] = JSON.stringify(s.summary);
    document.body.dataset.summary = JSON.stringify(first);
    ui.summaryJson.textContent = JSON.stringify(first, null, 2);
  } else {
    setState('stopped');
    status(`Paused at iteration ${fmt(it)} of ${fmt(sess.total)}: Continue, Step or Reset.`);
    ui.run.focus({ preventScroll: true });
  }
  verdict(sess);
}

// ---------------------------------------------------------------- drawing

function drawSide(sess: Session, side: Side): void {
  if (side.weights) return drawWeightsSide(side);
  const el = side.el;
  const f = side.frame!;
  const name = labelOf(side.activation);
  const decision = part<HTMLCanvasElement>(el, 'canvas.decision');
  drawDecision(decision, side.plane!, f);
  const trainAcc = mean(f.trainCorrect);
  const oodAcc = mean(f.oodCorrect);
  decision.setAttribute(
    'aria-label',
    `decision slice of the ${name} network at iteration ${f.iteration}: training accuracy ${fmt(trainAcc)}, OOD accuracy ${fmt(oodAcc)}, bgShiftProj ${fmt(f.bgShiftProj)}`,
  );
  drawNeuronsOf(sess, side);
  const last = side.rows[side.rows.length - 1];
  showNumbers(side, [
    ['iteration', fmt(f.iteration)],
    ['train acc / loss', last ? `${fmt(last.trainAcc)} / ${fmt(last.trainLoss)}` : '–'],
    ['OOD acc / loss', last ? `${fmt(last.oodAcc)} / ${fmt(last.oodLoss)}` : '–'],
    ['bgShiftProj', `${fmt(side.shift[0][1])} → ${fmt(f.bgShiftProj)}`],
    ['bgProj', last ? fmt(last.bgProj) : '–'],
  ]);
}

/** Padded MNIST: the weight images of W − W0 and the run's numbers. */
function drawWeightsSide(side: Side): void {
  const w = side.weights!;
  const name = labelOf(side.activation);
  const canvas = part<HTMLCanvasElement>(side.el, 'canvas.weights');
  const img = drawWeightImages(canvas, w.side, w.w, w.w0);
  const row = side.rows.find((r) => r.iteration === w.iteration);
  const first = side.rows[0];
  canvas.setAttribute(
    'aria-label',
    `weight images of the ${name} network at iteration ${w.iteration}: the learned change W − W0 of the first ${img.neurons} neurons, mean max |W − W0| ${fmt(img.meanMaxChange)}` +
      (row ? `, bgShareLearned ${fmt(row.bgShareLearned)}` : ''),
  );
  const last = side.rows[side.rows.length - 1];
  showNumbers(side, [
    ['iteration', fmt(w.iteration)],
    ['train / ID test / OOD acc', last ? `${fmt(last.trainAcc)} / ${fmt(last.idTestAcc)} / ${fmt(last.oodAcc)}` : '–'],
    ['bgProj (border norm)', first && last ? `${fmt(first.bgProj)} → ${fmt(last.bgProj)}` : '–'],
    ['bgShareLearned', last ? fmt(last.bgShareLearned) : '–'],
    ['bgEnergy', first && last ? `${fmt(first.bgEnergy)} → ${fmt(last.bgEnergy)}` : '–'],
  ]);
}

function showNumbers(side: Side, numbers: Array<[string, string]>): void {
  const el = side.el;
  part(el, '.numbers').replaceChildren(
    ...numbers.flatMap(([k, v]) => {
      const dt = document.createElement('dt');
      dt.textContent = k;
      const dd = document.createElement('dd');
      dd.textContent = v;
      return [dt, dd];
    }),
  );
  part(el, '.hash').textContent = side.summary?.hash ?? (side.state === 'running' ? '(when the run ends)' : '');
}

function mean(a: Uint8Array): number {
  let s = 0;
  for (const v of a) s += v;
  return a.length ? s / a.length : NaN;
}

/** The neurons' y range, shared by both sides so that their growth compares at a glance. */
function growthRange(sess: Session): number {
  let m = 0.02;
  for (const s of sess.sides) if (s.frame && s.initAlong) for (let k = 0; k < s.frame.along.length; k++) m = Math.max(m, Math.abs(s.frame.along[k] - s.initAlong[k]));
  return m * 1.1;
}

function drawNeuronsOf(sess: Session, side: Side): void {
  const canvas = part<HTMLCanvasElement>(side.el, 'canvas.neurons');
  const f = side.frame;
  const init = side.initAlong;
  if (!f || !init) return;
  side.marks = drawNeurons(canvas, f, init, growthRange(sess), side.highlight);
  let grow = 0;
  for (let k = 0; k < f.along.length; k++) grow += Math.abs(f.along[k] - init[k]);
  canvas.setAttribute('aria-label', `neurons of the ${labelOf(side.activation)} network: ${f.along.length} marks, mean growth along û ${fmt(grow / f.along.length)}`);
}

function neuronInfo(side: Side): void {
  const k = side.highlight;
  const f = side.frame;
  const init = side.initAlong;
  part(side.el, '.neuron-info').textContent =
    k < 0 || !f || !init
      ? ''
      : `Neuron ${k}: output weight ${fmt(f.outWeight[k])}, activation asymmetry ${fmt(f.asymmetry[k])}, weight along û ${fmt(init[k])} → ${fmt(f.along[k])}, along the core direction ${fmt(f.alongCore[k])}`;
}

/** Padded MNIST's curves: the accuracies, and the border's share of the weights and of their change. */
function drawWeightsCharts(sess: Session): void {
  let shareMax = 0.05;
  for (const s of sess.sides) for (const r of s.rows) shareMax = Math.max(shareMax, r.bgEnergy, r.bgShareLearned);
  for (const s of sess.sides) {
    const acc: Series[] = [
      { label: 'train', color: COLORS.muted, points: s.rows.map((r) => [r.iteration, r.trainAcc]) },
      { label: 'ID test', color: COLORS.pos, points: s.rows.map((r) => [r.iteration, r.idTestAcc]) },
      { label: 'OOD (border removed)', color: COLORS.neg, dash: [5, 3], points: s.rows.map((r) => [r.iteration, r.oodAcc]) },
    ];
    const curves = part<HTMLCanvasElement>(s.el, 'canvas.curves');
    drawLines(curves, acc, sess.total, [0, 1], 'accuracy');
    curves.setAttribute('aria-label', `accuracy of the ${labelOf(s.activation)} network: train, ID test and OOD`);
    const border: Series[] = [
      { label: 'bgShareLearned (W − W0)', color: '#009E73', points: s.rows.map((r) => [r.iteration, r.bgShareLearned]) },
      { label: 'bgEnergy (W)', color: COLORS.muted, dash: [4, 3], points: s.rows.map((r) => [r.iteration, r.bgEnergy]) },
    ];
    const shift = part<HTMLCanvasElement>(s.el, 'canvas.shift');
    drawLines(shift, border, sess.total, [0, shareMax * 1.05], 'border share');
    shift.setAttribute('aria-label', `the border's share of the ${labelOf(s.activation)} network's first-layer weights (bgEnergy) and of their learned change (bgShareLearned)`);
  }
}

function drawCharts(sess: Session): void {
  if (sess.sides.some((s) => s.weights)) return drawWeightsCharts(sess);
  let lossMax = 0.1;
  let shiftMax = 0.05;
  for (const s of sess.sides) {
    for (const r of s.rows) lossMax = Math.max(lossMax, r.trainLoss, r.oodLoss);
    for (const [, v] of s.shift) shiftMax = Math.max(shiftMax, v);
    for (const r of s.rows) shiftMax = Math.max(shiftMax, r.bgProj);
  }
  for (const s of sess.sides) {
    const losses: Series[] = [
      { label: 'train loss', color: COLORS.pos, points: s.rows.map((r) => [r.iteration, r.trainLoss]) },
      { label: 'OOD loss', color: COLORS.neg, dash: [5, 3], points: s.rows.map((r) => [r.iteration, r.oodLoss]) },
    ];
    drawLines(part<HTMLCanvasElement>(s.el, 'canvas.curves'), losses, sess.total, [0, lossMax * 1.05], 'loss');
    // bgShiftProj: the CLI's column where the run logs it, else computed here from the parameters
    const logged = s.rows.length > 0 && typeof s.rows[0].bgShiftProj === 'number';
    const shift: Series[] = [
      { label: 'bgShiftProj (along û)', color: '#009E73', points: logged ? s.rows.map((r) => [r.iteration, r.bgShiftProj]) : s.shift },
      { label: 'bgProj (all background)', color: COLORS.muted, dash: [4, 3], points: s.rows.map((r) => [r.iteration, r.bgProj]) },
    ];
    drawLines(part<HTMLCanvasElement>(s.el, 'canvas.shift'), shift, sess.total, [0, shiftMax * 1.05], 'projection');
  }
}

/** What this run shows, from its own numbers. */
function verdict(sess: Session): void {
  markClaims(sess);
  const lines = sess.sides.map((s) => {
    const last = s.rows[s.rows.length - 1];
    if (s.weights) {
      const f = s.rows[0];
      return `${labelOf(s.activation)}: ${last && f ? `bgProj ${fmt(f.bgProj)} → ${fmt(last.bgProj)}, bgShareLearned ${fmt(last.bgShareLearned)}, ID test accuracy ${fmt(last.idTestAcc)}, OOD accuracy ${fmt(last.oodAcc)} (drop ${fmt(last.idTestAcc - last.oodAcc)})` : 'no evaluation yet'}`;
    }
    const first = s.shift[0][1];
    const now = s.shift[s.shift.length - 1][1];
    return `${labelOf(s.activation)}: bgShiftProj ${fmt(first)} → ${fmt(now)}${last ? `, training loss ${fmt(last.trainLoss)}, OOD loss ${fmt(last.oodLoss)}, OOD accuracy ${fmt(last.oodAcc)}` : ''}`;
  });
  ui.verdict.textContent = `This run, at iteration ${fmt(Math.min(...sess.sides.map((s) => s.iteration)))}: ${lines.join('; ')}.`;
}

/** Marks each claim of the explanation with whether it holds in this run (the side with its activation). */
function markClaims(sess: Session): void {
  const p = presetOf(sess.setting.preset);
  const e = p && explanationOf(p);
  if (!e) return;
  for (const li of ui.explain.querySelectorAll<HTMLElement>('li[data-claim]')) {
    const side = sess.sides.find((s) => s.activation === li.dataset.act);
    const run = e.runs.find((r) => String(r.set['model.activation'] ?? 'relu') === li.dataset.act);
    const claim = run?.claims[Number(li.dataset.claim)];
    const mark = li.querySelector('.claim-mark')!;
    if (!side || !claim || side.rows.length < 2) {
      delete li.dataset.holds;
      mark.textContent = '';
      continue;
    }
    const holds = claim.holds(side.rows[0], side.rows[side.rows.length - 1]);
    li.dataset.holds = holds ? 'yes' : 'no';
    mark.textContent = ` ${holds ? '✓ holds' : '✗ does not hold'} in this run (iteration ${fmt(side.iteration)}).`;
  }
}

/** Download a blob under a name (the link's own click, for files made on demand). */
function blobLink(a: HTMLAnchorElement, blob: Blob): void {
  if (a.href.startsWith('blob:')) URL.revokeObjectURL(a.href);
  a.href = URL.createObjectURL(blob);
}

/**
 * The finished run's files, made by the library as `fclab run` makes them: config.json (reproduces
 * the run with `fclab run --config`), metrics.csv, summary.json (with the hash), and the kind's
 * figures as SVG (rendered on the first click: the charting code loads then).
 */
function showDownloads(side: Side, result: RunResult): void {
  const box = part(side.el, '.downloads');
  const prefix = `${result.config.preset}-${result.config.model.activation}-`;
  const link = (name: string) => {
    const a = document.createElement('a');
    a.textContent = name;
    a.download = prefix + name;
    a.dataset.file = name;
    return a;
  };
  const texts = runTextFiles(result);
  const links = (Object.keys(texts) as Array<keyof typeof texts>).map((name) => {
    const a = link(name);
    blobLink(a, new Blob([texts[name]], { type: name.endsWith('.json') ? 'application/json' : 'text/csv' }));
    return a;
  });
  for (const f of taskOf(result.config).figures(result)) {
    const a = link(`${f.name}.svg`);
    a.href = '#';
    a.title = f.title;
    a.addEventListener('click', (ev) => {
      if (a.dataset.ready) return;
      ev.preventDefault();
      a.textContent = `${f.name}.svg (rendering…)`;
      void renderSvg(f.spec).then(
        (svg) => {
          if (!a.isConnected) return;
          blobLink(a, new Blob([svg], { type: 'image/svg+xml' }));
          a.dataset.ready = '1';
          a.textContent = `${f.name}.svg`;
          a.click();
        },
        (e: unknown) => showErrors(new Map([['', [`${f.name}.svg: ${messageOf(e)}`]]])),
      );
    });
    links.push(a);
  }
  const label = document.createElement('span');
  label.textContent = 'Download:';
  box.replaceChildren(label, ...links);
  box.hidden = false;
}

// ---------------------------------------------------------------- events

function stop(): void {
  if (!session || document.body.dataset.state !== 'running') return;
  setState('stopping');
  status('Stopping at the next evaluation…');
  for (const s of session.sides) void s.run?.stop();
}

function reset(): void {
  const wasRun = session !== null;
  clearResults('Reset: press Train or Step to start again.');
  setState('idle');
  if (wasRun || true) void showInitial();
}

/** The data and the untrained networks, so the figure is never empty. */
async function showInitial(): Promise<void> {
  const checked = check();
  if (!checked.setting) return;
  try {
    await newSession(checked.setting);
    setState('idle');
    status('Ready: the data and the untrained networks. Press Train (or Step for one evaluation interval).');
  } catch (e) {
    if (messageOf(e) === 'superseded') return;
    showErrors(new Map([['', [messageOf(e)]]]));
    setState('error');
  }
}

function onSettingsChanged(): void {
  updateSides();
  syncUrl();
  const checked = check();
  if (session && session.key !== (checked.setting ? settingKey(checked.setting) : '')) {
    clearResults(checked.setting ? 'Settings changed: the previous results were cleared.' : 'Fix the settings marked in red: the previous results were cleared.');
    setState(checked.setting ? 'idle' : 'error');
  }
}

function hookNeurons(id: 'a' | 'b'): void {
  const canvas = part<HTMLCanvasElement>(sideEl(id), 'canvas.neurons');
  const pick = (k: number) => {
    const side = session?.sides.find((s) => s.id === id);
    if (!side || !session) return;
    side.highlight = k;
    drawNeuronsOf(session, side);
    neuronInfo(side);
  };
  const at = (e: PointerEvent) => {
    const side = session?.sides.find((s) => s.id === id);
    const r = canvas.getBoundingClientRect();
    if (side?.marks) pick(side.marks.hit(e.clientX - r.left, e.clientY - r.top));
  };
  canvas.addEventListener('pointermove', at);
  canvas.addEventListener('pointerdown', at);
  canvas.addEventListener('keydown', (e) => {
    const side = session?.sides.find((s) => s.id === id);
    if (!side?.frame) return;
    const n = side.frame.along.length;
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown') pick((side.highlight + 1) % n);
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') pick((side.highlight - 1 + n) % n);
    else return;
    e.preventDefault();
  });
}

function init(): void {
  ui.preset.replaceChildren(...PAGE_PRESETS.map((p) => new Option(p.name, p.name)));
  const act = $<HTMLSelectElement>('activation');
  act.replaceChildren(...['relu', 'gelu', 'leakyrelu', 'sigmoid', 'tanh', 'identity'].map((a) => new Option(a, a)));
  $('version').textContent = VERSION;
  // no keyboard hint where there is no keyboard to speak of
  if (matchMedia('(pointer: coarse)').matches) ui.keysHint.hidden = true;

  ui.preset.addEventListener('change', () => {
    applyPreset(ui.preset.value);
    onSettingsChanged();
    clearResults('Preset changed: its settings were restored and the previous results cleared.');
    void showInitial();
  });
  for (const el of [...fields, ui.extra, ui.build, ui.threads]) el.addEventListener('change', onSettingsChanged);
  for (const el of [...fields, ui.extra]) el.addEventListener('input', () => syncUrl());
  ui.compare.addEventListener('change', () => {
    onSettingsChanged();
    if (!session) void showInitial();
  });
  ui.form.addEventListener('submit', (e) => {
    e.preventDefault();
    void train();
  });
  ui.step.addEventListener('click', () => {
    const it = session ? Math.min(...session.sides.map((s) => s.iteration)) : 0;
    const every = session?.evalEvery ?? Number(fields.find((f) => keyOf(f) === 'train.evalEvery')!.value);
    void train(it + every);
  });
  ui.stop.addEventListener('click', stop);
  ui.reset.addEventListener('click', reset);
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') stop();
  });
  hookNeurons('a');
  hookNeurons('b');
  addEventListener('popstate', () => {
    entryHasRun = false;
    clearResults('');
    setState('idle');
    if (restore()) void train();
    else void showInitial();
  });
  let resized = 0;
  addEventListener('resize', () => {
    cancelAnimationFrame(resized);
    resized = requestAnimationFrame(() => {
      if (!session) return;
      for (const s of session.sides) drawSide(session, s);
      drawCharts(session);
    });
  });
  setState('idle');
  // a first visit (no setting in the address) starts the default comparison at once: the picture,
  // not a form, is what the page is for
  const firstVisit = location.search === '';
  if (restore() || firstVisit) void train();
  else if (document.body.dataset.state !== 'error') void showInitial();
}

init();
