// The demo page: a form over the library's config keys, training in a Web Worker (the library's
// WorkerRun over worker.ts), the live figure (LivePlot), Stop / Resume, and the result with its
// downloads. The page never trains on the main thread, so it stays responsive. Keyboard: every
// control is a native form control; Enter in a field trains, Escape stops, focus follows the run
// (Stop while training, Resume after a stop).
//
// URL parameters configure and start a run (tests and shared links):
//   ?preset=toy-theory&set=train.iterations=200&set=model.activation=gelu&build=scalar&threads=2&autorun=1
// threads: kernel threads (auto = the cores, up to 4); more than 1 needs a cross-origin isolated
// page (COOP/COEP headers, see vite.config.ts), else the page says so and runs on 1 thread. The
// hash is the same for any thread count.
// body[data-state]: idle, running, stopping, stopped, done (summary JSON in body[data-summary] and
// #summary-json) or error (message in #error).
import {
  metricsCsv,
  renderSvg,
  taskOf,
  PRESETS,
  VERSION,
  encodeNpy,
  parseSetArg,
  type Build,
  type MetricRow as MetricsRow,
  type NamedTensor,
  type SetValue,
  type Summary,
} from '../src/index.js';
// not in the curated API (yet): the form's choices and the MNIST weight images
import { ACTIVATIONS, LOSSES, OPTIMIZERS } from '../src/config/schema.js';
import { weightGridSpec } from '../src/tasks/mnist/figures.js';
import type { MnistRunInfo } from '../src/tasks/mnist/task.js';
import { LivePlot } from '../src/browser/live-plot.js';
import { runInWorker, type WorkerRun } from '../src/browser/worker-client.js';

// The page trains the presets of `fclab run`: the feature model and padded MNIST (whose digits the
// worker fetches when such a run starts); distillation (fclab distill) is not offered here.
const TOY_PRESETS = PRESETS.filter((p) => p.config.task !== 'distill');
const isMnist = (preset: string) => PRESETS.find((p) => p.name === preset)?.config.task === 'mnist';

type State = 'idle' | 'running' | 'stopping' | 'stopped' | 'done' | 'error';

function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from index.html`);
  return el as T;
}

const ui = {
  form: $<HTMLFormElement>('run-form'),
  settings: $<HTMLFieldSetElement>('settings'),
  preset: $<HTMLSelectElement>('preset'),
  presetSummary: $('preset-summary'),
  activation: $<HTMLSelectElement>('activation'),
  loss: $<HTMLSelectElement>('loss'),
  optimizer: $<HTMLSelectElement>('optimizer'),
  build: $<HTMLSelectElement>('build'),
  threads: $<HTMLSelectElement>('threads'),
  threadsNote: $('threads-note'),
  width: $<HTMLInputElement>('width'),
  iterations: $<HTMLInputElement>('iterations'),
  seed: $<HTMLInputElement>('seed'),
  evalEvery: $<HTMLInputElement>('eval-every'),
  batchSize: $<HTMLInputElement>('batch-size'),
  extra: $<HTMLInputElement>('extra'),
  run: $<HTMLButtonElement>('run'),
  stop: $<HTMLButtonElement>('stop'),
  resume: $<HTMLButtonElement>('resume'),
  shareLink: $<HTMLAnchorElement>('share-link'),
  cli: $('cli-command'),
  progress: $('progress'),
  progressBar: $('progress-bar'),
  status: $('status'),
  error: $('error'),
  figure: $('figure'),
  explain: $('explain'),
  explainMnist: $('explain-mnist'),
  weightsBox: $('weights-box'),
  weightsFigure: $('weights-figure'),
  resultsEmpty: $('results-empty'),
  resultsBody: $('results-body'),
  metricsBody: $('metrics-body'),
  msPerIter: $('ms-per-iter'),
  wallTime: $('wall-time'),
  simd: $('simd'),
  threadsUsed: $('threads-used'),
  hash: $('hash'),
  downloadCsv: $<HTMLButtonElement>('download-csv'),
  downloadJson: $<HTMLButtonElement>('download-json'),
  weights: $('weights'),
  summaryJson: $('summary-json'),
  version: $('version'),
};

/** Form fields that edit one config key each; the rest of the config comes from the preset. */
const FIELDS: Array<HTMLSelectElement | HTMLInputElement> = [
  ui.activation,
  ui.loss,
  ui.optimizer,
  ui.width,
  ui.iterations,
  ui.seed,
  ui.evalEvery,
  ui.batchSize,
];
const keyOf = (el: HTMLElement): string => el.dataset.key!;

// ---------------------------------------------------------------- formatting

/** Four significant digits; integers in full; exponent form only for extremes. */
function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e6)) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}

function fmtSeconds(s: number): string {
  return s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}


/** Most kernel threads the page asks for on "auto": beyond that the step's phases stop scaling. */
const AUTO_THREADS_MAX = 4;
/** Largest thread count accepted from the URL (the CLI's --threads range). */
const THREADS_MAX = 64;

function setState(state: State): void {
  document.body.dataset.state = state;
}

// ---------------------------------------------------------------- the form

function fillSelect(select: HTMLSelectElement, values: readonly string[], labels?: readonly string[]): void {
  select.replaceChildren(
    ...values.map((v, i) => {
      const o = document.createElement('option');
      o.value = v;
      o.textContent = labels?.[i] ?? v;
      return o;
    }),
  );
}

function presetByName(name: string) {
  return TOY_PRESETS.find((p) => p.name === name) ?? TOY_PRESETS[0];
}

/** The preset's value for a dotted key. */
function presetValue(presetName: string, key: string): unknown {
  let node: unknown = presetByName(presetName).config;
  for (const part of key.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
  return node;
}

/** Resets every form field to the preset's value. */
function applyPreset(name: string): void {
  const p = presetByName(name);
  ui.preset.value = p.name;
  ui.presetSummary.textContent = p.summary;
  showExplanation(p.name);
  // ten-class MNIST trains with softmax (or MSE on one-hot rows); the feature model with the ±1 losses
  fillSelect(ui.loss, isMnist(p.name) ? ['softmax', 'mse'] : LOSSES);
  for (const el of FIELDS) el.value = String(presetValue(p.name, keyOf(el)));
}

/** The explanation under the figure: the feature model's, or padded MNIST's. */
function showExplanation(preset: string): void {
  ui.explain.hidden = isMnist(preset);
  ui.explainMnist.hidden = !isMnist(preset);
}

/** Parses "a.b=1 c.d=x" (spaces or commas between pairs). */
function parseExtra(text: string): Array<[string, SetValue]> {
  return text
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((arg) => parseSetArg(arg));
}

interface RunSpec {
  preset: string;
  /** Only the keys that differ from the preset (short links, short CLI lines). */
  set: Record<string, SetValue>;
  build?: Build;
  /** Kernel threads as asked for; undefined = auto. */
  threads?: number;
}

/** Whether this page may share memory with workers (served with COOP/COEP headers). */
const isolated = (): boolean => globalThis.crossOriginIsolated === true && typeof SharedArrayBuffer !== 'undefined';

/** The thread count "auto" stands for: the cores, up to AUTO_THREADS_MAX, on an isolated page; else 1. */
function autoThreads(): number {
  return isolated() ? Math.max(1, Math.min(AUTO_THREADS_MAX, navigator.hardwareConcurrency || 1)) : 1;
}

/** The thread count a run uses, and why it is fewer than asked for (if it is). */
function resolveThreads(spec: Pick<RunSpec, 'threads' | 'build'>): { threads: number; note?: string } {
  if (spec.build === 'scalar') {
    return spec.threads !== undefined && spec.threads > 1
      ? { threads: 1, note: `The scalar build runs on 1 thread (kernel threads need the SIMD build).` }
      : { threads: 1 };
  }
  if (spec.threads === undefined) return { threads: autoThreads() };
  if (spec.threads > 1 && !isolated())
    return {
      threads: 1,
      note:
        `${spec.threads} threads need a cross-origin isolated page (served with the headers ` +
        `Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp); running on 1 thread.`,
    };
  return { threads: spec.threads };
}

function showThreadsNote(note: string | undefined): void {
  ui.threadsNote.textContent = note ?? '';
  ui.threadsNote.hidden = !note;
}

/** The form's build and threads (these never fail to parse). */
function engineOfForm(): Pick<RunSpec, 'build' | 'threads'> {
  const build = ui.build.value === 'simd' || ui.build.value === 'scalar' ? ui.build.value : undefined;
  const threads = ui.threads.value === '' ? undefined : Number(ui.threads.value);
  return { build, threads };
}

/** Reads the form. Throws ConfigError on a malformed override. */
function readForm(): RunSpec {
  const preset = ui.preset.value;
  const set: Record<string, SetValue> = {};
  for (const el of FIELDS) {
    const raw = el.value.trim();
    if (raw === '') continue; // empty = the preset's value
    const value: SetValue = el instanceof HTMLInputElement ? (Number.isFinite(Number(raw)) ? Number(raw) : raw) : raw;
    if (value !== presetValue(preset, keyOf(el))) set[keyOf(el)] = value;
  }
  for (const [k, v] of parseExtra(ui.extra.value)) set[k] = v;
  return { preset, set, ...engineOfForm() };
}

function queryOf(spec: RunSpec, autorun: boolean): string {
  const q = new URLSearchParams();
  q.set('preset', spec.preset);
  for (const [k, v] of Object.entries(spec.set)) q.append('set', `${k}=${v}`);
  if (spec.build) q.set('build', spec.build);
  if (spec.threads !== undefined) q.set('threads', String(spec.threads));
  if (autorun) q.set('autorun', '1');
  return '?' + q.toString();
}

/** A shell-safe-enough word: quote anything beyond plain key=value characters. */
const shellWord = (s: string): string => (/^[\w.=+\-/:]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

function updateShare(): void {
  showThreadsNote(resolveThreads(engineOfForm()).note);
  try {
    const spec = readForm();
    ui.shareLink.href = queryOf(spec, true);
    const parts = ['fclab run', `--preset ${spec.preset}`];
    for (const [k, v] of Object.entries(spec.set)) parts.push(`--set ${shellWord(`${k}=${v}`)}`);
    if (spec.build) parts.push(`--build ${spec.build}`);
    // The CLI's default is the same "auto"; any count gives the same hash.
    if (spec.threads !== undefined && spec.build !== 'scalar') parts.push(`--threads ${spec.threads}`);
    ui.cli.textContent = parts.join(' ');
  } catch (err) {
    ui.cli.textContent = err instanceof Error ? err.message : String(err);
  }
}

/** Applies URL parameters to the form; returns whether to start a run. */
function applyQuery(params: URLSearchParams): boolean {
  const preset = params.get('preset');
  applyPreset(preset && TOY_PRESETS.some((p) => p.name === preset) ? preset : TOY_PRESETS[0].name);
  // An unknown preset still reaches the library, so the error names it.
  if (preset && !TOY_PRESETS.some((p) => p.name === preset)) {
    const o = document.createElement('option');
    o.value = o.textContent = preset;
    ui.preset.append(o);
    ui.preset.value = preset;
    ui.presetSummary.textContent = 'unknown preset';
  }
  const extra: string[] = [];
  for (const arg of params.getAll('set')) {
    const eq = arg.indexOf('=');
    const key = eq > 0 ? arg.slice(0, eq).trim() : '';
    const value = eq > 0 ? arg.slice(eq + 1).trim() : '';
    const field = FIELDS.find((el) => keyOf(el) === key);
    // Values a field cannot show (a select without that option, a non-number) stay overrides, so
    // the library reports them instead of the page silently dropping them.
    const fits =
      field instanceof HTMLSelectElement
        ? Array.from(field.options).some((o) => o.value === value)
        : field instanceof HTMLInputElement && value !== '' && Number.isFinite(Number(value));
    if (field && fits) field.value = value;
    else extra.push(arg);
  }
  ui.extra.value = extra.join(' ');
  const build = params.get('build');
  if (build) {
    if (build !== 'simd' && build !== 'scalar' && build !== 'auto') {
      showError(`build = "${build}" is not valid: expected simd, scalar or auto`);
      setState('error');
      return false;
    }
    ui.build.value = build === 'auto' ? '' : build;
  }
  const threads = params.get('threads');
  if (threads !== null && threads !== '' && threads !== 'auto') {
    const n = Number(threads);
    if (!/^\d+$/.test(threads) || !Number.isInteger(n) || n < 1 || n > THREADS_MAX) {
      showError(`threads = "${threads}" is not valid: expected auto or an integer from 1 to ${THREADS_MAX}`);
      setState('error');
      return false;
    }
    // A count the control does not list (3, 8, ...) gets its own option.
    if (!Array.from(ui.threads.options).some((o) => o.value === String(n))) {
      const o = document.createElement('option');
      o.value = o.textContent = String(n);
      ui.threads.append(o);
    }
    ui.threads.value = String(n);
  }
  const autorun = params.get('autorun');
  return autorun === '1' || autorun === 'true';
}

// ---------------------------------------------------------------- the figure

const plot = new LivePlot(ui.figure, {
  intervalMs: 350,
  onError: (err) => showError(`figure: ${err instanceof Error ? err.message : String(err)}`),
});

// ---------------------------------------------------------------- progress and results

let progressFrame = 0;
let progressState = { iteration: 0, total: 0, elapsed: 0 };

function showProgress(iteration: number, total: number, elapsed: number): void {
  progressState = { iteration, total, elapsed };
  if (progressFrame) return;
  progressFrame = requestAnimationFrame(() => {
    progressFrame = 0;
    const { iteration: it, total: tot, elapsed: el } = progressState;
    const pct = tot > 0 ? (100 * it) / tot : 100;
    ui.progressBar.style.width = `${pct}%`;
    ui.progress.setAttribute('aria-valuenow', pct.toFixed(0));
    if (document.body.dataset.state === 'running')
      ui.status.textContent = `Iteration ${it.toLocaleString('en-US')} / ${tot.toLocaleString('en-US')} · ${fmtSeconds(el)}`;
  });
}

function showError(message: string): void {
  ui.error.textContent = message;
  ui.error.hidden = false;
}

function clearError(): void {
  ui.error.textContent = '';
  ui.error.hidden = true;
}

const HEADLINE: Array<[keyof Summary['final'], string]> = [
  ['trainLoss', 'Train loss'],
  ['oodLoss', 'OOD loss'],
  ['trainAcc', 'Train accuracy'],
  ['oodAcc', 'OOD accuracy'],
  ['coreProj', 'coreProj'],
  ['bgProj', 'bgProj'],
  ['asymmetry', 'Asymmetry'],
];
/** Padded-MNIST runs add these (bgProj: border weight norm). */
const MNIST_HEADLINE: Array<[keyof Summary['final'], string]> = [
  ['idTestAcc', 'ID test accuracy'],
  ['bgEnergy', 'bgEnergy'],
  ['bgShareLearned', 'bgShareLearned'],
];

let lastResult: { summary: Summary; metrics: MetricsRow[]; parameters: NamedTensor[] } | undefined;

function showResult(summary: Summary, metrics: MetricsRow[], parameters: NamedTensor[]): void {
  lastResult = { summary, metrics, parameters };
  ui.metricsBody.replaceChildren(
    ...[...HEADLINE, ...(summary.config.task === 'mnist' ? MNIST_HEADLINE : [])].map(([key, label]) => {
      const tr = document.createElement('tr');
      const a = summary.initial[key] as number;
      const b = summary.final[key] as number;
      const cells = [label, fmt(a), '→', fmt(b)];
      cells.forEach((text, i) => {
        const td = document.createElement(i === 0 ? 'th' : 'td');
        if (i === 0) td.setAttribute('scope', 'row');
        td.textContent = text;
        if (i === 2) td.className = 'arrow';
        if (i === 3) td.className = b > a ? 'up' : b < a ? 'down' : '';
        tr.append(td);
      });
      return tr;
    }),
  );
  ui.msPerIter.textContent = summary.timing.msPerIter.toFixed(3);
  ui.wallTime.textContent = fmtSeconds(summary.timing.wallSeconds);
  ui.simd.textContent = `${summary.engine.simd ? 'on' : 'off'} (${summary.engine.build} build)`;
  ui.threadsUsed.textContent = String(summary.engine.threads);
  ui.hash.textContent = summary.hash;
  // One button per tensor, named as `fclab run` names them (weights/fc0.weight.npy, ...).
  ui.weights.replaceChildren(
    ...parameters.map((t) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'small';
      b.dataset.tensor = t.name;
      b.textContent = `${t.name}.npy`;
      b.title = `${t.name}: float32 [${t.shape.join(', ')}], PyTorch layout; numpy.load reads it`;
      return b;
    }),
  );
  ui.resultsEmpty.hidden = true;
  ui.resultsBody.hidden = false;
}

function download(name: string, data: string | Uint8Array, type: string): void {
  const url = URL.createObjectURL(new Blob([data as BlobPart], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Clears the weight images (a new run). */
function hideWeights(): void {
  ui.weightsBox.hidden = true;
  ui.weightsFigure.replaceChildren();
  delete ui.weightsBox.dataset.ready;
}

/**
 * Padded-MNIST runs: the first 16 neurons' weights and their change since initialisation as
 * images (the same figure as `fclab run`'s weights.svg); a learned border shows as a uniform frame.
 */
async function showWeights(run: WorkerRun, summary: Summary, parameters: NamedTensor[], m: MnistRunInfo): Promise<void> {
  const W = parameters[0].data;
  const spec = weightGridSpec({
    title: { text: `${summary.config.preset}: ${summary.config.model.activation}, first-layer weights`, subtitle: `first 16 neurons, ${m.side}x${m.side} (border ${m.borderWidth} px), each scaled to its own max |w|; red > 0 > blue` },
    side: m.side,
    panels: [
      { title: `Weights after ${summary.iterations} iterations`, weights: W },
      { title: 'Learned change W − W0', weights: W.map((v, i) => v - m.initialWeights[i]) },
    ],
  });
  try {
    const svg = await renderSvg(spec);
    if (current !== run) return;
    ui.weightsFigure.innerHTML = svg;
    ui.weightsBox.hidden = false;
    ui.weightsBox.dataset.ready = '1';
  } catch (err) {
    showError(`weights figure: ${err instanceof Error ? err.message : String(err)}`);
  }
}

// ---------------------------------------------------------------- running

let current: WorkerRun | undefined;
/** The config of the stopped run (Resume continues it, whatever the form shows now). */
let stoppedSpec: RunSpec | undefined;

const newWorker = () => new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });

/** Buttons and form for a state; focus follows the run so Enter/Space keep working. */
function setControls(state: State): void {
  const active = state === 'running' || state === 'stopping';
  ui.settings.disabled = active;
  ui.run.disabled = active;
  ui.stop.disabled = state !== 'running';
  ui.resume.disabled = state !== 'stopped';
  setState(state);
}

/** Follows one WorkerRun (a fresh run or a resumed one) until it ends. */
function follow(run: WorkerRun, spec: RunSpec, threads: number, resumedRows: MetricsRow[]): void {
  current = run;
  const trainingStatus = (simd: boolean) =>
    `Training (WebAssembly ${simd && spec.build !== 'scalar' ? 'SIMD' : 'scalar'}, ${threads} thread${threads === 1 ? '' : 's'})…`;
  let simd = true;
  plot.reset({ title: `${spec.preset}: ${ui.activation.value}, ${ui.loss.value}, ${ui.optimizer.value}`, kind: isMnist(spec.preset) ? 'mnist' : 'toy' }, 'Starting…');
  hideWeights();
  for (const r of resumedRows) plot.push(r);
  setControls('running');
  ui.stop.focus();
  run
    .on('ready', (m) => {
      simd = m.simd;
      if (current === run) ui.status.textContent = trainingStatus(simd);
    })
    .on('threads', (m) => {
      threads = m.threads;
      showThreadsNote(m.note);
      if (current === run) ui.status.textContent = trainingStatus(simd);
    })
    .on('progress', (e) => {
      if (current !== run) return;
      showProgress(e.iteration, e.total, e.elapsedSeconds);
      if (e.metrics) plot.push(e.metrics);
    });
  run.finished.then(
    (o) => {
      if (current !== run) return;
      plot.pause();
      if (o.status === 'stopped') {
        stoppedSpec = spec;
        showProgress(o.iteration, progressState.total, progressState.elapsed);
        ui.status.textContent = `Stopped: Resume continues from iteration ${o.iteration.toLocaleString('en-US')} / ${progressState.total.toLocaleString('en-US')}.`;
        setControls('stopped');
        ui.resume.focus();
        return;
      }
      const { summary, metrics, parameters } = o;
      const json = JSON.stringify(summary, null, 2) + '\n';
      showResult(summary, metrics, parameters);
      if (summary.config.task === 'mnist' && o.extra) void showWeights(run, summary, parameters, o.extra as MnistRunInfo);
      showProgress(summary.iterations, summary.iterations, summary.timing.wallSeconds);
      ui.status.textContent = `Done: ${summary.iterations.toLocaleString('en-US')} iterations in ${fmtSeconds(summary.timing.wallSeconds)}.`;
      // The controls stay as they are (Stop is then a no-op) until the final figure is in the page.
      void plot.set(metrics).then(() => {
        if (current !== run) return;
        ui.summaryJson.textContent = json;
        document.body.dataset.summary = JSON.stringify(summary);
        setControls('done');
        ui.run.focus();
      });
    },
    (err: unknown) => {
      if (current !== run) return;
      plot.pause();
      showError(err instanceof Error ? err.message : String(err));
      ui.status.textContent = 'Failed.';
      setControls('error');
    },
  );
}

function startRun(): void {
  if (current?.running) return;
  clearError();
  let spec: RunSpec;
  try {
    spec = readForm();
  } catch (err) {
    showError(err instanceof Error ? err.message : String(err));
    setState('error');
    return;
  }
  history.replaceState(null, '', queryOf(spec, false));
  const resolved = resolveThreads(spec);
  showThreadsNote(resolved.note);
  lastResult = undefined;
  stoppedSpec = undefined;
  delete document.body.dataset.summary;
  ui.summaryJson.textContent = '';
  ui.status.textContent = 'Starting the worker…';
  showProgress(0, 0, 0);
  follow(
    runInWorker({ preset: spec.preset, set: spec.set, build: spec.build, threads: resolved.threads, worker: newWorker }),
    spec,
    resolved.threads,
    [],
  );
}

function stopRun(): void {
  const run = current;
  if (!run?.running || document.body.dataset.state !== 'running') return;
  setControls('stopping');
  ui.status.textContent = 'Stopping at the next evaluation…';
  void run.stop();
}

function resumeRun(): void {
  const run = current;
  const spec = stoppedSpec;
  if (!run || !spec || document.body.dataset.state !== 'stopped') return;
  clearError();
  void run.finished.then((o) => {
    if (current !== run || o.status !== 'stopped') return;
    const threads = resolveThreads(spec).threads;
    ui.status.textContent = o.checkpoint ? 'Resuming…' : 'Restarting (stopped before the first evaluation)…';
    follow(run.resume({ threads }), spec, threads, o.checkpoint?.metrics ?? []);
  });
}

// ---------------------------------------------------------------- wiring

fillSelect(
  ui.preset,
  TOY_PRESETS.map((p) => p.name),
);
fillSelect(ui.activation, ACTIVATIONS);
fillSelect(ui.loss, LOSSES);
fillSelect(ui.optimizer, OPTIMIZERS);
ui.version.textContent = `fclab ${VERSION}`;
ui.threads.options[0].textContent = `auto (${autoThreads()})`;

ui.preset.addEventListener('change', () => {
  applyPreset(ui.preset.value);
  updateShare();
});
ui.form.addEventListener('input', updateShare);
ui.form.addEventListener('change', updateShare);
ui.form.addEventListener('submit', (event) => {
  event.preventDefault();
  startRun();
});
ui.stop.addEventListener('click', stopRun);
ui.resume.addEventListener('click', resumeRun);
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && document.body.dataset.state === 'running') {
    event.preventDefault();
    stopRun();
  }
});
ui.downloadCsv.addEventListener('click', () => {
  if (lastResult) download('metrics.csv', metricsCsv(lastResult.metrics, taskOf(lastResult.summary.config).columns(lastResult.summary.config)), 'text/csv');
});
ui.downloadJson.addEventListener('click', () => {
  if (lastResult) download('summary.json', JSON.stringify(lastResult.summary, null, 2) + '\n', 'application/json');
});
ui.weights.addEventListener('click', (event) => {
  const name = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-tensor]')?.dataset.tensor;
  const t = lastResult?.parameters.find((p) => p.name === name);
  if (t) download(`${t.name}.npy`, encodeNpy(t.data, t.shape), 'application/octet-stream');
});

const autorun = applyQuery(new URLSearchParams(location.search));
updateShare();
if (autorun) startRun();
