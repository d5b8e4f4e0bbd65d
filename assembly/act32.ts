import {
  splat, kv, add, sub, mul, div, fmin, fmax, fabs, fneg, ffloor, fnearest, fcopysign, high12, pow2i, selLt, selGe,
  nanTo, st,
} from "./act32-ops";
import { EXP_Q, CDF_P, DCDF_P, MILLS_S, MILLS_K } from "./act32-coeffs";

// exp, sigmoid, tanh and the exact GELU (with its derivative) in float32, each written once over
// T = f32 or T = v128 (act32-ops.ts), so the SIMD build's four lanes and the scalar build perform
// the same operations in the same order and give the same bits. Polynomials: scripts/fit-act32.py.
// Errors against float64 (tests/activations.test.ts measures them on a dense grid): sigmoid and
// tanh within 2.5 float32 ulps, GELU within 3.5 (subnormal results aside); see docs there.
// sigmoid32 and tanhE leave NaN handling (the canonical NaN out) to their callers (act.ts).

const LOG2E: f32 = 1.4426950216293335;
const LN2_HI: f32 = 0.693359375; // 9 significant bits: k * LN2_HI is exact for |k| <= 2^15
const LN2_LO: f32 = -2.1219444e-4; // ln 2 - LN2_HI
const INV_SQRT_2PI: f32 = 0.3989422804014327;
/** Where the GELU switches from its polynomials to the tail form. */
export const GELU_SMALL: f32 = 1;

// The vector forms' constants, 4 copies each, read with kv (act32-ops.ts): one load where a
// v128.const would be three instructions in the loop. (0 stays a splat: V8 makes it with one xor.)
const K_EXP_LO = memory.data<f32>([-104, -104, -104, -104], 16);
const K_LOG2E = memory.data<f32>([LOG2E, LOG2E, LOG2E, LOG2E], 16);
const K_LN2_HI = memory.data<f32>([LN2_HI, LN2_HI, LN2_HI, LN2_HI], 16);
const K_LN2_LO = memory.data<f32>([LN2_LO, LN2_LO, LN2_LO, LN2_LO], 16);
const K_ONE = memory.data<f32>([1, 1, 1, 1], 16);
const K_HALF = memory.data<f32>([0.5, 0.5, 0.5, 0.5], 16);
const K_TWO = memory.data<f32>([2, 2, 2, 2], 16);
const K_16 = memory.data<f32>([16, 16, 16, 16], 16);
const K_MINUS_HALF = memory.data<f32>([-0.5, -0.5, -0.5, -0.5], 16);
const K_MILLS_K = memory.data<f32>([MILLS_K, MILLS_K, MILLS_K, MILLS_K], 16);
const K_MINUS_16 = memory.data<f32>([-16, -16, -16, -16], 16);
export const K_GELU_SMALL = memory.data<f32>([GELU_SMALL, GELU_SMALL, GELU_SMALL, GELU_SMALL], 16);
const K_INV_SQRT_2PI = memory.data<f32>([INV_SQRT_2PI, INV_SQRT_2PI, INV_SQRT_2PI, INV_SQRT_2PI], 16);
const K_MINUS_2 = memory.data<f32>([-2, -2, -2, -2], 16);
const K_MINUS_40 = memory.data<f32>([-40, -40, -40, -40], 16);

/**
 * exp(hi + lo) for hi <= 0 (both callers' arguments: sigmoid's -|z|, the GELU's -x^2/2) and a
 * small correction lo. hi is clamped at -104 (below, exp is 0 in float32); x = k ln2 + r with k = nearest(x log2 e) (Cody and Waite: x - k LN2_HI is
 * exact), exp(r) = 1 + r + r^2 Q(r), and 2^k applied as 2^k1 2^k2 so that subnormal results
 * round once.
 */
// @ts-ignore: decorator
@inline export function expHL<T>(hi: T, lo: T): T {
  const x = fmax<T>(hi, kv<T>(K_EXP_LO, -104));
  const k = fnearest<T>(mul<T>(x, kv<T>(K_LOG2E, LOG2E)));
  const r = sub<T>(add<T>(sub<T>(x, mul<T>(k, kv<T>(K_LN2_HI, LN2_HI))), lo), mul<T>(k, kv<T>(K_LN2_LO, LN2_LO)));
  const e = add<T>(kv<T>(K_ONE, 1), add<T>(r, mul<T>(mul<T>(r, r), EXP_Q<T>(r))));
  const k1 = ffloor<T>(mul<T>(k, kv<T>(K_HALF, 0.5)));
  return mul<T>(mul<T>(e, pow2i<T>(k1)), pow2i<T>(sub<T>(k, k1)));
}

/** 1 / (1 + exp(-z)), as 1 / (1 + e) for z >= 0 and e / (1 + e) below, e = exp(-|z|). */
// @ts-ignore: decorator
@inline export function sigmoid32<T>(z: T): T {
  const e = expHL<T>(fneg<T>(fabs<T>(z)), splat<T>(0));
  return div<T>(selGe<T>(z, splat<T>(0), kv<T>(K_ONE, 1), e), add<T>(kv<T>(K_ONE, 1), e));
}


/**
 * tanh(x) for x >= 0 in one form for every x: -m / (m + 2) with m = expm1(-2x), which has no
 * cancellation anywhere (near 0, m ~ -2x to a relative ulp or two). m = 2^k (1 + p) - 1 is taken as
 * 2^k p + (2^k - 1), with -2x = k ln2 + r (Cody and Waite as in expHL), p = expm1(r) = r + r^2 Q(r);
 * -2x is clamped at -40 (tanh(20) is 1 in float32), so 2^k stays a normal number and m + 2 >= 1.
 */
// @ts-ignore: decorator
@inline export function tanhE<T>(x: T): T {
  const y = fmax<T>(mul<T>(x, kv<T>(K_MINUS_2, -2)), kv<T>(K_MINUS_40, -40));
  const k = fnearest<T>(mul<T>(y, kv<T>(K_LOG2E, LOG2E)));
  const r = sub<T>(sub<T>(y, mul<T>(k, kv<T>(K_LN2_HI, LN2_HI))), mul<T>(k, kv<T>(K_LN2_LO, LN2_LO)));
  const p = add<T>(r, mul<T>(mul<T>(r, r), EXP_Q<T>(r)));
  const s = pow2i<T>(k);
  const m = add<T>(mul<T>(s, p), sub<T>(s, kv<T>(K_ONE, 1)));
  return div<T>(fneg<T>(m), add<T>(m, kv<T>(K_TWO, 2)));
}



/** tanh(z): odd (tanh(-0) = -0); NaN handling as sigmoid32's. */
// @ts-ignore: decorator
@inline export function tanh32<T>(z: T): T {
  return fcopysign<T>(tanhE<T>(fabs<T>(z)), z);
}

/** GELU z Phi(z) for |z| < GELU_SMALL: Phi(z) = 1/2 + z P(z^2). */
// @ts-ignore: decorator
@inline export function geluSmall<T>(z: T): T {
  return mul<T>(z, add<T>(kv<T>(K_HALF, 0.5), mul<T>(z, CDF_P<T>(mul<T>(z, z)))));
}

/** GELU'(z) = Phi(z) + z phi(z) for |z| < GELU_SMALL: 1/2 + z P'(z^2). */
// @ts-ignore: decorator
@inline export function dgeluSmall<T>(z: T): T {
  return add<T>(kv<T>(K_HALF, 0.5), mul<T>(z, DCDF_P<T>(mul<T>(z, z))));
}

// which of the GELU's two forms a call evaluates: both and a per-lane select, or only one when
// the caller knows every lane's |z| is on one side of GELU_SMALL (the same bits either way)
export const GELU_BOTH = 0, GELU_SMALL_ONLY = 1, GELU_TAIL_ONLY = 2;

/**
 * A = GELU(z) and, when D != 0, D = GELU'(z). For |z| >= GELU_SMALL, with x = min(|z|, 16),
 * E = exp(-x^2/2) (x^2 split into an exact high part and a small rest, so E keeps float32
 * accuracy out to x = 14) and F = Phi(-x) / E, the Mills ratio over sqrt(2 pi), fitted as
 * S(w) / (x + K):
 *   Phi(-x) = E F,  G = Phi(-x) - x phi(x) = E (F - x / sqrt(2 pi)),
 * then z < 0: GELU = (z F) E, GELU' = G; z > 0: GELU = z (1 - E F), GELU' = 1 - G. Below z = -16,
 * E = 0 and GELU = -0. NaN in, the canonical NaN out.
 */
// The tail form runs first and the polynomials after it, so that in GELU_BOTH only the tail's two
// results stay live across the polynomials; the derivative is computed whether or not D is given
// (a few operations; forward passes without a backward pass are rare), so each form is one
// straight block of code: with it behind "if (D)" V8 kept E, F and x live across the branch.
// @ts-ignore: decorator
@inline export function gelu32<T>(z: T, A: usize, D: usize, mode: i32): void {
  let at = z, dt = z;
  if (mode != GELU_SMALL_ONLY) {
    const x = fmin<T>(fabs<T>(z), kv<T>(K_16, 16));
    const xh = high12<T>(x), xl = sub<T>(x, xh);
    const hi = mul<T>(mul<T>(xh, xh), kv<T>(K_MINUS_HALF, -0.5));
    const lo = mul<T>(mul<T>(xl, add<T>(x, xh)), kv<T>(K_MINUS_HALF, -0.5));
    const E = expHL<T>(hi, lo);
    const inv = div<T>(kv<T>(K_ONE, 1), add<T>(x, kv<T>(K_MILLS_K, MILLS_K)));
    const F = mul<T>(MILLS_S<T>(mul<T>(sub<T>(x, kv<T>(K_MILLS_K, MILLS_K)), inv)), inv);
    // z < 0: (z F) E, so that a subnormal E's rounding is not multiplied by |z|; below z = -16
    // max(z, -16) F E = -0, where z F E would be -inf * 0 = NaN at z = -inf
    const neg = mul<T>(mul<T>(fmax<T>(z, kv<T>(K_MINUS_16, -16)), F), E);
    at = selLt<T>(z, splat<T>(0), neg, mul<T>(z, sub<T>(kv<T>(K_ONE, 1), mul<T>(E, F))));
    const G = mul<T>(E, sub<T>(F, mul<T>(x, kv<T>(K_INV_SQRT_2PI, INV_SQRT_2PI))));
    dt = selLt<T>(z, splat<T>(0), G, sub<T>(kv<T>(K_ONE, 1), G));
  }
  let a = at, d = dt;
  if (mode != GELU_TAIL_ONLY) {
    a = geluSmall<T>(z);
    d = dgeluSmall<T>(z);
    if (mode == GELU_BOTH) {
      const small = kv<T>(K_GELU_SMALL, GELU_SMALL);
      a = selLt<T>(fabs<T>(z), small, a, at);
      d = selLt<T>(fabs<T>(z), small, d, dt);
    }
  }
  st<T>(A, nanTo<T>(z, a));
  if (D) st<T>(D, nanTo<T>(z, d));
}
