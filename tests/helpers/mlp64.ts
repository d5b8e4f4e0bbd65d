// An independent float64 reference of fclab's MLP (docs/design.md), written with plain loops so it can
// be read against the maths: forward pass, mean loss and backpropagation. It shares no code with the
// WASM module (GELU's normal CDF uses the erf below, not the module's), so tests can check the
// trainer against it and against finite differences of it.
//
// Conventions (PyTorch semantics):
// - params are named fc0.weight, fc0.bias?, fc1.weight, ...; weights in layout [out, in], the last
//   layer has C >= 1 outputs (one layer alone is a linear model); a layer has a bias iff
//   `fc{l}.bias` is present;
// - X is row-major [n x inputDim]; hidden layers apply the activation, the last layer is linear;
// - losses on labels y = ±1 with margin m = y f: logistic log(1 + exp(-m)) (stable form),
//   hinge max(0, 1 - m) with subgradient -y wherever 1 - m >= 0 (clamp(min=0) passes the gradient
//   at the kink), mse (f - y)^2; every loss is the mean over the n samples;
// - with C outputs: mse against targets [n x C], the mean over all n C elements (nn.MSELoss);
//   softmax cross-entropy log sum_c exp(f_c) - f_y against class indices y, mean over the n rows
//   (nn.CrossEntropyLoss);
// - ReLU'(0) = 0, leaky ReLU slope 0.1 (derivative 0.1 at 0), GELU exact: z Φ(z).

export type Act = 'relu' | 'gelu' | 'leakyrelu' | 'sigmoid' | 'tanh' | 'identity';
export type LossName = 'logistic' | 'hinge' | 'mse' | 'softmax';
export interface Tensor64 {
  name: string;
  shape: number[];
  data: ArrayLike<number>;
}

const LEAK = 0.1;
const TWO_OVER_SQRT_PI = 1.1283791670955126; // 2 / sqrt(pi)
const ONE_OVER_SQRT_PI = 0.5641895835477563; // 1 / sqrt(pi)
const ONE_OVER_SQRT_2PI = 0.3989422804014327; // 1 / sqrt(2 pi)
const SQRT1_2 = Math.SQRT1_2;

// ---------------------------------------------------------------------------------------------
// erf / erfc in float64

/**
 * erf(x) for |x| < 2.5 by the series with positive terms (no cancellation):
 *   erf(x) = 2/sqrt(pi) exp(-x^2) sum_k 2^k x^(2k+1) / (1·3·5···(2k+1)).
 */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let k = 1; k < 200; k++) {
    term *= (2 * x2) / (2 * k + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
}

/**
 * erfc(x) for x >= 2.5 by the continued fraction
 *   erfc(x) = exp(-x^2)/sqrt(pi) · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))),
 * evaluated from a fixed depth backwards (converged to float64 well before depth 120 for x >= 2.5).
 */
function erfcContinuedFraction(x: number): number {
  let tail = x;
  for (let k = 120; k >= 1; k--) tail = x + k / 2 / tail;
  return (ONE_OVER_SQRT_PI * Math.exp(-x * x)) / tail;
}

/** erf(x), float64, relative error ~1e-15. */
export function erf64(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const t = Math.abs(x);
  const r = t < 2.5 ? erfSeries(t) : t > 6 ? 1 : 1 - erfcContinuedFraction(t);
  return x < 0 ? -r : r;
}

/** erfc(x) = 1 - erf(x), float64; relative accuracy kept in the right tail (x >= 2.5). */
export function erfc64(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x >= 2.5) return x > 27 ? 0 : erfcContinuedFraction(x);
  if (x <= -2.5) return 2 - (x < -27 ? 0 : erfcContinuedFraction(-x));
  return 1 - erf64(x);
}

/** Φ(z) = P(N(0,1) <= z), accurate in relative terms in the left tail as well. */
export function normalCdf64(z: number): number {
  return z >= 0 ? 1 - 0.5 * erfc64(z * SQRT1_2) : 0.5 * erfc64(-z * SQRT1_2);
}

/** φ(z), the standard normal density. */
export function normalPdf64(z: number): number {
  return ONE_OVER_SQRT_2PI * Math.exp(-0.5 * z * z);
}

// ---------------------------------------------------------------------------------------------
// activations, losses

function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** act(z). */
export function act64(act: Act, z: number): number {
  switch (act) {
    case 'relu':
      return z > 0 ? z : 0;
    case 'leakyrelu':
      return z > 0 ? z : LEAK * z;
    case 'gelu':
      return z * normalCdf64(z);
    case 'sigmoid':
      return sigmoid(z);
    case 'tanh':
      return Math.tanh(z);
    case 'identity':
      return z;
  }
}

/** act'(z) (ReLU'(0) = 0, leaky ReLU'(0) = 0.1, as PyTorch). */
export function actDerivative64(act: Act, z: number): number {
  switch (act) {
    case 'relu':
      return z > 0 ? 1 : 0;
    case 'leakyrelu':
      return z > 0 ? 1 : LEAK;
    case 'gelu':
      return normalCdf64(z) + z * normalPdf64(z);
    case 'sigmoid': {
      const s = sigmoid(z);
      return s * (1 - s);
    }
    case 'tanh': {
      const t = Math.tanh(z);
      return 1 - t * t;
    }
    case 'identity':
      return 1;
  }
}

/** log(1 + exp(-m)) without overflow or cancellation. */
function logistic(m: number): number {
  return m > 0 ? Math.log1p(Math.exp(-m)) : -m + Math.log1p(Math.exp(m));
}

/** The per-sample loss l(f, y). */
function sampleLoss(f: number, y: number, loss: LossName): number {
  switch (loss) {
    case 'logistic':
      return logistic(y * f);
    case 'hinge':
      return Math.max(0, 1 - y * f);
    case 'mse':
      return (f - y) * (f - y);
    case 'softmax':
      throw new Error('softmax is a loss over rows: use meanLossC64');
  }
}

/** dl/df of the per-sample loss. */
function sampleLossGrad(f: number, y: number, loss: LossName): number {
  switch (loss) {
    case 'logistic':
      // d/dm log(1 + exp(-m)) = -sigmoid(-m)
      return -y * sigmoid(-y * f);
    case 'hinge':
      return 1 - y * f >= 0 ? -y : 0;
    case 'mse':
      return 2 * (f - y);
    case 'softmax':
      throw new Error('softmax is a loss over rows: use meanLossC64');
  }
}

/** log sum_c exp(v_c), shifted by the maximum so nothing overflows. */
function logSumExp(v: ArrayLike<number>): number {
  let m = -Infinity;
  for (let c = 0; c < v.length; c++) m = Math.max(m, v[c]);
  let s = 0;
  for (let c = 0; c < v.length; c++) s += Math.exp(v[c] - m);
  return m + Math.log(s);
}

/**
 * Mean loss of outputs f [n x C] and its gradient dLoss/df: for C = 1 and logistic | hinge | mse
 * as meanLoss64; mse with targets t [n x C] (mean over n C elements); softmax with class indices
 * y [n] (mean over n rows).
 */
export function lossGradC64(
  f: ArrayLike<number>,
  t: ArrayLike<number>,
  n: number,
  C: number,
  loss: LossName,
): { loss: number; grad: Float64Array } {
  const grad = new Float64Array(n * C);
  let s = 0;
  if (loss === 'softmax') {
    for (let r = 0; r < n; r++) {
      const row = Array.from({ length: C }, (_, c) => f[r * C + c]);
      const lse = logSumExp(row);
      const y = t[r];
      s += lse - row[y];
      for (let c = 0; c < C; c++) grad[r * C + c] = (Math.exp(row[c] - lse) - (c === y ? 1 : 0)) / n;
    }
    return { loss: s / n, grad };
  }
  if (C > 1 && loss !== 'mse') throw new Error(`${loss} needs one output`);
  const total = loss === 'mse' ? n * C : n;
  for (let i = 0; i < n * C; i++) {
    s += sampleLoss(f[i], t[i], loss);
    grad[i] = sampleLossGrad(f[i], t[i], loss) / total;
  }
  return { loss: s / total, grad };
}

/** lossGradC64's mean loss only. */
export function meanLossC64(f: ArrayLike<number>, t: ArrayLike<number>, n: number, C: number, loss: LossName): number {
  return lossGradC64(f, t, n, C, loss).loss;
}

// ---------------------------------------------------------------------------------------------
// the network

interface Layer {
  fanIn: number;
  fanOut: number;
  W: ArrayLike<number>;
  b: ArrayLike<number> | null;
}

/** Reads the layers from named tensors: fc0, fc1, ... until a weight is missing. */
function layersOf(params: Tensor64[]): Layer[] {
  const byName = new Map(params.map((p) => [p.name, p]));
  const layers: Layer[] = [];
  for (let l = 0; byName.has(`fc${l}.weight`); l++) {
    const w = byName.get(`fc${l}.weight`)!;
    const b = byName.get(`fc${l}.bias`);
    const [fanOut, fanIn] = w.shape;
    if (w.data.length !== fanOut * fanIn) throw new Error(`${w.name}: ${w.data.length} values for shape [${w.shape}]`);
    if (b && b.data.length !== fanOut) throw new Error(`${b.name}: ${b.data.length} values, expected ${fanOut}`);
    if (l > 0 && fanIn !== layers[l - 1].fanOut) throw new Error(`${w.name}: fan-in ${fanIn} != previous fan-out ${layers[l - 1].fanOut}`);
    layers.push({ fanIn, fanOut, W: w.data, b: b ? b.data : null });
  }
  if (layers.length === 0) throw new Error('no fc0.weight among the parameters');
  return layers;
}

/** Pre-activations Z[l] ([n x fanOut_l]) and hidden outputs A[l] = act(Z[l]) of every layer. */
export function trace64(
  params: Tensor64[],
  X: ArrayLike<number>,
  n: number,
  act: Act,
): { Z: Float64Array[]; A: Float64Array[] } {
  const layers = layersOf(params);
  if (X.length !== n * layers[0].fanIn) throw new Error(`X has ${X.length} values, expected ${n} x ${layers[0].fanIn}`);
  const Z: Float64Array[] = [];
  const A: Float64Array[] = [];
  let input: ArrayLike<number> = X;
  layers.forEach((L, l) => {
    const z = new Float64Array(n * L.fanOut);
    for (let r = 0; r < n; r++) {
      for (let o = 0; o < L.fanOut; o++) {
        let s = L.b ? L.b[o] : 0;
        for (let i = 0; i < L.fanIn; i++) s += input[r * L.fanIn + i] * L.W[o * L.fanIn + i];
        z[r * L.fanOut + o] = s;
      }
    }
    Z.push(z);
    if (l < layers.length - 1) {
      const a = z.map((v) => act64(act, v));
      A.push(a);
      input = a;
    }
  });
  return { Z, A };
}

/** The network's outputs f ([n x C] values). */
export function forward64(params: Tensor64[], X: ArrayLike<number>, n: number, act: Act): Float64Array {
  const { Z } = trace64(params, X, n, act);
  return Z[Z.length - 1];
}

/** Mean over samples of the loss of outputs f against labels y. */
export function meanLoss64(f: ArrayLike<number>, y: ArrayLike<number>, loss: LossName): number {
  if (f.length !== y.length) throw new Error(`${f.length} outputs but ${y.length} labels`);
  let s = 0;
  for (let r = 0; r < f.length; r++) s += sampleLoss(f[r], y[r], loss);
  return s / f.length;
}

/** The mean loss and its gradient with respect to every tensor in params (by name). */
export function lossAndGrads64(
  params: Tensor64[],
  X: ArrayLike<number>,
  y: ArrayLike<number>,
  n: number,
  act: Act,
  loss: LossName,
): { loss: number; grads: Record<string, Float64Array> } {
  const layers = layersOf(params);
  const { Z, A } = trace64(params, X, n, act);
  const f = Z[layers.length - 1];
  const grads: Record<string, Float64Array> = {};

  // D = d(mean loss)/dZ of the current layer, [n x fanOut]
  const head = lossGradC64(f, y, n, layers[layers.length - 1].fanOut, loss);
  let D = head.grad;

  for (let l = layers.length - 1; l >= 0; l--) {
    const L = layers[l];
    const input: ArrayLike<number> = l === 0 ? X : A[l - 1];
    const gW = new Float64Array(L.fanOut * L.fanIn);
    for (let o = 0; o < L.fanOut; o++)
      for (let i = 0; i < L.fanIn; i++) {
        let s = 0;
        for (let r = 0; r < n; r++) s += D[r * L.fanOut + o] * input[r * L.fanIn + i];
        gW[o * L.fanIn + i] = s;
      }
    grads[`fc${l}.weight`] = gW;
    if (L.b) {
      const gb = new Float64Array(L.fanOut);
      for (let o = 0; o < L.fanOut; o++) {
        let s = 0;
        for (let r = 0; r < n; r++) s += D[r * L.fanOut + o];
        gb[o] = s;
      }
      grads[`fc${l}.bias`] = gb;
    }
    if (l > 0) {
      // through W into the previous layer's outputs, then through the activation
      const zPrev = Z[l - 1];
      const Dprev = new Float64Array(n * L.fanIn);
      for (let r = 0; r < n; r++)
        for (let i = 0; i < L.fanIn; i++) {
          let s = 0;
          for (let o = 0; o < L.fanOut; o++) s += D[r * L.fanOut + o] * L.W[o * L.fanIn + i];
          Dprev[r * L.fanIn + i] = s * actDerivative64(act, zPrev[r * L.fanIn + i]);
        }
      D = Dprev;
    }
  }
  return { loss: head.loss, grads };
}
