import { gemm, gemmFused, gemmStrided, EPI_FORWARD, EPI_BACKWARD, colSumStrided, transposeBlock } from "./gemm";
import { lossGradRowsC, targetWidth } from "./loss";
import { sgdUpdate, adamUpdate } from "./optim";
import { OPT_SGD, OPT_ADAMW } from "./ids";
import { featParams } from "./feat";
import { Net, Layer, layerOf } from "./state";

// The two phases of a training step of an MLP (net.ts), each split between threads (par.ts)
// without splitting any sum:
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

// @ts-ignore: decorator
@inline function off(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/** Width of the first layer's input rows: featDim when factored, else fanIn. */
export function inputWidth(n: Net): i32 {
  return n.factored ? n.featDim : layerOf(n, 0).fanIn;
}

/** The transposed weights the forward pass reads (Pt for a factored first layer), for neurons [k0, k1). */
export function refreshTransposed(n: Net, l: i32, k0: i32, k1: i32): void {
  const y = layerOf(n, l);
  const fin = y.fanIn, fout = y.fanOut;
  const W = y.W;
  if (l == 0 && n.feat) return; // feature coordinates: the parameters are Pt itself (feat.ts)
  if (l == 0 && n.factored) {
    const fd = n.featDim, P = n.P;
    // P rows = W rows · Vᵀ, then Pt columns
    gemm(off(W, k0 * fin), fin, 1, n.Vt, off(P, k0 * fd), k1 - k0, fd, fin, 0);
    transposeBlock(off(P, k0 * fd), off(n.Pt, k0), k1 - k0, fd, fout);
  } else {
    transposeBlock(off(W, k0 * fin), off(y.Wt, k0), k1 - k0, fin, fout);
  }
}

// flags of the samples phase
export const F_LOSS = 1, F_BACKWARD = 2, F_NO_HIDDEN_Z = 4;

/**
 * Rows [r0, r1) of `total`: forward through every layer; with F_LOSS the loss gradient (of the
 * mean over `total` rows) into the last layer's D and per-sample losses into lossBuf; with
 * F_BACKWARD dLoss/dZ of every layer. With F_NO_HIDDEN_Z (training steps) the hidden layers'
 * pre-activations are not kept: their products go straight into A, which the epilogue turns into
 * act(Z) in place (one buffer of rows x fanOut written instead of two), and the backward pass
 * reads A where it read Z: ReLU's and leaky ReLU's derivatives select on z > 0, which is A > 0,
 * and the smooth ones read A or GELU's stored derivative. Same bits; Z keeps what the last pass
 * without the flag left there (an evaluation, or netGradient, whose Z the engine reads).
 */
export function samplesPhase(n: Net, X: usize, Y: usize, total: i32, r0: i32, r1: i32, flags: i32): void {
  const L = n.layers, act = n.activation;
  const rows = r1 - r0;
  if (rows <= 0) return;
  let input = X;
  let width = inputWidth(n);
  for (let l = 0; l < L; l++) {
    const y = layerOf(n, l);
    const fout = y.fanOut;
    const Z = y.Z;
    const Bt = l == 0 && n.factored ? n.Pt : y.Wt;
    // Z = input·Wᵀ + b, then (hidden layers) A = act(Z), fused into the GEMM's tiles (gemm.ts)
    const hidden = l < L - 1;
    // GELU's derivative (float32) is kept for a backward pass only
    const cdf = hidden && flags & F_BACKWARD ? y.cdf : 0;
    const C = hidden && flags & F_NO_HIDDEN_Z ? y.A : Z;
    gemmFused(off(input, r0 * width), width, 1, Bt, off(C, r0 * fout), rows, fout, width, EPI_FORWARD, act, y.b, 0,
      hidden ? off(y.A, r0 * fout) : 0, cdf ? off(cdf, r0 * fout) : 0);
    if (hidden) {
      input = y.A;
      width = fout;
    }
  }
  if (!(flags & F_LOSS)) return;
  const last = layerOf(n, L - 1);
  const C = last.fanOut, kind = n.loss;
  lossGradRowsC(kind, off(last.Z, r0 * C), off(Y, r0 * targetWidth(kind, C)), off(last.D, r0 * C),
    n.lossBuf + (<usize>r0 << 3), rows, total, C);
  if (!(flags & F_BACKWARD)) return;
  for (let l = L - 1; l > 0; l--) {
    const y = layerOf(n, l), p = layerOf(n, l - 1);
    const fin = y.fanIn, fout = y.fanOut;
    const Dp = off(p.D, r0 * fin);
    // dA_{l-1} = D_l W_l, then through the activation (fused into the GEMM's tiles)
    const cdf = p.cdf;
    const pz = flags & F_NO_HIDDEN_Z ? p.A : p.Z;
    gemmFused(off(y.D, r0 * fout), fout, 1, y.W, Dp, rows, fin, fout, EPI_BACKWARD, act, 0, off(pz, r0 * fin),
      off(p.A, r0 * fin), cdf ? off(cdf, r0 * fin) : 0);
  }
}

/** The rows layer l was fed in the last forward pass (X for the first layer, else the previous layer's output). */
// @ts-ignore: decorator
@inline function layerInput(n: Net, X: usize, l: i32): usize {
  return l == 0 ? X : layerOf(n, l - 1).A;
}

function updateRange(n: Net, P: usize, G: usize, M: usize, V: usize, count: i32): void {
  const opt = n.optimizer, step = n.step;
  if (opt == OPT_SGD) sgdUpdate(P, G, M, count, <f32>n.lr, <f32>n.weightDecay, <f32>n.momentum, step == 1);
  else adamUpdate(P, G, M, V, count, n.lr, n.weightDecay, n.beta1, n.beta2, n.eps, step, opt == OPT_ADAMW);
}

/**
 * Output neurons [k0, k1) of layer l (not frozen): the parameter gradients over all `rows` (after
 * the samples phase), and with `update` the optimizer step (step count already advanced) and the
 * refreshed transposed weights. A layer in feature coordinates gets only its bias here (its weight:
 * featRange).
 */
export function paramsRange(n: Net, X: usize, rows: i32, l: i32, k0: i32, k1: i32, update: bool): void {
  const y: Layer = layerOf(n, l);
  const fin = y.fanIn, fout = y.fanOut;
  const m = k1 - k0;
  if (m <= 0) return;
  const D = y.D, gW = y.gW;
  const input = layerInput(n, X, l);
  const feat = l == 0 && n.feat != 0;
  if (feat) {
    // the weight is trained in feature coordinates (featRange); the bias below as usual
  } else if (l == 0 && n.factored) {
    // dW rows = (Dᵀ Zf)[rows] V, with P's rows as scratch (refreshed below)
    const fd = n.featDim, P = n.P;
    gemm(off(D, k0), 1, fout, input, off(P, k0 * fd), m, fd, rows, 0);
    gemm(off(P, k0 * fd), fd, 1, n.V, off(gW, k0 * fin), m, fin, fd, 0);
  } else {
    gemm(off(D, k0), 1, fout, input, off(gW, k0 * fin), m, fin, rows, 0);
  }
  const gb = y.gb;
  if (gb) colSumStrided(off(D, k0), off(gb, k0), rows, m, fout);
  if (update) {
    if (!feat) updateRange(n, off(y.W, k0 * fin), off(gW, k0 * fin), off(y.mW, k0 * fin), off(y.vW, k0 * fin), m * fin);
    const b = y.b;
    if (b) updateRange(n, off(b, k0), off(gb, k0), off(y.mb, k0), off(y.vb, k0), m);
    refreshTransposed(n, l, k0, k1);
  }
}

/** Whether layer l's params-phase chunks are column ranges (paramsCols) instead of neuron blocks. */
export function splitsColumns(n: Net, l: i32): bool {
  const y = layerOf(n, l);
  // a layer of 1-3 outputs (the output layer of a one-output network) is one neuron block: with
  // threads, one thread summed its whole weight gradient (1000 x 256 products) while the others waited
  return y.fanOut < 4 && y.fanIn >= 16 && !(l == 0 && (n.factored || n.feat != 0));
}

/**
 * Input columns [j0, j1) of layer l (splitsColumns): every output's weight-gradient entries of
 * those columns (each the same sum as paramsRange's, whose products it splits by columns), their
 * optimizer step and the transposed weights' rows; the range starting at 0 also does the bias.
 */
export function paramsCols(n: Net, X: usize, rows: i32, l: i32, j0: i32, j1: i32, update: bool): void {
  const y: Layer = layerOf(n, l);
  const fin = y.fanIn, fout = y.fanOut;
  const m = j1 - j0;
  if (m <= 0) return;
  const D = y.D, gW = y.gW;
  const input = layerInput(n, X, l);
  gemmStrided(D, 1, fout, off(input, j0), fin, off(gW, j0), fin, fout, m, rows);
  const gb = y.gb, b = y.b;
  if (j0 == 0 && gb) colSumStrided(D, gb, rows, fout, fout);
  if (!update) return;
  for (let r = 0; r < fout; r++) {
    const o = r * fin + j0;
    updateRange(n, off(y.W, o), off(gW, o), off(y.mW, o), off(y.vW, o), m);
  }
  if (j0 == 0 && b) updateRange(n, b, gb, y.mb, y.vb, fout);
  const W = y.W, Wt = y.Wt;
  for (let j = j0; j < j1; j++) {
    for (let r = 0; r < fout; r++) store<f32>(off(Wt, j * fout + r), load<f32>(off(W, r * fin + j)));
  }
}

/** Feature rows [j0, j1) of the first layer's weight in feature coordinates (feat.ts). */
export function featRange(n: Net, X: usize, rows: i32, j0: i32, j1: i32, update: bool): void {
  const y: Layer = layerOf(n, 0);
  featParams(n.feat, X, y.D, rows, n.featDim, y.fanOut, j0, j1, update, n.lr, n.weightDecay, n.momentum, n.step == 1);
}
