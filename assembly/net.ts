import { lossSumC, countCorrectC, targetWidth } from "./loss";
import { shuffleU32 } from "./rng";
import { parRun, TASK_SAMPLES, TASK_PARAMS } from "./par";
import { refreshTransposed, F_LOSS, F_BACKWARD, F_NO_HIDDEN_Z } from "./phases";
import { Net, netAt, layerOf } from "./state";

// The fused training step of an MLP whose state the engine laid out (a Net record, state.ts,
// passed as `net`). There is one layer or more (one: a linear model); the last has C >= 1
// outputs, and targets are rows of targetWidth(loss, C) float32 values (a ±1 label, a class
// index, or C values for MSE). A step runs the samples phase, then the params phase
// (phases.ts), each split between threads (par.ts).

/** Outputs per row: the last layer's fanOut. */
function outputs(n: Net): i32 {
  return layerOf(n, n.layers - 1).fanOut;
}

/** Recompute every layer's transposed weights (after the engine wrote parameters). */
export function netSyncWeights(net: usize): void {
  const n = netAt(net);
  const L = n.layers;
  for (let l = 0; l < L; l++) refreshTransposed(n, l, 0, layerOf(n, l).fanOut);
}

function lossTotal(n: Net, rows: i32): f64 {
  const buf = n.lossBuf;
  let s: f64 = 0;
  for (let i = 0; i < rows; i++) s += load<f64>(buf + (<usize>i << 3));
  return s;
}

/** Forward pass over rows inputs; the outputs end in the last layer's Z (rows x C). */
export function netForward(net: usize, X: usize, rows: i32): void {
  parRun(TASK_SAMPLES, net, X, 0, rows, 0);
}

/** Sum of the per-row losses of the last forward pass's outputs (rows of them) against Y. */
export function netLossSum(net: usize, Y: usize, rows: i32): f64 {
  const n = netAt(net);
  return lossSumC(n.loss, layerOf(n, n.layers - 1).Z, Y, rows, outputs(n));
}

/** Correct rows among the last forward pass's outputs (sign for C = 1, else argmax; see countCorrectC). */
export function netCountCorrect(net: usize, Y: usize, rows: i32): i32 {
  const n = netAt(net);
  return countCorrectC(n.loss, layerOf(n, n.layers - 1).Z, Y, rows, outputs(n));
}

/** Loss and gradients at the current parameters, no update; returns the loss sum. */
export function netGradient(net: usize, X: usize, Y: usize, rows: i32): f64 {
  parRun(TASK_SAMPLES, net, X, Y, rows, F_LOSS | F_BACKWARD);
  parRun(TASK_PARAMS, net, X, Y, rows, 0);
  return lossTotal(netAt(net), rows);
}

function trainStep(net: usize, X: usize, Y: usize, rows: i32): void {
  parRun(TASK_SAMPLES, net, X, Y, rows, F_LOSS | F_BACKWARD | F_NO_HIDDEN_Z);
  const n = netAt(net);
  n.step = n.step + 1;
  parRun(TASK_PARAMS, net, X, Y, rows, 1);
}

/** k full-batch steps; returns the loss sum measured before the last update. */
export function netTrain(net: usize, X: usize, Y: usize, rows: i32, k: i32): f64 {
  for (let i = 0; i < k; i++) trainStep(net, X, Y, rows);
  return k > 0 ? lossTotal(netAt(net), rows) : 0;
}

/**
 * k minibatch steps. Each step takes the next `batch` indices of a random permutation of the
 * n rows (perm, n u32) at cursor[0]; when fewer than `batch` remain, the permutation is reshuffled
 * from the batch stream and the remainder is dropped (drop_last). Rows are gathered into Xb, Yb
 * (targetWidth values per row).
 * Returns the loss sum of the last batch.
 */
export function netTrainBatches(net: usize, X: usize, Y: usize, n: i32, width: i32, batch: i32, rng: usize, perm: usize,
                                cursor: usize, Xb: usize, Yb: usize, k: i32): f64 {
  const rowBytes = <usize>width << 2;
  const yBytes = <usize>targetWidth(netAt(net).loss, outputs(netAt(net))) << 2;
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
    trainStep(net, Xb, Yb, batch);
  }
  return k > 0 ? lossTotal(netAt(net), batch) : 0;
}
