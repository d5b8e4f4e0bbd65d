import { normalCdf, normalPdf, normalCdfSmall2, cdfIsSmall } from "./erf";
import { ACT_IDENTITY, ACT_RELU, ACT_LEAKYRELU, ACT_GELU, ACT_SIGMOID } from "./ids";

// Activations and their derivatives, elementwise. Ids: assembly/ids.ts (shared with the engine).
// Piecewise-linear ones run in SIMD with the scalar build's exact semantics (select on
// z > 0; ReLU gives +0 below zero as PyTorch does). Smooth ones are evaluated in float64 and rounded
// once to float32, which is as exact as float32 allows; both builds run the same scalar code.
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

/**
 * A = act(Z), count elements (A may alias Z). For GELU, a non-zero `cdf` receives Phi(z) as
 * float64 per element, which actBackward reuses instead of computing it again.
 */
export function actForward(kind: i32, Z: usize, A: usize, count: i32, cdf: usize = 0): void {
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
    geluForward(Z, A, count, cdf);
    return;
  }
  for (; i < count; i++) {
    const z = <f64>load<f32>(at(Z, i));
    let a: f64;
    if (kind == ACT_SIGMOID) a = sigmoid64(z);
    else a = Math.tanh(z);
    store<f32>(at(A, i), <f32>a);
  }
}

// @ts-ignore: decorator
@inline function geluOne(Z: usize, A: usize, cdf: usize, i: i32): void {
  const z = <f64>load<f32>(at(Z, i));
  const p = normalCdf(z);
  if (cdf) store<f64>(cdf + (<usize>i << 3), p);
  store<f32>(at(A, i), <f32>(z * p));
}

function geluForward(Z: usize, A: usize, count: i32, cdf: usize): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    // pairs whose Phi comes from the Taylor piece run two lanes at a time, with the same operations
    for (; i + 2 <= count; i += 2) {
      const z0 = <f64>load<f32>(at(Z, i)), z1 = <f64>load<f32>(at(Z, i + 1));
      if (!cdfIsSmall(z0) || !cdfIsSmall(z1)) {
        geluOne(Z, A, cdf, i);
        geluOne(Z, A, cdf, i + 1);
        continue;
      }
      const z = f64x2(z0, z1);
      const p = normalCdfSmall2(z);
      if (cdf) v128.store(cdf + (<usize>i << 3), p);
      const a = f64x2.mul(z, p);
      store<f32>(at(A, i), <f32>f64x2.extract_lane(a, 0));
      store<f32>(at(A, i + 1), <f32>f64x2.extract_lane(a, 1));
    }
  }
  for (; i < count; i++) geluOne(Z, A, cdf, i);
}

/**
 * dZ = dA * act'(Z), using the output A where the derivative is a function of it (as PyTorch);
 * for GELU, Phi(z) from actForward's `cdf` when given (the same values, computed once).
 */
export function actBackward(kind: i32, Z: usize, A: usize, dA: usize, dZ: usize, count: i32, cdf: usize = 0): void {
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
      const p = cdf ? load<f64>(cdf + (<usize>i << 3)) : normalCdf(z);
      const d = p + z * normalPdf(z);
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
