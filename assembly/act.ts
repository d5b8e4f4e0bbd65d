import { sigmoid32, tanh32, gelu32, GELU_BOTH, GELU_SMALL_ONLY, GELU_TAIL_ONLY, GELU_SMALL } from "./act32";
import { nanTo } from "./act32-ops";
import { ACT_IDENTITY, ACT_RELU, ACT_LEAKYRELU, ACT_GELU, ACT_SIGMOID, ACT_TANH } from "./ids";

// Activations and their derivatives, elementwise. Ids: assembly/ids.ts (shared with the engine).
// Piecewise-linear ones run in SIMD with the scalar build's exact semantics (select on
// z > 0; ReLU gives +0 below zero as PyTorch does). Smooth ones are float32 functions written
// once for both builds (act32.ts): four lanes at a time in SIMD, the same bits as the scalar build.
const LEAK: f32 = 0.1;

// @ts-ignore: decorator
@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/**
 * A = act(Z), count elements (A may alias Z). For GELU, a non-zero `deriv` receives GELU'(z) as
 * float32 per element (computed with the forward values, sharing exp(-z^2/2)), which actBackward
 * then only multiplies by: the backward pass reads no Z and evaluates nothing.
 */
export function actForward(kind: i32, Z: usize, A: usize, count: i32, deriv: usize = 0): void {
  let i = 0;
  if (kind == ACT_IDENTITY) {
    if (A != Z) memory.copy(A, Z, <usize>count << 2);
    return;
  }
  if (kind == ACT_RELU || kind == ACT_LEAKYRELU) {
    if (ASC_FEATURE_SIMD) {
      const zero = f32x4.splat(0), leak = f32x4.splat(kind == ACT_RELU ? 0 : LEAK);
      for (; i + 4 <= count; i += 4) {
        const z = v128.load(at(Z, i));
        const neg = kind == ACT_RELU ? zero : f32x4.mul(z, leak);
        v128.store(at(A, i), v128.bitselect(z, neg, f32x4.gt(z, zero)));
      }
    }
    const k: f32 = kind == ACT_RELU ? 0 : LEAK;
    for (; i < count; i++) {
      const z = load<f32>(at(Z, i));
      store<f32>(at(A, i), z > 0 ? z : (kind == ACT_RELU ? 0 : z * k));
    }
    return;
  }
  if (kind == ACT_GELU) {
    geluForward(Z, A, count, deriv);
    return;
  }
  if (kind == ACT_SIGMOID) smoothForward<Sigmoid>(Z, A, count);
  else smoothForward<Tanh>(Z, A, count);
}

// The smooth activations of act32.ts as types, so one loop serves both (changetype<F>(0) gives the
// calls, as PanelRows does in gemm.ts).
@unmanaged class Sigmoid {
  // @ts-ignore: decorator
  @inline v(z: v128): v128 { return sigmoid32<v128>(z); }
  // @ts-ignore: decorator
  @inline s(z: f32): f32 { return sigmoid32<f32>(z); }
}
@unmanaged class Tanh {
  // @ts-ignore: decorator
  @inline v(z: v128): v128 { return tanh32<v128>(z); }
  // @ts-ignore: decorator
  @inline s(z: f32): f32 { return tanh32<f32>(z); }
}

// Sigmoid and tanh run 16 elements a step, as four independent vectors: one vector's chain of
// dependent operations (exp, then a division) leaves the core idle, four in flight ran 2.2x
// faster. Each activation gets a loop of its own (in one loop with both, V8 kept neither's values
// in registers).
function smoothForward<F>(Z: usize, A: usize, count: i32): void {
  const f = changetype<F>(0);
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 16 <= count; i += 16) {
      const p = at(Z, i), q = at(A, i);
      const z0 = v128.load(p), z1 = v128.load(p, 16), z2 = v128.load(p, 32), z3 = v128.load(p, 48);
      const a0 = f.v(z0), a1 = f.v(z1), a2 = f.v(z2), a3 = f.v(z3);
      v128.store(q, nanTo<v128>(z0, a0)); v128.store(q, nanTo<v128>(z1, a1), 16);
      v128.store(q, nanTo<v128>(z2, a2), 32); v128.store(q, nanTo<v128>(z3, a3), 48);
    }
    for (; i + 4 <= count; i += 4) {
      const z = v128.load(at(Z, i));
      v128.store(at(A, i), nanTo<v128>(z, f.v(z)));
    }
  }
  for (; i < count; i++) {
    const z = load<f32>(at(Z, i));
    store<f32>(at(A, i), nanTo<f32>(z, f.s(z)));
  }
}

/**
 * Z += bias, then A = ReLU(Z) or LeakyReLU(Z), in one pass over a row of count values (the GEMM
 * epilogue's forward step for the piecewise-linear activations: the same operations as addBias
 * followed by actForward, without a second pass and call per row).
 */
export function reluBias(kind: i32, Z: usize, bias: usize, A: usize, count: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const zero = f32x4.splat(0), leak = f32x4.splat(kind == ACT_RELU ? 0 : LEAK);
    for (; i + 4 <= count; i += 4) {
      const z = f32x4.add(v128.load(at(Z, i)), v128.load(at(bias, i)));
      v128.store(at(Z, i), z);
      const neg = kind == ACT_RELU ? zero : f32x4.mul(z, leak);
      v128.store(at(A, i), v128.bitselect(z, neg, f32x4.gt(z, zero)));
    }
  }
  const k: f32 = kind == ACT_RELU ? 0 : LEAK;
  for (; i < count; i++) {
    const z = load<f32>(at(Z, i)) + load<f32>(at(bias, i));
    store<f32>(at(Z, i), z);
    store<f32>(at(A, i), z > 0 ? z : (kind == ACT_RELU ? 0 : z * k));
  }
}

function geluForward(Z: usize, A: usize, count: i32, D: usize): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= count; i += 4) {
      const z = v128.load(at(Z, i));
      const small = f32x4.lt(f32x4.abs(z), f32x4.splat(GELU_SMALL));
      const d = D ? at(D, i) : 0;
      if (i32x4.all_true(small)) gelu32<v128>(z, at(A, i), d, GELU_SMALL_ONLY);
      else if (!v128.any_true(small)) gelu32<v128>(z, at(A, i), d, GELU_TAIL_ONLY);
      else gelu32<v128>(z, at(A, i), d, GELU_BOTH);
    }
  }
  for (; i < count; i++) {
    const z = load<f32>(at(Z, i));
    const d = D ? at(D, i) : 0;
    if (abs<f32>(z) < GELU_SMALL) gelu32<f32>(z, at(A, i), d, GELU_SMALL_ONLY);
    else gelu32<f32>(z, at(A, i), d, GELU_TAIL_ONLY);
  }
}

/**
 * dZ = dA * act'(Z), using the output A where the derivative is a function of it (as PyTorch);
 * for GELU, GELU'(z) from actForward's `deriv` when given, else computed here (the same bits).
 */
export function actBackward(kind: i32, Z: usize, A: usize, dA: usize, dZ: usize, count: i32, deriv: usize = 0): void {
  let i = 0;
  if (kind == ACT_IDENTITY) {
    if (dZ != dA) memory.copy(dZ, dA, <usize>count << 2);
    return;
  }
  if (kind == ACT_RELU || kind == ACT_LEAKYRELU) {
    if (ASC_FEATURE_SIMD) {
      const zero = f32x4.splat(0), leak = f32x4.splat(kind == ACT_RELU ? 0 : LEAK);
      for (; i + 4 <= count; i += 4) {
        const z = v128.load(at(Z, i)), g = v128.load(at(dA, i));
        const neg = kind == ACT_RELU ? zero : f32x4.mul(g, leak);
        v128.store(at(dZ, i), v128.bitselect(g, neg, f32x4.gt(z, zero)));
      }
    }
    const k: f32 = kind == ACT_RELU ? 0 : LEAK;
    for (; i < count; i++) {
      const g = load<f32>(at(dA, i));
      store<f32>(at(dZ, i), load<f32>(at(Z, i)) > 0 ? g : (kind == ACT_RELU ? 0 : g * k));
    }
    return;
  }
  if (kind == ACT_GELU) {
    if (!deriv) {
      // no stored derivative: compute it into dZ (after reading dA, which dZ may alias)
      for (; i < count; i++) {
        const g = load<f32>(at(dA, i));
        gelu32<f32>(load<f32>(at(Z, i)), at(dZ, i), at(dZ, i), abs<f32>(load<f32>(at(Z, i))) < GELU_SMALL ? GELU_SMALL_ONLY : GELU_TAIL_ONLY);
        store<f32>(at(dZ, i), g * load<f32>(at(dZ, i)));
      }
      return;
    }
    if (ASC_FEATURE_SIMD) {
      for (; i + 4 <= count; i += 4) v128.store(at(dZ, i), f32x4.mul(v128.load(at(dA, i)), v128.load(at(deriv, i))));
    }
    for (; i < count; i++) store<f32>(at(dZ, i), load<f32>(at(dA, i)) * load<f32>(at(deriv, i)));
    return;
  }
  // sigmoid: a(1-a); tanh: 1-a^2, from the float32 output as PyTorch does
  const sig = kind == ACT_SIGMOID;
  if (ASC_FEATURE_SIMD) {
    const one = f32x4.splat(1);
    for (; i + 4 <= count; i += 4) {
      const a = v128.load(at(A, i)), g = v128.load(at(dA, i));
      const d = sig ? f32x4.mul(a, f32x4.sub(one, a)) : f32x4.sub(one, f32x4.mul(a, a));
      v128.store(at(dZ, i), f32x4.mul(g, d));
    }
  }
  for (; i < count; i++) {
    const a = load<f32>(at(A, i)), g = load<f32>(at(dA, i));
    const d: f32 = sig ? a * (<f32>1 - a) : <f32>1 - a * a;
    store<f32>(at(dZ, i), g * d);
  }
}
