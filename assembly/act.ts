import { sigmoid32, tanh32, gelu32, geluSmall4, geluTail2, GELU_BOTH, GELU_SMALL_ONLY, GELU_TAIL_ONLY, GELU_SMALL, K_GELU_SMALL } from "./act32";
import { nanTo } from "./act32-ops";
import { threadIndex, SCRATCH_SLOTS } from "./thread";
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
  actForwardBias(kind, Z, 0, A, count, deriv);
}

/**
 * Z += bias (bias 0: none), then actForward's A = act(Z) (and GELU's `deriv`), in one pass: the
 * GEMM epilogue's forward step, the same operations as a bias pass followed by actForward.
 */
// @ts-ignore: decorator
@inline export function actForwardBias(kind: i32, Z: usize, bias: usize, A: usize, count: i32, deriv: usize): void {
  if (kind == ACT_IDENTITY) identityBias(Z, bias, A, count);
  else if (kind == ACT_RELU || kind == ACT_LEAKYRELU) reluBias(kind, Z, bias, A, count);
  else if (kind == ACT_GELU) geluForward(Z, bias, A, count, deriv);
  else if (kind == ACT_SIGMOID) smoothForward<Sigmoid>(Z, bias, A, count);
  else smoothForward<Tanh>(Z, bias, A, count);
}

// The bias pass's write-back is needed only where A is a separate output: in place (training
// steps, phases.ts's F_NO_HIDDEN_Z) the activation's store replaces it. `back` = writeBack(...).
// @ts-ignore: decorator
@inline function writeBack(Z: usize, bias: usize, A: usize): bool {
  return bias != 0 && A != Z;
}

/** Z[i..i+4) + bias[i..i+4) when there is a bias (stored back into Z if `back`); else Z[i..i+4). */
// @ts-ignore: decorator
@inline function biased4(Z: usize, bias: usize, i: i32, back: bool): v128 {
  let z = v128.load(at(Z, i));
  if (bias) {
    z = f32x4.add(z, v128.load(at(bias, i)));
    if (back) v128.store(at(Z, i), z);
  }
  return z;
}

/** Z[i] + bias[i] when there is a bias (stored back into Z if `back`); else Z[i]. */
// @ts-ignore: decorator
@inline function biased1(Z: usize, bias: usize, i: i32, back: bool): f32 {
  let z = load<f32>(at(Z, i));
  if (bias) {
    z += load<f32>(at(bias, i));
    if (back) store<f32>(at(Z, i), z);
  }
  return z;
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
function smoothForward<F>(Z: usize, bias: usize, A: usize, count: i32): void {
  const f = changetype<F>(0);
  const back = writeBack(Z, bias, A);
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 16 <= count; i += 16) {
      const q = at(A, i);
      const z0 = biased4(Z, bias, i, back), z1 = biased4(Z, bias, i + 4, back), z2 = biased4(Z, bias, i + 8, back), z3 = biased4(Z, bias, i + 12, back);
      const a0 = f.v(z0), a1 = f.v(z1), a2 = f.v(z2), a3 = f.v(z3);
      v128.store(q, nanTo<v128>(z0, a0)); v128.store(q, nanTo<v128>(z1, a1), 16);
      v128.store(q, nanTo<v128>(z2, a2), 32); v128.store(q, nanTo<v128>(z3, a3), 48);
    }
    for (; i + 4 <= count; i += 4) {
      const z = biased4(Z, bias, i, back);
      v128.store(at(A, i), nanTo<v128>(z, f.v(z)));
    }
  }
  for (; i < count; i++) {
    const z = biased1(Z, bias, i, back);
    store<f32>(at(A, i), nanTo<f32>(z, f.s(z)));
  }
}

// reluBias and identityBias are inlined, so a call with bias 0 (actForward) gets loops without the
// bias test (it cost 1.3x on rows of 128 when kept in the loop)
/** Z += bias, then A = ReLU(Z) or LeakyReLU(Z) (ReLU gives +0 below zero, as PyTorch). */
// @ts-ignore: decorator
@inline function reluBias(kind: i32, Z: usize, bias: usize, A: usize, count: i32): void {
  const back = writeBack(Z, bias, A);
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const zero = f32x4.splat(0), leak = f32x4.splat(kind == ACT_RELU ? 0 : LEAK);
    for (; i + 4 <= count; i += 4) {
      const z = biased4(Z, bias, i, back);
      const neg = kind == ACT_RELU ? zero : f32x4.mul(z, leak);
      v128.store(at(A, i), v128.bitselect(z, neg, f32x4.gt(z, zero)));
    }
  }
  const k: f32 = kind == ACT_RELU ? 0 : LEAK;
  for (; i < count; i++) {
    const z = biased1(Z, bias, i, back);
    store<f32>(at(A, i), z > 0 ? z : (kind == ACT_RELU ? 0 : z * k));
  }
}

/** Z += bias, then A = Z. */
// @ts-ignore: decorator
@inline function identityBias(Z: usize, bias: usize, A: usize, count: i32): void {
  if (bias) {
    const back = writeBack(Z, bias, A);
    let i = 0;
    if (ASC_FEATURE_SIMD) {
      for (; i + 4 <= count; i += 4) v128.store(at(A, i), biased4(Z, bias, i, back));
    }
    for (; i < count; i++) store<f32>(at(A, i), biased1(Z, bias, i, back));
  } else if (A != Z) memory.copy(A, Z, <usize>count << 2);
}

// The GELU's SIMD loop: 4-lane groups whose lanes fall on both sides of GELU_SMALL are most
// groups in training (55-70% of them in toy-default runs at iterations 500-5,000, where 20-28% of
// the values are beyond it), and a group that evaluates both forms
// costs the sum of the two. So a block of values is run in two passes: the polynomial form for
// every lane, while the lanes that need the tail form (|z| >= GELU_SMALL, NaN included) are
// compacted, with their indices, into a list; then the tail form four listed values at a time,
// its results stored over the polynomial ones. Each value still goes through the same one form
// as the scalar loop's (same bits); only which lanes share a vector changes.
// Both passes evaluate several vectors' polynomials side by side (geluSmall4, geluTail2: a lone
// vector's Horner chain left the core waiting). The first pass stores no canonical NaN (a NaN lane
// is listed, and the tail form stores over it) and takes a missing bias as -0, which adds nothing
// (z + -0 = z for every z, -0 included), so its loop has no test but the bias's write-back (made
// where A is a separate output).
const GELU_BLOCK = 256;
// a thread's lists: z values and indices (GELU_BLOCK + 4 each: a compacted store writes a whole
// vector), then the tail form's four result vectors (two vectors' GELU and GELU'); slots 128-byte
// aligned and padded, so that two threads never write one cache line (or an adjacent-line
// prefetch pair)
const GELU_LIST = (GELU_BLOCK + 4) << 2, GELU_SCRATCH = (2 * GELU_LIST + 64 + 127) & ~127;
const geluBuf: usize = ASC_FEATURE_SIMD ? (heap.alloc(GELU_SCRATCH * SCRATCH_SLOTS + 127) + 127) & ~<usize>127 : 0;
// for each 4-bit mask m of tail lanes, the byte shuffle that moves those lanes to the front, in
// order: row m holds bytes 4l..4l+3 for each set bit l of m, then lane 0's (unused) to fill it
const K_COMPACT = memory.data<u8>([
  0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3,
  0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3,
  4, 5, 6, 7, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3,
  0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 0, 1, 2, 3,
  8, 9, 10, 11, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3,
  0, 1, 2, 3, 8, 9, 10, 11, 0, 1, 2, 3, 0, 1, 2, 3,
  4, 5, 6, 7, 8, 9, 10, 11, 0, 1, 2, 3, 0, 1, 2, 3,
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0, 1, 2, 3,
  12, 13, 14, 15, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3,
  0, 1, 2, 3, 12, 13, 14, 15, 0, 1, 2, 3, 0, 1, 2, 3,
  4, 5, 6, 7, 12, 13, 14, 15, 0, 1, 2, 3, 0, 1, 2, 3,
  0, 1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15, 0, 1, 2, 3,
  8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 0, 1, 2, 3,
  0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3,
  4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3,
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
], 16);
// the same rows as lane numbers (K_COMPACT's lane l moved to the front, as an i32 each)
const K_COMPACT_LANES = memory.data<i32>([
  0, 0, 0, 0,  0, 0, 0, 0,  1, 0, 0, 0,  0, 1, 0, 0,
  2, 0, 0, 0,  0, 2, 0, 0,  1, 2, 0, 0,  0, 1, 2, 0,
  3, 0, 0, 0,  0, 3, 0, 0,  1, 3, 0, 0,  0, 1, 3, 0,
  2, 3, 0, 0,  0, 2, 3, 0,  1, 2, 3, 0,  0, 1, 2, 3,
], 16);
const K_FOUR = memory.data<i32>([4, 4, 4, 4], 16);
const K_ABS = memory.data<u32>([0x7FFFFFFF, 0x7FFFFFFF, 0x7FFFFFFF, 0x7FFFFFFF], 16);
// four vectors of -0, the bias of a layer without one: z + -0 = z for every z (-0 included)
const K_NEG_ZERO = memory.data<u32>([
  0x80000000, 0x80000000, 0x80000000, 0x80000000, 0x80000000, 0x80000000, 0x80000000, 0x80000000,
  0x80000000, 0x80000000, 0x80000000, 0x80000000, 0x80000000, 0x80000000, 0x80000000, 0x80000000,
], 16);

function geluForward(Z: usize, bias: usize, A: usize, count: i32, D: usize): void {
  const back = writeBack(Z, bias, A);
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const n4 = count & ~3;
    if (threadIndex < SCRATCH_SLOTS) {
      const buf = geluBuf + <usize>threadIndex * GELU_SCRATCH;
      for (; i < n4; i += GELU_BLOCK) geluBlock(Z, bias, A, D, i, min(n4, i + GELU_BLOCK), buf);
      i = n4;
    } else {
      // a thread without a scratch slot: each group evaluates the forms its lanes need
      for (; i < n4; i += 4) {
        const z = biased4(Z, bias, i, back);
        const small = f32x4.lt(f32x4.abs(z), f32x4.splat(GELU_SMALL));
        const d = D ? at(D, i) : 0;
        if (i32x4.all_true(small)) gelu32<v128>(z, at(A, i), d, GELU_SMALL_ONLY);
        else if (!v128.any_true(small)) gelu32<v128>(z, at(A, i), d, GELU_TAIL_ONLY);
        else gelu32<v128>(z, at(A, i), d, GELU_BOTH);
      }
    }
  }
  for (; i < count; i++) {
    const z = biased1(Z, bias, i, back);
    const d = D ? at(D, i) : 0;
    if (abs<f32>(z) < GELU_SMALL) gelu32<f32>(z, at(A, i), d, GELU_SMALL_ONLY);
    else gelu32<f32>(z, at(A, i), d, GELU_TAIL_ONLY);
  }
}

/**
 * Appends the tail lanes (|z| >= GELU_SMALL or NaN) of the group whose first index is in every lane
 * of iv, and their indices, to the lists at n; returns the new length.
 */
// @ts-ignore: decorator
@inline function listTail(z: v128, iv: v128, n: i32, zs: usize, ix: usize, small: v128, absMask: v128): i32 {
  // the mask of small lanes, inverted in a scalar register (NaN is not small: listed)
  const m = i32x4.bitmask(f32x4.lt(v128.and(z, absMask), small)) ^ 15;
  v128.store(at(zs, n), i8x16.swizzle(z, v128.load(K_COMPACT + (<usize>m << 4))));
  v128.store(at(ix, n), i32x4.add(iv, v128.load(K_COMPACT_LANES + (<usize>m << 4))));
  return n + <i32>popcnt<u32>(m);
}

/** Values [i0, i1) (whole groups of 4) in the two passes described above (bias as actForwardBias's), with buf a thread's lists. */
function geluBlock(Z: usize, bias: usize, A: usize, D: usize, i0: i32, i1: i32, buf: usize): void {
  // without D, the first pass's derivatives go to res (overwritten later): one straight loop body
  const zs = buf, ix = buf + GELU_LIST, res = ix + GELU_LIST, dump = res;
  const small = v128.load(K_GELU_SMALL), absMask = v128.load(K_ABS), four = v128.load(K_FOUR);
  const back = writeBack(Z, bias, A);
  let n = 0, i = i0, iv = i32x4.splat(i0);
  // four groups a step, their polynomials side by side
  for (; i + 16 <= i1; i += 16) {
    const q = at(Z, i), bp = bias ? at(bias, i) : K_NEG_ZERO;
    const z0 = f32x4.add(v128.load(q), v128.load(bp)), z1 = f32x4.add(v128.load(q, 16), v128.load(bp, 16));
    const z2 = f32x4.add(v128.load(q, 32), v128.load(bp, 32)), z3 = f32x4.add(v128.load(q, 48), v128.load(bp, 48));
    if (back) {
      v128.store(q, z0); v128.store(q, z1, 16); v128.store(q, z2, 32); v128.store(q, z3, 48);
    }
    geluSmall4(z0, z1, z2, z3, at(A, i), D ? at(D, i) : dump);
    n = listTail(z0, iv, n, zs, ix, small, absMask); iv = i32x4.add(iv, four);
    n = listTail(z1, iv, n, zs, ix, small, absMask); iv = i32x4.add(iv, four);
    n = listTail(z2, iv, n, zs, ix, small, absMask); iv = i32x4.add(iv, four);
    n = listTail(z3, iv, n, zs, ix, small, absMask); iv = i32x4.add(iv, four);
  }
  for (; i < i1; i += 4) {
    const z = biased4(Z, bias, i, back);
    gelu32<v128>(z, at(A, i), D ? at(D, i) : 0, GELU_SMALL_ONLY);
    n = listTail(z, iv, n, zs, ix, small, absMask); iv = i32x4.add(iv, four);
  }
  if (n == 0) return;
  // the last vector filled up with the last listed value (evaluated again, it stores the same bits)
  for (let j = n; j & 3; j++) {
    store<f32>(at(zs, j), load<f32>(at(zs, n - 1)));
    store<i32>(at(ix, j), load<i32>(at(ix, n - 1)));
  }
  const dr = D ? res + 16 : 0;
  let j = 0;
  // two vectors a step (geluTail2), a last lone one as gelu32
  for (; j + 8 <= n; j += 8) {
    geluTail2(v128.load(at(zs, j)), v128.load(at(zs, j + 4)), res);
    scatter4(A, D, at(ix, j), res, res + 32);
    scatter4(A, D, at(ix, j + 4), res + 16, res + 48);
  }
  for (; j < n; j += 4) {
    gelu32<v128>(v128.load(at(zs, j)), res, dr, GELU_TAIL_ONLY);
    scatter4(A, D, at(ix, j), res, dr);
  }
}

/** A[k] = r[l] and (with D) D[k] = d[l] for the four listed indices k = p[l]. */
// @ts-ignore: decorator
@inline function scatter4(A: usize, D: usize, p: usize, r: usize, d: usize): void {
  const k0 = load<i32>(p), k1 = load<i32>(p, 4), k2 = load<i32>(p, 8), k3 = load<i32>(p, 12);
  store<f32>(at(A, k0), load<f32>(r)); store<f32>(at(A, k1), load<f32>(r, 4));
  store<f32>(at(A, k2), load<f32>(r, 8)); store<f32>(at(A, k3), load<f32>(r, 12));
  if (D) {
    store<f32>(at(D, k0), load<f32>(d)); store<f32>(at(D, k1), load<f32>(d, 4));
    store<f32>(at(D, k2), load<f32>(d, 8)); store<f32>(at(D, k3), load<f32>(d, 12));
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
