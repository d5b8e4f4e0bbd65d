// The Trainer: one WASM instance holding data, parameters, optimizer state and scratch for one
// run. Training steps run entirely inside the module (netTrain / netTrainBatches); this class
// lays out memory, seeds the streams, and reads results back as plain arrays.
import { loadEngine, type Build, type Engine, type Kernels } from './wasm.js';
import { Arena, type F32Buf, type Ptr } from './arena.js';
import { generateFeatureData, OnlineSampler, type FeatureData } from '../data/feature-model.js';
import { resolveConfig, validateConfig, ConfigError, type ConfigInput } from '../config/resolve.js';
import type { Config } from '../config/schema.js';
import {
  featureProjections,
  gradientProjections,
  activationAsymmetry,
  meanAbs,
} from '../analysis/contamination.js';
import type { MetricsRow, NeuronStats } from '../analysis/metrics.js';

const ACT_ID = { identity: 0, relu: 1, leakyrelu: 2, gelu: 3, sigmoid: 4, tanh: 5 } as const;
const LOSS_ID = { logistic: 0, hinge: 1, mse: 2 } as const;
const OPT_ID = { sgd: 0, adam: 1, adamw: 2 } as const;

/** A config whose 'auto' values are decided: what config.json records. */
export type ResolvedConfig = Config & { engine: { factorInput: boolean; featureCoords: boolean } };

/** A named parameter tensor in PyTorch layout ([out, in] for weights). */
export interface NamedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
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
}

export interface TrainerOptions {
  imported?: ImportedState;
  build?: Build;
  /** Threads for the kernels (SIMD build; Node or cross-origin isolated pages). Results do not depend on it. */
  threads?: number;
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

interface Layer {
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

function shapeText(s: readonly number[]): string {
  return `(${s.join(', ')}${s.length === 1 ? ',' : ''})`;
}

/**
 * Decides 'auto' settings: factored inputs whenever fclab generated the data itself; feature
 * coordinates wherever they are exact (factored inputs and SGD, whose update is rotation-equivariant).
 */
export function resolveEngineSettings(config: Config, imported: boolean): ResolvedConfig {
  const factor = config.engine.factorInput;
  if (factor === true && imported)
    throw new ConfigError(
      'engine.factorInput = true is not valid with imported data: expected false or "auto" (the feature coordinates Z of imported inputs are unknown)',
    );
  const factorInput = factor === 'auto' ? !imported : factor;
  const exact = factorInput && config.train.optimizer === 'sgd';
  const feat = config.engine.featureCoords ?? 'auto';
  if (feat === true && !exact)
    throw new ConfigError(
      `engine.featureCoords = true is not valid with train.optimizer = ${config.train.optimizer} and engine.factorInput = ${factorInput}: expected false or "auto" (feature coordinates are exact only for sgd on factored inputs)`,
    );
  return { ...config, engine: { factorInput, featureCoords: feat === 'auto' ? exact : feat } };
}

export class Trainer {
  readonly config: ResolvedConfig;
  readonly build: Build;
  readonly threads: number;
  private readonly engine: Engine;
  private iter = 0;
  private readonly listeners = new Set<(e: StepEvent) => void>();
  private readonly arena: Arena;
  private readonly k: Kernels;
  private readonly layers: Layer[] = [];
  private readonly data: FeatureData;
  private readonly Vt: F32Buf;
  private readonly projScratch: F32Buf;
  private readonly trainInput: F32Buf;
  private readonly testInput: F32Buf;
  private readonly factored: boolean;
  /** first layer in feature coordinates (feat.ts); its W is rebuilt on demand */
  private readonly feat: {
    Pt: F32Buf; PB: F32Buf; G: F32Buf; W0: F32Buf; P0t: F32Buf; scal: Ptr; Q: F32Buf;
  } | null = null;
  private wStale = false;
  // minibatch and online state
  private readonly batch: {
    rows: number;
    X: F32Buf;
    y: F32Buf;
    perm: Ptr;
    cursor: Ptr;
    stream: Ptr;
  } | null = null;
  private readonly online: OnlineSampler | null = null;

  /** Use createTrainer(). */
  constructor(engine: Engine, config: ResolvedConfig, imported?: ImportedState) {
    const k = engine.kernels;
    this.engine = engine;
    this.k = k;
    this.build = engine.build;
    this.threads = engine.threads;
    this.config = config;
    this.arena = new Arena(k);
    const { data: dc, model, train, seed } = config;
    this.factored = config.engine.factorInput;

    this.data = imported ? this.importData(imported) : generateFeatureData(this.arena, dc, seed);
    const { n, featDim, inputDim } = this.data;
    this.Vt = this.arena.f32([inputDim, featDim]);
    this.arena.transpose(this.data.V, this.Vt);

    const width = this.factored ? featDim : inputDim;
    this.trainInput = this.factored ? this.data.trainZ! : this.data.trainX;
    this.testInput = this.factored ? this.data.testZ! : this.data.testX;

    const stepRows = train.batchSize || n;
    const maxRows = Math.max(n, stepRows);

    // layers
    const dims = [inputDim, ...new Array<number>(model.layers - 1).fill(model.hidden), 1];
    for (let l = 0; l < model.layers; l++) {
      const fanIn = dims[l];
      const fanOut = dims[l + 1];
      const a = this.arena;
      const bias = model.bias;
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
        frozen: l === model.layers - 1 && model.freezeOutput,
        cdf: model.activation === 'gelu' && l < model.layers - 1 ? a.bytes(8 * maxRows * fanOut) : 0,
      });
    }
    const hidden = model.hidden;
    this.projScratch = this.arena.f32([hidden, featDim]);
    const P = this.arena.f32([hidden, featDim]);
    const Pt = this.arena.f32([featDim, hidden]);

    if (imported) this.importParams(imported);
    else this.initParams();
    if (config.engine.featureCoords) {
      const a = this.arena;
      this.feat = {
        Pt, PB: a.f32([featDim, hidden]), G: a.f32([featDim, hidden]), W0: a.f32([hidden, inputDim]),
        P0t: a.f32([featDim, hidden]), scal: a.bytes(16), Q: a.f32([hidden, featDim]),
      };
    }

    if (train.online) {
      const o = new OnlineSampler(this.arena, dc, seed, stepRows, this.data.V);
      this.online = o;
      k.onlineSet(o.stream, o.core.ptr, o.bg.ptr, o.Z.ptr, o.X.ptr, this.data.V.ptr, o.y.ptr, o.work, stepRows,
        Math.floor(stepRows / 2), dc.coreDim, dc.bgDim, inputDim, dc.core === 'sphere' ? 1 : 0, this.factored ? 0 : 1,
        Math.fround(dc.bgMean - 0.5));
    } else if (train.batchSize > 0) {
      const perm = this.arena.bytes(4 * n);
      new Uint32Array(k.memory.buffer, perm, n).forEach((_, i, arr) => (arr[i] = i));
      const cursor = this.arena.bytes(4);
      new Int32Array(k.memory.buffer, cursor, 1)[0] = n; // first step shuffles
      this.batch = {
        rows: train.batchSize,
        X: this.arena.f32([train.batchSize, width]),
        y: this.arena.f32([train.batchSize]),
        perm,
        cursor,
        stream: this.arena.stream(seed, 'batches'),
      };
    }

    // describe the network to the module
    const lossBuf = this.arena.bytes(8 * maxRows);
    k.netConfigure(model.layers, ACT_ID[model.activation], LOSS_ID[train.loss], OPT_ID[train.optimizer], lossBuf);
    k.netSetHyper(train.lr, train.weightDecay, train.momentum, train.beta1, train.beta2, train.eps);
    k.netSetFactored(this.factored ? 1 : 0, featDim, this.data.V.ptr, this.Vt.ptr, P.ptr, Pt.ptr);
    this.layers.forEach((L, l) =>
      k.netSetLayer(l, L.fanIn, L.fanOut, L.W.ptr, L.b?.ptr ?? 0, L.gW.ptr, L.gb?.ptr ?? 0, L.Z.ptr, L.A.ptr, L.D.ptr,
        L.Wt.ptr, L.mW.ptr, L.vW.ptr, L.mb?.ptr ?? 0, L.vb?.ptr ?? 0, L.frozen ? 1 : 0, L.cdf),
    );
    const f = this.feat;
    k.featSet(f ? 1 : 0, Pt.ptr, f?.PB.ptr ?? 0, f?.G.ptr ?? 0, f?.W0.ptr ?? 0, f?.P0t.ptr ?? 0, f?.scal ?? 0);
    if (f) k.featInit(this.layers[0].W.ptr, this.Vt.ptr, f.Q.ptr, featDim, inputDim, hidden);
    k.netSetStep(0);
    k.netSyncWeights();
  }

  /** In feature coordinates, rebuilds the first layer's W from P and the residual's scale. */
  private materialize(): void {
    if (!this.feat || !this.wStale) return;
    const { featDim, inputDim } = this.data;
    this.k.featMaterialize(this.layers[0].W.ptr, this.data.V.ptr, this.feat.Q.ptr, featDim, inputDim, this.config.model.hidden);
    this.wStale = false;
  }

  private importData(imp: ImportedState): FeatureData {
    const { data: dc } = this.config;
    const src = imp.source ?? 'imported state';
    const featDim = dc.coreDim + dc.bgDim;
    const n = imp.y.length;
    const inputDim = imp.transform.length / featDim;
    const expect = (name: string, got: number, want: number, shape: number[]) => {
      if (got !== want)
        throw new ConfigError(`${src}: ${name} has ${got} values; expected shape ${shapeText(shape)} = ${want} (data.n=${n}, data.coreDim+data.bgDim=${featDim}, data.inputDim=${dc.inputDim})`);
    };
    if (!Number.isInteger(inputDim) || inputDim !== dc.inputDim)
      expect('transform.npy', imp.transform.length, featDim * dc.inputDim, [featDim, dc.inputDim]);
    if (n !== dc.n) throw new ConfigError(`${src}: y.npy has ${n} labels; expected data.n = ${dc.n} (set data.n=${n} to match)`);
    expect('train_x.npy', imp.trainX.length, n * inputDim, [n, inputDim]);
    expect('test_x.npy', imp.testX.length, n * inputDim, [n, inputDim]);
    const a = this.arena;
    return {
      n,
      coreDim: dc.coreDim,
      bgDim: dc.bgDim,
      featDim,
      inputDim,
      y: a.upload(imp.y, [n]),
      V: a.upload(imp.transform, [featDim, inputDim]),
      trainZ: null,
      testZ: null,
      trainX: a.upload(imp.trainX, [n, inputDim]),
      testX: a.upload(imp.testX, [n, inputDim]),
    };
  }

  /** PyTorch's default init: weights and biases U(-1/sqrt(fanIn), 1/sqrt(fanIn)), from the 'init' stream. */
  private initParams(): void {
    const stream = this.arena.stream(this.config.seed, 'init');
    for (const L of this.layers) {
      const bound = 1 / Math.sqrt(L.fanIn);
      const scale = Math.fround(2 * bound);
      const offset = Math.fround(-bound);
      this.k.fillUniform(stream, L.W.ptr, L.W.length, scale, offset);
      if (L.b) this.k.fillUniform(stream, L.b.ptr, L.b.length, scale, offset);
    }
    const last = this.layers[this.layers.length - 1];
    if (this.config.model.freezeOutput) {
      // toy.py: +1/m for the first m/2 hidden neurons, -1/m for the rest; the bias keeps its init
      const m = last.fanIn;
      const w = this.arena.view(last.W);
      const half = Math.floor(m / 2);
      for (let j = 0; j < m; j++) w[j] = j < half ? Math.fround(1 / m) : Math.fround(-1 / m);
    }
  }

  private importParams(imp: ImportedState): void {
    const src = imp.source ?? 'imported state';
    this.layers.forEach((L, l) => {
      const entries: Array<[string, F32Buf | null]> = [[`fc${l}.weight`, L.W], [`fc${l}.bias`, L.b]];
      for (const [name, buf] of entries) {
        const data = imp.params[name];
        if (!buf) {
          if (data) throw new ConfigError(`${src}: ${name}.npy is present but model.bias = false; expected no biases`);
          continue;
        }
        if (!data) throw new ConfigError(`${src}: init.${name}.npy is missing; expected shape ${shapeText(buf.shape)}`);
        if (data.length !== buf.length)
          throw new ConfigError(`${src}: init.${name}.npy has ${data.length} values; expected shape ${shapeText(buf.shape)} (model.hidden=${this.config.model.hidden}, model.layers=${this.config.model.layers})`);
        this.arena.view(buf).set(data);
      }
    });
  }

  /** Updates applied so far. */
  get iteration(): number {
    return this.iter;
  }

  get simd(): boolean {
    return this.k.simdEnabled() !== 0;
  }

  /** Run k updates; returns the mean training loss measured before the last one (NaN if k = 0). */
  step(k = 1): number {
    if (!Number.isInteger(k) || k < 0) throw new RangeError(`step(k): k = ${k} is not valid: expected a non-negative integer`);
    if (k === 0) return NaN;
    const kern = this.k;
    let lossSum: number;
    let rows: number;
    if (this.online) {
      const o = this.online;
      rows = o.rows;
      lossSum = 0;
      lossSum = kern.onlineTrain(k); // draws like o.draw(), k steps inside the module
    } else if (this.batch) {
      const b = this.batch;
      const src = this.trainInput;
      rows = b.rows;
      lossSum = kern.netTrainBatches(src.ptr, this.data.y.ptr, this.data.n, src.shape[1], b.rows, b.stream, b.perm,
        b.cursor, b.X.ptr, b.y.ptr, k);
    } else {
      rows = this.data.n;
      lossSum = kern.netTrain(this.trainInput.ptr, this.data.y.ptr, rows, k);
    }
    this.iter += k;
    this.wStale = true;
    for (const fn of this.listeners) fn({ iteration: this.iter });
    return lossSum / rows;
  }

  /** Subscribe to step events; returns an unsubscribe function. */
  on(event: 'step', fn: (e: StepEvent) => void): () => void {
    if (event !== 'step') throw new Error(`unknown event ${event}`);
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** All metrics at the current parameters (gradients are recomputed on the full training set). */
  evaluate(): MetricsRow & { neurons: NeuronStats } {
    const k = this.k;
    const { n, coreDim, bgDim, featDim, inputDim } = this.data;
    const hidden = this.config.model.hidden;
    const L0 = this.layers[0];
    const out = this.layers[this.layers.length - 1];
    const kind = LOSS_ID[this.config.train.loss];

    const trainSum = k.netGradient(this.trainInput.ptr, this.data.y.ptr, n);
    const trainCorrect = k.countCorrect(out.Z.ptr, this.data.y.ptr, n);
    const asym = activationAsymmetry(this.arena.viewAt(L0.Z.ptr, n * hidden), this.arena.view(this.data.y), n, hidden);
    // gradient and weights in feature coordinates: G W Vᵀ, or directly in feature-coordinate training
    if (this.feat) k.transposeBlock(this.feat.G.ptr, this.projScratch.ptr, featDim, hidden, featDim);
    else k.gemm(L0.gW.ptr, inputDim, 1, this.Vt.ptr, this.projScratch.ptr, hidden, featDim, inputDim, 0);
    const grads = gradientProjections(this.arena.view(this.projScratch), hidden, coreDim, bgDim);

    k.netForward(this.testInput.ptr, n);
    const oodSum = k.lossSum(kind, out.Z.ptr, this.data.y.ptr, n);
    const oodCorrect = k.countCorrect(out.Z.ptr, this.data.y.ptr, n);

    if (this.feat) k.transposeBlock(this.feat.Pt.ptr, this.projScratch.ptr, featDim, hidden, featDim);
    else k.gemm(L0.W.ptr, inputDim, 1, this.Vt.ptr, this.projScratch.ptr, hidden, featDim, inputDim, 0);
    const proj = featureProjections(this.arena.view(this.projScratch), hidden, coreDim, bgDim);

    return {
      iteration: this.iter,
      trainLoss: trainSum / n,
      oodLoss: oodSum / n,
      trainAcc: trainCorrect / n,
      oodAcc: oodCorrect / n,
      coreProj: proj.coreProj,
      bgProj: proj.bgProj,
      asymmetry: meanAbs(asym),
      bgGradNorm: grads.bgGradNorm,
      coreGradNorm: grads.coreGradNorm,
      neurons: { coreNorm: proj.core, bgNorm: proj.bg, asymmetry: asym },
    };
  }

  /** Gradients of the mean training loss at the current parameters (trainable tensors only). */
  gradients(): NamedTensor[] {
    this.k.netGradient(this.trainInput.ptr, this.data.y.ptr, this.data.n);
    if (this.feat) {
      const { featDim, inputDim } = this.data;
      this.k.featGradInput(this.layers[0].gW.ptr, this.data.V.ptr, this.feat.Q.ptr, featDim, inputDim, this.config.model.hidden);
    }
    const out: NamedTensor[] = [];
    this.layers.forEach((L, l) => {
      if (L.frozen) return;
      out.push({ name: `fc${l}.weight`, shape: [...L.gW.shape], data: this.arena.read(L.gW) });
      if (L.gb) out.push({ name: `fc${l}.bias`, shape: [...L.gb.shape], data: this.arena.read(L.gb) });
    });
    return out;
  }

  /** Copies of every parameter, in order fc0.weight, fc0.bias, fc1.weight, ... */
  parameters(): NamedTensor[] {
    this.materialize();
    const out: NamedTensor[] = [];
    this.layers.forEach((L, l) => {
      out.push({ name: `fc${l}.weight`, shape: [...L.W.shape], data: this.arena.read(L.W) });
      if (L.b) out.push({ name: `fc${l}.bias`, shape: [...L.b.shape], data: this.arena.read(L.b) });
    });
    return out;
  }

  /** The data the run trains and tests on, and the embedding V (copies). */
  dataset(): { trainX: Float32Array; testX: Float32Array; y: Float32Array; transform: Float32Array; n: number; inputDim: number; featDim: number } {
    const d = this.data;
    return {
      trainX: this.arena.read(d.trainX),
      testX: this.arena.read(d.testX),
      y: this.arena.read(d.y),
      transform: this.arena.read(d.V),
      n: d.n,
      inputDim: d.inputDim,
      featDim: d.featDim,
    };
  }

  /** Every piece of mutable state, in a fixed order. */
  private stateRegions(): Array<[Ptr, number]> {
    const r: Array<[Ptr, number]> = [];
    const add = (b: F32Buf | null) => b && r.push([b.ptr, b.length * 4]);
    const f = this.feat;
    this.layers.forEach((L, l) => {
      // in feature coordinates the first layer's state is P, its momentum, and the residual's start and scale
      if (l === 0 && f) [f.Pt, L.b, f.PB, f.W0, f.P0t, L.mb].forEach(add), r.push([f.scal, 16]);
      else [L.W, L.b, L.mW, L.vW, L.mb, L.vb].forEach(add);
    });
    if (this.batch) r.push([this.batch.stream, 32], [this.batch.perm, 4 * this.data.n], [this.batch.cursor, 4]);
    if (this.online) r.push([this.online.stream, 32]);
    return r;
  }

  /** A copy of the whole training state; restore() continues bit-identically from it. */
  snapshot(): TrainerSnapshot {
    return {
      iteration: this.iter,
      optimizerStep: this.k.netGetStep(),
      state: this.stateRegions().map(([p, n]) => this.arena.readBytes(p, n)),
    };
  }

  restore(s: TrainerSnapshot): void {
    const regions = this.stateRegions();
    if (s.state.length !== regions.length || s.state.some((b, i) => b.length !== regions[i][1]))
      throw new Error('restore: snapshot was taken from a trainer with a different config');
    regions.forEach(([p], i) => this.arena.writeBytes(p, s.state[i]));
    this.k.netSetStep(s.optimizerStep);
    this.k.netSyncWeights();
    this.iter = s.iteration;
    this.wStale = true;
  }

  /** Stops the worker threads (if any); the trainer keeps working on the calling thread. */
  dispose(): void {
    this.engine.dispose();
  }
}

/** Resolves the config, loads a fresh module instance and lays out a trainer. */
export async function createTrainer(config: Config | ConfigInput = {}, options: TrainerOptions = {}): Promise<Trainer> {
  const full = 'data' in config && 'train' in config;
  const base = full ? validateConfig(config) : resolveConfig(config as ConfigInput);
  const resolved = resolveEngineSettings(base, !!options.imported);
  const engine = await loadEngine(options.build, options.threads ?? 1);
  try {
    return new Trainer(engine, resolved, options.imported);
  } catch (e) {
    engine.dispose();
    throw e;
  }
}
