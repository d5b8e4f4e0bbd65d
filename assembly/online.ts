// Online training: k steps, each on a fresh batch drawn inside the module, so a step costs no
// crossing between JavaScript and WebAssembly (at batch 1 those crossings and a sampler in
// TypeScript would cost more than the step). Draws exactly what src/data/feature-model.ts's
// OnlineSampler draws, in the same order from the same stream: core rows (the first nPos
// positive), then the background, then Z = [core | bg] and, for dense inputs, X = Z V.
// A batch of odd size has one row more of one class: the class alternates with the step (positive
// at even steps), so that batch 1 sees both classes, half the time each.
import { fillUniform, fillSphere } from "./rng";
import { gemm } from "./gemm";
import { netTrain } from "./net";
import { Online, netAt } from "./state";

// The buffers and sampling settings are an Online record (state.ts) the engine wrote.

/** Positive rows of an online batch at step t (updates applied before it): half, and the odd row alternating. */
export function onlinePositives(rows: i32, t: i32): i32 {
  return (rows >> 1) + ((rows & 1) != 0 && (t & 1) == 0 ? 1 : 0);
}

/** Draws the batch of step t into Z (and X), and its labels. */
export function onlineDraw(online: usize, t: i32): void {
  const o = changetype<Online>(online);
  const rows = o.rows, nPos = onlinePositives(rows, t), cd = o.coreDim, bd = o.bgDim, fd = cd + bd;
  const Y = o.Y;
  for (let r = 0; r < rows; r++) store<f32>(Y + (<usize>r << 2), r < nPos ? 1 : -1);
  const stream = o.stream, core = o.core, bg = o.bg, Z = o.Z;
  const neg = core + (<usize>(nPos * cd) << 2);
  if (o.sphere) {
    fillSphere(stream, core, nPos, cd, 1, o.work);
    fillSphere(stream, neg, rows - nPos, cd, 2, o.work);
  } else {
    fillUniform(stream, core, nPos * cd, 1, 0);
    fillUniform(stream, neg, (rows - nPos) * cd, -1, 0);
  }
  fillUniform(stream, bg, rows * bd, 1, o.bgOffset);
  for (let r = 0; r < rows; r++) {
    const z = Z + (<usize>(r * fd) << 2);
    memory.copy(z, core + (<usize>(r * cd) << 2), <usize>cd << 2);
    memory.copy(z + (<usize>cd << 2), bg + (<usize>(r * bd) << 2), <usize>bd << 2);
  }
  if (o.dense) gemm(Z, fd, 1, o.V, o.X, rows, o.inputDim, fd, 0);
}

/** k online steps; returns the loss sum of the last batch. */
export function onlineTrain(online: usize, k: i32): f64 {
  const o = changetype<Online>(online);
  const X = o.dense ? o.X : o.Z;
  let s: f64 = 0;
  for (let i = 0; i < k; i++) {
    onlineDraw(online, netAt(o.net).step);
    s = netTrain(o.net, X, o.Y, o.rows, 1);
  }
  return s;
}
