import { gemm, colSumStrided, transposeBlock } from "./gemm";
import { actForward, actBackward } from "./act";
import { lossGradRowsC, lossSumC, countCorrectC, targetWidth } from "./loss";
import { sgdUpdate, adamUpdate, OPT_SGD, OPT_ADAMW } from "./optim";
import { shuffleU32 } from "./rng";
import { parRun, TASK_SAMPLES, TASK_PARAMS } from "./par";
import { featOn, featParams } from "./feat";

// The fused training step of an MLP over buffers the engine laid out. Layer l maps
// fanIn -> fanOut with W [fanOut x fanIn] (PyTorch layout) and optional bias. There is one layer
// or more (one: a linear model); the last has C >= 1 outputs, and targets are rows of
// targetWidth(loss, C) float32 values (a ±1 label, a class index, or C values for MSE).
//
// A step has two phases, each split between threads without splitting any sum:
//   samples: forward, loss gradient and backward to every layer's dLoss/dZ, for a range of rows;
//   params:  for a range of each layer's output neurons: weight and bias gradients (sums over
//            all rows), the optimizer update, and the refreshed transposed weights for the next
//            forward pass.
// Every result element is computed by one thread in the same order whatever the split, so
// the results are bit-identical for any number of threads.
//
// The first layer's input is either a dense batch X [rows x inputDim], or, in factored mode,
// feature coordinates Zf [rows x featDim] with X = Zf V for the fixed V [featDim x inputDim];
// then X Wᵀ = Zf (W Vᵀ)ᵀ and dW = (dZᵀ Zf) V: the same model at a quarter of the work when
// featDim is a quarter of inputDim.
//
// All state lives in linear memory (not in globals), so worker instances sharing the memory see it.

const MAX_LAYERS = 16;
const F_IN = 0, F_OUT = 1, F_W = 2, F_B = 3, F_GW = 4, F_GB = 5, F_Z = 6, F_A = 7, F_D = 8,
  F_WT = 9, F_MW = 10, F_VW = 11, F_MB = 12, F_VB = 13, F_FROZEN = 14, F_CDF = 15, NF = 16;
const table = memory.data(MAX_LAYERS * NF * 4);

// scalar state
const S = memory.data(128, 8);
const S_LAYERS = 0, S_ACT = 4, S_LOSS = 8, S_OPT = 12, S_STEP = 16, S_FACTORED = 20, S_FEATDIM = 24,
  S_V = 28, S_VT = 32, S_P = 36, S_PT = 40, S_LOSSBUF = 44,
  S_LR = 48, S_WD = 56, S_MOM = 64, S_B1 = 72, S_B2 = 80, S_EPS = 88;

// @ts-ignore: decorator
@inline function geti(o: usize): i32 { return load<i32>(S + o); }
// @ts-ignore: decorator
@inline function getf(o: usize): f64 { return load<f64>(S + o); }
// @ts-ignore: decorator
@inline function fld(l: i32, f: i32): usize {
  return load<u32>(table + (<usize>(l * NF + f) << 2));
}
// @ts-ignore: decorator
@inline function fldi(l: i32, f: i32): i32 {
  return load<i32>(table + (<usize>(l * NF + f) << 2));
}
// @ts-ignore: decorator
@inline function off(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/** lossBuf: rows float64 of per-sample losses, summed in order after the samples phase. */
export function netConfigure(layers: i32, activation: i32, loss: i32, optimizer: i32, lossBuf: usize): void {
  store<i32>(S + S_LAYERS, layers); store<i32>(S + S_ACT, activation);
  store<i32>(S + S_LOSS, loss); store<i32>(S + S_OPT, optimizer);
  store<u32>(S + S_LOSSBUF, lossBuf);
}

export function netSetHyper(lr: f64, wd: f64, momentum: f64, beta1: f64, beta2: f64, eps: f64): void {
  store<f64>(S + S_LR, lr); store<f64>(S + S_WD, wd); store<f64>(S + S_MOM, momentum);
  store<f64>(S + S_B1, beta1); store<f64>(S + S_B2, beta2); store<f64>(S + S_EPS, eps);
}

/** Factored first-layer input: V [fd x inputDim], Vt its transpose, P [out0 x fd] and Pt = Pᵀ. */
export function netSetFactored(on: bool, fd: i32, V: usize, Vt: usize, P: usize, Pt: usize): void {
  store<i32>(S + S_FACTORED, on ? 1 : 0); store<i32>(S + S_FEATDIM, fd);
  store<u32>(S + S_V, V); store<u32>(S + S_VT, Vt); store<u32>(S + S_P, P); store<u32>(S + S_PT, Pt);
}

export function netSetLayer(l: i32, fanIn: i32, fanOut: i32, W: usize, b: usize, gW: usize, gb: usize,
                            Z: usize, A: usize, D: usize, Wt: usize, mW: usize, vW: usize, mb: usize, vb: usize,
                            frozen: bool, cdf: usize): void {
  const base = table + (<usize>(l * NF) << 2);
  store<u32>(base + (F_IN << 2), fanIn); store<u32>(base + (F_OUT << 2), fanOut);
  store<u32>(base + (F_W << 2), W); store<u32>(base + (F_B << 2), b);
  store<u32>(base + (F_GW << 2), gW); store<u32>(base + (F_GB << 2), gb);
  store<u32>(base + (F_Z << 2), Z); store<u32>(base + (F_A << 2), A); store<u32>(base + (F_D << 2), D);
  store<u32>(base + (F_WT << 2), Wt);
  store<u32>(base + (F_MW << 2), mW); store<u32>(base + (F_VW << 2), vW);
  store<u32>(base + (F_MB << 2), mb); store<u32>(base + (F_VB << 2), vb);
  store<u32>(base + (F_FROZEN << 2), frozen ? 1 : 0);
  store<u32>(base + (F_CDF << 2), cdf); // GELU'(z) per element (float32, from the forward pass), or 0
}

export function netGetStep(): i32 { return geti(S_STEP); }
export function netSetStep(t: i32): void { store<i32>(S + S_STEP, t); }

/** Outputs per row: the last layer's fanOut. */
function outputs(): i32 {
  return fldi(geti(S_LAYERS) - 1, F_OUT);
}

/** Width of the first layer's input rows: featDim when factored, else fanIn. */
function inputWidth(): i32 {
  return geti(S_FACTORED) ? geti(S_FEATDIM) : fldi(0, F_IN);
}

/** The transposed weights the forward pass reads (Pt for a factored first layer), for neurons [k0, k1). */
function refreshTransposed(l: i32, k0: i32, k1: i32): void {
  const fin = fldi(l, F_IN), fout = fldi(l, F_OUT);
  const W = fld(l, F_W);
  if (l == 0 && featOn()) return; // feature coordinates: the parameters are Pt itself (feat.ts)
  if (l == 0 && geti(S_FACTORED)) {
    const fd = geti(S_FEATDIM), P = <usize>load<u32>(S + S_P);
    // P rows = W rows · Vᵀ, then Pt columns
    gemm(off(W, k0 * fin), fin, 1, <usize>load<u32>(S + S_VT), off(P, k0 * fd), k1 - k0, fd, fin, 0);
    transposeBlock(off(P, k0 * fd), off(<usize>load<u32>(S + S_PT), k0), k1 - k0, fd, fout);
  } else {
    transposeBlock(off(W, k0 * fin), off(fld(l, F_WT), k0), k1 - k0, fin, fout);
  }
}

/** Recompute every layer's transposed weights (after the engine wrote parameters). */
export function netSyncWeights(): void {
  const L = geti(S_LAYERS);
  for (let l = 0; l < L; l++) refreshTransposed(l, 0, fldi(l, F_OUT));
}

// flags of the samples phase
export const F_LOSS = 1, F_BACKWARD = 2;

/**
 * Rows [r0, r1) of `total`: forward through every layer; with F_LOSS the loss gradient (of the
 * mean over `total` rows) into the last layer's D and per-sample losses into lossBuf; with
 * F_BACKWARD dLoss/dZ of every layer.
 */
export function samplesPhase(X: usize, Y: usize, total: i32, r0: i32, r1: i32, flags: i32): void {
  const L = geti(S_LAYERS), act = geti(S_ACT);
  const n = r1 - r0;
  if (n <= 0) return;
  let input = X;
  let width = inputWidth();
  for (let l = 0; l < L; l++) {
    const fout = fldi(l, F_OUT);
    const Z = fld(l, F_Z);
    const Bt = l == 0 && geti(S_FACTORED) ? <usize>load<u32>(S + S_PT) : fld(l, F_WT);
    gemm(off(input, r0 * width), width, 1, Bt, off(Z, r0 * fout), n, fout, width, fld(l, F_B));
    if (l < L - 1) {
      const A = fld(l, F_A);
      // GELU's derivative (float32) is kept for a backward pass only
      const cdf = flags & F_BACKWARD ? fld(l, F_CDF) : 0;
      actForward(act, off(Z, r0 * fout), off(A, r0 * fout), n * fout, cdf ? cdf + (<usize>(r0 * fout) << 2) : 0);
      input = A;
      width = fout;
    }
  }
  if (!(flags & F_LOSS)) return;
  const last = L - 1;
  const C = fldi(last, F_OUT), kind = geti(S_LOSS);
  lossGradRowsC(kind, off(fld(last, F_Z), r0 * C), off(Y, r0 * targetWidth(kind, C)), off(fld(last, F_D), r0 * C),
    <usize>load<u32>(S + S_LOSSBUF) + (<usize>r0 << 3), n, total, C);
  if (!(flags & F_BACKWARD)) return;
  for (let l = last; l > 0; l--) {
    const fin = fldi(l, F_IN), fout = fldi(l, F_OUT);
    const Dp = off(fld(l - 1, F_D), r0 * fin);
    // dA_{l-1} = D_l W_l, then through the activation
    gemm(off(fld(l, F_D), r0 * fout), fout, 1, fld(l, F_W), Dp, n, fin, fout, 0);
    const cdf = fld(l - 1, F_CDF);
    actBackward(act, off(fld(l - 1, F_Z), r0 * fin), off(fld(l - 1, F_A), r0 * fin), Dp, Dp, n * fin,
      cdf ? cdf + (<usize>(r0 * fin) << 2) : 0);
  }
}

function updateRange(P: usize, G: usize, M: usize, V: usize, count: i32): void {
  const opt = geti(S_OPT), step = geti(S_STEP);
  if (opt == OPT_SGD) sgdUpdate(P, G, M, count, <f32>getf(S_LR), <f32>getf(S_WD), <f32>getf(S_MOM), step == 1);
  else adamUpdate(P, G, M, V, count, getf(S_LR), getf(S_WD), getf(S_B1), getf(S_B2), getf(S_EPS), step, opt == OPT_ADAMW);
}

/**
 * Thread t of T: for its share of every trainable layer's output neurons, the parameter
 * gradients over all `rows` (after the samples phase), and with `update` the optimizer step
 * (step count already advanced) and the refreshed transposed weights.
 */
export function paramsPhase(X: usize, rows: i32, t: i32, T: i32, update: bool): void {
  const L = geti(S_LAYERS);
  for (let l = 0; l < L; l++) {
    if (fld(l, F_FROZEN)) continue;
    const fin = fldi(l, F_IN), fout = fldi(l, F_OUT);
    const k0 = <i32>((<i64>fout * t) / T), k1 = <i32>((<i64>fout * (t + 1)) / T);
    const m = k1 - k0;
    const D = fld(l, F_D), gW = fld(l, F_GW);
    const input = l == 0 ? X : fld(l - 1, F_A);
    const feat = l == 0 && featOn();
    if (feat) {
      // the weight in feature coordinates, split by feature rows (feat.ts); the bias below as usual
      featParams(input, D, rows, geti(S_FEATDIM), fout, t, T, update, getf(S_LR), getf(S_WD), getf(S_MOM), geti(S_STEP) == 1);
    }
    if (m <= 0) continue;
    if (feat) {
      // done above
    } else if (l == 0 && geti(S_FACTORED)) {
      // dW rows = (Dᵀ Zf)[rows] V, with P's rows as scratch (refreshed below)
      const fd = geti(S_FEATDIM), P = <usize>load<u32>(S + S_P);
      gemm(off(D, k0), 1, fout, input, off(P, k0 * fd), m, fd, rows, 0);
      gemm(off(P, k0 * fd), fd, 1, <usize>load<u32>(S + S_V), off(gW, k0 * fin), m, fin, fd, 0);
    } else {
      gemm(off(D, k0), 1, fout, input, off(gW, k0 * fin), m, fin, rows, 0);
    }
    const gb = fld(l, F_GB);
    if (gb) colSumStrided(off(D, k0), off(gb, k0), rows, m, fout);
    if (update) {
      if (!feat) updateRange(off(fld(l, F_W), k0 * fin), off(gW, k0 * fin), off(fld(l, F_MW), k0 * fin), off(fld(l, F_VW), k0 * fin), m * fin);
      const b = fld(l, F_B);
      if (b) updateRange(off(b, k0), off(gb, k0), off(fld(l, F_MB), k0), off(fld(l, F_VB), k0), m);
      refreshTransposed(l, k0, k1);
    }
  }
}

function lossTotal(rows: i32): f64 {
  const buf = <usize>load<u32>(S + S_LOSSBUF);
  let s: f64 = 0;
  for (let i = 0; i < rows; i++) s += load<f64>(buf + (<usize>i << 3));
  return s;
}

/** Forward pass over rows inputs; the outputs end in the last layer's Z (rows x C). */
export function netForward(X: usize, rows: i32): void {
  parRun(TASK_SAMPLES, X, 0, rows, 0);
}

/** Sum of the per-row losses of the last forward pass's outputs (rows of them) against Y. */
export function netLossSum(Y: usize, rows: i32): f64 {
  const last = geti(S_LAYERS) - 1;
  return lossSumC(geti(S_LOSS), fld(last, F_Z), Y, rows, outputs());
}

/** Correct rows among the last forward pass's outputs (sign for C = 1, else argmax; see countCorrectC). */
export function netCountCorrect(Y: usize, rows: i32): i32 {
  const last = geti(S_LAYERS) - 1;
  return countCorrectC(geti(S_LOSS), fld(last, F_Z), Y, rows, outputs());
}

/** Loss and gradients at the current parameters, no update; returns the loss sum. */
export function netGradient(X: usize, Y: usize, rows: i32): f64 {
  parRun(TASK_SAMPLES, X, Y, rows, F_LOSS | F_BACKWARD);
  parRun(TASK_PARAMS, X, Y, rows, 0);
  return lossTotal(rows);
}

function trainStep(X: usize, Y: usize, rows: i32): void {
  parRun(TASK_SAMPLES, X, Y, rows, F_LOSS | F_BACKWARD);
  store<i32>(S + S_STEP, geti(S_STEP) + 1);
  parRun(TASK_PARAMS, X, Y, rows, 1);
}

/** k full-batch steps; returns the loss sum measured before the last update. */
export function netTrain(X: usize, Y: usize, rows: i32, k: i32): f64 {
  for (let i = 0; i < k; i++) trainStep(X, Y, rows);
  return k > 0 ? lossTotal(rows) : 0;
}

/**
 * k minibatch steps. Each step takes the next `batch` indices of a random permutation of the
 * n rows (perm, n u32) at cursor[0]; when fewer than `batch` remain, the permutation is reshuffled
 * from the batch stream and the remainder is dropped (drop_last). Rows are gathered into Xb, Yb
 * (targetWidth values per row).
 * Returns the loss sum of the last batch.
 */
export function netTrainBatches(X: usize, Y: usize, n: i32, width: i32, batch: i32, rng: usize, perm: usize,
                                cursor: usize, Xb: usize, Yb: usize, k: i32): f64 {
  const rowBytes = <usize>width << 2;
  const yBytes = <usize>targetWidth(geti(S_LOSS), outputs()) << 2;
  for (let i = 0; i < k; i++) {
    let c = load<i32>(cursor);
    if (c + batch > n) {
      shuffleU32(rng, perm, n);
      c = 0;
    }
    for (let r = 0; r < batch; r++) {
      const src = load<u32>(perm + (<usize>(c + r) << 2));
      memory.copy(Xb + <usize>r * rowBytes, X + <usize>src * rowBytes, rowBytes);
      memory.copy(Yb + <usize>r * yBytes, Y + <usize>src * yBytes, yBytes);
    }
    store<i32>(cursor, c + batch);
    trainStep(Xb, Yb, batch);
  }
  return k > 0 ? lossTotal(batch) : 0;
}
