import { normalCdf, normalPdf } from "./erf";

// Activations and their derivatives, elementwise. Ids are shared with the engine.
// Piecewise-linear ones run in SIMD with the scalar build's exact semantics (select on
// z > 0; ReLU gives +0 below zero as PyTorch does). Smooth ones are evaluated in float64 and rounded
// once to float32, which is as exact as float32 allows; both builds run the same scalar code.
export const ACT_IDENTITY = 0;
export const ACT_RELU = 1;
export const ACT_LEAKYRELU = 2;
export const ACT_GELU = 3;
export const ACT_SIGMOID = 4;
export const ACT_TANH = 5;
const LEAK: f32 = 0.1;

// @ts-ignore: decorator
@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

function sigmoid64(z: f64): f64 {
  // stable on both sides
  if (z >= 0) return 1.0 / (1.0 + Math.exp(-z));
  let e = Math.exp(z);
  return e / (1.0 + e);
}

/** A = act(Z), count elements (A may alias Z). */
export function actForward(kind: i32, Z: usize, A: usize, count: i32): void {
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
  for (; i < count; i++) {
    const z = <f64>load<f32>(at(Z, i));
    let a: f64;
    if (kind == ACT_GELU) a = z * normalCdf(z);
    else if (kind == ACT_SIGMOID) a = sigmoid64(z);
    else a = Math.tanh(z);
    store<f32>(at(A, i), <f32>a);
  }
}

/** dZ = dA * act'(Z), using the output A where the derivative is a function of it (as PyTorch). */
export function actBackward(kind: i32, Z: usize, A: usize, dA: usize, dZ: usize, count: i32): void {
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
    for (; i < count; i++) {
      const z = <f64>load<f32>(at(Z, i));
      const d = normalCdf(z) + z * normalPdf(z);
      store<f32>(at(dZ, i), <f32>(<f64>load<f32>(at(dA, i)) * d));
    }
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
