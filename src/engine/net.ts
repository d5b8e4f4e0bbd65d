// The network inside one module instance: layer buffers, optimizer state, the kernel's
// configuration, PyTorch's default init, and the training calls (full batch, minibatches).
// It knows nothing of where data comes from: Trainer (the feature model) and NetTrainer
// (explicit datasets) are both thin layers over it.
import type { Kernels } from './wasm.js';
import type { Arena, F32Buf, Ptr } from './arena.js';
import { LAYER, NET, readField, writeField, writeStruct } from './layout.js';
import * as ids from '../../assembly/ids.js';

// the module's ids (assembly/ids.ts, compiled by both asc and tsc) by the names configs use
export const ACT_ID = {
  identity: ids.ACT_IDENTITY, relu: ids.ACT_RELU, leakyrelu: ids.ACT_LEAKYRELU, gelu: ids.ACT_GELU,
  sigmoid: ids.ACT_SIGMOID, tanh: ids.ACT_TANH,
} as const;
export const LOSS_ID = { logistic: ids.LOSS_LOGISTIC, hinge: ids.LOSS_HINGE, mse: ids.LOSS_MSE, softmax: ids.LOSS_SOFTMAX } as const;
export const OPT_ID = { sgd: ids.OPT_SGD, adam: ids.OPT_ADAM, adamw: ids.OPT_ADAMW } as const;

export type NetActivation = keyof typeof ACT_ID;
export type NetLoss = keyof typeof LOSS_ID;
export type NetOptimizer = keyof typeof OPT_ID;

/** A named parameter tensor in PyTorch layout ([out, in] for weights). */
export interface NamedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface TrainerSnapshot {
  iteration: number;
  optimizerStep: number;
  /** raw bytes of every piece of mutable state, in a fixed order */
  state: Uint8Array[];
}

export interface StepEvent {
  iteration: number;
}

/** Updates applied so far and the 'step' listeners, for every trainer over a Net. */
export class StepCounter {
  iteration = 0;
  private readonly listeners = new Set<(e: StepEvent) => void>();

  /** Validates step(k)'s k; false when there is nothing to run (k = 0). */
  static wants(k: number): boolean {
    if (!Number.isInteger(k) || k < 0) throw new RangeError(`step(k): k = ${k} is not valid: expected a non-negative integer`);
    return k > 0;
  }

  /** Counts k updates and tells the listeners. */
  advance(k: number): void {
    this.iteration += k;
    for (const fn of this.listeners) fn({ iteration: this.iteration });
  }

  /** Subscribe to step events; returns an unsubscribe function. */
  on(event: 'step', fn: (e: StepEvent) => void): () => void {
    if (event !== 'step') throw new Error(`unknown event ${event}`);
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}

export interface OptimizerHyper {
  lr: number;
  weightDecay: number;
  momentum: number;
  beta1: number;
  beta2: number;
  eps: number;
}

export interface NetLayout {
  /** [inputDim, hidden..., outputs]: at least 2 entries (one linear layer) */
  sizes: readonly number[];
  activation: NetActivation;
  bias: boolean;
  loss: NetLoss;
  optimizer: NetOptimizer;
  hyper: OptimizerHyper;
  /** the whole last layer is not trained */
  freezeOutput: boolean;
  /** the most rows any forward or training call will see */
  maxRows: number;
  /** factored first-layer input (X = Z V): the feature dimension, V [featDim x inputDim] and Vᵀ */
  factored?: { featDim: number; V: F32Buf; Vt: F32Buf } | null;
}

export interface Layer {
  fanIn: number;
  fanOut: number;
  W: F32Buf;
  b: F32Buf | null;
  gW: F32Buf;
  gb: F32Buf | null;
  Z: F32Buf;
  A: F32Buf;
  D: F32Buf;
  Wt: F32Buf;
  mW: F32Buf;
  vW: F32Buf;
  mb: F32Buf | null;
  vb: F32Buf | null;
  frozen: boolean;
  /** GELU's Phi(z) per element of a hidden layer (float64), kept from forward to backward */
  cdf: Ptr;
}

/** Minibatch state: a permutation of the n training rows, its cursor, the 'batches' stream and gather buffers. */
interface Batches {
  n: number;
  rows: number;
  width: number;
  X: F32Buf;
  y: F32Buf;
  perm: Ptr;
  cursor: Ptr;
  stream: Ptr;
}

export class Net {
  readonly layers: Layer[] = [];
  /** outputs per row */
  readonly outputs: number;
  /** float32 target values per row: C for MSE, else 1 (a ±1 label or a class index) */
  readonly targetWidth: number;
  private batches: Batches | null = null;
  /** factored input: Pᵀ [featDim x hidden], refreshed from W (or, in feature coordinates, the parameter itself) */
  readonly factoredPt: F32Buf | null = null;
  /** this network's Net record (assembly/state.ts), which every kernel call is given */
  readonly ptr: Ptr;

  constructor(private readonly k: Kernels, private readonly arena: Arena, readonly layout: NetLayout) {
    const { sizes, maxRows, bias, activation } = layout;
    const L = sizes.length - 1;
    for (let l = 0; l < L; l++) {
      const fanIn = sizes[l];
      const fanOut = sizes[l + 1];
      const a = arena;
      this.layers.push({
        fanIn,
        fanOut,
        W: a.f32([fanOut, fanIn]),
        b: bias ? a.f32([fanOut]) : null,
        gW: a.f32([fanOut, fanIn]),
        gb: bias ? a.f32([fanOut]) : null,
        Z: a.f32([maxRows, fanOut]),
        A: a.f32([maxRows, fanOut]),
        D: a.f32([maxRows, fanOut]),
        Wt: a.f32([fanIn, fanOut]),
        mW: a.f32([fanOut, fanIn]),
        vW: a.f32([fanOut, fanIn]),
        mb: bias ? a.f32([fanOut]) : null,
        vb: bias ? a.f32([fanOut]) : null,
        frozen: l === L - 1 && layout.freezeOutput,
        cdf: activation === 'gelu' && l < L - 1 ? a.bytes(8 * maxRows * fanOut) : 0,
      });
    }
    this.outputs = sizes[L];
    this.targetWidth = layout.loss === 'mse' ? this.outputs : 1;

    const lossBuf = arena.bytes(8 * maxRows);
    const h = layout.hyper;
    const f = layout.factored;
    let P: F32Buf | null = null;
    if (f) {
      P = arena.f32([sizes[1], f.featDim]);
      this.factoredPt = arena.f32([f.featDim, sizes[1]]);
    }
    const records = arena.bytes(LAYER.size * L);
    this.layers.forEach((y, l) =>
      writeStruct(k.memory, records + l * LAYER.size, LAYER, {
        fanIn: y.fanIn, fanOut: y.fanOut, W: y.W.ptr, b: y.b?.ptr ?? 0, gW: y.gW.ptr, gb: y.gb?.ptr ?? 0, Z: y.Z.ptr,
        A: y.A.ptr, D: y.D.ptr, Wt: y.Wt.ptr, mW: y.mW.ptr, vW: y.vW.ptr, mb: y.mb?.ptr ?? 0, vb: y.vb?.ptr ?? 0,
        frozen: y.frozen ? 1 : 0, cdf: y.cdf,
      }),
    );
    this.ptr = arena.bytes(NET.size);
    writeStruct(k.memory, this.ptr, NET, {
      layers: L, activation: ACT_ID[activation], loss: LOSS_ID[layout.loss], optimizer: OPT_ID[layout.optimizer],
      step: 0, factored: f ? 1 : 0, featDim: f ? f.featDim : 0, layer: records,
      V: f ? f.V.ptr : 0, Vt: f ? f.Vt.ptr : 0, P: P ? P.ptr : 0, Pt: this.factoredPt ? this.factoredPt.ptr : 0,
      lossBuf, feat: 0,
      lr: h.lr, weightDecay: h.weightDecay, momentum: h.momentum, beta1: h.beta1, beta2: h.beta2, eps: h.eps,
    });
  }

  /** Trains the first layer in feature coordinates from the Feat record at `feat` (assembly/feat.ts), or not (0). */
  setFeat(feat: Ptr): void {
    writeField(this.k.memory, this.ptr, NET, 'feat', feat);
  }

  /** The number every loss sum is divided by for a mean over `rows` rows (rows x C elements for MSE). */
  meanDivisor(rows: number): number {
    return rows * (this.layout.loss === 'mse' ? this.outputs : 1);
  }

  /** PyTorch's default init: weights and biases U(-1/sqrt(fanIn), 1/sqrt(fanIn)), from the 'init' stream. */
  initDefault(seed: number): void {
    const stream = this.arena.stream(seed, 'init');
    for (const L of this.layers) {
      const bound = 1 / Math.sqrt(L.fanIn);
      const scale = Math.fround(2 * bound);
      const offset = Math.fround(-bound);
      this.k.fillUniform(stream, L.W.ptr, L.W.length, scale, offset);
      if (L.b) this.k.fillUniform(stream, L.b.ptr, L.b.length, scale, offset);
    }
    this.syncWeights();
  }

  /**
   * Gaussian weights N(0, 1/fan_in) from the 'init' stream (layer by layer, as initDefault) and zero
   * biases: the theory's w_k ~ N(0, I/d). The module samples in float64; the scale is one
   * IEEE-exact product and one rounding to float32 per weight.
   */
  initGaussian(seed: number): void {
    const stream = this.arena.stream(seed, 'init');
    const largest = Math.max(...this.layers.map((L) => L.W.length));
    const work = this.arena.bytes(8 * largest);
    for (const L of this.layers) {
      this.k.fillNormal64(stream, work, L.W.length);
      const z = new Float64Array(this.k.memory.buffer, work, L.W.length);
      const std = 1 / Math.sqrt(L.fanIn);
      const w = this.arena.view(L.W);
      for (let i = 0; i < w.length; i++) w[i] = z[i] * std;
      if (L.b) this.arena.view(L.b).fill(0);
    }
    this.syncWeights();
  }

  /** toy.py's fixed output layer: +1/m for the first m/2 inputs of the last layer, -1/m for the rest; its bias keeps its init. */
  setFrozenOutputWeights(): void {
    const last = this.layers[this.layers.length - 1];
    const m = last.fanIn;
    const w = this.arena.view(last.W);
    const half = Math.floor(m / 2);
    for (let j = 0; j < m; j++) w[j] = j < half ? Math.fround(1 / m) : Math.fround(-1 / m);
    this.syncWeights();
  }

  /** Recompute the transposed weights the forward pass reads (after parameters were written). */
  syncWeights(): void {
    this.k.netSyncWeights(this.ptr);
  }

  /** Minibatches of `rows` from per-epoch permutations of n training rows (inputs `width` wide). */
  enableBatches(n: number, rows: number, width: number, seed: number): void {
    const a = this.arena;
    const perm = a.bytes(4 * n);
    new Uint32Array(this.k.memory.buffer, perm, n).forEach((_, i, arr) => (arr[i] = i));
    const cursor = a.bytes(4);
    new Int32Array(this.k.memory.buffer, cursor, 1)[0] = n; // first step shuffles
    this.batches = {
      n,
      rows,
      width,
      X: a.f32([rows, width]),
      y: a.f32([rows, this.targetWidth]),
      perm,
      cursor,
      stream: a.stream(seed, 'batches'),
    };
  }

  /** Rows per update: the minibatch size, or null for full batch. */
  get batchRows(): number | null {
    return this.batches?.rows ?? null;
  }

  /** k full-batch updates on X, Y (rows of them); returns the mean loss before the last update. */
  trainFull(X: Ptr, Y: Ptr, rows: number, k: number): number {
    return this.k.netTrain(this.ptr, X, Y, rows, k) / this.meanDivisor(rows);
  }

  /** k minibatch updates drawn from the n rows of X, Y; returns the last batch's mean loss before its update. */
  trainBatches(X: Ptr, Y: Ptr, k: number): number {
    const b = this.batches;
    if (!b) throw new Error('trainBatches: minibatches are not enabled');
    const sum = this.k.netTrainBatches(this.ptr, X, Y, b.n, b.width, b.rows, b.stream, b.perm, b.cursor, b.X.ptr, b.y.ptr, k);
    return sum / this.meanDivisor(b.rows);
  }

  /** Forward pass of rows inputs (<= maxRows); outputs end in the last layer's Z. */
  forward(X: Ptr, rows: number): void {
    this.k.netForward(this.ptr, X, rows);
  }

  /** After forward(): the loss sum and the number of correct rows against Y. */
  lossAndCorrect(Y: Ptr, rows: number): { lossSum: number; correct: number } {
    return { lossSum: this.k.netLossSum(this.ptr, Y, rows), correct: this.k.netCountCorrect(this.ptr, Y, rows) };
  }

  /** Loss and gradients at the current parameters, no update; returns the loss sum. */
  gradient(X: Ptr, Y: Ptr, rows: number): number {
    return this.k.netGradient(this.ptr, X, Y, rows);
  }

  /** Copies of every parameter, in order fc0.weight, fc0.bias, fc1.weight, ... */
  parameters(): NamedTensor[] {
    const out: NamedTensor[] = [];
    this.layers.forEach((L, l) => {
      out.push({ name: `fc${l}.weight`, shape: [...L.W.shape], data: this.arena.read(L.W) });
      if (L.b) out.push({ name: `fc${l}.bias`, shape: [...L.b.shape], data: this.arena.read(L.b) });
    });
    return out;
  }

  /** Copies of the gradients of the last gradient() call (trainable tensors only). */
  readGradients(): NamedTensor[] {
    const out: NamedTensor[] = [];
    this.layers.forEach((L, l) => {
      if (L.frozen) return;
      out.push({ name: `fc${l}.weight`, shape: [...L.gW.shape], data: this.arena.read(L.gW) });
      if (L.gb) out.push({ name: `fc${l}.bias`, shape: [...L.gb.shape], data: this.arena.read(L.gb) });
    });
    return out;
  }

  /**
   * Every piece of mutable state, in a fixed order: parameters and optimizer moments, then the batch
   * stream. `firstLayer` replaces the first layer's weight state (W and its moments) when that layer
   * trains elsewhere (feature coordinates): its tensors after W's place, then extra raw regions.
   */
  stateRegions(firstLayer?: { tensors: F32Buf[]; extra: Array<[Ptr, number]> }): Array<[Ptr, number]> {
    const r: Array<[Ptr, number]> = [];
    const add = (b: F32Buf | null) => b && r.push([b.ptr, b.length * 4]);
    this.layers.forEach((L, l) => {
      if (l === 0 && firstLayer) {
        const [main, ...rest] = firstLayer.tensors;
        [main, L.b, ...rest, L.mb].forEach(add);
        r.push(...firstLayer.extra);
      } else [L.W, L.b, L.mW, L.vW, L.mb, L.vb].forEach(add);
    });
    const b = this.batches;
    if (b) r.push([b.stream, 32], [b.perm, 4 * b.n], [b.cursor, 4]);
    return r;
  }

  get optimizerStep(): number {
    return readField(this.k.memory, this.ptr, NET, 'step');
  }

  set optimizerStep(t: number) {
    writeField(this.k.memory, this.ptr, NET, 'step', t);
  }
}
