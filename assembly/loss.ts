// Losses on margins m = y f with labels y = +-1, and their gradients with respect to f.
// Per-sample values are computed in float64 and summed in index order in float64, so the
// logged loss is deterministic and more exact than a float32 mean; gradients are rounded once.
export const LOSS_LOGISTIC = 0;
export const LOSS_HINGE = 1;
export const LOSS_MSE = 2;

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
