import { gemm, transpose, colSum } from "./gemm";
import { actForward, actBackward } from "./act";
import { lossGrad } from "./loss";
import { sgdUpdate, adamUpdate, OPT_SGD, OPT_ADAMW } from "./optim";
import { shuffleU32 } from "./rng";

// The fused training step of an MLP: forward, loss gradient, backward and the optimizer update
// of every layer in one call (or k steps in one call), over buffers the engine laid out.
// Layer l maps fanIn -> fanOut with W [fanOut x fanIn] (PyTorch layout) and optional bias.
//
// The first layer's input is either a dense batch X [rows x inputDim], or, in factored mode,
// feature coordinates Zf [rows x featDim] with X = Zf V for the fixed V [featDim x inputDim];
// then X Wᵀ = Zf (W Vᵀ)ᵀ and dW = (dZᵀ Zf) V, which is the same model at a quarter of the work
// when featDim is a quarter of inputDim.

const MAX_LAYERS = 16;
const F_IN = 0, F_OUT = 1, F_W = 2, F_B = 3, F_GW = 4, F_GB = 5, F_Z = 6, F_A = 7, F_D = 8,
  F_WT = 9, F_MW = 10, F_VW = 11, F_MB = 12, F_VB = 13, F_FROZEN = 14, NF = 15;
const table = memory.data(MAX_LAYERS * NF * 4);

let nLayers = 0;
let act = 0, lossKind = 0, optKind = 0;
let lr: f64 = 0, wd: f64 = 0, momentum: f64 = 0, beta1: f64 = 0, beta2: f64 = 0, eps: f64 = 0;
let step = 0; // updates applied so far (PyTorch's optimizer step count)
let factored = false;
let featDim = 0;
let Vmat: usize = 0, Vt: usize = 0, Pmat: usize = 0, Pt: usize = 0;

// @ts-ignore: decorator
@inline function fld(l: i32, f: i32): usize {
  return load<u32>(table + (<usize>(l * NF + f) << 2));
}

export function netConfigure(layers: i32, activation: i32, loss: i32, optimizer: i32): void {
  nLayers = layers; act = activation; lossKind = loss; optKind = optimizer;
}

export function netSetHyper(lr_: f64, wd_: f64, momentum_: f64, beta1_: f64, beta2_: f64, eps_: f64): void {
  lr = lr_; wd = wd_; momentum = momentum_; beta1 = beta1_; beta2 = beta2_; eps = eps_;
}

/** Factored first-layer input: V [fd x inputDim], Vt its transpose, P [out0 x fd] and Pt scratch. */
export function netSetFactored(on: bool, fd: i32, V: usize, VtPtr: usize, P: usize, PtPtr: usize): void {
  factored = on; featDim = fd; Vmat = V; Vt = VtPtr; Pmat = P; Pt = PtPtr;
}

export function netSetLayer(l: i32, fanIn: i32, fanOut: i32, W: usize, b: usize, gW: usize, gb: usize,
                            Z: usize, A: usize, D: usize, Wt: usize, mW: usize, vW: usize, mb: usize, vb: usize,
                            frozen: bool): void {
  const base = table + (<usize>(l * NF) << 2);
  store<u32>(base + (F_IN << 2), fanIn); store<u32>(base + (F_OUT << 2), fanOut);
  store<u32>(base + (F_W << 2), W); store<u32>(base + (F_B << 2), b);
  store<u32>(base + (F_GW << 2), gW); store<u32>(base + (F_GB << 2), gb);
  store<u32>(base + (F_Z << 2), Z); store<u32>(base + (F_A << 2), A); store<u32>(base + (F_D << 2), D);
  store<u32>(base + (F_WT << 2), Wt);
  store<u32>(base + (F_MW << 2), mW); store<u32>(base + (F_VW << 2), vW);
  store<u32>(base + (F_MB << 2), mb); store<u32>(base + (F_VB << 2), vb);
  store<u32>(base + (F_FROZEN << 2), frozen ? 1 : 0);
}

export function netGetStep(): i32 { return step; }
export function netSetStep(t: i32): void { step = t; }

/** Forward pass over rows inputs; the outputs end in the last layer's Z (rows x 1). */
export function netForward(X: usize, rows: i32): void {
  let input = X;
  for (let l = 0; l < nLayers; l++) {
    const fin = <i32>fld(l, F_IN), fout = <i32>fld(l, F_OUT);
    const W = fld(l, F_W), Z = fld(l, F_Z);
    if (l == 0 && factored) {
      // Z = Zf (W Vᵀ)ᵀ + b
      gemm(W, fin, 1, Vt, Pmat, fout, featDim, fin, 0);
      transpose(Pmat, Pt, fout, featDim);
      gemm(input, featDim, 1, Pt, Z, rows, fout, featDim, fld(l, F_B));
    } else {
      const Wt = fld(l, F_WT);
      transpose(W, Wt, fout, fin);
      gemm(input, fin, 1, Wt, Z, rows, fout, fin, fld(l, F_B));
    }
    if (l < nLayers - 1) {
      const A = fld(l, F_A);
      actForward(act, Z, A, rows * fout);
      input = A;
    }
  }
}

/** Loss gradient into the last layer's D; returns the loss sum of the current outputs. */
export function netLossGrad(Y: usize, rows: i32): f64 {
  const L = nLayers - 1;
  return lossGrad(lossKind, fld(L, F_Z), Y, fld(L, F_D), rows);
}

/** Backward pass after netForward and netLossGrad: parameter gradients of every trainable layer. */
export function netBackward(X: usize, rows: i32): void {
  for (let l = nLayers - 1; l >= 0; l--) {
    const fin = <i32>fld(l, F_IN), fout = <i32>fld(l, F_OUT);
    const D = fld(l, F_D); // dLoss/dZ of this layer
    const input = l == 0 ? X : fld(l - 1, F_A);
    if (!fld(l, F_FROZEN)) {
      if (l == 0 && factored) {
        // dW = (Dᵀ Zf) V, with Pmat as the featDim-wide scratch
        gemm(D, 1, fout, input, Pmat, fout, featDim, rows, 0);
        gemm(Pmat, featDim, 1, Vmat, fld(l, F_GW), fout, fin, featDim, 0);
      } else {
        gemm(D, 1, fout, input, fld(l, F_GW), fout, fin, rows, 0);
      }
      const gb = fld(l, F_GB);
      if (gb) colSum(D, gb, rows, fout);
    }
    if (l > 0) {
      // dA_{l-1} = D W, then through the activation into D_{l-1}
      const Dp = fld(l - 1, F_D);
      gemm(D, fout, 1, fld(l, F_W), Dp, rows, fin, fout, 0);
      actBackward(act, fld(l - 1, F_Z), fld(l - 1, F_A), Dp, Dp, rows * fin);
    }
  }
}

function updateTensor(P: usize, G: usize, M: usize, V: usize, count: i32): void {
  if (optKind == OPT_SGD) sgdUpdate(P, G, M, count, <f32>lr, <f32>wd, <f32>momentum, step == 1);
  else adamUpdate(P, G, M, V, count, lr, wd, beta1, beta2, eps, step, optKind == OPT_ADAMW);
}

/** One optimizer step on every trainable tensor (a frozen layer gets no update, no decay). */
export function netUpdate(): void {
  step++;
  for (let l = 0; l < nLayers; l++) {
    if (fld(l, F_FROZEN)) continue;
    const fin = <i32>fld(l, F_IN), fout = <i32>fld(l, F_OUT);
    updateTensor(fld(l, F_W), fld(l, F_GW), fld(l, F_MW), fld(l, F_VW), fin * fout);
    if (fld(l, F_B)) updateTensor(fld(l, F_B), fld(l, F_GB), fld(l, F_MB), fld(l, F_VB), fout);
  }
}

/** Loss and gradients at the current parameters, no update; returns the loss sum. */
export function netGradient(X: usize, Y: usize, rows: i32): f64 {
  netForward(X, rows);
  const s = netLossGrad(Y, rows);
  netBackward(X, rows);
  return s;
}

/** k full-batch steps; returns the loss sum measured before the last update. */
export function netTrain(X: usize, Y: usize, rows: i32, k: i32): f64 {
  let s: f64 = 0;
  for (let i = 0; i < k; i++) {
    s = netGradient(X, Y, rows);
    netUpdate();
  }
  return s;
}

/**
 * k minibatch steps. Each step takes the next `batch` indices of a random permutation of the
 * n rows (perm, n u32) at cursor[0]; when fewer than `batch` remain, the permutation is reshuffled
 * from the batch stream and the remainder is dropped (drop_last). Rows are gathered into Xb, Yb.
 * Returns the loss sum of the last batch.
 */
export function netTrainBatches(X: usize, Y: usize, n: i32, width: i32, batch: i32, rng: usize, perm: usize,
                                cursor: usize, Xb: usize, Yb: usize, k: i32): f64 {
  let s: f64 = 0;
  const rowBytes = <usize>width << 2;
  for (let i = 0; i < k; i++) {
    let c = load<i32>(cursor);
    if (c + batch > n) {
      shuffleU32(rng, perm, n);
      c = 0;
    }
    for (let r = 0; r < batch; r++) {
      const src = load<u32>(perm + (<usize>(c + r) << 2));
      memory.copy(Xb + <usize>r * rowBytes, X + <usize>src * rowBytes, rowBytes);
      store<f32>(Yb + (<usize>r << 2), load<f32>(Y + (<usize>src << 2)));
    }
    store<i32>(cursor, c + batch);
    s = netGradient(Xb, Yb, batch);
    netUpdate();
  }
  return s;
}
