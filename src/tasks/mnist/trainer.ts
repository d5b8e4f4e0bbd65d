// The padded-MNIST experiment's trainer: a NetTrainer on the padded digits, with the run's config
// and metrics, so runExperiment (./run.ts) drives it exactly like the feature model's Trainer.
// Pixels take the place of feature coordinates: "core" = the 28x28 digit pixels, "background" =
// the border pixels (metrics.ts, MNIST_METRIC_HELP).
//
// Why a constant border is learned at all: every training image has x_b = c on the border, so for
// the first layer the border acts as an extra bias scaled by c, and every border weight of neuron
// k gets the same gradient, c * sum_i dLoss/dz_ik. For an identity network that sum is a_k times
// the output bias's gradient, which vanishes as the output bias equilibrates; for ReLU a neuron
// that fires mostly on one class keeps a one-signed sum (activation asymmetry), so its border
// weights keep moving.
import { createNetTrainer, type NetTrainer } from '../../engine/net-trainer.js';
import { loadKernels, type Build, type ThreadsOption } from '../../engine/wasm.js';
import { nonFiniteTensors, type NonFinite } from '../../engine/finite.js';
import type { NamedTensor, TrainerSnapshot } from '../../engine/net.js';
import type { NeuronStats } from '../task.js';
import type { MnistRunConfig } from './config.js';
import type { MnistRow } from './metrics.js';
import { buildPaddedMnist, mnistTargets, type MnistDigits, type PaddedMnist } from './data.js';

export interface MnistTrainerOptions {
  digits: MnistDigits;
  build?: Build;
  threads?: ThreadsOption;
}

/** Per-neuron norms of W (rows x D) on the border and on the digit pixels, and the border's energy share. */
export function borderStats(W: Float32Array, rows: number, mask: Uint8Array) {
  const D = mask.length;
  const core = new Float64Array(rows);
  const bg = new Float64Array(rows);
  let eCore = 0;
  let eBg = 0;
  for (let k = 0; k < rows; k++) {
    let c = 0;
    let b = 0;
    for (let j = 0; j < D; j++) {
      const v = W[k * D + j];
      if (mask[j]) b += v * v;
      else c += v * v;
    }
    core[k] = Math.sqrt(c);
    bg[k] = Math.sqrt(b);
    eCore += c;
    eBg += b;
  }
  return { core, bg, energyShare: eBg / (eBg + eCore), eCore, eBg };
}

function mean(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
}

/**
 * Per-neuron class asymmetry of the first layer on the training set (active: pre-activation > 0,
 * read from the activation's sign, or > 1/2 for sigmoid). Binary: P(active | 0-4) - P(active | 5-9);
 * ten classes: max - min over classes of P(active | class).
 */
export function mnistAsymmetry(A: Float32Array, digit: Int32Array, hidden: number, task: 'binary' | 'ten', threshold: number): Float64Array {
  const groups = task === 'binary' ? 2 : 10;
  const counts = new Float64Array(groups * hidden);
  const sizes = new Float64Array(groups);
  for (let r = 0; r < digit.length; r++) {
    const g = task === 'binary' ? (digit[r] < 5 ? 0 : 1) : digit[r];
    sizes[g]++;
    for (let k = 0; k < hidden; k++) if (A[r * hidden + k] > threshold) counts[g * hidden + k]++;
  }
  const out = new Float64Array(hidden);
  for (let k = 0; k < hidden; k++) {
    if (task === 'binary') out[k] = counts[k] / sizes[0] - counts[hidden + k] / sizes[1];
    else {
      let lo = Infinity;
      let hi = -Infinity;
      for (let g = 0; g < groups; g++) {
        const p = counts[g * hidden + k] / sizes[g];
        lo = Math.min(lo, p);
        hi = Math.max(hi, p);
      }
      out[k] = hi - lo;
    }
  }
  return out;
}

export class MnistTrainer {
  readonly config: MnistRunConfig;
  readonly data: PaddedMnist;
  private readonly W0: Float32Array;
  private readonly energy0: number;

  /** Use createMnistTrainer(). */
  constructor(private readonly net: NetTrainer, config: MnistRunConfig, data: PaddedMnist) {
    this.config = config;
    this.data = data;
    this.W0 = net.parameters()[0].data;
    this.energy0 = borderStats(this.W0, config.model.hidden, data.borderMask).energyShare;
  }

  get iteration(): number {
    return this.net.iteration;
  }
  get simd(): boolean {
    return this.net.simd;
  }
  get threads(): number {
    return this.net.threads;
  }
  get build(): Build {
    return this.net.build;
  }

  step(k = 1): number {
    return this.net.step(k);
  }

  /** Every metric at the current parameters (metrics.ts: METRIC_COLUMNS and MNIST_COLUMNS). */
  evaluate(): MnistRow & { neurons: NeuronStats } {
    const { hidden, activation } = this.config.model;
    const mask = this.data.borderMask;
    const sets = this.net.evaluate();
    const W = this.net.parameters()[0].data;
    const w = borderStats(W, hidden, mask);
    const D = mask.length;
    let dCore = 0;
    let dBg = 0;
    for (let i = 0; i < W.length; i++) {
      const d = W[i] - this.W0[i];
      if (mask[i % D]) dBg += d * d;
      else dCore += d * d;
    }
    const g = borderStats(this.net.gradients()[0].data, hidden, mask);
    const A = this.net.outputs(this.data.train.x, 0);
    const asym = mnistAsymmetry(A, this.data.train.digit, hidden, this.config.mnist.task, activation === 'sigmoid' ? 0.5 : 0);
    let absSum = 0;
    for (let k = 0; k < hidden; k++) absSum += Math.abs(asym[k]);
    return {
      iteration: this.net.iteration,
      trainLoss: sets.train.loss,
      oodLoss: sets.ood.loss,
      trainAcc: sets.train.accuracy,
      oodAcc: sets.ood.accuracy,
      coreProj: mean(w.core),
      bgProj: mean(w.bg),
      asymmetry: absSum / hidden,
      bgGradNorm: Math.sqrt(g.eBg),
      coreGradNorm: Math.sqrt(g.eCore),
      idTestLoss: sets.test.loss,
      idTestAcc: sets.test.accuracy,
      bgEnergy: w.energyShare,
      bgEnergyRel: w.energyShare / this.energy0,
      // 0 before any change: a NaN here would put a platform-dependent NaN bit pattern into the hash
      bgShareLearned: dBg + dCore > 0 ? dBg / (dBg + dCore) : 0,
      neurons: { coreNorm: w.core, bgNorm: w.bg, asymmetry: asym },
    };
  }

  gradients(): NamedTensor[] {
    return this.net.gradients();
  }
  parameters(): NamedTensor[] {
    return this.net.parameters();
  }
  nonFiniteParameters(): NonFinite[] {
    return nonFiniteTensors(this.net.parameters());
  }
  /** The first layer's weights at initialisation ([hidden x inputDim]). */
  initialWeights(): Float32Array {
    return this.W0.slice();
  }
  snapshot(): TrainerSnapshot {
    return this.net.snapshot();
  }
  restore(s: TrainerSnapshot): void {
    this.net.restore(s);
  }
  dispose(): void {
    this.net.dispose();
  }
}

/** Builds the padded digits from the config and lays out the network (PyTorch's default init, 'init' stream). */
export async function createMnistTrainer(config: MnistRunConfig, options: MnistTrainerOptions): Promise<MnistTrainer> {
  const m = config.mnist;
  // the split and texture come from the PRNG, which is the same in every build: the scalar one is enough
  const data = buildPaddedMnist(await loadKernels('scalar'), options.digits, config.data.n, m, config.seed);
  const { model, train } = config;
  const C = m.task === 'ten' ? 10 : 1;
  const targets = (digit: Int32Array) => {
    const t = mnistTargets(m.task, digit);
    // mse with ten classes: one-hot rows
    if (C === 10 && train.loss === 'mse') return { matrix: Float32Array.from({ length: digit.length * 10 }, (_, i) => (digit[Math.floor(i / 10)] === i % 10 ? 1 : 0)) };
    return t;
  };
  const net = await createNetTrainer(
    {
      sizes: [data.inputDim, ...new Array<number>(model.layers - 1).fill(model.hidden), C],
      loss: train.loss,
      activation: model.activation,
      bias: model.bias,
      freezeOutput: model.freezeOutput,
      optimizer: train.optimizer,
      lr: train.lr,
      weightDecay: train.weightDecay,
      momentum: train.momentum,
      beta1: train.beta1,
      beta2: train.beta2,
      eps: train.eps,
      batchSize: train.batchSize,
      seed: config.seed,
      train: { x: data.train.x, targets: targets(data.train.digit) },
      eval: { test: { x: data.test.x, targets: targets(data.test.digit) }, ood: { x: data.ood.x, targets: targets(data.ood.digit) } },
    },
    { build: options.build, threads: options.threads },
  );
  return new MnistTrainer(net, config, data);
}
