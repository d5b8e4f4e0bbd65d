// NetTrainer: the engine's network trained on explicit data, without the feature model or the
// config schema. Inputs X [n x d] with ±1 labels (logistic, hinge, mse with one output), class
// indices (softmax cross-entropy) or a target matrix (mse with C outputs), plus named evaluation
// sets. The same Net (./net.ts) and kernels as Trainer, so the same determinism: a run is a pure
// function of the spec, for any build and thread count.
import { loadEngine, type Build, type Engine, type Kernels, type ThreadsOption } from './wasm.js';
import { Arena, type F32Buf } from './arena.js';
import { InputError } from './errors.js';
import {
  Net,
  ACT_ID,
  LOSS_ID,
  OPT_ID,
  StepCounter,
  type NamedTensor,
  type NetActivation,
  type NetLoss,
  type NetOptimizer,
  type TrainerSnapshot,
  type StepEvent,
} from './net.js';

/** Targets of a dataset: exactly one of the three forms. */
export type NetTargets =
  /** ±1 per row; losses logistic, hinge or mse, one output */
  | { labels: ArrayLike<number> }
  /** class index 0..C-1 per row; loss softmax, C >= 2 outputs */
  | { classes: ArrayLike<number> }
  /** [n x C] row-major; loss mse, C outputs */
  | { matrix: ArrayLike<number> };

export interface NetDataset {
  /** inputs [n x sizes[0]], row-major */
  x: ArrayLike<number>;
  targets: NetTargets;
}

export interface NetTrainerSpec {
  /** [inputDim, hidden..., outputs]: 2 entries for a single linear layer, 3 for one hidden layer, ... */
  sizes: number[];
  /** loss: logistic | hinge (C = 1, ±1 labels), mse (labels with C = 1, or a target matrix; mean over rows x C), softmax (cross-entropy, class indices, C >= 2) */
  loss: NetLoss;
  /** hidden activation (default relu); unused by a single-layer net */
  activation?: NetActivation;
  /** biases in every layer (default true) */
  bias?: boolean;
  /** default adamw */
  optimizer?: NetOptimizer;
  /** defaults: lr 1e-3, weightDecay 1e-3, momentum 0.9, beta1 0.9, beta2 0.999, eps 1e-8 (the presets' values) */
  lr?: number;
  weightDecay?: number;
  momentum?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /**
   * the whole last layer is not trained (default false); with one output its weights are set to
   * +1/m for the first m/2 inputs and -1/m for the rest, as the feature model's freezeOutput (toy.py)
   */
  freezeOutput?: boolean;
  /** 0 (default) = full batch; else minibatches from per-epoch permutations ('batches' stream; the remainder is dropped) */
  batchSize?: number;
  /** root seed of the 'init' and 'batches' streams (uint32; default 2024) */
  seed?: number;
  train: NetDataset;
  /** named evaluation sets, e.g. { test: ..., ood: ... } ('train' is reserved) */
  eval?: Record<string, NetDataset>;
}

export interface NetTrainerOptions {
  build?: Build;
  /** kernel threads (SIMD build), or 'auto'; results do not depend on it */
  threads?: ThreadsOption;
}

/** Mean loss (as the training loss: over rows, or rows x C for mse) and accuracy of one set. */
export interface SetMetrics {
  loss: number;
  /** C = 1: sign of the output equals the label; softmax: argmax = class; mse with C > 1: argmax(output) = argmax(target) */
  accuracy: number;
}

interface Uploaded {
  n: number;
  X: F32Buf;
  Y: F32Buf;
}

const DEFAULTS = { activation: 'relu', bias: true, optimizer: 'adamw', lr: 1e-3, weightDecay: 1e-3, momentum: 0.9,
  beta1: 0.9, beta2: 0.999, eps: 1e-8, batchSize: 0, seed: 2024, freezeOutput: false } as const;

function fail(field: string, value: unknown, expected: string): never {
  const v = typeof value === 'string' ? JSON.stringify(value) : String(value);
  throw new InputError(`createNetTrainer: ${field} = ${v} is not valid: expected ${expected}`);
}

function oneOf<T extends string>(field: string, value: T, table: Record<T, number>): T {
  if (!Object.prototype.hasOwnProperty.call(table, value)) fail(field, value, `one of ${Object.keys(table).join(', ')}`);
  return value;
}

function positiveInt(field: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) fail(field, v, 'a positive integer');
  return v;
}

function finite(field: string, v: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(field, v, 'a finite number');
  return v;
}

/** The dataset's inputs and targets as float32 arrays, checked against the net's shape and loss. */
function checkDataset(name: string, ds: NetDataset, d: number, C: number, loss: NetLoss): { n: number; x: Float32Array; y: Float32Array } {
  if (!ds || typeof ds !== 'object' || !ds.x || !ds.targets) fail(name, ds, '{ x, targets }');
  const t = ds.targets as Partial<Record<'labels' | 'classes' | 'matrix', ArrayLike<number>>>;
  const kinds = (['labels', 'classes', 'matrix'] as const).filter((k) => t[k] !== undefined);
  if (kinds.length !== 1) fail(`${name}.targets`, `{ ${Object.keys(t).join(', ')} }`, 'exactly one of labels, classes, matrix');
  const kind = kinds[0];
  const vals = t[kind]!;
  const field = `${name}.targets.${kind}`;
  const want = loss === 'softmax' ? 'classes' : loss === 'mse' ? (C === 1 ? 'labels or matrix' : 'matrix') : 'labels';
  if (!want.split(' or ').includes(kind)) fail(`${name}.targets`, kind, `${want} for loss ${loss} with ${C} output${C === 1 ? '' : 's'}`);
  const width = kind === 'matrix' ? C : 1;
  if (vals.length % width !== 0) fail(`${field}.length`, vals.length, `a multiple of ${C} (rows x outputs)`);
  const n = vals.length / width;
  if (n < 1) fail(`${field}.length`, vals.length, 'at least one row');
  if (ds.x.length !== n * d) fail(`${name}.x.length`, ds.x.length, `rows x sizes[0] = ${n} x ${d} = ${n * d}`);
  const x = Float32Array.from(ds.x);
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) fail(`${name}.x[${i}]`, ds.x[i], 'a finite number');
  const y = Float32Array.from(vals);
  for (let i = 0; i < y.length; i++) {
    const v = vals[i];
    if (kind === 'labels' && v !== 1 && v !== -1) fail(`${field}[${i}]`, v, '+1 or -1');
    if (kind === 'classes' && !(Number.isInteger(v) && v >= 0 && v < C)) fail(`${field}[${i}]`, v, `an integer class index in [0, ${C - 1}]`);
    if (kind === 'matrix' && !Number.isFinite(y[i])) fail(`${field}[${i}]`, v, 'a finite float32 number');
  }
  return { n, x, y };
}

export class NetTrainer {
  readonly build: Build;
  readonly threads: number;
  /** [inputDim, hidden..., outputs] */
  readonly sizes: readonly number[];
  readonly loss: NetLoss;
  private readonly steps = new StepCounter();
  private readonly arena: Arena;
  private readonly k: Kernels;
  private readonly net: Net;
  private readonly trainSet: Uploaded;
  private readonly evalSets = new Map<string, Uploaded>();
  private readonly maxRows: number;
  private scratch: F32Buf | null = null;

  /** Use createNetTrainer(). */
  constructor(private readonly engine: Engine, spec: NetTrainerSpec) {
    this.k = engine.kernels;
    this.build = engine.build;
    this.threads = engine.threads;
    if (!spec || typeof spec !== 'object') fail('spec', spec, 'an object');
    // explicit undefined means "default", as an omitted key
    const given = Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined)) as unknown as NetTrainerSpec;
    const s = { ...DEFAULTS, ...given };
    if (!Array.isArray(s.sizes) || s.sizes.length < 2) fail('sizes', JSON.stringify(s.sizes), 'an array [inputDim, hidden..., outputs] of at least 2 sizes');
    s.sizes.forEach((v, i) => positiveInt(`sizes[${i}]`, v));
    oneOf('loss', s.loss, LOSS_ID);
    oneOf('activation', s.activation, ACT_ID);
    oneOf('optimizer', s.optimizer, OPT_ID);
    const C = s.sizes[s.sizes.length - 1];
    if ((s.loss === 'logistic' || s.loss === 'hinge') && C !== 1) fail('sizes[last]', C, `1 output for loss ${s.loss}`);
    if (s.loss === 'softmax' && C < 2) fail('sizes[last]', C, 'at least 2 outputs (classes) for loss softmax');
    if (typeof s.bias !== 'boolean') fail('bias', s.bias, 'true or false');
    if (typeof s.freezeOutput !== 'boolean') fail('freezeOutput', s.freezeOutput, 'true or false');
    if (s.freezeOutput && (C !== 1 || s.sizes.length < 3)) fail('freezeOutput', s.freezeOutput, 'false unless the net has a hidden layer and one output');
    for (const f of ['lr', 'weightDecay', 'momentum', 'beta1', 'beta2', 'eps'] as const) finite(f, s[f]);
    if (!Number.isInteger(s.seed) || s.seed < 0 || s.seed > 0xffffffff) fail('seed', s.seed, 'an integer in [0, 2^32 - 1]');
    this.sizes = [...s.sizes];
    this.loss = s.loss;

    const d = s.sizes[0];
    const train = checkDataset('train', s.train, d, C, s.loss);
    const evals: Array<[string, ReturnType<typeof checkDataset>]> = [];
    for (const [name, ds] of Object.entries(s.eval ?? {})) {
      if (name === 'train') fail('eval.train', 'a set', "another name ('train' is the training set)");
      evals.push([name, checkDataset(`eval.${name}`, ds, d, C, s.loss)]);
    }
    if (!Number.isInteger(s.batchSize) || s.batchSize < 0 || s.batchSize > train.n)
      fail('batchSize', s.batchSize, `0 (full batch) or an integer in [1, ${train.n}] (the training rows)`);

    this.arena = new Arena(this.k);
    this.maxRows = Math.max(train.n, s.batchSize, ...evals.map(([, e]) => e.n));
    this.net = new Net(this.k, this.arena, {
      sizes: this.sizes,
      activation: s.activation,
      bias: s.bias,
      loss: s.loss,
      optimizer: s.optimizer,
      hyper: s,
      freezeOutput: s.freezeOutput,
      maxRows: this.maxRows,
    });
    const tw = this.net.targetWidth;
    const up = (e: { n: number; x: Float32Array; y: Float32Array }): Uploaded => ({
      n: e.n,
      X: this.arena.upload(e.x, [e.n, d]),
      Y: this.arena.upload(e.y, [e.n, tw]),
    });
    this.trainSet = up(train);
    for (const [name, e] of evals) this.evalSets.set(name, up(e));
    this.net.initDefault(s.seed);
    if (s.freezeOutput) this.net.setFrozenOutputWeights();
    if (s.batchSize > 0) this.net.enableBatches(train.n, s.batchSize, d, s.seed);
  }

  /** Updates applied so far. */
  get iteration(): number {
    return this.steps.iteration;
  }

  get simd(): boolean {
    return this.k.simdEnabled() !== 0;
  }

  /** Run k updates; returns the mean training (or minibatch) loss measured before the last one (NaN if k = 0). */
  step(k = 1): number {
    if (!StepCounter.wants(k)) return NaN;
    const t = this.trainSet;
    const loss = this.net.batchRows !== null ? this.net.trainBatches(t.X.ptr, t.Y.ptr, k) : this.net.trainFull(t.X.ptr, t.Y.ptr, t.n, k);
    this.steps.advance(k);
    return loss;
  }

  /** Subscribe to step events; returns an unsubscribe function. */
  on(event: 'step', fn: (e: StepEvent) => void): () => void {
    return this.steps.on(event, fn);
  }

  /** Mean loss and accuracy at the current parameters on the training set ('train') and every evaluation set. */
  evaluate(): Record<string, SetMetrics> {
    const out: Record<string, SetMetrics> = {};
    for (const [name, set] of [['train', this.trainSet] as const, ...this.evalSets]) {
      this.net.forward(set.X.ptr, set.n);
      const { lossSum, correct } = this.net.lossAndCorrect(set.Y.ptr, set.n);
      out[name] = { loss: lossSum / this.net.meanDivisor(set.n), accuracy: correct / set.n };
    }
    return out;
  }

  /**
   * Forward pass only: for x [rows x sizes[0]], the outputs of layer `layer` (default the last),
   * [rows x sizes[layer + 1]]: the raw outputs (logits) for the last layer, the activations for a
   * hidden one. Rows are independent, so this equals the outputs seen in training bit for bit.
   */
  outputs(x: ArrayLike<number>, layer = this.net.layers.length - 1): Float32Array {
    const L = this.net.layers.length;
    if (!Number.isInteger(layer) || layer < 0 || layer >= L) fail('outputs(x, layer): layer', layer, `an integer in [0, ${L - 1}]`);
    const d = this.sizes[0];
    if (x.length % d !== 0) fail('outputs(x): x.length', x.length, `a multiple of sizes[0] = ${d}`);
    const rows = x.length / d;
    const width = this.sizes[layer + 1];
    const res = new Float32Array(rows * width);
    // in chunks of the buffers' row count, through one scratch input buffer (the arena never frees)
    if (!this.scratch) this.scratch = this.arena.f32([this.maxRows, d]);
    const scratch = this.scratch;
    const src = this.net.layers[layer];
    const buf = layer === L - 1 ? src.Z : src.A;
    for (let r0 = 0; r0 < rows; r0 += this.maxRows) {
      const m = Math.min(this.maxRows, rows - r0);
      const chunk = Float32Array.from({ length: m * d }, (_, i) => x[r0 * d + i]);
      this.arena.viewAt(scratch.ptr, m * d).set(chunk);
      this.net.forward(scratch.ptr, m);
      res.set(this.arena.viewAt(buf.ptr, m * width), r0 * width);
    }
    return res;
  }

  /** Copies of every parameter, in order fc0.weight, fc0.bias, fc1.weight, ... (PyTorch layout). */
  parameters(): NamedTensor[] {
    return this.net.parameters();
  }

  /** Gradients of the mean training loss (full training set) at the current parameters. */
  gradients(): NamedTensor[] {
    this.net.gradient(this.trainSet.X.ptr, this.trainSet.Y.ptr, this.trainSet.n);
    return this.net.readGradients();
  }

  /**
   * Overwrite parameters by name (fc{l}.weight [out, in], fc{l}.bias [out]); names not given keep
   * their values. Optimizer moments and the step count are left as they are.
   */
  setParameters(params: NamedTensor[] | Record<string, ArrayLike<number>>): void {
    const byName: Record<string, ArrayLike<number>> = Array.isArray(params)
      ? Object.fromEntries(params.map((p) => [p.name, p.data]))
      : params;
    const known = new Map<string, F32Buf>();
    this.net.layers.forEach((L, l) => {
      known.set(`fc${l}.weight`, L.W);
      if (L.b) known.set(`fc${l}.bias`, L.b);
    });
    for (const [name, data] of Object.entries(byName)) {
      const buf = known.get(name);
      if (!buf) fail('setParameters: name', name, `one of ${[...known.keys()].join(', ')}`);
      if (data.length !== buf.length) fail(`setParameters: ${name}.length`, data.length, `${buf.length} (shape [${buf.shape.join(', ')}])`);
    }
    for (const [name, data] of Object.entries(byName)) this.arena.view(known.get(name)!).set(Float32Array.from(data));
    this.net.syncWeights();
  }

  /** A copy of the whole training state; restore() continues bit-identically from it. */
  snapshot(): TrainerSnapshot {
    return {
      iteration: this.steps.iteration,
      optimizerStep: this.net.optimizerStep,
      state: this.net.stateRegions().map(([p, n]) => this.arena.readBytes(p, n)),
    };
  }

  restore(s: TrainerSnapshot): void {
    const regions = this.net.stateRegions();
    if (s.state.length !== regions.length || s.state.some((b, i) => b.length !== regions[i][1]))
      throw new Error('restore: snapshot was taken from a trainer with a different spec');
    regions.forEach(([p], i) => this.arena.writeBytes(p, s.state[i]));
    this.net.optimizerStep = s.optimizerStep;
    this.net.syncWeights();
    this.steps.iteration = s.iteration;
  }

  /** Stops the worker threads (if any); the trainer keeps working on the calling thread. */
  dispose(): void {
    this.engine.dispose();
  }
}

/** Validates the spec, loads a fresh module instance and lays out a NetTrainer with PyTorch's default init. */
export async function createNetTrainer(spec: NetTrainerSpec, options: NetTrainerOptions = {}): Promise<NetTrainer> {
  const engine = await loadEngine(options.build, options.threads ?? 1);
  try {
    return new NetTrainer(engine, spec);
  } catch (e) {
    engine.dispose();
    throw e;
  }
}
