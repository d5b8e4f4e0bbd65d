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
import { loadKernels, type Build, type ThreadsOption } from '../../engine/wasm.js';
import { Arena } from '../../engine/arena.js';
import { generateFeatureData } from '../toy/data.js';
import { createNetTrainer, type NetTrainer } from '../../engine/net-trainer.js';
import type { NamedTensor, TrainerSnapshot } from '../../engine/net.js';
import { nonFiniteTensors, type NonFinite } from '../../engine/finite.js';
import { DivergedError } from '../../engine/errors.js';
import { featureProjections } from '../toy/contamination.js';
import type { NeuronStats, TaskTrainer } from '../task.js';
import type { DistillConfig } from './config.js';
import type { DistillRow } from './metrics.js';

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

async function drawData(c: DistillConfig, build?: Build): Promise<Data> {
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
export class DistillDiverged extends DivergedError {
  override name = 'DistillDiverged';
}

function checkFinite(a: Float32Array, what: string): void {
  for (let i = 0; i < a.length; i++)
    if (!Number.isFinite(a[i])) throw new DistillDiverged(`${what} is not finite (the student diverged): lower train.lr`);
}

type Probe = { acc: ProbeAccuracy; parameters: NamedTensor[] };
type Measured = { s: StudentSummary; probeParams: NamedTensor[] };

/** The summary fields of a distillation run (besides the common ones). */
export interface DistillSummaryFields extends Record<string, unknown> {
  teacher: ProbeAccuracy;
  student: StudentSummary;
  linearStudent: StudentSummary;
}

const NO_NEURONS: NeuronStats = { coreNorm: new Float64Array(0), bgNorm: new Float64Array(0), asymmetry: new Float64Array(0) };

/**
 * The teacher, its probe, and the two students trained side by side: what the run loop drives. An
 * update is one step of each student; an evaluation probes both.
 */
export class DistillTrainer implements TaskTrainer {
  private last: { s: Measured; l: Measured } | null = null;

  private constructor(
    readonly config: DistillConfig,
    private readonly data: Data,
    private readonly teacherParams: NamedTensor[],
    private readonly teacherProbe: Probe,
    private readonly student: NetTrainer,
    private readonly linear: NetTrainer,
    private readonly build_: Build | undefined,
  ) {}

  static async create(c: DistillConfig, options: { build?: Build; threads?: ThreadsOption } = {}): Promise<DistillTrainer> {
    const d = c.distill;
    const build = options.build;
    const threads = options.threads ?? 1;
    const data = await drawData(c, build);
    const { coreDim, inputDim } = c.data;
    const r = d.teacherWidth;
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
    const teacherProbe = await probe(c, data, build, 'teacher', tTrain, tHeld, tHeldOod, r);
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
    const student = await createNetTrainer({ ...common, sizes: [inputDim, ...hidden, r], seed: roleSeed(c.seed, 'student') }, { build, threads });
    try {
      const linear = await createNetTrainer({ ...common, sizes: [inputDim, r], seed: roleSeed(c.seed, 'linear-student') }, { build, threads });
      return new DistillTrainer(c, data, teacherParams, teacherProbe, student, linear, build);
    } catch (e) {
      student.dispose();
      throw e;
    }
  }

  get iteration(): number {
    return this.student.iteration;
  }
  get simd(): boolean {
    return this.student.simd;
  }
  get threads(): number {
    return this.student.threads;
  }
  get build(): Build {
    return this.student.build;
  }

  step(k: number): void {
    this.student.step(k);
    this.linear.step(k);
  }

  private async measure(name: string, net: NetTrainer): Promise<Measured> {
    const { coreDim, bgDim, inputDim } = this.config.data;
    const data = this.data;
    const e = net.evaluate();
    const reps = [data.trainX, data.heldX, data.heldOodX].map((x) => net.outputs(x));
    const pr = await probe(this.config, data, this.build_, name, reps[0], reps[1], reps[2], this.config.distill.teacherWidth);
    const W = net.parameters()[0];
    const proj = projections(W.data, W.shape[0], data.V, coreDim + bgDim, inputDim, coreDim, bgDim);
    return { s: { ...pr.acc, fitTrain: e.train.loss, fitId: e.id.loss, fitOod: e.ood.loss, ...proj }, probeParams: pr.parameters };
  }

  async evaluate(): Promise<{ row: DistillRow; neurons: NeuronStats }> {
    const it = this.student.iteration;
    const s = await this.measure('student', this.student);
    const l = await this.measure('linear', this.linear);
    this.last = { s, l };
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
    return { row, neurons: NO_NEURONS };
  }

  private lastMeasured(): { s: Measured; l: Measured } {
    if (!this.last) throw new Error('DistillTrainer: no evaluation yet');
    return this.last;
  }

  /** teacher.fc0.*, student.fc*, linear.fc0.*, probe.{teacher,student,linear}.fc0.* (PyTorch layout; the probes of the last evaluation) */
  parameters(): NamedTensor[] {
    const fin = this.lastMeasured();
    return [
      ...this.teacherParams,
      ...this.student.parameters().map((t) => ({ ...t, name: `student.${t.name}` })),
      ...this.linear.parameters().map((t) => ({ ...t, name: `linear.${t.name}` })),
      ...this.teacherProbe.parameters,
      ...fin.s.probeParams,
      ...fin.l.probeParams,
    ];
  }

  nonFiniteParameters(): NonFinite[] {
    return nonFiniteTensors([
      ...this.student.parameters().map((t) => ({ ...t, name: `student.${t.name}` })),
      ...this.linear.parameters().map((t) => ({ ...t, name: `linear.${t.name}` })),
    ]);
  }

  summaryFields(): DistillSummaryFields {
    const fin = this.lastMeasured();
    return { teacher: this.teacherProbe.acc, student: fin.s.s, linearStudent: fin.l.s };
  }

  /** Both students' state: the MLP's regions, then the linear student's. */
  snapshot(): TrainerSnapshot {
    const a = this.student.snapshot();
    const b = this.linear.snapshot();
    return { iteration: a.iteration, optimizerStep: a.optimizerStep, state: [...a.state, ...b.state] };
  }

  restore(s: TrainerSnapshot): void {
    const n = this.student.snapshot().state.length;
    this.student.restore({ ...s, state: s.state.slice(0, n) });
    this.linear.restore({ ...s, state: s.state.slice(n) });
  }

  dispose(): void {
    this.student.dispose();
    this.linear.dispose();
  }
}

/** A linear probe (logistic regression, AdamW) on ID representations, tested on held-out ID inputs and their OOD twins. */
async function probe(c: DistillConfig, data: Data, build: Build | undefined, name: string, train: Float32Array, id: Float32Array, ood: Float32Array, width: number): Promise<Probe> {
  const d = c.distill;
  for (const [a, w] of [[train, 'train'], [id, 'ID test'], [ood, 'OOD test']] as const) checkFinite(a, `${name}'s representation of the ${w} inputs`);
  const p = await createNetTrainer(
    {
      sizes: [width, 1],
      loss: 'logistic',
      optimizer: 'adamw',
      lr: d.probeLr,
      weightDecay: d.probeWeightDecay,
      seed: roleSeed(c.seed, 'probe'),
      train: { x: train, targets: { labels: data.y } },
      eval: { id: { x: id, targets: { labels: data.heldY } }, ood: { x: ood, targets: { labels: data.heldY } } },
    },
    { build },
  );
  try {
    p.step(d.probeIterations);
    const e = p.evaluate();
    return { acc: { trainAcc: e.train.accuracy, idAcc: e.id.accuracy, oodAcc: e.ood.accuracy }, parameters: p.parameters().map((t) => ({ ...t, name: `probe.${name}.${t.name}` })) };
  } finally {
    p.dispose();
  }
}
