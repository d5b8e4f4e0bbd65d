// The Trainer: one WASM instance holding the feature model's data, the network (./net.ts: parameters,
// optimizer state, scratch) and the analysis buffers for one run. Training steps run entirely inside
// the module; this class generates or imports the data, seeds the streams, and computes the metrics.
import { loadEngine, type Build, type Engine, type Kernels, type ThreadsOption } from '../../engine/wasm.js';
import { Arena, type F32Buf, type Ptr } from '../../engine/arena.js';
import { FEAT, ONLINE, writeStruct } from '../../engine/layout.js';
import { Net, LOSS_ID, StepCounter, type NamedTensor, type TrainerSnapshot, type StepEvent } from '../../engine/net.js';
import { formatBytes } from '../../engine/memory.js';
import { nonFiniteTensors, type NonFinite } from '../../engine/finite.js';
import { memoryPlan } from './memory.js';
import { memoryProblem } from '../../engine/memory.js';
import { generateFeatureData, generateIdTest, OnlineSampler, type FeatureData, type IdTestSet } from './data.js';
import { resolveConfig, validateConfig, ConfigError, type ConfigInput } from '../../config/resolve.js';
import type { ToyConfig, ToyResolvedConfig } from './config.js';
import type { ImportedState } from '../task.js';
import {
  featureProjections,
  gradientProjections,
  activationAsymmetry,
  meanAbs,
  mean,
  dataDirections,
  splitAlong,
} from './contamination.js';
import type { MetricsRow, NeuronStats } from './metrics.js';

/** A config whose 'auto' values are decided: what config.json records. */
export type ResolvedConfig = ToyResolvedConfig;

export type { NamedTensor, TrainerSnapshot, StepEvent } from '../../engine/net.js';
export type { ImportedState } from '../task.js';
export type { NonFinite } from '../../engine/finite.js';

export interface TrainerOptions {
  imported?: ImportedState;
  build?: Build;
  /** Threads for the kernels (SIMD build; Node or cross-origin isolated pages), or 'auto' (1 or all cores, timed). Results do not depend on it. */
  threads?: ThreadsOption;
}


function shapeText(s: readonly number[]): string {
  return `(${s.join(', ')}${s.length === 1 ? ',' : ''})`;
}

/**
 * Decides 'auto' settings: factored inputs whenever fclab generated the data itself; feature
 * coordinates wherever they are exact (factored inputs and SGD, whose update is rotation-equivariant).
 */
export function resolveEngineSettings(config: ToyConfig, imported: boolean): ResolvedConfig {
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
  const data = { ...config.data, testN: config.data.testN || config.data.n };
  return { ...config, data, engine: { factorInput, featureCoords: feat === 'auto' ? exact : feat } };
}

export class Trainer {
  readonly config: ResolvedConfig;
  readonly build: Build;
  readonly threads: number;
  private readonly engine: Engine;
  private readonly steps = new StepCounter();
  private readonly arena: Arena;
  private readonly k: Kernels;
  private readonly net: Net;
  private readonly data: FeatureData;
  private readonly Vt: F32Buf;
  private readonly projScratch: F32Buf;
  private readonly trainInput: F32Buf;
  private readonly testInput: F32Buf;
  /** held-out ID test points (fresh from the training distribution) and the input form the net takes */
  private readonly idTest: IdTestSet;
  private readonly idTestInput: F32Buf;
  /** the data model's background shift direction û and core class-mean direction ĉ (contamination.ts) */
  private readonly dirs: { u: Float64Array; c: Float64Array | null };
  private readonly factored: boolean;
  /** first layer in feature coordinates (feat.ts); its W is rebuilt on demand */
  private readonly feat: {
    Pt: F32Buf; PB: F32Buf; G: F32Buf; W0: F32Buf; P0t: F32Buf; scal: Ptr; Q: F32Buf;
    /** its Feat record (assembly/state.ts) */
    rec: Ptr;
  } | null = null;
  private wStale = false;
  private readonly online: OnlineSampler | null = null;
  /** the Online record (assembly/state.ts) when training online */
  private readonly onlineRec: Ptr = 0;

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
    // imported states carry no ID test set: it is drawn from the same data model with the imported V
    this.idTest = generateIdTest(this.arena, dc, seed, this.data.V, config.data.testN || n, !this.factored);
    this.idTestInput = this.factored ? this.idTest.Z : this.idTest.X!;
    this.dirs = dataDirections(dc);

    const stepRows = train.batchSize || n;
    this.net = new Net(k, this.arena, {
      sizes: [inputDim, ...new Array<number>(model.layers - 1).fill(model.hidden), 1],
      activation: model.activation,
      bias: model.bias,
      loss: train.loss,
      optimizer: train.optimizer,
      hyper: train,
      freezeOutput: model.freezeOutput,
      maxRows: Math.max(n, stepRows, this.idTest.rows),
      factored: this.factored ? { featDim, V: this.data.V, Vt: this.Vt } : null,
    });
    this.projScratch = this.arena.f32([model.hidden, featDim]);

    if (imported) this.importParams(imported);
    else this.initParams();
    if (config.engine.featureCoords) {
      // the factored input's Pt becomes the first layer's parameter (feat.ts)
      const a = this.arena;
      const hidden = model.hidden;
      const f = {
        Pt: this.net.factoredPt!, PB: a.f32([featDim, hidden]), G: a.f32([featDim, hidden]), W0: a.f32([hidden, inputDim]),
        P0t: a.f32([featDim, hidden]), scal: a.bytes(16), Q: a.f32([hidden, featDim]),
      };
      const rec = a.bytes(FEAT.size);
      writeStruct(k.memory, rec, FEAT, { Pt: f.Pt.ptr, PB: f.PB.ptr, G: f.G.ptr, W0: f.W0.ptr, P0t: f.P0t.ptr, scal: f.scal });
      this.feat = { ...f, rec };
      this.net.setFeat(rec);
      k.featInit(rec, this.net.layers[0].W.ptr, this.Vt.ptr, f.Q.ptr, featDim, inputDim, hidden);
      this.net.syncWeights();
    }

    if (train.online) {
      const o = new OnlineSampler(this.arena, dc, seed, stepRows, this.data.V);
      this.online = o;
      // the module draws like o.draw() and trains k steps per call (online.ts)
      this.onlineRec = this.arena.bytes(ONLINE.size);
      writeStruct(k.memory, this.onlineRec, ONLINE, {
        stream: o.stream, core: o.core.ptr, bg: o.bg.ptr, Z: o.Z.ptr, X: o.X.ptr, V: this.data.V.ptr, Y: o.y.ptr, work: o.work,
        rows: stepRows, coreDim: dc.coreDim, bgDim: dc.bgDim, inputDim, sphere: dc.core === 'sphere' ? 1 : 0,
        dense: this.factored ? 0 : 1, bgOffset: Math.fround(dc.bgMean - 0.5), net: this.net.ptr,
      });
    } else if (train.batchSize > 0) this.net.enableBatches(n, train.batchSize, width, seed);
  }

  /** In feature coordinates, rebuilds the first layer's W from P and the residual's scale. */
  private materialize(): void {
    if (!this.feat || !this.wStale) return;
    const { featDim, inputDim } = this.data;
    this.k.featMaterialize(this.feat.rec, this.net.layers[0].W.ptr, this.data.V.ptr, this.feat.Q.ptr, featDim, inputDim, this.config.model.hidden);
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
    // with the files' shapes known, the layout must match too (a transposed array has the right count)
    const why = `data.n = ${n}, data.coreDim + data.bgDim = ${featDim}, data.inputDim = ${dc.inputDim}`;
    this.checkShape(imp, 'transform.npy', [[featDim, dc.inputDim]], why);
    this.checkShape(imp, 'y.npy', [[n], [n, 1]], why);
    this.checkShape(imp, 'train_x.npy', [[n, dc.inputDim]], why);
    this.checkShape(imp, 'test_x.npy', [[n, dc.inputDim]], why);
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

  private checkShape(imp: ImportedState, file: string, allowed: number[][], why: string): void {
    const shape = imp.shapes?.[file];
    if (!shape || allowed.some((a) => a.length === shape.length && a.every((d, i) => d === shape[i]))) return;
    throw new ConfigError(
      `${imp.source ?? 'imported state'}/${file} has shape ${shapeText(shape)}; expected ${allowed.map(shapeText).join(' or ')} (${why})`,
    );
  }

  /** PyTorch's default init (or the theory's Gaussian) from the 'init' stream, then toy.py's fixed output layer if frozen. */
  private initParams(): void {
    if (this.config.model.init === 'gaussian') this.net.initGaussian(this.config.seed);
    else this.net.initDefault(this.config.seed);
    if (this.config.model.freezeOutput) this.net.setFrozenOutputWeights();
  }

  private importParams(imp: ImportedState): void {
    const src = imp.source ?? 'imported state';
    this.net.layers.forEach((L, l) => {
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
        this.checkShape(imp, `init.${name}.npy`, [[...buf.shape]], `PyTorch layout [out, in]; model.hidden=${this.config.model.hidden}`);
        this.arena.view(buf).set(data);
      }
    });
    for (const name of Object.keys(imp.params)) {
      const l = Number(/^fc(\d+)\./.exec(name)?.[1]);
      const count = this.net.layers.length;
      if (!(l < count))
        throw new ConfigError(`${src}: init.${name}.npy is present but model.layers = ${count}; expected only fc0..fc${count - 1}`);
    }
    this.net.syncWeights();
  }

  /** Updates applied so far. */
  get iteration(): number {
    return this.steps.iteration;
  }

  get simd(): boolean {
    return this.k.simdEnabled() !== 0;
  }

  /** Run k updates; returns the mean training loss measured before the last one (NaN if k = 0). */
  step(k = 1): number {
    if (!StepCounter.wants(k)) return NaN;
    let loss: number;
    if (this.online) {
      const o = this.online;
      loss = this.k.onlineTrain(this.onlineRec, k) / this.net.meanDivisor(o.rows);
    } else if (this.net.batchRows !== null) {
      loss = this.net.trainBatches(this.trainInput.ptr, this.data.y.ptr, k);
    } else {
      loss = this.net.trainFull(this.trainInput.ptr, this.data.y.ptr, this.data.n, k);
    }
    this.wStale = true;
    this.steps.advance(k);
    return loss;
  }

  /** Subscribe to step events; returns an unsubscribe function. */
  on(event: 'step', fn: (e: StepEvent) => void): () => void {
    return this.steps.on(event, fn);
  }

  /** All metrics at the current parameters (gradients are recomputed on the full training set). */
  evaluate(): MetricsRow & { neurons: NeuronStats } {
    const k = this.k;
    const { n, coreDim, bgDim, featDim, inputDim } = this.data;
    const hidden = this.config.model.hidden;
    const L0 = this.net.layers[0];
    const out = this.net.layers[this.net.layers.length - 1];
    const kind = LOSS_ID[this.config.train.loss];

    const trainSum = this.net.gradient(this.trainInput.ptr, this.data.y.ptr, n);
    const trainCorrect = k.countCorrect(out.Z.ptr, this.data.y.ptr, n);
    const asym = activationAsymmetry(this.arena.viewAt(L0.Z.ptr, n * hidden), this.arena.view(this.data.y), n, hidden);
    // gradient and weights in feature coordinates: G W Vᵀ, or directly in feature-coordinate training
    if (this.feat) k.transposeBlock(this.feat.G.ptr, this.projScratch.ptr, featDim, hidden, featDim);
    else k.gemm(L0.gW.ptr, inputDim, 1, this.Vt.ptr, this.projScratch.ptr, hidden, featDim, inputDim, 0);
    const grads = gradientProjections(this.arena.view(this.projScratch), hidden, coreDim, bgDim);
    // the signed gradient along û per neuron: the paper's Eq. 7 (non-zero under activation asymmetry)
    const gradShift = splitAlong(this.arena.view(this.projScratch), hidden, featDim, coreDim, bgDim, this.dirs.u).along;

    this.net.forward(this.testInput.ptr, n);
    const oodSum = k.lossSum(kind, out.Z.ptr, this.data.y.ptr, n);
    const oodCorrect = k.countCorrect(out.Z.ptr, this.data.y.ptr, n);

    const idRows = this.idTest.rows;
    this.net.forward(this.idTestInput.ptr, idRows);
    const idSum = k.lossSum(kind, out.Z.ptr, this.idTest.y.ptr, idRows);
    const idCorrect = k.countCorrect(out.Z.ptr, this.idTest.y.ptr, idRows);

    if (this.feat) k.transposeBlock(this.feat.Pt.ptr, this.projScratch.ptr, featDim, hidden, featDim);
    else k.gemm(L0.W.ptr, inputDim, 1, this.Vt.ptr, this.projScratch.ptr, hidden, featDim, inputDim, 0);
    const P = this.arena.view(this.projScratch);
    const proj = featureProjections(P, hidden, coreDim, bgDim);
    const bgSplit = splitAlong(P, hidden, featDim, coreDim, bgDim, this.dirs.u);
    const coreSplit = splitAlong(P, hidden, featDim, 0, coreDim, this.dirs.c);

    return {
      iteration: this.steps.iteration,
      trainLoss: trainSum / n,
      oodLoss: oodSum / n,
      trainAcc: trainCorrect / n,
      oodAcc: oodCorrect / n,
      coreProj: proj.coreProj,
      bgProj: proj.bgProj,
      asymmetry: meanAbs(asym),
      bgGradNorm: grads.bgGradNorm,
      coreGradNorm: grads.coreGradNorm,
      idTestLoss: idSum / idRows,
      idTestAcc: idCorrect / idRows,
      bgShiftProj: meanAbs(bgSplit.along),
      bgNoiseProj: mean(bgSplit.rest),
      coreSignalProj: meanAbs(coreSplit.along),
      coreNoiseProj: mean(coreSplit.rest),
      bgGradShift: mean(gradShift),
      neurons: {
        coreNorm: proj.core,
        bgNorm: proj.bg,
        asymmetry: asym,
        more: { bgShift: bgSplit.along, bgNoise: bgSplit.rest, coreSignal: coreSplit.along, coreNoise: coreSplit.rest, bgGradShift: gradShift },
      },
    };
  }

  /** The first layer in feature coordinates, P = W1 Vᵀ [hidden x featDim] (a copy). */
  featureWeights(): Float32Array {
    const { featDim, inputDim } = this.data;
    const hidden = this.config.model.hidden;
    if (this.feat) this.k.transposeBlock(this.feat.Pt.ptr, this.projScratch.ptr, featDim, hidden, featDim);
    else this.k.gemm(this.net.layers[0].W.ptr, inputDim, 1, this.Vt.ptr, this.projScratch.ptr, hidden, featDim, inputDim, 0);
    return this.arena.read(this.projScratch);
  }

  /** The gradient of the mean training-set loss for the first layer in feature coordinates, G W1 Vᵀ [hidden x featDim]. */
  featureGradient(): Float32Array {
    const { n, featDim, inputDim } = this.data;
    const hidden = this.config.model.hidden;
    this.net.gradient(this.trainInput.ptr, this.data.y.ptr, n);
    if (this.feat) this.k.transposeBlock(this.feat.G.ptr, this.projScratch.ptr, featDim, hidden, featDim);
    else this.k.gemm(this.net.layers[0].gW.ptr, inputDim, 1, this.Vt.ptr, this.projScratch.ptr, hidden, featDim, inputDim, 0);
    return this.arena.read(this.projScratch);
  }

  /**
   * The first hidden layer's activations [n x hidden] on the training set, as the last gradient
   * on it left them (featureGradient() or gradients(); evaluate() ends on the OOD set).
   */
  hiddenActivations(): Float32Array {
    return this.arena.viewAt(this.net.layers[0].Z.ptr, this.data.n * this.config.model.hidden).slice();
  }

  /** The feature coordinates Z [n x featDim] of the training and OOD sets and the labels (generated data only). */
  featureData(): { trainZ: Float32Array; testZ: Float32Array; y: Float32Array; n: number; featDim: number } {
    const d = this.data;
    if (!d.trainZ || !d.testZ) throw new Error('featureData: imported data has no feature coordinates');
    return { trainZ: this.arena.read(d.trainZ), testZ: this.arena.read(d.testZ), y: this.arena.read(d.y), n: d.n, featDim: d.featDim };
  }

  /** Gradients of the mean training loss at the current parameters (trainable tensors only). */
  gradients(): NamedTensor[] {
    this.net.gradient(this.trainInput.ptr, this.data.y.ptr, this.data.n);
    if (this.feat) {
      // the kernel left the first layer's gradient in feature coordinates (G); dW = G V
      const { featDim, inputDim } = this.data;
      this.k.featGradInput(this.feat.rec, this.net.layers[0].gW.ptr, this.data.V.ptr, this.feat.Q.ptr, featDim, inputDim, this.config.model.hidden);
    }
    return this.net.readGradients();
  }

  /** Copies of every parameter, in order fc0.weight, fc0.bias, fc1.weight, ... */
  parameters(): NamedTensor[] {
    this.materialize();
    return this.net.parameters();
  }

  /**
   * Parameter tensors holding NaN or ±Infinity: name, how many of its values, its size, and the
   * first such value. Reads the live memory without copying (called at every evaluation).
   */
  nonFiniteParameters(): NonFinite[] {
    this.materialize();
    const live: Array<{ name: string; data: Float32Array }> = [];
    this.net.layers.forEach((L, l) => {
      live.push({ name: `fc${l}.weight`, data: this.arena.view(L.W) });
      if (L.b) live.push({ name: `fc${l}.bias`, data: this.arena.view(L.b) });
    });
    return nonFiniteTensors(live);
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
    const f = this.feat;
    // in feature coordinates the first layer's state is P, its momentum, and the residual's start and scale
    const r = this.net.stateRegions(f ? { tensors: [f.Pt, f.PB, f.W0, f.P0t], extra: [[f.scal, 16]] } : undefined);
    if (this.online) r.push([this.online.stream, 32]);
    return r;
  }

  /** A copy of the whole training state; restore() continues bit-identically from it. */
  snapshot(): TrainerSnapshot {
    return {
      iteration: this.steps.iteration,
      optimizerStep: this.net.optimizerStep,
      state: this.stateRegions().map(([p, n]) => this.arena.readBytes(p, n)),
    };
  }

  restore(s: TrainerSnapshot): void {
    const regions = this.stateRegions();
    if (s.state.length !== regions.length || s.state.some((b, i) => b.length !== regions[i][1]))
      throw new Error('restore: snapshot was taken from a trainer with a different config');
    regions.forEach(([p], i) => this.arena.writeBytes(p, s.state[i]));
    this.net.optimizerStep = s.optimizerStep;
    this.net.syncWeights();
    this.steps.iteration = s.iteration;
    this.wStale = true;
  }

  /** Stops the worker threads (if any); the trainer keeps working on the calling thread. */
  dispose(): void {
    this.engine.dispose();
  }
}

/** Resolves the config, loads a fresh module instance and lays out a trainer. */
export async function createTrainer(config: ToyConfig | ConfigInput = {}, options: TrainerOptions = {}): Promise<Trainer> {
  const full = 'data' in config && 'train' in config;
  const base = full ? validateConfig(config) : resolveConfig(config as ConfigInput);
  if (base.task !== 'toy') throw new ConfigError(`createTrainer: preset ${JSON.stringify(base.preset)} is a ${base.task} run; expected a feature-model (toy) config`);
  const resolved = resolveEngineSettings(base, !!options.imported);
  const plan = memoryPlan(resolved, { imported: !!options.imported, factored: resolved.engine.factorInput });
  const problem = memoryProblem(plan);
  if (problem) throw new ConfigError(`config: ${problem}`);
  const engine = await loadEngine(options.build, options.threads ?? 1);
  try {
    return new Trainer(engine, resolved, options.imported);
  } catch (e) {
    engine.dispose();
    // the allocator traps when memory cannot grow (the machine, not the engine, ran out)
    if (e instanceof WebAssembly.RuntimeError)
      throw new Error(`could not allocate the ${formatBytes(plan.bytes)} of WebAssembly memory this config needs (${e.message})`, { cause: e });
    throw e;
  }
}
