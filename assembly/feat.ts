// Feature-coordinate training of the first layer under SGD (momentum, coupled weight decay).
//
// When the inputs are X = Zf V with V's rows orthonormal, the first layer's weight splits into
// W = P V + R with R Vᵀ = 0. The loss gradient dW = (Dᵀ Zf) V has no R component, and SGD's
// update is the same linear map on every element (d = g + wd p; buf = mom buf + d; p -= lr buf),
// so it acts on P and on R separately: P follows SGD with gradient Dᵀ Zf, and R only decays,
// R_t = alpha_t R_0 with scalars (alpha, beta) for the parameter and its momentum buffer. The
// forward pass needs only P (X Wᵀ = Zf Pᵀ). This is exact in real arithmetic; the rounding
// differs from training W itself (which is why it is a setting). Adam and AdamW are not
// rotation-equivariant, so they never use it.
//
// W itself is rebuilt when asked for: W_t = alpha_t W_0 + (P_t - alpha_t P_0) V, which at t = 0
// gives W_0 bit for bit. Parameters are kept transposed (Pt, featDim x fanOut): the layout the
// forward pass reads, so no transpose is needed per step.
import { gemm, transposeBlock } from "./gemm";
import { sgdUpdate } from "./optim";
import { Feat } from "./state";

// The state is a Feat record (state.ts) the engine wrote; a network trains its first layer this
// way when its Net record points to one.

// @ts-ignore: decorator
@inline function off(p: usize, i: i32): usize { return p + (<usize>i << 2); }

/**
 * Start from W (fanOut x fanIn): W0 = W, Pt = P0t = (W Vᵀ)ᵀ, alpha = 1, beta = 0, momentum
 * cleared. Q (fanOut x featDim) is scratch.
 */
export function featInit(feat: usize, W: usize, Vt: usize, Q: usize, fd: i32, fin: i32, fout: i32): void {
  const f = changetype<Feat>(feat);
  memory.copy(f.W0, W, <usize>(fout * fin) << 2);
  gemm(W, fin, 1, Vt, Q, fout, fd, fin, 0);
  transposeBlock(Q, f.Pt, fout, fd, fout);
  memory.copy(f.P0t, f.Pt, <usize>(fd * fout) << 2);
  memory.fill(f.PB, 0, <usize>(fd * fout) << 2);
  store<f64>(f.scal, 1.0);
  store<f64>(f.scal + 8, 0.0);
}

/**
 * Rows [j0, j1) of the gradient G = Zfᵀ D (Zf: rows x fd, D: rows x fout), and with `update` the
 * SGD step on the same rows of Pt; the block that starts at row 0 also advances alpha and beta.
 */
export function featParams(feat: usize, Zf: usize, D: usize, rows: i32, fd: i32, fout: i32, j0: i32, j1: i32, update: bool,
                           lr: f64, wd: f64, mom: f64, first: bool): void {
  const f = changetype<Feat>(feat);
  if (j1 > j0) {
    const G = off(f.G, j0 * fout);
    gemm(off(Zf, j0), 1, fd, D, G, j1 - j0, fout, rows, 0);
    if (update) sgdUpdate(off(f.Pt, j0 * fout), G, off(f.PB, j0 * fout), (j1 - j0) * fout, <f32>lr, <f32>wd, <f32>mom, first);
  }
  if (update && j0 == 0) {
    // the residual's gradient is 0: d = wd alpha; beta = first ? d : mom beta + d; alpha -= lr beta
    const sc = f.scal;
    const alpha = load<f64>(sc);
    if (mom != 0) {
      const d = wd * alpha;
      const beta = first ? d : mom * load<f64>(sc + 8) + d;
      store<f64>(sc + 8, beta);
      store<f64>(sc, alpha - lr * beta);
    } else {
      store<f64>(sc, alpha - lr * (wd * alpha));
    }
  }
}

/** Q (fout x fd) = Ptᵀ - a P0tᵀ with a = alpha rounded to float32. */
function residualFree(f: Feat, Q: usize, fd: i32, fout: i32, a: f32): void {
  const Pt = f.Pt, P0 = f.P0t;
  for (let j = 0; j < fd; j++) {
    for (let i = 0; i < fout; i++) {
      const s = off(0, j * fout + i);
      store<f32>(off(Q, i * fd + j), load<f32>(Pt + s) - a * load<f32>(P0 + s));
    }
  }
}

/** W (fout x fin) = alpha W0 + (P - alpha P0) V, with Q (fout x fd) as scratch. */
export function featMaterialize(feat: usize, W: usize, V: usize, Q: usize, fd: i32, fin: i32, fout: i32): void {
  const f = changetype<Feat>(feat);
  const a = <f32>load<f64>(f.scal);
  residualFree(f, Q, fd, fout, a);
  gemm(Q, fd, 1, V, W, fout, fin, fd, 0);
  const W0 = f.W0;
  const count = fout * fin;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const va = f32x4.splat(a);
    for (; i + 4 <= count; i += 4) {
      const p = off(W, i);
      v128.store(p, f32x4.add(v128.load(p), f32x4.mul(va, v128.load(off(W0, i)))));
    }
  }
  for (; i < count; i++) {
    const p = off(W, i);
    store<f32>(p, load<f32>(p) + a * load<f32>(off(W0, i)));
  }
}

/** The weight gradient in input coordinates: gW (fout x fin) = Gᵀ V, with Q (fout x fd) as scratch. */
export function featGradInput(feat: usize, gW: usize, V: usize, Q: usize, fd: i32, fin: i32, fout: i32): void {
  transposeBlock(changetype<Feat>(feat).G, Q, fd, fout, fd);
  gemm(Q, fd, 1, V, gW, fout, fin, fd, 0);
}
