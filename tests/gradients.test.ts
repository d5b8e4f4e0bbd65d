// Gradient checks and optimizer formulas.
// (a) the float64 reference (tests/helpers/mlp64.ts) against central finite differences of its own loss;
// (b) the WASM trainer's float32 gradients (SIMD and scalar builds) against float64 finite differences;
// (c) one and three optimizer steps of the trainer against PyTorch's update formulas computed by hand.
import { describe, it, expect, afterAll } from 'vitest';
import { createTrainer, type ImportedState, type NamedTensor, type Trainer } from '../src/tasks/toy/trainer.js';
import type { Build } from '../src/engine/wasm.js';
import { mulberry32 } from './reference.js';
import {
  erf64,
  erfc64,
  normalCdf64,
  forward64,
  meanLoss64,
  lossAndGrads64,
  trace64,
  type Act,
  type LossName,
  type Tensor64,
} from './helpers/mlp64.js';

const ACTS: Act[] = ['relu', 'gelu', 'leakyrelu', 'sigmoid', 'tanh', 'identity'];
const LOSSES: LossName[] = ['logistic', 'hinge', 'mse'];
const BUILDS: Build[] = ['simd', 'scalar'];

// Problem size: small enough for finite differences of every parameter, large enough that the
// SIMD kernels take both their 4-wide and their remainder paths (5 inputs, 6 hidden units).
const N = 8;
const CORE_DIM = 2;
const BG_DIM = 2;
const INPUT_DIM = 5;
const HIDDEN = 6;
/** No pre-activation (ReLU family) and no hinge margin closer than this to a kink. */
const KINK_GAP = 1e-3;

interface Case {
  layers: 2 | 3;
  act: Act;
  loss: LossName;
  bias: boolean;
  frozen: boolean;
}

interface Problem {
  X: Float32Array;
  y: Float32Array;
  /** float32 values, in order fc0.weight, fc0.bias?, fc1.weight, ... */
  params: NamedTensor[];
}

function caseName(c: Case): string {
  return `${c.loss}, ${c.bias ? 'bias' : 'no bias'}, ${c.frozen ? 'frozen output' : 'trained output'}`;
}

function allCases(): Case[] {
  const out: Case[] = [];
  for (const layers of [2, 3] as const)
    for (const act of ACTS)
      for (const loss of LOSSES)
        for (const bias of [true, false]) for (const frozen of [false, true]) out.push({ layers, act, loss, bias, frozen });
  return out;
}

function caseSeed(c: Case): number {
  return (
    1000 * c.layers + 100 * ACTS.indexOf(c.act) + 10 * LOSSES.indexOf(c.loss) + (c.bias ? 2 : 0) + (c.frozen ? 1 : 0)
  );
}

/** Random float32 data and weights (scaled so that outputs are O(1) and hinge margins fall on both sides of 1). */
function drawProblem(c: Case, seed: number): Problem {
  const rnd = mulberry32(seed);
  const u = (a: number) => Math.fround((2 * rnd() - 1) * a); // U(-a, a), float32
  const X = Float32Array.from({ length: N * INPUT_DIM }, () => u(1.5));
  const y = Float32Array.from({ length: N }, (_, i) => (i < N / 2 ? 1 : -1));
  const dims = [INPUT_DIM, ...new Array<number>(c.layers - 1).fill(HIDDEN), 1];
  const params: NamedTensor[] = [];
  for (let l = 0; l < c.layers; l++) {
    const [fin, fout] = [dims[l], dims[l + 1]];
    const scale = 2 / Math.sqrt(fin);
    params.push({ name: `fc${l}.weight`, shape: [fout, fin], data: Float32Array.from({ length: fout * fin }, () => u(scale)) });
    if (c.bias) params.push({ name: `fc${l}.bias`, shape: [fout], data: Float32Array.from({ length: fout }, () => u(0.5)) });
  }
  return { X, y, params };
}

/** Why a drawn problem is unusable for finite differences, or null if it is fine. */
function kinkProblem(c: Case, p: Problem): string | null {
  const { Z } = trace64(p.params, p.X, N, c.act);
  if (c.act === 'relu' || c.act === 'leakyrelu') {
    const hidden = Z.slice(0, -1).flatMap((z) => Array.from(z));
    if (hidden.some((z) => Math.abs(z) < KINK_GAP)) return 'pre-activation near 0';
    if (!hidden.some((z) => z < 0) || !hidden.some((z) => z > 0)) return 'one side of the kink unused';
  }
  if (c.loss === 'hinge') {
    const f = Z[Z.length - 1];
    const slack = Array.from(f, (v, i) => 1 - p.y[i] * v);
    if (slack.some((s) => Math.abs(s) < KINK_GAP)) return 'hinge margin near 1';
    if (!slack.some((s) => s < 0) || !slack.some((s) => s > 0)) return 'one side of the hinge unused';
  }
  return null;
}

/** A problem for the case with no kink within KINK_GAP (re-drawn until so). */
function makeProblem(c: Case): Problem {
  const seed0 = caseSeed(c) * 7919;
  for (let attempt = 0; attempt < 1000; attempt++) {
    const p = drawProblem(c, seed0 + attempt);
    if (kinkProblem(c, p) === null) return p;
  }
  throw new Error(`no kink-free problem found for ${JSON.stringify(c)}`);
}

function toTensor64(params: NamedTensor[]): Tensor64[] {
  return params.map((t) => ({ name: t.name, shape: t.shape, data: Float64Array.from(t.data) }));
}

/** Central finite differences of meanLoss64 ∘ forward64 for the named tensors, in float64. */
function finiteDifferences(
  params: NamedTensor[],
  X: ArrayLike<number>,
  y: ArrayLike<number>,
  act: Act,
  loss: LossName,
  names: string[],
): Record<string, Float64Array> {
  const p64 = toTensor64(params);
  const lossAt = () => meanLoss64(forward64(p64, X, N, act), y, loss);
  const out: Record<string, Float64Array> = {};
  for (const name of names) {
    const t = p64.find((q) => q.name === name)!;
    const d = t.data as Float64Array;
    const g = new Float64Array(d.length);
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      const h = 1e-6 * Math.max(1, Math.abs(v));
      d[i] = v + h;
      const up = lossAt();
      const hUp = d[i] - v;
      d[i] = v - h;
      const down = lossAt();
      const hDown = v - d[i];
      d[i] = v;
      g[i] = (up - down) / (hUp + hDown);
    }
    out[name] = g;
  }
  return out;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** Largest |got - want| / (max|want| over the tensor), the error relative to the gradient's scale. */
function scaledError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  const scale = maxAbs(want);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / scale);
  return worst;
}

function trainableNames(c: Case): string[] {
  const names: string[] = [];
  for (let l = 0; l < c.layers; l++) {
    if (c.frozen && l === c.layers - 1) continue;
    names.push(`fc${l}.weight`);
    if (c.bias) names.push(`fc${l}.bias`);
  }
  return names;
}

function importedState(p: Problem): ImportedState {
  // the transform only matters for the contamination metrics; identity rows suffice here
  const transform = new Float32Array((CORE_DIM + BG_DIM) * INPUT_DIM);
  for (let r = 0; r < CORE_DIM + BG_DIM; r++) transform[r * INPUT_DIM + r] = 1;
  return {
    trainX: p.X.slice(),
    testX: p.X.slice(),
    y: p.y.slice(),
    transform,
    params: Object.fromEntries(p.params.map((t) => [t.name, t.data.slice()])),
    source: 'gradients.test',
  };
}

async function trainerFor(
  c: Case,
  p: Problem,
  build: Build,
  train: Record<string, string | number> = {},
): Promise<Trainer> {
  return createTrainer(
    {
      preset: 'toy-default',
      set: {
        'data.n': N,
        'data.coreDim': CORE_DIM,
        'data.bgDim': BG_DIM,
        'data.inputDim': INPUT_DIM,
        'model.hidden': HIDDEN,
        'model.layers': c.layers,
        'model.activation': c.act,
        'model.bias': c.bias,
        'model.freezeOutput': c.frozen,
        'train.loss': c.loss,
        ...train,
      },
    },
    { imported: importedState(p), build },
  );
}

function bits(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

// Worst observed errors, printed when GRADCHECK_REPORT is set (to re-derive the tolerances).
const worst = { helperVsFd: 0, wasmVsFd: 0, optimizer: 0 };
afterAll(() => {
  if (process.env.GRADCHECK_REPORT) console.log('gradients.test worst errors:', JSON.stringify(worst));
});

// ---------------------------------------------------------------------------------------------

describe('mlp64 helper: erf in float64', () => {
  it('matches known values of erf and erfc to ~1e-15 relative', () => {
    const known: Array<[number, number, (x: number) => number]> = [
      [0.5, 0.5204998778130465, erf64],
      [1, 0.8427007929497149, erf64],
      [2, 0.9953222650189527, erf64],
      [-1, -0.8427007929497149, erf64],
      [0.1, 0.1124629160182849, erf64],
      [3, 0.9999779095030014, erf64],
      [5, 1.5374597944280349e-12, erfc64],
      [2.5, 4.0695201744495894e-4, erfc64],
      [0.5, 0.4795001221869535, erfc64],
    ];
    for (const [x, want, fn] of known) expect(Math.abs(fn(x) - want) / Math.abs(want), `${fn.name}(${x})`).toBeLessThan(3e-15);
    expect(erf64(0)).toBe(0);
  });

  it('gives the normal CDF with relative accuracy in both tails', () => {
    expect(normalCdf64(0)).toBe(0.5);
    // Φ(-5) = 2.866515718791939e-7, Φ(1) = 0.8413447460685429, Φ(-1) = 0.15865525393145707
    expect(Math.abs(normalCdf64(-5) / 2.866515718791939e-7 - 1)).toBeLessThan(3e-15);
    expect(Math.abs(normalCdf64(1) / 0.8413447460685429 - 1)).toBeLessThan(3e-15);
    expect(Math.abs(normalCdf64(-1) / 0.15865525393145707 - 1)).toBeLessThan(3e-15);
  });
});

describe('(a) float64 reference: backprop against central finite differences', () => {
  const cases = allCases();
  for (const layers of [2, 3])
    for (const act of ACTS)
      describe(`${layers} layers, ${act}`, () => {
        for (const c of cases.filter((q) => q.layers === layers && q.act === act))
          it(caseName(c), () => {
            const p = makeProblem(c);
            const { loss, grads } = lossAndGrads64(toTensor64(p.params), p.X, p.y, N, c.act, c.loss);
            expect(loss).toBe(meanLoss64(forward64(toTensor64(p.params), p.X, N, c.act), p.y, c.loss));
            expect(Object.keys(grads).sort()).toEqual(p.params.map((t) => t.name).sort());
            // frozen or not, the reference differentiates every tensor: check them all
            const names = p.params.map((t) => t.name);
            const fd = finiteDifferences(p.params, p.X, p.y, c.act, c.loss, names);
            for (const name of names) {
              expect(maxAbs(fd[name]), `${name} gradient is not all zero`).toBeGreaterThan(1e-6);
              // FD error: rounding ~1e-16/h = 1e-10 plus truncation ~h^2 = 1e-12, far below 1e-6 of the scale
              const err = scaledError(grads[name], fd[name]);
              worst.helperVsFd = Math.max(worst.helperVsFd, err);
              expect(err, name).toBeLessThan(1e-6);
            }
          });
      });
});

describe('(b) WASM trainer float32 gradients against float64 finite differences', () => {
  // Tolerance: |g_wasm - g_fd| <= 2e-5 max|g_fd| per tensor: float32 products (roundoff 6e-8) summed over
  // 8 samples × 6 units × 3 layers give a few dozen roundoffs of the summed |terms|, larger than |g| where
  // samples cancel (worst seen 2.3e-6, the output bias: one sum of per-sample gradients of both signs);
  // the FD error is ~1e-8 of the scale, and a formula slip (e.g. tanh-approximate GELU) is >= 1e-4.
  const TOL = 2e-5;
  const cases = allCases();
  for (const layers of [2, 3])
    for (const act of ACTS)
      describe(`${layers} layers, ${act}`, () => {
        for (const c of cases.filter((q) => q.layers === layers && q.act === act))
          it(caseName(c), async () => {
            const p = makeProblem(c);
            const names = trainableNames(c);
            const fd = finiteDifferences(p.params, p.X, p.y, c.act, c.loss, names);
            const byBuild: Record<string, NamedTensor[]> = {};
            for (const build of BUILDS) {
              const trainer = await trainerFor(c, p, build);
              const g = trainer.gradients();
              byBuild[build] = g;
              // a frozen output layer has no entry at all; the rest in parameter order
              expect(g.map((t) => t.name)).toEqual(names);
              if (c.frozen) expect(g.some((t) => t.name.startsWith(`fc${c.layers - 1}.`))).toBe(false);
              for (const t of g) {
                const want = fd[t.name];
                expect(t.shape).toEqual(p.params.find((q) => q.name === t.name)!.shape);
                expect(t.data.length).toBe(want.length);
                const err = scaledError(t.data, want);
                worst.wasmVsFd = Math.max(worst.wasmVsFd, err);
                expect(err, `${build} ${t.name}`).toBeLessThan(TOL);
              }
            }
            // the SIMD and scalar builds agree bit for bit
            byBuild.simd.forEach((t, i) => expect(bits(t.data), t.name).toEqual(bits(byBuild.scalar[i].data)));
          });
      });
});

// ---------------------------------------------------------------------------------------------
// (c) optimizer updates

type Opt = 'sgd' | 'adam' | 'adamw';
const HYPER = { lr: 0.05, weightDecay: 0.05, momentum: 0.9, beta1: 0.8, beta2: 0.99, eps: 1e-6 };

/** Hand optimizer in float64 with PyTorch's formulas; state per tensor name. */
class HandOptimizer {
  private t = 0;
  private readonly buf = new Map<string, Float64Array>();
  private readonly m = new Map<string, Float64Array>();
  private readonly v = new Map<string, Float64Array>();
  /** params in float64, and per element the summed magnitudes that float32 rounding is relative to */
  readonly p = new Map<string, Float64Array>();
  readonly scale = new Map<string, Float64Array>();

  constructor(
    private readonly opt: Opt,
    init: NamedTensor[],
  ) {
    for (const t of init) {
      this.p.set(t.name, Float64Array.from(t.data));
      this.scale.set(t.name, new Float64Array(t.data.length));
    }
  }

  /** One step on the tensors that have gradients (others are skipped, as PyTorch does). */
  step(grads: NamedTensor[]): void {
    this.t++;
    const { lr, weightDecay: wd, momentum, beta1: b1, beta2: b2, eps } = HYPER;
    const t = this.t;
    for (const gt of grads) {
      const p = this.p.get(gt.name)!;
      const s = this.scale.get(gt.name)!;
      const n = p.length;
      if (!this.buf.has(gt.name)) {
        this.buf.set(gt.name, new Float64Array(n));
        this.m.set(gt.name, new Float64Array(n));
        this.v.set(gt.name, new Float64Array(n));
      }
      const buf = this.buf.get(gt.name)!;
      const m = this.m.get(gt.name)!;
      const v = this.v.get(gt.name)!;
      for (let i = 0; i < n; i++) {
        const before = p[i];
        let g = gt.data[i];
        if (this.opt === 'sgd') {
          // torch.optim.SGD: d = g + wd p; buf = d (first step) else momentum buf + d; p -= lr buf
          const d = g + wd * p[i];
          buf[i] = t === 1 ? d : momentum * buf[i] + d;
          p[i] -= lr * buf[i];
        } else {
          // torch.optim.Adam (coupled L2) / AdamW (decoupled decay first)
          if (this.opt === 'adamw') p[i] *= 1 - lr * wd;
          else g += wd * p[i];
          m[i] = b1 * m[i] + (1 - b1) * g;
          v[i] = b2 * v[i] + (1 - b2) * g * g;
          const bc1 = 1 - Math.pow(b1, t);
          const bc2 = 1 - Math.pow(b2, t);
          p[i] -= ((lr / bc1) * m[i]) / (Math.sqrt(v[i]) / Math.sqrt(bc2) + eps);
        }
        s[i] += Math.abs(before) + Math.abs(p[i] - before);
      }
    }
  }
}

function optCase(frozen: boolean): Case {
  return { layers: 3, act: 'tanh', loss: 'logistic', bias: true, frozen };
}

async function optTrainer(opt: Opt, frozen: boolean, build: Build): Promise<{ trainer: Trainer; p: Problem }> {
  const c = optCase(frozen);
  const p = makeProblem(c);
  const trainer = await trainerFor(c, p, build, {
    'train.optimizer': opt,
    'train.lr': HYPER.lr,
    'train.weightDecay': HYPER.weightDecay,
    'train.momentum': HYPER.momentum,
    'train.beta1': HYPER.beta1,
    'train.beta2': HYPER.beta2,
    'train.eps': HYPER.eps,
  });
  return { trainer, p };
}

describe('(c) optimizer steps against PyTorch formulas computed by hand', () => {
  // Tolerance: the trainer rounds every operation to float32 (unit roundoff 6e-8) while the hand
  // result is float64, so per step each element may differ by a few roundoffs of |p| + |Δp|; we allow
  // 1e-6 (~16 roundoffs) of those magnitudes summed over the steps. Any formula slip (decay coupled
  // vs decoupled, missing bias correction, momentum on step 1) moves p by >= 1e-3 relative.
  const REL = 1e-6;
  for (const opt of ['sgd', 'adam', 'adamw'] as const)
    describe(opt, () => {
      for (const build of BUILDS) {
        for (const steps of [1, 3])
          it(`${build}: ${steps === 1 ? 'one step matches' : `${steps} steps match`} the hand-computed update`, async () => {
            const { trainer } = await optTrainer(opt, false, build);
            const init = trainer.parameters();
            const hand = new HandOptimizer(opt, init);
            for (let s = 0; s < steps; s++) {
              // gradients depend on the updated parameters: read them before each step
              hand.step(trainer.gradients());
              trainer.step(1);
            }
            expect(trainer.iteration).toBe(steps);
            const after = trainer.parameters();
            expect(after.map((t) => t.name)).toEqual(init.map((t) => t.name));
            for (const t of after) {
              const want = hand.p.get(t.name)!;
              const scale = hand.scale.get(t.name)!;
              let moved = 0;
              for (let i = 0; i < want.length; i++) {
                const err = Math.abs(t.data[i] - want[i]);
                worst.optimizer = Math.max(worst.optimizer, err / scale[i]);
                expect(err, `${t.name}[${i}]`).toBeLessThanOrEqual(REL * scale[i]);
                moved = Math.max(moved, Math.abs(want[i] - init.find((q) => q.name === t.name)!.data[i]));
              }
              // the check is not vacuous: every tensor moved by far more than the tolerance
              expect(moved, t.name).toBeGreaterThan(1e-4);
            }
          });

        it(`${build}: step(3) equals three step(1) bit for bit`, async () => {
          const a = (await optTrainer(opt, false, build)).trainer;
          const b = (await optTrainer(opt, false, build)).trainer;
          a.step(3);
          for (let s = 0; s < 3; s++) b.step(1);
          const pb = b.parameters();
          a.parameters().forEach((t, i) => expect(bits(t.data), t.name).toEqual(bits(pb[i].data)));
        });

        it(`${build}: a frozen output layer keeps its weight and bias bit-identical (weight decay > 0)`, async () => {
          const { trainer, p } = await optTrainer(opt, true, build);
          expect(HYPER.weightDecay).toBeGreaterThan(0);
          const names = trainer.gradients().map((t) => t.name);
          expect(names).toEqual(['fc0.weight', 'fc0.bias', 'fc1.weight', 'fc1.bias']);
          trainer.step(3);
          trainer.step(2);
          const after = trainer.parameters();
          for (const t of p.params) {
            const now = after.find((q) => q.name === t.name)!;
            if (t.name.startsWith('fc2.')) expect(bits(now.data), t.name).toEqual(bits(t.data));
            else expect(bits(now.data), `${t.name} trained`).not.toEqual(bits(t.data));
          }
        });
      }
    });
});

describe('pre-activations a gradient leaves for the engine to read', () => {
  // Training steps run the hidden layers in place (A only), a gradient keeps Z = X Wᵀ + b beside A:
  // the bias pass writes z + b back where A is a separate output (assembly/act.ts, writeBack).
  it('after training steps, gradients() leaves hiddenActivations() = X Wᵀ + b, every activation, 1 and 2 threads', async () => {
    for (const activation of ACTS) {
      for (const threads of [1, 2]) {
        const t = await createTrainer({ preset: 'toy-default', set: { 'model.activation': activation, 'data.n': 200, 'model.hidden': 40 } }, { threads });
        try {
          t.step(5);
          t.gradients();
          const Z = t.hiddenActivations();
          const { trainX: X, n, inputDim } = t.dataset();
          const p = Object.fromEntries(t.parameters().map((q) => [q.name, q.data]));
          const W = p['fc0.weight'], b = p['fc0.bias'], m = 40;
          let worst = 0;
          for (let i = 0; i < n; i++) {
            for (let k = 0; k < m; k++) {
              let s = b[k], scale = Math.abs(b[k]);
              for (let j = 0; j < inputDim; j++) {
                s += X[i * inputDim + j] * W[k * inputDim + j];
                scale += Math.abs(X[i * inputDim + j] * W[k * inputDim + j]);
              }
              worst = Math.max(worst, Math.abs(Z[i * m + k] - s) / (scale + 1e-6));
            }
          }
          // float32 rounding of the factored product, far below a bias of order 1/16
          expect(worst, `${activation}, ${threads} thread(s)`).toBeLessThan(1e-4);
        } finally {
          t.dispose();
        }
      }
    }
  });
});
