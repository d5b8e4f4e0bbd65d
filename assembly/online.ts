// Online training: k steps, each on a fresh batch drawn inside the module, so a step costs no
// crossing between JavaScript and WebAssembly (at batch 1 those crossings and a sampler in
// TypeScript would cost more than the step). Draws exactly what src/data/feature-model.ts's
// OnlineSampler draws, in the same order from the same stream: core rows (the first nPos
// positive), then the background, then Z = [core | bg] and, for dense inputs, X = Z V.
// A batch of odd size has one row more of one class: the class alternates with the step (positive
// at even steps), so that batch 1 sees both classes, half the time each.
import { fillUniform, fillSphere } from "./rng";
import { gemm } from "./gemm";
import { netTrain, netGetStep } from "./net";

const S = memory.data(64, 8);
const O_STREAM = 0, O_CORE = 4, O_BG = 8, O_Z = 12, O_X = 16, O_V = 20, O_Y = 24, O_WORK = 28,
  O_ROWS = 32, O_CD = 40, O_BD = 44, O_IN = 48, O_SPHERE = 52, O_DENSE = 56, O_BGOFF = 60;

// @ts-ignore: decorator
@inline function p(o: usize): usize { return <usize>load<u32>(S + o); }
// @ts-ignore: decorator
@inline function n(o: usize): i32 { return load<i32>(S + o); }

/** Buffers (core rows x cd, bg rows x bd, Z, X, V, labels, float64 work) and the sampling settings. */
export function onlineSet(stream: usize, core: usize, bg: usize, Z: usize, X: usize, V: usize, Y: usize, work: usize,
                          rows: i32, coreDim: i32, bgDim: i32, inputDim: i32, sphere: bool, dense: bool,
                          bgOffset: f32): void {
  store<u32>(S + O_STREAM, stream); store<u32>(S + O_CORE, core); store<u32>(S + O_BG, bg);
  store<u32>(S + O_Z, Z); store<u32>(S + O_X, X); store<u32>(S + O_V, V); store<u32>(S + O_Y, Y);
  store<u32>(S + O_WORK, work);
  store<i32>(S + O_ROWS, rows); store<i32>(S + O_CD, coreDim);
  store<i32>(S + O_BD, bgDim); store<i32>(S + O_IN, inputDim);
  store<i32>(S + O_SPHERE, sphere ? 1 : 0); store<i32>(S + O_DENSE, dense ? 1 : 0);
  store<f32>(S + O_BGOFF, bgOffset);
}

/** Positive rows of an online batch at step t (updates applied before it): half, and the odd row alternating. */
export function onlinePositives(rows: i32, t: i32): i32 {
  return (rows >> 1) + ((rows & 1) != 0 && (t & 1) == 0 ? 1 : 0);
}

/** Draws the batch of step t into Z (and X), and its labels. */
export function onlineDraw(t: i32): void {
  const rows = n(O_ROWS), nPos = onlinePositives(rows, t), cd = n(O_CD), bd = n(O_BD), fd = cd + bd;
  const Y = p(O_Y);
  for (let r = 0; r < rows; r++) store<f32>(Y + (<usize>r << 2), r < nPos ? 1 : -1);
  const stream = p(O_STREAM), core = p(O_CORE), bg = p(O_BG), Z = p(O_Z);
  const neg = core + (<usize>(nPos * cd) << 2);
  if (n(O_SPHERE)) {
    fillSphere(stream, core, nPos, cd, 1, p(O_WORK));
    fillSphere(stream, neg, rows - nPos, cd, 2, p(O_WORK));
  } else {
    fillUniform(stream, core, nPos * cd, 1, 0);
    fillUniform(stream, neg, (rows - nPos) * cd, -1, 0);
  }
  fillUniform(stream, bg, rows * bd, 1, load<f32>(S + O_BGOFF));
  for (let r = 0; r < rows; r++) {
    const z = Z + (<usize>(r * fd) << 2);
    memory.copy(z, core + (<usize>(r * cd) << 2), <usize>cd << 2);
    memory.copy(z + (<usize>cd << 2), bg + (<usize>(r * bd) << 2), <usize>bd << 2);
  }
  if (n(O_DENSE)) gemm(Z, fd, 1, p(O_V), p(O_X), rows, n(O_IN), fd, 0);
}

/** k online steps; returns the loss sum of the last batch. */
export function onlineTrain(k: i32): f64 {
  const X = n(O_DENSE) ? p(O_X) : p(O_Z);
  let s: f64 = 0;
  for (let i = 0; i < k; i++) {
    onlineDraw(netGetStep());
    s = netTrain(X, p(O_Y), n(O_ROWS), 1);
  }
  return s;
}
