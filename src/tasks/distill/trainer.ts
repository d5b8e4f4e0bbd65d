// Representation distillation (the paper's Section 3) on the structured feature model, isomorphic.
//
// - Data: the feature model's training set (streams 'transform', 'data') and an independent
//   held-out ID test set with its OOD twins (same core samples, background sign-flipped; stream
//   'distill-test', same V).
// - Teacher: a fixed random ReLU layer on the core coordinates only, t(x) = relu(W z_core + b),
//   W, b from PyTorch's default init. It never sees the background, so its representation of an
//   OOD input is bit for bit that of its ID twin: it generalizes OOD by construction.
// - Students, trained from scratch on the training inputs x with MSE to t(x) (the paper's loss),
//   side by side with the same optimizer settings (train.*): the MLP model.* with t's width as its
//   output, and a linear student (one layer [inputDim, r]).
// - Linear probes: logistic regression on ID (training) representations, tested on held-out ID
//   inputs and their OOD twins, for the teacher once and for both students at every evaluation.
// Every network runs on fclab's kernels through createNetTrainer. Each role gets its own seed,
// derived from the config seed and the role's name (roleSeed), so changing the student does not
// change the data, the teacher or the probes' initial weights.
import { loadKernels, type Build } from '../../engine/wasm.js';
import { Arena } from '../../engine/arena.js';
import { generateFeatureData } from '../toy/data.js';
import { createNetTrainer, type NetTrainer } from '../../engine/net-trainer.js';
import { ConfigError, resolveConfig, type ConfigInput } from '../../config/resolve.js';
import type { Config } from '../../config/schema.js';
import { resolveEngineSettings, type NamedTensor, type ResolvedConfig } from '../toy/trainer.js';
import { featureProjections } from '../toy/contamination.js';
import { DISTILL_COLUMNS, type DistillRow } from './metrics.js';
import { runHash } from '../../run/hash.js';
import { VERSION } from '../../version.js';

export interface DistillOptions extends ConfigInput {
  /** WASM build; both give identical results. */
  build?: Build;
  /** kernel threads of each student (default 1); results are identical for any count */
  threads?: number;
  /** called after every chunk of updates and at every evaluation */
  onProgress?: (event: DistillProgressEvent) => void;
  /** stops the run between chunks of updates */
  signal?: AbortSignal;
}

export interface DistillProgressEvent {
  iteration: number;
  total: number;
  elapsedSeconds: number;
  /** present when this event is an evaluation */
  metrics?: DistillRow;
}

/** One student's (or the teacher's) final numbers. */
export interface ProbeAccuracy {
  /** probe accuracy on the training inputs it was fitted on */
  trainAcc: number;
  /** on held-out ID test inputs */
  idAcc: number;
  /** on their OOD twins */
  oodAcc: number;
}

export interface StudentSummary extends ProbeAccuracy {
  /** mean squared error to the teacher's representation (mean over rows and r) */
  fitTrain: number;
  fitId: number;
  fitOod: number;
  coreProj: number;
  bgProj: number;
}

/** Exactly what a distillation run's summary.json holds. */
export interface DistillSummary {
  preset: string;
  experiment: 'distill';
  config: ResolvedConfig;
  seed: number;
  iterations: number;
  teacher: ProbeAccuracy;
  student: StudentSummary;
  linearStudent: StudentSummary;
  initial: DistillRow;
  final: DistillRow;
  hash: string;
  timing: { wallSeconds: number; msPerIter: number };
  engine: { simd: boolean; threads: number; version: string; build: Build };
}

export interface DistillResult {
  summary: DistillSummary;
  config: ResolvedConfig;
  metrics: DistillRow[];
  /** teacher.fc0.*, student.fc*, linear.fc0.*, probe.{teacher,student,linear}.fc0.* (PyTorch layout) */
  parameters: NamedTensor[];
}

/** A uint32 seed per role: FNV-1a (32-bit) over the seed's 4 little-endian bytes and the role name. */
export function roleSeed(seed: number, role: string): number {
  let h = 0x811c9dc5;
  const bytes = [seed & 255, (seed >>> 8) & 255, (seed >>> 16) & 255, (seed >>> 24) & 255, ...new TextEncoder().encode(role)];
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Resolves a distillation config; refuses a config of another kind. */
export function resolveDistillConfig(input: ConfigInput): Config & { distill: NonNullable<Config['distill']> } {
  const config = resolveConfig({ preset: input.preset ?? 'distill-toy', config: input.config, set: input.set });
  if (config.experiment !== 'distill' || !config.distill)
    throw new ConfigError(`preset = "${config.preset}" is not a distillation preset: expected one with experiment = distill, e.g. distill-toy`);
  return config as Config & { distill: NonNullable<Config['distill']> };
}

interface Data {
  trainX: Float32Array;
  trainCore: Float32Array;
  y: Float32Array;
  heldX: Float32Array;
  heldOodX: Float32Array;
  heldCore: Float32Array;
  heldOodCore: Float32Array;
  heldY: Float32Array;
  /** V, featDim x inputDim */
  V: Float32Array;
}

function coreColumns(Z: Float32Array, rows: number, featDim: number, coreDim: number): Float32Array {
  const out = new Float32Array(rows * coreDim);
  for (let r = 0; r < rows; r++) out.set(Z.subarray(r * featDim, r * featDim + coreDim), r * coreDim);
  return out;
}

async function drawData(c: Config & { distill: NonNullable<Config['distill']> }, build?: Build): Promise<Data> {
  const arena = new Arena(await loadKernels(build));
  const { coreDim, bgDim } = c.data;
  const featDim = coreDim + bgDim;
  const train = generateFeatureData(arena, c.data, c.seed);
  const held = generateFeatureData(arena, { ...c.data, n: c.distill.testN }, c.seed, 'distill-test');
  const n = c.data.n;
  const m = c.distill.testN;
  return {
    trainX: arena.read(train.trainX),
    trainCore: coreColumns(arena.read(train.trainZ!), n, featDim, coreDim),
    y: arena.read(train.y),
    heldX: arena.read(held.trainX),
    heldOodX: arena.read(held.testX),
    heldCore: coreColumns(arena.read(held.trainZ!), m, featDim, coreDim),
    heldOodCore: coreColumns(arena.read(held.testZ!), m, featDim, coreDim),
    heldY: arena.read(held.y),
    V: arena.read(train.V),
  };
}

/** First-layer projections P = W1 Vᵀ (float64 sums in a fixed order, rounded to float32). */
function projections(W: Float32Array, rows: number, V: Float32Array, featDim: number, inputDim: number, coreDim: number, bgDim: number) {
  const P = new Float32Array(rows * featDim);
  for (let k = 0; k < rows; k++)
    for (let f = 0; f < featDim; f++) {
      let s = 0;
      for (let j = 0; j < inputDim; j++) s += W[k * inputDim + j] * V[f * inputDim + j];
      P[k * featDim + f] = Math.fround(s);
    }
  const { coreProj, bgProj } = featureProjections(P, rows, coreDim, bgDim);
  return { coreProj, bgProj };
}

/** A distillation run whose student produced NaN or ±Infinity: it stops, nothing is written (CLI exit 3). */
export class DistillDiverged extends Error {}

function checkFinite(a: Float32Array, what: string): void {
  for (let i = 0; i < a.length; i++)
    if (!Number.isFinite(a[i])) throw new DistillDiverged(`${what} is not finite (the student diverged): lower train.lr`);
}

const CHUNK = 50;
const now = () => performance.now();

export async function runDistill(options: DistillOptions = {}): Promise<DistillResult> {
  const c = resolveDistillConfig(options);
  const config = resolveEngineSettings(c, false);
  const d = c.distill;
  const build = options.build;
  const threads = options.threads ?? 1;
  const t0 = now();
  const elapsed = () => (now() - t0) / 1000;
  const data = await drawData(c, build);
  const { coreDim, bgDim, inputDim } = c.data;
  const featDim = coreDim + bgDim;
  const r = d.teacherWidth;
  const probeSeed = roleSeed(c.seed, 'probe');

  const probe = async (name: string, train: Float32Array, id: Float32Array, ood: Float32Array, width: number) => {
    for (const [a, w] of [[train, 'train'], [id, 'ID test'], [ood, 'OOD test']] as const) checkFinite(a, `${name}'s representation of the ${w} inputs`);
    const p = await createNetTrainer(
      {
        sizes: [width, 1],
        loss: 'logistic',
        optimizer: 'adamw',
        lr: d.probeLr,
        weightDecay: d.probeWeightDecay,
        seed: probeSeed,
        train: { x: train, targets: { labels: data.y } },
        eval: { id: { x: id, targets: { labels: data.heldY } }, ood: { x: ood, targets: { labels: data.heldY } } },
      },
      { build },
    );
    try {
      p.step(d.probeIterations);
      const e = p.evaluate();
      const acc: ProbeAccuracy = { trainAcc: e.train.accuracy, idAcc: e.id.accuracy, oodAcc: e.ood.accuracy };
      return { acc, parameters: p.parameters().map((t) => ({ ...t, name: `probe.${name}.${t.name}` })) };
    } finally {
      p.dispose();
    }
  };

  // teacher: fixed, read through the hidden layer of a [coreDim, r, 1] net (its output layer is unused)
  const teacherNet = await createNetTrainer(
    {
      sizes: [coreDim, r, 1],
      loss: 'mse',
      bias: d.teacherBias,
      seed: roleSeed(c.seed, 'teacher'),
      train: { x: data.trainCore, targets: { labels: data.y } },
    },
    { build },
  );
  let tTrain: Float32Array, tHeld: Float32Array, tHeldOod: Float32Array, teacherParams: NamedTensor[];
  try {
    tTrain = teacherNet.outputs(data.trainCore, 0);
    tHeld = teacherNet.outputs(data.heldCore, 0);
    tHeldOod = teacherNet.outputs(data.heldOodCore, 0);
    teacherParams = teacherNet.parameters().filter((t) => t.name.startsWith('fc0.')).map((t) => ({ ...t, name: `teacher.${t.name}` }));
  } finally {
    teacherNet.dispose();
  }
  const teacherProbe = await probe('teacher', tTrain, tHeld, tHeldOod, r);

  const common = {
    loss: 'mse' as const,
    activation: c.model.activation,
    bias: c.model.bias,
    optimizer: c.train.optimizer,
    lr: c.train.lr,
    weightDecay: c.train.weightDecay,
    momentum: c.train.momentum,
    beta1: c.train.beta1,
    beta2: c.train.beta2,
    eps: c.train.eps,
    batchSize: c.train.batchSize,
    train: { x: data.trainX, targets: { matrix: tTrain } },
    eval: { id: { x: data.heldX, targets: { matrix: tHeld } }, ood: { x: data.heldOodX, targets: { matrix: tHeldOod } } },
  };
  const hidden = Array.from({ length: c.model.layers - 1 }, () => c.model.hidden);
  const nets: Array<[string, NetTrainer]> = [];
  try {
    nets.push(['student', await createNetTrainer({ ...common, sizes: [inputDim, ...hidden, r], seed: roleSeed(c.seed, 'student') }, { build, threads })]);
    nets.push(['linear', await createNetTrainer({ ...common, sizes: [inputDim, r], seed: roleSeed(c.seed, 'linear-student') }, { build, threads })]);
    const [student, linear] = [nets[0][1], nets[1][1]];

    const measure = async (name: string, net: NetTrainer) => {
      const e = net.evaluate();
      const reps = [data.trainX, data.heldX, data.heldOodX].map((x) => net.outputs(x));
      const pr = await probe(name, reps[0], reps[1], reps[2], r);
      const W = net.parameters()[0];
      const proj = projections(W.data, W.shape[0], data.V, featDim, inputDim, coreDim, bgDim);
      const s: StudentSummary = { ...pr.acc, fitTrain: e.train.loss, fitId: e.id.loss, fitOod: e.ood.loss, ...proj };
      return { s, probeParams: pr.parameters };
    };

    const total = c.train.iterations;
    const every = c.train.evalEvery;
    const metrics: DistillRow[] = [];
    let last: { s: Awaited<ReturnType<typeof measure>>; l: Awaited<ReturnType<typeof measure>> } | null = null;
    let trainMs = 0;
    const evaluate = async () => {
      const it = student.iteration;
      const s = await measure('student', student);
      const l = await measure('linear', linear);
      last = { s, l };
      const row: DistillRow = {
        iteration: it,
        fitTrain: s.s.fitTrain,
        fitId: s.s.fitId,
        fitOod: s.s.fitOod,
        idAcc: s.s.idAcc,
        oodAcc: s.s.oodAcc,
        coreProj: s.s.coreProj,
        bgProj: s.s.bgProj,
        linFitTrain: l.s.fitTrain,
        linFitId: l.s.fitId,
        linFitOod: l.s.fitOod,
        linIdAcc: l.s.idAcc,
        linOodAcc: l.s.oodAcc,
        linCoreProj: l.s.coreProj,
        linBgProj: l.s.bgProj,
      };
      metrics.push(row);
      options.onProgress?.({ iteration: it, total, elapsedSeconds: elapsed(), metrics: row });
    };

    await evaluate();
    while (student.iteration < total) {
      const nextEval = Math.min(total, (Math.floor(student.iteration / every) + 1) * every);
      const k = Math.min(CHUNK, nextEval - student.iteration);
      options.signal?.throwIfAborted();
      const s = now();
      student.step(k);
      linear.step(k);
      trainMs += now() - s;
      if (student.iteration === nextEval) await evaluate();
      else options.onProgress?.({ iteration: student.iteration, total, elapsedSeconds: elapsed() });
    }
    const fin = last!;
    const parameters: NamedTensor[] = [
      ...teacherParams,
      ...student.parameters().map((t) => ({ ...t, name: `student.${t.name}` })),
      ...linear.parameters().map((t) => ({ ...t, name: `linear.${t.name}` })),
      ...teacherProbe.parameters,
      ...fin.s.probeParams,
      ...fin.l.probeParams,
    ];
    const summary: DistillSummary = {
      preset: c.preset,
      experiment: 'distill',
      config,
      seed: c.seed,
      iterations: total,
      teacher: teacherProbe.acc,
      student: fin.s.s,
      linearStudent: fin.l.s,
      initial: { ...metrics[0] },
      final: { ...metrics[metrics.length - 1] },
      hash: runHash(parameters, metrics, DISTILL_COLUMNS),
      timing: { wallSeconds: elapsed(), msPerIter: total ? trainMs / total : 0 },
      engine: { simd: student.simd, threads: student.threads, version: VERSION, build: student.build },
    };
    return { summary, config, metrics, parameters };
  } finally {
    for (const [, n] of nets) n.dispose();
  }
}

/** The library's one-call API: a distillation run's summary (summary.json). */
export async function distill(options: DistillOptions = {}): Promise<DistillSummary> {
  return (await runDistill(options)).summary;
}

/** Is this resolved config a distillation run? */
export function isDistillConfig(c: Config): boolean {
  return c.experiment === 'distill';
}
