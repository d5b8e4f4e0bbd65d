// Losses on margins m = y f with labels y = +-1, and their gradients with respect to f.
// Per-sample values are computed in float64 and summed in index order in float64, so the
// logged loss is deterministic and more exact than a float32 mean; gradients are rounded once.
import { LOSS_LOGISTIC, LOSS_HINGE, LOSS_MSE, LOSS_SOFTMAX } from "./ids";

// @ts-ignore: decorator
@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/** Stable log(1 + exp(-m)): equals the official formula except where that rounds to 0. */
// @ts-ignore: decorator
@inline function logistic(m: f64): f64 {
  return m > 0 ? Math.log1p(Math.exp(-m)) : -m + Math.log1p(Math.exp(m));
}

/** Sum of per-sample losses of outputs F against labels Y (n float32 each). */
export function lossSum(kind: i32, F: usize, Y: usize, n: i32): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const f = <f64>load<f32>(at(F, i)), y = <f64>load<f32>(at(Y, i));
    if (kind == LOSS_LOGISTIC) s += logistic(y * f);
    else if (kind == LOSS_HINGE) s += Math.max(0.0, 1.0 - y * f);
    else s += (f - y) * (f - y);
  }
  return s;
}

/** G[i] = d(mean loss)/dF[i] = l'(F[i]) / n; returns the loss sum as lossSum does. */
export function lossGrad(kind: i32, F: usize, Y: usize, G: usize, n: i32): f64 {
  return lossGradRows(kind, F, Y, G, 0, n, n);
}

/**
 * For n rows of a mean over `total`: G[i] = l'(F[i]) / total, per-sample losses into
 * losses[i] (float64) unless losses is 0; returns their sum in index order.
 */
export function lossGradRows(kind: i32, F: usize, Y: usize, G: usize, losses: usize, n: i32, total: i32): f64 {
  const inv = 1.0 / <f64>total;
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const f = <f64>load<f32>(at(F, i)), y = <f64>load<f32>(at(Y, i));
    let g: f64, l: f64;
    if (kind == LOSS_LOGISTIC) {
      const m = y * f;
      l = logistic(m);
      // d/dm log(1 + exp(-m)) = -sigmoid(-m), written stably for both signs of m
      const e = Math.exp(-Math.abs(m));
      g = -y * (m > 0 ? e / (1.0 + e) : 1.0 / (1.0 + e));
    } else if (kind == LOSS_HINGE) {
      const h = 1.0 - y * f;
      l = Math.max(0.0, h);
      g = h >= 0 ? -y : 0.0; // PyTorch's clamp(min=0) passes the gradient at the kink
    } else {
      l = (f - y) * (f - y);
      g = 2.0 * (f - y);
    }
    s += l;
    store<f32>(at(G, i), <f32>(g * inv));
    if (losses) store<f64>(losses + (<usize>i << 3), l);
  }
  return s;
}

/** Number of samples with y f > 0 (a zero output counts as wrong). */
export function countCorrect(F: usize, Y: usize, n: i32): i32 {
  let c = 0;
  for (let i = 0; i < n; i++) {
    if (load<f32>(at(F, i)) * load<f32>(at(Y, i)) > 0) c++;
  }
  return c;
}

// ---------------------------------------------------------------------------------------------
// C outputs per row. C = 1 with the losses above goes through exactly the code above (same bits).
// - LOSS_MSE with C > 1: targets T [rows x C] (float32); a row's loss is sum_c (f_c - t_c)^2 in
//   float64, and the mean is over all rows*C elements (PyTorch's nn.MSELoss, reduction 'mean'),
//   so G = 2 (f - t) / (total C).
// - LOSS_SOFTMAX (C >= 2): targets are class indices stored as float32 (one per row); a row's loss
//   is log sum_c exp(f_c) - f_y, computed as log sum_c exp(f_c - max) - (f_y - max) so no exp
//   overflows (PyTorch's nn.CrossEntropyLoss, mean over rows); G = (softmax(f) - onehot(y)) / total.

/** Width of a row of targets: C for MSE, else 1 (a ±1 label or a class index). */
// @ts-ignore: decorator
@inline export function targetWidth(kind: i32, C: i32): i32 {
  return kind == LOSS_MSE ? C : 1;
}

/**
 * The loss of one row of C > 1 outputs (or softmax); with G != 0 also its gradient row times inv
 * (rounded once to float32).
 */
function rowLossC(kind: i32, F: usize, Y: usize, G: usize, C: i32, inv: f64): f64 {
  if (kind == LOSS_SOFTMAX) {
    let m = <f64>load<f32>(F);
    for (let c = 1; c < C; c++) m = Math.max(m, <f64>load<f32>(at(F, c)));
    let s: f64 = 0;
    for (let c = 0; c < C; c++) s += Math.exp(<f64>load<f32>(at(F, c)) - m);
    const y = <i32>load<f32>(Y);
    const lse = Math.log(s);
    if (G) {
      for (let c = 0; c < C; c++) {
        const p = Math.exp(<f64>load<f32>(at(F, c)) - m) / s;
        store<f32>(at(G, c), <f32>((c == y ? p - 1.0 : p) * inv));
      }
    }
    return lse - (<f64>load<f32>(at(F, y)) - m);
  }
  // MSE against a target row
  let l: f64 = 0;
  for (let c = 0; c < C; c++) {
    const d = <f64>load<f32>(at(F, c)) - <f64>load<f32>(at(Y, c));
    l += d * d;
    if (G) store<f32>(at(G, c), <f32>(2.0 * d * inv));
  }
  return l;
}

/**
 * lossGradRows for C outputs per row: F and G [n x C], Y [n x targetWidth], gradient of the mean
 * over `total` rows (times C elements for MSE); per-row losses into losses (float64) unless 0;
 * returns their sum in row order.
 */
export function lossGradRowsC(kind: i32, F: usize, Y: usize, G: usize, losses: usize, n: i32, total: i32, C: i32): f64 {
  if (C == 1 && kind != LOSS_SOFTMAX) return lossGradRows(kind, F, Y, G, losses, n, total);
  const inv = 1.0 / (<f64>total * <f64>(kind == LOSS_MSE ? C : 1));
  const yw = targetWidth(kind, C);
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const l = rowLossC(kind, at(F, i * C), at(Y, i * yw), at(G, i * C), C, inv);
    s += l;
    if (losses) store<f64>(losses + (<usize>i << 3), l);
  }
  return s;
}

/** Sum of per-row losses of F [n x C] against Y, as lossGradRowsC returns it. */
export function lossSumC(kind: i32, F: usize, Y: usize, n: i32, C: i32): f64 {
  if (C == 1 && kind != LOSS_SOFTMAX) return lossSum(kind, F, Y, n);
  const yw = targetWidth(kind, C);
  let s: f64 = 0;
  for (let i = 0; i < n; i++) s += rowLossC(kind, at(F, i * C), at(Y, i * yw), 0, C, 0);
  return s;
}

/** Index of the largest of C values (the first on ties, as torch.argmax). */
function argmax(F: usize, C: i32): i32 {
  let best = 0;
  let v = load<f32>(F);
  for (let c = 1; c < C; c++) {
    const x = load<f32>(at(F, c));
    if (x > v) { v = x; best = c; }
  }
  return best;
}

/**
 * Correct rows: C = 1 as countCorrect (y f > 0); softmax: argmax(f) equals the class index;
 * MSE with C > 1: argmax(f) equals argmax(t) (one-hot or score targets).
 */
export function countCorrectC(kind: i32, F: usize, Y: usize, n: i32, C: i32): i32 {
  if (C == 1 && kind != LOSS_SOFTMAX) return countCorrect(F, Y, n);
  let c = 0;
  for (let i = 0; i < n; i++) {
    const a = argmax(at(F, i * C), C);
    if (kind == LOSS_SOFTMAX ? a == <i32>load<f32>(at(Y, i)) : a == argmax(at(Y, i * C), C)) c++;
  }
  return c;
}
