// One training run, isomorphic (Node and browsers): resolve the config, train with metrics every
// train.evalEvery updates, and summarise. Writing files is the Node shell's job (outputs-node.ts).
import { createTrainer, type ImportedState, type NamedTensor, type NonFinite, type ResolvedConfig, type Trainer } from '../tasks/toy/trainer.js';
import type { Build } from '../engine/wasm.js';
import { ConfigError, type ConfigInput } from '../config/resolve.js';
import { metricColumns, type MetricsRow, type NeuronStats } from '../tasks/toy/metrics.js';
import { resolveConfig, validateConfig } from '../config/resolve.js';
import type { Config } from '../config/schema.js';
import type { MnistDigits } from '../tasks/mnist/data.js';
import { createMnistTrainer } from '../tasks/mnist/trainer.js';
import { runHash } from './hash.js';
import type { RunCheckpoint } from './checkpoint.js';
import { VERSION } from '../version.js';

export interface RunOptions extends ConfigInput {
  /** Start from outside state (data, transform, initial weights), e.g. PyTorch's. */
  imported?: ImportedState;
  /** WASM build; both give identical results. Default: SIMD where supported. */
  build?: Build;
  /** Kernel threads (default 1); results are identical for any count. */
  threads?: number;
  /** Called after every chunk of updates and at every evaluation. */
  onProgress?: (event: ProgressEvent) => void;
  /** Stops the run between chunks of updates (the promise rejects with a RunInterrupted). */
  signal?: AbortSignal;
  /** Continue a checkpointed run (its config is used; preset/config/set must be absent). */
  resume?: RunCheckpoint;
  /**
   * Hand a checkpoint to onCheckpoint every this many updates (0 = never; default: the config's
   * train.checkpointEvery). When `signal` aborts, the promise rejects with a RunInterrupted that
   * carries a checkpoint of the state reached, whatever this is.
   */
  checkpointEvery?: number;
  onCheckpoint?: (checkpoint: RunCheckpoint) => void | Promise<void>;
  /**
   * The MNIST digits, for data.source = mnist-padded (or a function giving them, called only for
   * such runs): loadMnistDigits from fclab/node in Node; the web demo bundles them.
   */
  digits?: MnistDigits | (() => MnistDigits | Promise<MnistDigits>);
}

/** What train() needs of a trainer: the feature model's Trainer and the MNIST one both fit. */
interface RunTrainer {
  readonly config: ResolvedConfig;
  readonly iteration: number;
  readonly simd: boolean;
  readonly threads: number;
  readonly build: Build;
  step(k: number): number;
  evaluate(): MetricsRow & { neurons: NeuronStats };
  snapshot(): ReturnType<Trainer['snapshot']>;
  restore(s: ReturnType<Trainer['snapshot']>): void;
  parameters(): NamedTensor[];
  /** Parameter tensors holding NaN or ±Infinity (the divergence check at evaluations). */
  nonFiniteParameters(): NonFinite[];
  dispose(): void;
}

export interface ProgressEvent {
  iteration: number;
  total: number;
  elapsedSeconds: number;
  /** present when this event is an evaluation */
  metrics?: MetricsRow;
}

/** initial and final: every metric of the first and last rows (trainLoss, oodLoss, trainAcc, oodAcc, coreProj, bgProj, ...) */
type Headline = MetricsRow;

/** Exactly what summary.json holds. */
export interface Summary {
  preset: string;
  config: ResolvedConfig;
  seed: number;
  iterations: number;
  initial: Headline;
  final: Headline;
  hash: string;
  timing: { wallSeconds: number; msPerIter: number };
  engine: { simd: boolean; threads: number; version: string; build: Build };
  /** Present only when NaN or Infinity stopped the run; `iterations` is then where it stopped. */
  diverged?: Divergence;
}

/** Where and how a run diverged: the non-finite losses and parameter tensors at that evaluation. */
export interface Divergence {
  iteration: number;
  /** value: the loss, or a parameter tensor's first non-finite value ("NaN", "Infinity", "-Infinity") */
  tensors: Array<{ name: string; count: number; size: number; value: string }>;
  message: string;
}

/** A run stopped by its AbortSignal; `checkpoint` continues it (runExperiment({ resume })). */
export class RunInterrupted extends Error {
  override name = 'RunInterrupted';
  constructor(
    readonly reason: unknown,
    readonly checkpoint: RunCheckpoint,
  ) {
    super(reason instanceof Error ? reason.message : reason === undefined ? 'run interrupted' : String(reason), { cause: reason });
  }
}

/** Per-neuron traces of the first hidden layer: one row per evaluation. */
export interface NeuronTraces {
  iterations: number[];
  coreNorm: Float64Array[];
  bgNorm: Float64Array[];
  asymmetry: Float64Array[];
}

/** MNIST runs: what the weight images need. */
export interface MnistRunInfo {
  /** side of the padded image */
  side: number;
  borderWidth: number;
  /** first-layer weights at initialisation, [hidden x side^2] */
  initialWeights: Float32Array;
}

export interface RunResult {
  summary: Summary;
  /** present for data.source = mnist-padded */
  mnist?: MnistRunInfo;
  config: ResolvedConfig;
  metrics: MetricsRow[];
  neurons: NeuronTraces;
  parameters: NamedTensor[];
}

const now = () => performance.now();

/** Updates between progress events: small enough to keep a progress bar alive. */
const CHUNK = 50;

export async function runExperiment(options: RunOptions = {}): Promise<RunResult> {
  const resume = options.resume;
  if (resume && (options.preset || options.config || options.set))
    throw new Error('runExperiment: resume uses the checkpoint\'s config; do not pass preset, config or set');
  if (resume && resume.imported !== !!options.imported)
    throw new ConfigError(
      resume.imported
        ? 'resume: the checkpointed run started from imported state; pass the same imported state (--import-npy) again'
        : 'resume: the checkpointed run used generated data; do not pass imported state',
    );
  const input = resume ? resume.config : { preset: options.preset, config: options.config, set: options.set };
  const base: Config = resume ? validateConfig(resume.config) : resolveConfig(input);
  if (base.experiment === 'distill')
    throw new ConfigError(`preset = "${base.preset}" is a distillation experiment: run it with fclab distill (runDistill in the library)`);
  let trainer: RunTrainer;
  let mnist: MnistRunInfo | undefined;
  if (base.data.source === 'mnist-padded') {
    if (options.imported) throw new ConfigError('--import-npy is not valid with data.source = mnist-padded: expected generated data (the digits come from the mnist package)');
    const d = options.digits;
    if (!d)
      throw new ConfigError('data.source = mnist-padded needs the digits: pass options.digits (loadMnistDigits from fclab/node; the web demo bundles them)');
    const t = await createMnistTrainer(base, { digits: typeof d === 'function' ? await d() : d, build: options.build, threads: options.threads });
    mnist = { side: t.data.side, borderWidth: base.mnist!.borderWidth, initialWeights: t.initialWeights() };
    trainer = t;
  } else {
    trainer = await createTrainer(base, { imported: options.imported, build: options.build, threads: options.threads });
  }
  try {
    const result = await train(trainer, options);
    return mnist ? { ...result, mnist } : result;
  } finally {
    trainer.dispose();
  }
}

/** Gives timers, I/O and signal handlers (Ctrl-C) a turn: setImmediate in Node, a macrotask elsewhere. */
const yieldToEventLoop = (): Promise<void> =>
  new Promise((r) => {
    const g = globalThis as { setImmediate?: (f: () => void) => void };
    if (g.setImmediate) g.setImmediate(r);
    else setTimeout(r, 0);
  });

/** Milliseconds of training between turns of the event loop. */
const YIELD_MS = 50;

const nonFinite = (v: number) => !Number.isFinite(v);

/** Checks the losses and every parameter; null when all are finite. Deterministic: runs at evaluations only. */
function checkDivergence(trainer: RunTrainer, row: MetricsRow): Divergence | null {
  const found: Divergence['tensors'] = [];
  for (const name of ['trainLoss', 'oodLoss'] as const)
    if (nonFinite(row[name])) found.push({ name, count: 1, size: 1, value: String(row[name]) });
  for (const t of trainer.nonFiniteParameters()) found.push(t);
  if (!found.length) return null;
  const what = found
    .map((t) => (t.size === 1 ? `${t.name} = ${t.value}` : `${t.name} (${t.count} of ${t.size} values, first ${t.value})`))
    .join(', ');
  return {
    iteration: row.iteration,
    tensors: found,
    message: `training diverged at iteration ${row.iteration}: ${what}`,
  };
}

async function train(trainer: RunTrainer, options: RunOptions): Promise<RunResult> {
  const resume = options.resume;
  const config = trainer.config;
  const total = config.train.iterations;
  const every = config.train.evalEvery;
  const cpEvery = options.checkpointEvery ?? config.train.checkpointEvery;
  if (!Number.isInteger(cpEvery) || cpEvery < 0)
    throw new ConfigError(`checkpointEvery = ${cpEvery} is not valid: expected a non-negative integer (0 = no checkpoints)`);
  const metrics: MetricsRow[] = resume ? [...resume.metrics] : [];
  const neurons: NeuronTraces = resume
    ? { iterations: [...resume.neurons.iterations], coreNorm: [...resume.neurons.coreNorm], bgNorm: [...resume.neurons.bgNorm], asymmetry: [...resume.neurons.asymmetry] }
    : { iterations: [], coreNorm: [], bgNorm: [], asymmetry: [] };
  if (resume) trainer.restore(resume.snapshot);
  const t0 = now();
  const elapsed = () => (now() - t0) / 1000;
  let trainMs = resume?.trainMs ?? 0;
  let diverged: Divergence | null = null;

  const checkpoint = (): RunCheckpoint => ({
    config,
    imported: !!options.imported,
    snapshot: trainer.snapshot(),
    metrics: [...metrics],
    neurons: { iterations: [...neurons.iterations], coreNorm: [...neurons.coreNorm], bgNorm: [...neurons.bgNorm], asymmetry: [...neurons.asymmetry] },
    trainMs,
  });
  const stopIfAborted = () => {
    const signal = options.signal;
    if (signal?.aborted) throw new RunInterrupted(signal.reason, checkpoint());
  };

  const evaluate = () => {
    const { neurons: nr, ...row } = trainer.evaluate();
    metrics.push(row);
    neurons.iterations.push(row.iteration);
    neurons.coreNorm.push(nr.coreNorm);
    neurons.bgNorm.push(nr.bgNorm);
    neurons.asymmetry.push(nr.asymmetry);
    options.onProgress?.({ iteration: row.iteration, total, elapsedSeconds: elapsed(), metrics: row });
    diverged = checkDivergence(trainer, row);
  };

  if (!resume) evaluate();
  let lastYield = now();
  while (trainer.iteration < total && !diverged) {
    const it = trainer.iteration;
    const nextEval = Math.min(total, (Math.floor(it / every) + 1) * every);
    const nextCheckpoint = cpEvery ? (Math.floor(it / cpEvery) + 1) * cpEvery : Infinity;
    const k = Math.min(CHUNK, nextEval - it, nextCheckpoint - it);
    // only a run that can be stopped by a signal needs the event loop (e.g. the CLI's Ctrl-C handler)
    if (options.signal && now() - lastYield >= YIELD_MS) {
      await yieldToEventLoop();
      lastYield = now();
    }
    stopIfAborted();
    const s = now();
    trainer.step(k);
    trainMs += now() - s;
    if (trainer.iteration === nextEval) evaluate();
    else options.onProgress?.({ iteration: trainer.iteration, total, elapsedSeconds: elapsed() });
    if (!diverged && cpEvery && options.onCheckpoint && trainer.iteration % cpEvery === 0 && trainer.iteration < total)
      await options.onCheckpoint(checkpoint());
  }

  const parameters = trainer.parameters();
  const pick = (r: MetricsRow): Headline => ({ ...r });
  const wallSeconds = elapsed();
  const done = trainer.iteration;
  const summary: Summary = {
    preset: config.preset,
    config,
    seed: config.seed,
    iterations: done,
    initial: pick(metrics[0]),
    final: pick(metrics[metrics.length - 1]),
    hash: runHash(parameters, metrics, metricColumns(config)),
    timing: { wallSeconds, msPerIter: done ? trainMs / done : 0 },
    engine: { simd: trainer.simd, threads: trainer.threads, version: VERSION, build: trainer.build },
  };
  if (diverged) summary.diverged = diverged;
  return { summary, config, metrics, neurons, parameters };
}

/** The library's one-call API: a run's summary (summary.json). */
export async function run(options: RunOptions = {}): Promise<Summary> {
  return (await runExperiment(options)).summary;
}
