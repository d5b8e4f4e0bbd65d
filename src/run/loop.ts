// The one run loop, isomorphic (Node and browsers), for every experiment kind: resolve the config,
// let the kind's Task build its trainer, train in chunks with metrics every train.evalEvery
// updates, stop on divergence or on an AbortSignal (with a checkpoint), and summarise. Writing files
// is the Node shell's job (src/node/outputs.ts).
import type { Build, ThreadsOption } from '../engine/wasm.js';
import type { NamedTensor } from '../engine/net.js';
import { ConfigError, resolveConfig, validateConfig, type ConfigInput } from '../config/resolve.js';
import type { Config } from '../config/schema.js';
import { taskOf } from '../tasks/registry.js';
import type { Divergence, MetricRow, NeuronTraces, ProgressEvent, RunResult, Summary, Task, TaskContext, TaskTrainer } from '../tasks/task.js';
import { runHash } from './hash.js';
import { importedDigest, type RunCheckpoint } from './checkpoint.js';
import { VERSION } from '../version.js';

export type { Divergence, NeuronTraces, ProgressEvent, RunResult, Summary, MetricRow } from '../tasks/task.js';

export interface RunOptions extends ConfigInput, TaskContext {
  /** WASM build; both give identical results. Default: SIMD where supported. */
  build?: Build;
  /** Kernel threads (default 1), or 'auto' (1 or all cores, whichever the timed steps show faster); results are identical for any count. */
  threads?: ThreadsOption;
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
   * Called at every evaluation, after onProgress, with copies of the parameters then (for live
   * views of what the network computes; reading them changes nothing in the run or its hash).
   */
  onParameters?: (iteration: number, parameters: NamedTensor[]) => void;
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

/**
 * The resolved config a run of this input would record (config.json), checked against what it
 * needs (memory, imported state) before anything is allocated.
 */
export function planRun(input: ConfigInput | Config, options: { imported?: boolean } = {}): Config {
  const full = typeof input === 'object' && input !== null && 'task' in input && 'train' in input;
  const base = full ? validateConfig(input) : resolveConfig(input as ConfigInput);
  const task = taskOf(base);
  const imported = !!options.imported;
  if (imported && !task.importable)
    throw new ConfigError(`--import-npy is not valid with preset ${JSON.stringify(base.preset)} (a ${base.task} run): expected generated data`);
  const resolved = task.resolve(base, { imported });
  const problem = task.memoryProblem(resolved, { imported });
  if (problem) throw new ConfigError(`config: ${problem}`);
  return resolved;
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
  const digest = options.imported ? importedDigest(options.imported) : null;
  if (resume?.imported && resume.importDigest !== undefined && resume.importDigest !== digest)
    throw new ConfigError(
      `resume: the imported state${options.imported?.source ? ` (${options.imported.source})` : ''} differs from the one the checkpointed run started from (SHA-256 ${digest?.slice(0, 12)}, the checkpoint records ${String(resume.importDigest).slice(0, 12)}); pass the same --import-npy folder`,
    );
  const config = resume ? planRun(resume.config, { imported: !!options.imported }) : planRun({ preset: options.preset, config: options.config, set: options.set }, { imported: !!options.imported });
  const task = taskOf(config);
  const trainer = await task.createTrainer(config, { imported: options.imported, build: options.build, threads: options.threads, digits: options.digits });
  try {
    return await train(trainer, task, options, digest);
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
function checkDivergence(trainer: TaskTrainer, losses: readonly string[], row: MetricRow): Divergence | null {
  const found: Divergence['tensors'] = [];
  for (const name of losses)
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

function copyTraces(t: NeuronTraces): NeuronTraces {
  const more: Record<string, Float64Array[]> = {};
  for (const [k, v] of Object.entries(t.more ?? {})) more[k] = [...v];
  return { iterations: [...t.iterations], coreNorm: [...t.coreNorm], bgNorm: [...t.bgNorm], asymmetry: [...t.asymmetry], more };
}

async function train(trainer: TaskTrainer, task: Task, options: RunOptions, importDigest: string | null): Promise<RunResult> {
  const losses = task.lossColumns;
  const columns = task.columns(trainer.config);
  const resume = options.resume;
  const config = trainer.config;
  const total = config.train.iterations;
  const every = config.train.evalEvery;
  const cpEvery = options.checkpointEvery ?? config.train.checkpointEvery;
  if (!Number.isInteger(cpEvery) || cpEvery < 0)
    throw new ConfigError(`checkpointEvery = ${cpEvery} is not valid: expected a non-negative integer (0 = no checkpoints)`);
  const metrics: MetricRow[] = resume ? [...resume.metrics] : [];
  const neurons: NeuronTraces = resume ? copyTraces(resume.neurons) : { iterations: [], coreNorm: [], bgNorm: [], asymmetry: [], more: {} };
  if (resume) {
    // a state of other sizes than the config's (a checkpoint made by hand): a clear error, not a crash
    const sizes = trainer.snapshot().state.map((b) => b.length);
    const got = resume.snapshot.state.map((b) => b.length);
    if (sizes.length !== got.length || sizes.some((n, i) => n !== got[i]))
      throw new ConfigError(`resume: the checkpoint's trainer state (${got.length} buffers, ${got.reduce((a, b) => a + b, 0)} bytes) does not fit its config (${sizes.length} buffers, ${sizes.reduce((a, b) => a + b, 0)} bytes)`);
    trainer.restore(resume.snapshot);
  }
  const t0 = now();
  const elapsed = () => (now() - t0) / 1000;
  let trainMs = resume?.trainMs ?? 0;
  let diverged: Divergence | null = null;

  const checkpoint = (): RunCheckpoint => ({
    config,
    imported: !!options.imported,
    importDigest,
    snapshot: trainer.snapshot(),
    metrics: [...metrics],
    neurons: copyTraces(neurons),
    trainMs,
  });
  const stopIfAborted = () => {
    const signal = options.signal;
    if (signal?.aborted) throw new RunInterrupted(signal.reason, checkpoint());
  };

  const evaluate = async () => {
    const { neurons: nr, row } = await trainer.evaluate();
    metrics.push(row);
    neurons.iterations.push(row.iteration);
    neurons.coreNorm.push(nr.coreNorm);
    neurons.bgNorm.push(nr.bgNorm);
    neurons.asymmetry.push(nr.asymmetry);
    const more = (neurons.more ??= {});
    for (const [name, v] of Object.entries(nr.more ?? {})) (more[name] ??= []).push(v);
    options.onProgress?.({ iteration: row.iteration, total, elapsedSeconds: elapsed(), metrics: row });
    diverged = checkDivergence(trainer, losses, row);
    options.onParameters?.(row.iteration, trainer.parameters());
  };

  if (!resume) await evaluate();
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
    if (trainer.iteration === nextEval) await evaluate();
    else options.onProgress?.({ iteration: trainer.iteration, total, elapsedSeconds: elapsed() });
    if (!diverged && cpEvery && options.onCheckpoint && trainer.iteration % cpEvery === 0 && trainer.iteration < total)
      await options.onCheckpoint(checkpoint());
  }

  const parameters = trainer.parameters();
  const pick = (r: MetricRow): MetricRow => ({ ...r });
  const wallSeconds = elapsed();
  const done = trainer.iteration;
  const summary: Summary = {
    preset: config.preset,
    task: config.task,
    config,
    seed: config.seed,
    iterations: done,
    initial: pick(metrics[0]),
    final: pick(metrics[metrics.length - 1]),
    hash: runHash(parameters, metrics, columns),
    timing: { wallSeconds, msPerIter: done ? trainMs / done : 0 },
    engine: { simd: trainer.simd, threads: trainer.threads, version: VERSION, build: trainer.build },
  };
  if (diverged) summary.diverged = diverged;
  // the kind's own fields come from the last evaluation (a diverged run may not have them)
  if (trainer.summaryFields && !diverged) Object.assign(summary, trainer.summaryFields(neurons));
  if (task.summarize) Object.assign(summary, task.summarize(metrics));
  const extra = trainer.extra?.();
  return { summary, config, metrics, neurons, parameters, ...(extra !== undefined ? { extra } : {}) };
}

/** The library's one-call API: a run's summary (summary.json), for every kind. */
export async function run(options: RunOptions = {}): Promise<Summary> {
  return (await runExperiment(options)).summary;
}
