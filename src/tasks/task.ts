// The contract between an experiment kind and everything that runs, stores, aggregates or shows
// it. Each kind (src/tasks/<kind>/) implements Task once; the run loop (src/run/), sweeps, the
// writers of run folders, the CLI and the web page ask the registry (./registry.ts) for the task of
// a config and never branch on the kind themselves.
import type { TopLevelSpec } from 'vega-lite';
import type { Build, ThreadsOption } from '../engine/wasm.js';
import type { NamedTensor, TrainerSnapshot } from '../engine/net.js';
import type { NonFinite } from '../engine/finite.js';
import type { Config, TaskKind } from '../config/schema.js';
import type { ReportSection } from '../report/html.js';
import type { MnistDigits } from './mnist/data.js';
import type { Explanation } from './explain.js';

/** One evaluation: `iteration` (updates applied; 0 = the initial state), then the kind's columns. */
export type MetricRow = Record<string, number> & { iteration: number };

/** Per-neuron values of the first hidden layer at one evaluation (empty where a kind has none). */
export interface NeuronStats {
  coreNorm: Float64Array;
  bgNorm: Float64Array;
  asymmetry: Float64Array;
  /** a kind's further per-neuron values (written as neurons.<name>.npy) */
  more?: Record<string, Float64Array>;
}

/** Per-neuron traces of the first hidden layer: one row per evaluation. */
export interface NeuronTraces {
  iterations: number[];
  coreNorm: Float64Array[];
  bgNorm: Float64Array[];
  asymmetry: Float64Array[];
  /** NeuronStats.more, one row per evaluation (absent or empty where a kind has none) */
  more?: Record<string, Float64Array[]>;
}

/** State that starts a run from outside (e.g. PyTorch's): data, transform and initial weights. */
export interface ImportedState {
  trainX: Float32Array;
  testX: Float32Array;
  y: Float32Array;
  transform: Float32Array;
  /** 'fc0.weight', 'fc0.bias', ... as in the reference folders */
  params: Record<string, Float32Array>;
  /** where it came from, for messages */
  source?: string;
  /** shapes of the files it was read from ('train_x.npy', 'init.fc0.weight.npy', ...), checked against the config */
  shapes?: Record<string, number[]>;
}

/** What a task's trainer may need besides its config. */
export interface TaskContext {
  imported?: ImportedState;
  build?: Build;
  /** kernel threads, or 'auto' (src/engine/auto-threads.ts); results do not depend on it */
  threads?: ThreadsOption;
  /** padded-MNIST digits, or a function giving them (called only by the kinds that use them) */
  digits?: MnistDigits | (() => MnistDigits | Promise<MnistDigits>);
}

/** What the one run loop drives: every kind's trainer fits. */
export interface TaskTrainer {
  /** the resolved config (what config.json records) */
  readonly config: Config;
  readonly iteration: number;
  readonly simd: boolean;
  readonly threads: number;
  readonly build: Build;
  /** k updates */
  step(k: number): unknown;
  /** every metric at the current parameters */
  evaluate(): Promise<{ row: MetricRow; neurons: NeuronStats }> | { row: MetricRow; neurons: NeuronStats };
  snapshot(): TrainerSnapshot;
  restore(s: TrainerSnapshot): void;
  /** the tensors the hash covers, in a fixed order */
  parameters(): NamedTensor[];
  /** parameter tensors holding NaN or ±Infinity (the divergence check at evaluations) */
  nonFiniteParameters(): NonFinite[];
  /** kind-specific fields of summary.json, from the last evaluation and the neuron traces of the whole run */
  summaryFields?(neurons: NeuronTraces): Record<string, unknown>;
  /** kind-specific data the figures need (e.g. initial weights), carried in RunResult.extra */
  extra?(): unknown;
  dispose(): void;
}

export interface ProgressEvent {
  iteration: number;
  total: number;
  elapsedSeconds: number;
  /** present when this event is an evaluation */
  metrics?: MetricRow;
}

/** Where and how a run diverged: the non-finite losses and parameter tensors at that evaluation. */
export interface Divergence {
  iteration: number;
  /** value: the loss, or a parameter tensor's first non-finite value ("NaN", "Infinity", "-Infinity") */
  tensors: Array<{ name: string; count: number; size: number; value: string }>;
  message: string;
}

/** What summary.json holds (a kind adds its own fields, e.g. distillation's probes). */
export interface Summary {
  preset: string;
  task: TaskKind;
  config: Config;
  seed: number;
  iterations: number;
  initial: MetricRow;
  final: MetricRow;
  hash: string;
  timing: { wallSeconds: number; msPerIter: number };
  engine: { simd: boolean; threads: number; version: string; build: Build };
  /** Present only when NaN or Infinity stopped the run; `iterations` is then where it stopped. */
  diverged?: Divergence;
  [field: string]: unknown;
}

export interface RunResult {
  summary: Summary;
  config: Config;
  metrics: MetricRow[];
  neurons: NeuronTraces;
  parameters: NamedTensor[];
  /** kind-specific data for the kind's figures (TaskTrainer.extra) */
  extra?: unknown;
}

/** A static figure of a run: its file name (name.svg, name.png) and spec. */
export interface RunFigure {
  name: string;
  spec: TopLevelSpec;
  /** report.html embeds the PNG instead of the SVG (figures with tens of thousands of marks) */
  embedPng?: boolean;
  title: string;
  caption: string;
}

/** One panel of the browser's live plot: series drawn from metric columns (no rendering code here). */
export interface LivePanel {
  title: string;
  /** may be drawn on a log axis (the losses) */
  log?: boolean;
  series: ReadonlyArray<{ name: string; color: string; column: string }>;
}

export interface Task<C extends Config = Config> {
  readonly kind: TaskKind;
  /** one line for `fclab presets` and the docs */
  readonly title: string;
  /** metric columns of a run, in CSV, checkpoint and hash order ('iteration' first) */
  columns(config: C): readonly string[];
  /** what each column means */
  metricHelp(config: C): Record<string, string>;
  /** columns whose non-finite value means the run diverged */
  readonly lossColumns: readonly string[];
  /** whether the kind can start from imported state (--import-npy) */
  readonly importable: boolean;
  /** decides 'auto' settings and checks what needs the context (imported state): the config.json form */
  resolve(config: C, ctx: { imported: boolean }): C;
  /** why this config cannot be trained by the engine (memory), checked before anything runs; null if it can */
  memoryProblem(config: C, ctx: { imported: boolean }): string | null;
  createTrainer(config: C, ctx: TaskContext): Promise<TaskTrainer>;
  /** kind-specific fields of summary.json computed from all of a run's rows (e.g. time scales) */
  summarize?(rows: readonly MetricRow[]): Record<string, unknown>;
  /** the headline of a finished run (the CLI prints it with the folder) */
  summaryLine(summary: Summary): string;
  /** a few numbers of one evaluation for a progress line */
  progressText(row: MetricRow): string;
  /** aggregated across seeds (sweeps): column and derived quantities, with their help */
  readonly aggregate: {
    metrics(config: C): readonly string[];
    derived(row: MetricRow, first: MetricRow): Record<string, number>;
    help: Record<string, string>;
  };
  /** a relative cost of one run (updates × rows × weights touched), for scheduling sweeps and their ETA */
  cost(config: C): number;
  /** the quantities `fclab sweep` prints per cell at the end (aggregate metrics, with labels) */
  readonly sweepHeadline: ReadonlyArray<{ label: string; metric: string }>;
  /** what the browser's live plot draws while the run streams in */
  readonly livePanels: readonly LivePanel[];
  /** the run's static figures */
  figures(result: RunResult): RunFigure[];
  /** what each preset's runs show, by preset name: the text report.html, the demo page and docs/explanations.md give (./explain.ts) */
  readonly explanations?: Readonly<Record<string, Explanation>>;
  /** report.html: what the run's numbers mean (the figures and config are added around it) */
  reportSections(result: RunResult): ReportSection[];
  /** extra arrays of the run folder (written as <name>.npy; sweeps keep only folders, so per-run data the figures need goes here) */
  files?(result: RunResult): RunFile[];
}

/** An array a task adds to its run folders: <name>.npy (name: letters, digits, '.', '_', '-'). */
export interface RunFile {
  name: string;
  data: Float32Array | Float64Array;
  shape: number[];
}
