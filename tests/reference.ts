// Plain TypeScript references for the numerical kernels in assembly/ (see their sources for the
// contracts). They are written as simple loops, in the same operation order as the kernels.
//
// Float32 emulation: JavaScript computes in float64, so every operation that the kernel does in
// float32 is followed by `f` (Math.fround) here. For + - * / and sqrt of float32 inputs this gives
// exactly the correctly rounded float32 result (a float64 result rounded once more to float32 is
// never double-rounded wrongly for these operations), so the references agree with the kernels bit
// for bit wherever the kernels promise it. Where a kernel computes in float64 (smooth activations,
// losses, the normal CDF), the reference does too, and the tests compare with a tolerance.
import { ACT_ID, LOSS_ID } from '../src/engine/net.js';

const f = Math.fround;

// ---------------------------------------------------------------------------------------------
// Test inputs
// ---------------------------------------------------------------------------------------------

/** mulberry32: a tiny deterministic 32-bit PRNG for test inputs; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n float32 values uniform in [lo, hi). */
export function randomF32(rng: () => number, n: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * rng();
  return out;
}

/** n labels, each +1 or -1. */
export function randomLabels(rng: () => number, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng() < 0.5 ? -1 : 1;
  return out;
}

/**
 * n float32 values of random sign whose magnitudes span 2^-e .. 2^e (log-uniform), with a
 * sprinkling of +0 and -0.
 */
export function spanningF32(rng: () => number, n: number, e = 20): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = rng();
    const sign = rng() < 0.5 ? -1 : 1;
    if (r < 0.05) out[i] = 0;
    else if (r < 0.1) out[i] = -0;
    else out[i] = sign * Math.pow(2, e * (2 * rng() - 1)) * (1 + rng());
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Matrix kernels (assembly/gemm.ts)
// ---------------------------------------------------------------------------------------------

/** The block length of the two-level summation over k. */
export const KB = 32;

/**
 * C = A·B (+ bias), C is M x N, B is K x N row-major, A[i][k] = A[i*aRow + k*aCol].
 * Each C[i][j] sums k in blocks of KB terms: a block is summed in order starting from 0, the
 * block sums are added in order, then bias[j] is added. Every product and sum is float32.
 * K = 0 gives zeros (then + bias).
 */
export function gemmRef(A: Float32Array, aRow: number, aCol: number, B: Float32Array,
  M: number, N: number, K: number, bias?: Float32Array): Float32Array {
  const C = new Float32Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let c = 0;
      for (let k0 = 0; k0 < K; k0 += KB) {
        let t = 0; // this block's sum
        for (let k = k0; k < Math.min(k0 + KB, K); k++) {
          t = f(t + f(A[i * aRow + k * aCol] * B[k * N + j]));
        }
        c = k0 === 0 ? t : f(c + t);
      }
      if (bias) c = f(c + bias[j]);
      C[i * N + j] = c;
    }
  }
  return C;
}

/** dst (cols x rows) = transpose of src (rows x cols). */
export function transposeRef(src: Float32Array, rows: number, cols: number): Float32Array {
  const dst = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) dst[c * rows + r] = src[r * cols + c];
  }
  return dst;
}

/**
 * out[j] = sum over rows i of A[i][j] (the bias gradient): accumulated in float64 in row order
 * starting from 0, and rounded once to float32 at the end (assembly/gemm.ts colSum).
 */
export function colSumRef(A: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(cols);
  for (let j = 0; j < cols; j++) {
    let s = 0; // float64
    for (let i = 0; i < rows; i++) s += A[i * cols + j];
    out[j] = s; // rounds to float32
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The standard normal CDF (float64), for the GELU references
// ---------------------------------------------------------------------------------------------

/**
 * erfc(x) for x >= 0, relative error around 1e-14 (checked against mpmath in the tests):
 * below 2 as 1 - erf(x) with erf's everywhere-positive series
 *   erf(x) = 2/sqrt(pi) exp(-x^2) sum_n 2^n x^(2n+1) / (1·3·5···(2n+1)),
 * from 2 on by the continued fraction
 *   erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + (2/2)/(x + (3/2)/(x + ...)))),
 * evaluated from the tail (which keeps small values accurate: no 1 - erf cancellation).
 */
export function erfcRef(x: number): number {
  if (x < 2) {
    let term = x, sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (2 * x * x) / (2 * n + 1);
      sum += term;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
  }
  let frac = x;
  for (let n = 2000; n >= 1; n--) frac = x + n / 2 / frac;
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / frac;
}

/** Phi(z) = P(N(0,1) <= z), keeping relative accuracy in both tails. */
export function normalCdfRef(z: number): number {
  const half = erfcRef(Math.abs(z) / Math.SQRT2) / 2; // P(N > |z|)
  return z < 0 ? half : 1 - half;
}

/** The standard normal density. */
export function normalPdfRef(z: number): number {
  return Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
}

// ---------------------------------------------------------------------------------------------
// Activations (assembly/act.ts)
// ---------------------------------------------------------------------------------------------

// the module's ids (assembly/ids.ts) by name
export const ACT = ACT_ID;
export type ActKind = (typeof ACT)[keyof typeof ACT];

/** LeakyReLU's slope below zero, as the kernel holds it (a float32). */
export const LEAK = f(0.1);

/** Which activations the kernels compute in float32 exactly (the rest: float64, rounded once). */
export function actForwardIsExact(kind: number): boolean {
  return kind === ACT.identity || kind === ACT.relu || kind === ACT.leakyrelu;
}

/** Which derivatives the kernels compute in float32 exactly (all but GELU's). */
export function actBackwardIsExact(kind: number): boolean {
  return kind !== ACT.gelu;
}

function sigmoid64(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/**
 * act(Z) elementwise. For identity/relu/leakyrelu the result is the exact float32 the kernel must
 * give (ReLU gives +0 for z <= 0, including -0). For gelu/sigmoid/tanh it is the float64 value,
 * which the kernel rounds once to float32 (tests allow 1 float32 ulp).
 */
export function actForwardRef(kind: number, Z: Float32Array): Float64Array {
  const out = new Float64Array(Z.length);
  for (let i = 0; i < Z.length; i++) {
    const z = Z[i];
    switch (kind) {
      case ACT.identity: out[i] = z; break;
      case ACT.relu: out[i] = z > 0 ? z : 0; break;
      case ACT.leakyrelu: out[i] = z > 0 ? z : f(z * LEAK); break;
      case ACT.gelu: out[i] = z * normalCdfRef(z); break;
      case ACT.sigmoid: out[i] = sigmoid64(z); break;
      case ACT.tanh: out[i] = Math.tanh(z); break;
      default: throw new Error(`unknown activation ${kind}`);
    }
  }
  return out;
}

/**
 * dZ = dA * act'(Z). ReLU-like: dA where z > 0, else 0 (relu) or dA*0.1 (leaky), float32 exact.
 * Sigmoid and tanh use the float32 output A: dA * (a (1 - a)) and dA * (1 - a a), float32 exact.
 * GELU: dA * (Phi(z) + z phi(z)) in float64 (the kernel rounds it once; tests allow 1 ulp).
 */
export function actBackwardRef(kind: number, Z: Float32Array, A: Float32Array, dA: Float32Array): Float64Array {
  const out = new Float64Array(Z.length);
  for (let i = 0; i < Z.length; i++) {
    const z = Z[i], a = A[i], g = dA[i];
    switch (kind) {
      case ACT.identity: out[i] = g; break;
      case ACT.relu: out[i] = z > 0 ? g : 0; break;
      case ACT.leakyrelu: out[i] = z > 0 ? g : f(g * LEAK); break;
      case ACT.gelu: out[i] = g * (normalCdfRef(z) + z * normalPdfRef(z)); break;
      case ACT.sigmoid: out[i] = f(g * f(a * f(1 - a))); break;
      case ACT.tanh: out[i] = f(g * f(1 - f(a * a))); break;
      default: throw new Error(`unknown activation ${kind}`);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Losses (assembly/loss.ts), on labels y = +-1 and outputs f; per-sample values in float64
// ---------------------------------------------------------------------------------------------

export const LOSS = { logistic: LOSS_ID.logistic, hinge: LOSS_ID.hinge, mse: LOSS_ID.mse } as const;

/** log(1 + exp(-m)) in the stable form the kernel uses. */
function logisticLoss(m: number): number {
  return m > 0 ? Math.log1p(Math.exp(-m)) : -m + Math.log1p(Math.exp(m));
}

function sampleLoss(kind: number, fi: number, y: number): number {
  if (kind === LOSS.logistic) return logisticLoss(y * fi);
  if (kind === LOSS.hinge) return Math.max(0, 1 - y * fi);
  return (fi - y) * (fi - y);
}

/** Sum of per-sample losses, added in index order in float64. */
export function lossSumRef(kind: number, F: Float32Array, Y: Float32Array): number {
  let s = 0;
  for (let i = 0; i < F.length; i++) s += sampleLoss(kind, F[i], Y[i]);
  return s;
}

/**
 * Gradient of the mean loss with respect to each F[i], computed in float64 and rounded once to
 * float32: logistic -y sigmoid(-m) (m = y f), hinge -y where 1 - y f >= 0 (the kink included),
 * mse 2 (f - y); each times 1/n.
 */
export function lossGradRef(kind: number, F: Float32Array, Y: Float32Array): Float32Array {
  const n = F.length, inv = 1 / n;
  const G = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const fi = F[i], y = Y[i];
    let g: number;
    if (kind === LOSS.logistic) {
      const m = y * fi;
      const e = Math.exp(-Math.abs(m));
      g = -y * (m > 0 ? e / (1 + e) : 1 / (1 + e));
    } else if (kind === LOSS.hinge) {
      g = 1 - y * fi >= 0 ? -y : 0;
    } else {
      g = 2 * (fi - y);
    }
    G[i] = g * inv;
  }
  return G;
}

/** Number of samples with float32 y f > 0 (f = 0 counts as wrong). */
export function countCorrectRef(F: Float32Array, Y: Float32Array): number {
  let c = 0;
  for (let i = 0; i < F.length; i++) if (f(F[i] * Y[i]) > 0) c++;
  return c;
}

// ---------------------------------------------------------------------------------------------
// Optimizers (assembly/optim.ts), updating the arrays in place like the kernels
// ---------------------------------------------------------------------------------------------

/**
 * SGD with momentum and coupled weight decay; lr, wd and mom are float32 (the kernel's parameter
 * types). Per element: d = g + wd p; with mom != 0: buf = first ? d : buf mom + d, d = buf;
 * then p = p + (-lr) d. With mom = 0 the buffer is left alone.
 */
export function sgdUpdateRef(P: Float32Array, G: Float32Array, Buf: Float32Array,
  lr: number, wd: number, mom: number, first: boolean): void {
  const nlr = -f(lr), wd32 = f(wd), mom32 = f(mom);
  for (let i = 0; i < P.length; i++) {
    const p = P[i];
    let d = f(G[i] + f(wd32 * p));
    if (mom32 !== 0) {
      if (!first) d = f(f(Buf[i] * mom32) + d);
      Buf[i] = d;
    }
    P[i] = f(p + f(nlr * d));
  }
}

/**
 * Adam at step t >= 1 (coupled L2: g = g + wd p), or AdamW (decoupled: p = p (1 - lr wd)).
 * Scalars from the step count in float64, then rounded to float32:
 *   stepSize = -(lr / (1 - b1^t)), bc2sqrt = sqrt(1 - b2^t), decay = 1 - lr wd.
 * Per element in float32, in this order:
 *   m = m b1 + (1 - b1) g;  v = v b2 + ((1 - b2) g) g;
 *   p = p + (stepSize m) / (sqrt(v) / bc2sqrt + eps).
 */
export function adamUpdateRef(P: Float32Array, G: Float32Array, Mom: Float32Array, Vel: Float32Array,
  lr: number, wd: number, b1: number, b2: number, eps: number, t: number, decoupled: boolean): void {
  const bc1 = 1 - Math.pow(b1, t);
  const bc2 = 1 - Math.pow(b2, t);
  const stepSize = f(-(lr / bc1));
  const bc2sqrt = f(Math.sqrt(bc2));
  const decay = f(1 - lr * wd);
  const wd32 = f(wd), b1f = f(b1), b2f = f(b2), c1 = f(1 - b1), c2 = f(1 - b2), eps32 = f(eps);
  for (let i = 0; i < P.length; i++) {
    let p = P[i], g = G[i];
    if (decoupled) p = f(p * decay);
    else g = f(g + f(wd32 * p));
    const m = f(f(Mom[i] * b1f) + f(c1 * g));
    const v = f(f(Vel[i] * b2f) + f(f(c2 * g) * g));
    const denom = f(f(f(Math.sqrt(v)) / bc2sqrt) + eps32);
    Mom[i] = m;
    Vel[i] = v;
    P[i] = f(p + f(f(stepSize * m) / denom));
  }
}
