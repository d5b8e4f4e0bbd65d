// Multi-output networks and explicit datasets (createNetTrainer):
// (a) the C-output loss kernels (mse against a target matrix, softmax cross-entropy, argmax accuracy)
//     against the float64 reference of tests/helpers/mlp64.ts, in both builds, and softmax on huge logits;
// (b) the engine's gradients for multi-output and single-layer nets against finite differences of
//     the float64 reference (which is itself checked against them);
// (c) determinism: SIMD = scalar and 1 = 2 threads bit for bit, snapshot/restore, and the feature-model
//     Trainer equal to a NetTrainer fed the same data (it is a thin layer over the same Net);
// (d) end to end: a 10-class softmax MLP learns a separable problem, MSE students fit a linear map;
// (e) bad specs get messages naming the field.
import { describe, expect, it } from 'vitest';
import { createNetTrainer, type NetTrainerSpec } from '../src/engine/net-trainer.js';
import { createTrainer, type NamedTensor } from '../src/tasks/toy/trainer.js';
import { loadKernels, type Build, type Kernels } from '../src/engine/wasm.js';
import { mulberry32, randomF32 } from './reference.js';
import { forward64, lossAndGrads64, lossGradC64, meanLossC64, type Act, type LossName, type Tensor64 } from './helpers/mlp64.js';

const BUILDS: Build[] = ['simd', 'scalar'];
const SOFTMAX = 3;
const MSE = 2;

function bits(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
}

function put(k: Kernels, data: ArrayLike<number>): number {
  const p = k.alloc(4 * Math.max(1, data.length));
  new Float32Array(k.memory.buffer, p, data.length).set(data);
  return p;
}

/** 1 float32 ulp of x (the spacing just above |x|). */
function ulp(x: number): number {
  const a = Math.abs(Math.fround(x));
  const b = new Float32Array([a]);
  const u = new Uint32Array(b.buffer);
  u[0] += 1;
  return b[0] - a || 1.4e-45;
}

/** The kernels' loss sum, per-row losses and gradients for F [n x C] against targets T. */
function kernelLoss(k: Kernels, kind: number, F: Float32Array, T: ArrayLike<number>, n: number, C: number) {
  const pF = put(k, F), pT = put(k, T), pG = k.alloc(4 * n * C), pL = k.alloc(8 * n);
  const sum = k.lossGradRowsC(kind, pF, pT, pG, pL, n, n, C);
  return {
    sum,
    sumOnly: k.lossSumC(kind, pF, pT, n, C),
    correct: k.countCorrectC(kind, pF, pT, n, C),
    rows: new Float64Array(k.memory.buffer, pL, n).slice(),
    G: new Float32Array(k.memory.buffer, pG, n * C).slice(),
  };
}

describe('(a) C-output loss kernels against the float64 reference', () => {
  const n = 7, C = 5;
  const rnd = mulberry32(11);
  const F = randomF32(rnd, n * C, -4, 4);
  const cases: Array<[string, number, LossName, ArrayLike<number>]> = [
    ['mse, C = 5', MSE, 'mse', randomF32(rnd, n * C, -2, 2)],
    ['softmax, C = 5', SOFTMAX, 'softmax', Float32Array.from({ length: n }, (_, i) => (3 * i) % C)],
  ];
  for (const [name, kind, loss, T] of cases)
    it(`${name}: loss within 1e-14 relative, gradient within 1 ulp, both builds bit-identical`, async () => {
      const ref = lossGradC64(F, T, n, C, loss);
      const got = [];
      for (const build of BUILDS) {
        const r = kernelLoss(await loadKernels(build), kind, F, T, n, C);
        const divisor = loss === 'mse' ? n * C : n;
        expect(Math.abs(r.sum / divisor - ref.loss) / ref.loss).toBeLessThan(1e-14);
        expect(r.sumOnly).toBe(r.sum);
        let s = 0;
        for (const v of r.rows) s += v;
        expect(s).toBe(r.sum); // per-row losses sum, in row order, to the returned total
        for (let i = 0; i < n * C; i++) expect(Math.abs(r.G[i] - ref.grad[i]), `G[${i}]`).toBeLessThanOrEqual(ulp(ref.grad[i]));
        got.push(r);
      }
      expect(bits(got[0].G)).toEqual(bits(got[1].G));
      expect(got[0].sum).toBe(got[1].sum);
    });

  it('softmax is stable for huge logits (±3e38, ±1e4) and matches the shifted reference', async () => {
    const k = await loadKernels('simd');
    const F2 = Float32Array.from([3e38, -3e38, 0, /**/ 1e4, 1e4 - 2, -1e4]);
    const T2 = [1, 1]; // the first row's loss is 6e38 (the wrong class by far), the second's 2 + log(1 + e^-2)
    const r = kernelLoss(k, SOFTMAX, F2, T2, 2, 3);
    const ref = lossGradC64(F2, T2, 2, 3, 'softmax');
    expect(Number.isFinite(r.sum)).toBe(true);
    expect(r.rows[0]).toBe(Math.fround(3e38) - Math.fround(-3e38));
    expect(Math.abs(r.rows[1] - (2 + Math.log1p(Math.exp(-2)))) / r.rows[1]).toBeLessThan(1e-14);
    for (let i = 0; i < 6; i++) {
      expect(Number.isFinite(r.G[i])).toBe(true);
      expect(Math.abs(r.G[i] - ref.grad[i])).toBeLessThanOrEqual(ulp(ref.grad[i]));
    }
  });

  it('accuracy: argmax with ties to the lowest index (as torch.argmax), against classes or target argmax', async () => {
    const k = await loadKernels('scalar');
    const F3 = Float32Array.from([1, 1, 0, /**/ 0, 2, 2, /**/ -1, -3, -1]);
    expect(kernelLoss(k, SOFTMAX, F3, [0, 1, 0], 3, 3).correct).toBe(3);
    expect(kernelLoss(k, SOFTMAX, F3, [1, 2, 2], 3, 3).correct).toBe(0);
    const T3 = [5, 5, 0, /**/ 0, 0, 1, /**/ 0, 0, 0];
    expect(kernelLoss(k, MSE, F3, T3, 3, 3).correct).toBe(2); // rows 0 and 2 (argmax 0 on both sides); row 1: 1 vs 2
  });
});

// ---------------------------------------------------------------------------------------------
// (b) gradients

function toTensor64(params: NamedTensor[]): Tensor64[] {
  return params.map((t) => ({ name: t.name, shape: t.shape, data: Float64Array.from(t.data) }));
}

/** Central finite differences of the reference's mean loss, in float64. */
function finiteDifferences(params: NamedTensor[], X: Float32Array, T: ArrayLike<number>, n: number, C: number, act: Act, loss: LossName) {
  const p64 = toTensor64(params);
  const lossAt = () => meanLossC64(forward64(p64, X, n, act), T, n, C, loss);
  const out: Record<string, Float64Array> = {};
  for (const t of p64) {
    const d = t.data as Float64Array;
    const g = new Float64Array(d.length);
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      const h = 1e-6 * Math.max(1, Math.abs(v));
      d[i] = v + h;
      const up = lossAt();
      d[i] = v - h;
      const down = lossAt();
      d[i] = v;
      g[i] = (up - down) / (2 * h);
    }
    out[t.name] = g;
  }
  return out;
}

function scaledError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let scale = 0, worst = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / scale);
  return worst;
}

interface GradCase {
  name: string;
  sizes: number[];
  act: Act;
  loss: LossName;
  bias: boolean;
}

describe('(b) gradients of multi-output and single-layer nets against finite differences', () => {
  // Same tolerances as tests/gradients.test.ts: the float64 reference within 1e-6 of the FD scale,
  // the float32 engine within 2e-5 (a few dozen float32 roundoffs; a formula slip is >= 1e-4).
  const n = 8;
  const cases: GradCase[] = [
    { name: 'softmax, 5 -> 6 -> 3, tanh', sizes: [5, 6, 3], act: 'tanh', loss: 'softmax', bias: true },
    { name: 'mse, 5 -> 6 -> 3, gelu', sizes: [5, 6, 3], act: 'gelu', loss: 'mse', bias: true },
    { name: 'mse, 5 -> 6 -> 6 -> 4, sigmoid, no bias', sizes: [5, 6, 6, 4], act: 'sigmoid', loss: 'mse', bias: false },
    { name: 'single layer softmax, 5 -> 4', sizes: [5, 4], act: 'relu', loss: 'softmax', bias: true },
    { name: 'single layer mse, 5 -> 3', sizes: [5, 3], act: 'relu', loss: 'mse', bias: true },
    { name: 'single layer logistic, 5 -> 1', sizes: [5, 1], act: 'relu', loss: 'logistic', bias: false },
  ];
  for (const c of cases)
    it(c.name, async () => {
      const rnd = mulberry32(c.sizes.reduce((a, b) => 31 * a + b, 7));
      const d = c.sizes[0], C = c.sizes[c.sizes.length - 1];
      const X = randomF32(rnd, n * d, -1.5, 1.5);
      const targets =
        c.loss === 'softmax' ? { classes: Array.from({ length: n }, (_, i) => i % C) }
        : c.loss === 'mse' ? { matrix: randomF32(rnd, n * C, -1, 1) }
        : { labels: Array.from({ length: n }, (_, i) => (i % 2 ? 1 : -1)) };
      const T = Object.values(targets)[0] as ArrayLike<number>;
      const byBuild: NamedTensor[][] = [];
      for (const build of BUILDS) {
        const t = await createNetTrainer({ sizes: c.sizes, activation: c.act, loss: c.loss, bias: c.bias, seed: 5, train: { x: X, targets } }, { build });
        const params = t.parameters();
        const ref = lossAndGrads64(toTensor64(params), X, T, n, c.act, c.loss);
        const fd = finiteDifferences(params, X, T, n, C, c.act, c.loss);
        expect(Math.abs(t.evaluate().train.loss - ref.loss) / ref.loss).toBeLessThan(1e-5);
        const g = t.gradients();
        expect(g.map((q) => q.name)).toEqual(params.map((q) => q.name));
        for (const q of g) {
          expect(scaledError(ref.grads[q.name], fd[q.name]), `reference ${q.name}`).toBeLessThan(1e-6);
          expect(scaledError(q.data, fd[q.name]), `${build} ${q.name}`).toBeLessThan(2e-5);
        }
        byBuild.push(g);
      }
      byBuild[0].forEach((q, i) => expect(bits(q.data), q.name).toEqual(bits(byBuild[1][i].data)));
    });
});

// ---------------------------------------------------------------------------------------------
// data for (c) and (d)

/** n points of a 10-class problem in d dims: class centres 2.5 e_c plus U(-0.5, 0.5) noise. */
function blobs(seed: number, n: number, d: number, C: number) {
  const rnd = mulberry32(seed);
  const classes = Array.from({ length: n }, (_, i) => i % C);
  const x = new Float32Array(n * d);
  for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) x[r * d + j] = (j === classes[r] ? 2.5 : 0) + (rnd() - 0.5);
  return { x, targets: { classes } };
}

/** Inputs U(-1, 1)^d and targets x Mᵀ for a fixed random M [r x d]. */
function linearMap(seed: number, n: number, d: number, r: number, M: Float32Array) {
  const x = randomF32(mulberry32(seed), n * d);
  const t = new Float32Array(n * r);
  for (let i = 0; i < n; i++)
    for (let o = 0; o < r; o++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += x[i * d + j] * M[o * d + j];
      t[i * r + o] = s;
    }
  return { x, targets: { matrix: t } };
}

function softmaxSpec(batchSize: number): NetTrainerSpec {
  return {
    sizes: [16, 24, 10], loss: 'softmax', activation: 'relu', lr: 1e-2, batchSize, seed: 3,
    train: blobs(1, 200, 16, 10), eval: { test: blobs(2, 100, 16, 10) },
  };
}

async function runBits(spec: NetTrainerSpec, build: Build, threads: number, k: number) {
  const t = await createNetTrainer(spec, { build, threads });
  t.step(k);
  const out = { params: t.parameters().map((p) => [...bits(p.data)]), metrics: t.evaluate() };
  t.dispose();
  return out;
}

describe('(c) determinism of multi-output runs', () => {
  const M = randomF32(mulberry32(9), 6 * 12);
  const specs: Array<[string, NetTrainerSpec]> = [
    ['softmax, minibatch 32', softmaxSpec(32)],
    ['mse C = 6, full batch, gelu', { sizes: [12, 20, 6], loss: 'mse', activation: 'gelu', optimizer: 'sgd', lr: 0.05, seed: 4,
      train: linearMap(3, 90, 12, 6, M), eval: { test: linearMap(4, 30, 12, 6, M) } }],
  ];
  for (const [name, spec] of specs)
    it(`${name}: SIMD = scalar and 1 = 2 threads, bit for bit`, async () => {
      const a = await runBits(spec, 'simd', 1, 25);
      expect(await runBits(spec, 'scalar', 1, 25)).toEqual(a);
      expect(await runBits(spec, 'simd', 2, 25)).toEqual(a);
    });

  it('snapshot/restore continues bit-identically (minibatch stream included)', async () => {
    const t = await createNetTrainer(softmaxSpec(32));
    t.step(7);
    const snap = t.snapshot();
    t.step(9);
    const want = t.parameters();
    t.restore(snap);
    expect(t.iteration).toBe(7);
    t.step(9);
    t.parameters().forEach((p, i) => expect(bits(p.data)).toEqual(bits(want[i].data)));
  });

  it('the feature-model Trainer is the same Net: a NetTrainer on its data gives identical parameters', async () => {
    const set = { 'data.n': 64, 'model.hidden': 16, 'engine.factorInput': false, 'train.batchSize': 16, seed: 8 };
    const ft = await createTrainer({ preset: 'toy-default', set });
    const ds = ft.dataset();
    const nt = await createNetTrainer({
      sizes: [ds.inputDim, 16, 1], loss: 'logistic', activation: 'relu', optimizer: 'adamw', batchSize: 16, seed: 8,
      train: { x: ds.trainX, targets: { labels: ds.y } }, eval: { ood: { x: ds.testX, targets: { labels: ds.y } } },
    });
    expect(nt.step(20)).toBe(ft.step(20));
    nt.parameters().forEach((p, i) => expect(bits(p.data), p.name).toEqual(bits(ft.parameters()[i].data)));
    const m = ft.evaluate(), e = nt.evaluate();
    expect([e.train.loss, e.ood.loss, e.train.accuracy, e.ood.accuracy]).toEqual([m.trainLoss, m.oodLoss, m.trainAcc, m.oodAcc]);
  });
});

describe('(d) end to end', () => {
  it('a 10-class softmax MLP learns separable blobs', async () => {
    const t = await createNetTrainer(softmaxSpec(0));
    const before = t.evaluate();
    t.step(150);
    const after = t.evaluate();
    expect(before.test.accuracy).toBeLessThan(0.5);
    expect(after.train.accuracy).toBe(1);
    expect(after.test.accuracy).toBe(1);
    expect(after.train.loss).toBeLessThan(0.05 * before.train.loss);
    // outputs() gives the logits seen in evaluation: their argmax is the class
    const logits = t.outputs(blobs(2, 100, 16, 10).x);
    expect(logits.length).toBe(100 * 10);
    const hidden = t.outputs(blobs(2, 100, 16, 10).x, 0);
    expect(hidden.length).toBe(100 * 24);
    expect(Math.min(...hidden)).toBeGreaterThanOrEqual(0); // ReLU activations
  });

  it('MSE students (linear and one hidden layer) fit a random linear map R^12 -> R^32', async () => {
    const d = 12, r = 32;
    const M = randomF32(mulberry32(21), r * d, -0.5, 0.5);
    const train = linearMap(22, 200, d, r, M), test = linearMap(23, 100, d, r, M);
    for (const [sizes, k, bound] of [[[d, r], 300, 1e-3], [[d, 64, r], 300, 0.05]] as const) {
      const t = await createNetTrainer({ sizes: [...sizes], loss: 'mse', optimizer: 'adam', lr: 1e-2, weightDecay: 0, train, eval: { test } });
      const before = t.evaluate();
      t.step(k);
      const after = t.evaluate();
      expect(after.test.loss, `sizes ${sizes}`).toBeLessThan(bound * before.test.loss);
      // the student's representation: outputs() rows agree with the test loss
      const rep = t.outputs(test.x);
      let s = 0;
      for (let i = 0; i < rep.length; i++) s += (rep[i] - test.targets.matrix[i]) ** 2;
      expect(Math.abs(s / rep.length - after.test.loss) / after.test.loss).toBeLessThan(1e-4);
    }
  });
});

describe('(e) bad specs', () => {
  const x = new Float32Array(4 * 3);
  const base: NetTrainerSpec = { sizes: [3, 2], loss: 'softmax', train: { x, targets: { classes: [0, 1, 1, 0] } } };
  const cases: Array<[string, Partial<NetTrainerSpec>, RegExp]> = [
    ['softmax with one output', { sizes: [3, 1] }, /sizes\[last\] = 1 is not valid: expected at least 2 outputs/],
    ['class index out of range', { train: { x, targets: { classes: [0, 1, 2, 0] } } }, /train\.targets\.classes\[2\] = 2 is not valid: expected an integer class index in \[0, 1\]/],
    ['inputs of the wrong length', { train: { x: new Float32Array(5), targets: { classes: [0, 1, 1, 0] } } }, /train\.x\.length = 5 is not valid: expected rows x sizes\[0\] = 4 x 3 = 12/],
    ['labels for softmax', { train: { x, targets: { labels: [1, -1, 1, -1] } } }, /train\.targets = "labels" is not valid: expected classes/],
    ['unknown loss', { loss: 'xent' as never }, /loss = "xent" is not valid: expected one of logistic, hinge, mse, softmax/],
    ['an eval set named train', { eval: { train: base.train } }, /eval\.train/],
    ['batch larger than the data', { batchSize: 5 }, /batchSize = 5 is not valid/],
  ];
  for (const [name, patch, msg] of cases)
    it(name, async () => {
      await expect(createNetTrainer({ ...base, ...patch })).rejects.toThrow(msg);
    });
});
