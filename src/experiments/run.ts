// One training run, isomorphic (Node and browsers): resolve the config, train with metrics every
// train.evalEvery updates, and summarise. Writing files is the Node shell's job (outputs-node.ts).
import { createTrainer, type ImportedState, type NamedTensor, type ResolvedConfig, type Trainer } from '../engine/trainer.js';
import type { Build } from '../engine/wasm.js';
import { ConfigError, resolveConfig, type ConfigInput } from '../config/resolve.js';
import type { MetricsRow } from '../analysis/metrics.js';
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
  /** Stops the run between chunks of updates (the promise rejects with the signal's reason). */
  signal?: AbortSignal;
  /** Continue a checkpointed run (its config is used; preset/config/set must be absent). */
  resume?: RunCheckpoint;
  /** Hand a checkpoint to onCheckpoint at every evaluation whose iteration is a multiple of this. */
  checkpointEvery?: number;
  onCheckpoint?: (checkpoint: RunCheckpoint) => void | Promise<void>;
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
}

/** Per-neuron traces of the first hidden layer: one row per evaluation. */
export interface NeuronTraces {
  iterations: number[];
  coreNorm: Float64Array[];
  bgNorm: Float64Array[];
  asymmetry: Float64Array[];
}

export interface RunResult {
  summary: Summary;
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
  if (!resume && resolveConfig({ preset: options.preset, config: options.config, set: options.set }).experiment === 'distill')
    throw new ConfigError(`preset = "${options.preset}" is a distillation experiment: run it with fclab distill (runDistill in the library)`);
  const trainer = await createTrainer(
    resume ? resume.config : { preset: options.preset, config: options.config, set: options.set },
    { imported: options.imported, build: options.build, threads: options.threads },
  );
  try {
    return await train(trainer, options);
  } finally {
    trainer.dispose();
  }
}

async function train(trainer: Trainer, options: RunOptions): Promise<RunResult> {
  const resume = options.resume;
  const config = trainer.config;
  const total = config.train.iterations;
  const every = config.train.evalEvery;
  const cpEvery = options.checkpointEvery;
  if (cpEvery !== undefined && (!Number.isInteger(cpEvery) || cpEvery < 1 || cpEvery % every !== 0))
    throw new ConfigError(`checkpointEvery = ${cpEvery} is not valid: expected a positive multiple of train.evalEvery = ${every}`);
  const metrics: MetricsRow[] = resume ? [...resume.metrics] : [];
  const neurons: NeuronTraces = resume
    ? { iterations: [...resume.neurons.iterations], coreNorm: [...resume.neurons.coreNorm], bgNorm: [...resume.neurons.bgNorm], asymmetry: [...resume.neurons.asymmetry] }
    : { iterations: [], coreNorm: [], bgNorm: [], asymmetry: [] };
  if (resume) trainer.restore(resume.snapshot);
  const t0 = now();
  const elapsed = () => (now() - t0) / 1000;
  let trainMs = resume?.trainMs ?? 0;

  const evaluate = () => {
    const { neurons: nr, ...row } = trainer.evaluate();
    metrics.push(row);
    neurons.iterations.push(row.iteration);
    neurons.coreNorm.push(nr.coreNorm);
    neurons.bgNorm.push(nr.bgNorm);
    neurons.asymmetry.push(nr.asymmetry);
    options.onProgress?.({ iteration: row.iteration, total, elapsedSeconds: elapsed(), metrics: row });
  };

  if (!resume) evaluate();
  while (trainer.iteration < total) {
    const nextEval = Math.min(total, (Math.floor(trainer.iteration / every) + 1) * every);
    const k = Math.min(CHUNK, nextEval - trainer.iteration);
    options.signal?.throwIfAborted();
    const s = now();
    trainer.step(k);
    trainMs += now() - s;
    if (trainer.iteration === nextEval) {
      evaluate();
      if (cpEvery && options.onCheckpoint && trainer.iteration % cpEvery === 0 && trainer.iteration < total)
        await options.onCheckpoint({
          config,
          imported: !!options.imported,
          snapshot: trainer.snapshot(),
          metrics: [...metrics],
          neurons: { iterations: [...neurons.iterations], coreNorm: [...neurons.coreNorm], bgNorm: [...neurons.bgNorm], asymmetry: [...neurons.asymmetry] },
          trainMs,
        });
    } else options.onProgress?.({ iteration: trainer.iteration, total, elapsedSeconds: elapsed() });
  }

  const parameters = trainer.parameters();
  const pick = (r: MetricsRow): Headline => ({ ...r });
  const wallSeconds = elapsed();
  const summary: Summary = {
    preset: config.preset,
    config,
    seed: config.seed,
    iterations: total,
    initial: pick(metrics[0]),
    final: pick(metrics[metrics.length - 1]),
    hash: runHash(parameters, metrics),
    timing: { wallSeconds, msPerIter: total ? trainMs / total : 0 },
    engine: { simd: trainer.simd, threads: trainer.threads, version: VERSION, build: trainer.build },
  };
  return { summary, config, metrics, neurons, parameters };
}

/** The library's one-call API: a run's summary (summary.json). */
export async function run(options: RunOptions = {}): Promise<Summary> {
  return (await runExperiment(options)).summary;
}
