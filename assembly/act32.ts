import {
  splat, kv, add, sub, mul, div, fmin, fmax, fabs, fneg, ffloor, fnearest, fcopysign, high12, pow2i, selLt, selGe,
  nanTo, st,
} from "./act32-ops";
import { EXP_Q, CDF_P, DCDF_P, MILLS_S, MILLS_K, EXP_Q_K, EXP_Q_N, CDF_P_K, CDF_P_N, DCDF_P_K, DCDF_P_N, MILLS_S_K, MILLS_S_N } from "./act32-coeffs";

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
  const x = expClamp<T>(hi), k = expK<T>(x), r = expR<T>(x, lo, k);
  return expScale<T>(r, EXP_Q<T>(r), k);
}
// expHL's steps, also run side by side for two vectors (geluTail2):
/** hi clamped at -104. */
// @ts-ignore: decorator
@inline function expClamp<T>(hi: T): T {
  return fmax<T>(hi, kv<T>(K_EXP_LO, -104));
}
/** k = nearest(x log2 e). */
// @ts-ignore: decorator
@inline function expK<T>(x: T): T {
  return fnearest<T>(mul<T>(x, kv<T>(K_LOG2E, LOG2E)));
}
/** r = x + lo - k ln 2 (Cody and Waite). */
// @ts-ignore: decorator
@inline function expR<T>(x: T, lo: T, k: T): T {
  return sub<T>(add<T>(sub<T>(x, mul<T>(k, kv<T>(K_LN2_HI, LN2_HI))), lo), mul<T>(k, kv<T>(K_LN2_LO, LN2_LO)));
}
/** (1 + r + r^2 q) 2^k for q = EXP_Q(r). */
// @ts-ignore: decorator
@inline function expScale<T>(r: T, q: T, k: T): T {
  const e = add<T>(kv<T>(K_ONE, 1), add<T>(r, mul<T>(mul<T>(r, r), q)));
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
  return geluSmallOf<T>(z, CDF_P<T>(mul<T>(z, z)));
}
// @ts-ignore: decorator
@inline function geluSmallOf<T>(z: T, p: T): T {
  return mul<T>(z, add<T>(kv<T>(K_HALF, 0.5), mul<T>(z, p)));
}

/** GELU'(z) = Phi(z) + z phi(z) for |z| < GELU_SMALL: 1/2 + z P'(z^2). */
// @ts-ignore: decorator
@inline export function dgeluSmall<T>(z: T): T {
  return dgeluSmallOf<T>(z, DCDF_P<T>(mul<T>(z, z)));
}
// @ts-ignore: decorator
@inline function dgeluSmallOf<T>(z: T, p: T): T {
  return add<T>(kv<T>(K_HALF, 0.5), mul<T>(z, p));
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
    const x = tailX<T>(z), inv = millsInv<T>(x);
    const E = expHL<T>(tailHi<T>(x), tailLo<T>(x));
    const F = mul<T>(MILLS_S<T>(millsArg<T>(x, inv)), inv);
    at = tailA<T>(z, E, F);
    dt = tailD<T>(z, x, E, F);
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

// The tail form's steps (gelu32, and geluTail2 for two vectors side by side):
/** x = min(|z|, 16). */
// @ts-ignore: decorator
@inline function tailX<T>(z: T): T {
  return fmin<T>(fabs<T>(z), kv<T>(K_16, 16));
}
/** -x^2/2 = hi + lo: hi from x's high 12 bits (an exact square), lo the small rest. */
// @ts-ignore: decorator
@inline function tailHi<T>(x: T): T {
  const xh = high12<T>(x);
  return mul<T>(mul<T>(xh, xh), kv<T>(K_MINUS_HALF, -0.5));
}
// @ts-ignore: decorator
@inline function tailLo<T>(x: T): T {
  const xh = high12<T>(x), xl = sub<T>(x, xh);
  return mul<T>(mul<T>(xl, add<T>(x, xh)), kv<T>(K_MINUS_HALF, -0.5));
}
/** 1 / (x + K), and the Mills polynomial's argument (x - K) / (x + K) from it. */
// @ts-ignore: decorator
@inline function millsInv<T>(x: T): T {
  return div<T>(kv<T>(K_ONE, 1), add<T>(x, kv<T>(K_MILLS_K, MILLS_K)));
}
// @ts-ignore: decorator
@inline function millsArg<T>(x: T, inv: T): T {
  return mul<T>(sub<T>(x, kv<T>(K_MILLS_K, MILLS_K)), inv);
}
/** GELU from E = exp(-x^2/2) and F: z < 0: (z F) E, so that a subnormal E's rounding is not
 * multiplied by |z|; below z = -16 max(z, -16) F E = -0, where z F E would be -inf * 0 = NaN at
 * z = -inf; z > 0: z (1 - E F). */
// @ts-ignore: decorator
@inline function tailA<T>(z: T, E: T, F: T): T {
  const neg = mul<T>(mul<T>(fmax<T>(z, kv<T>(K_MINUS_16, -16)), F), E);
  return selLt<T>(z, splat<T>(0), neg, mul<T>(z, sub<T>(kv<T>(K_ONE, 1), mul<T>(E, F))));
}
/** GELU' from G = E (F - x / sqrt(2 pi)): G below zero, 1 - G above. */
// @ts-ignore: decorator
@inline function tailD<T>(z: T, x: T, E: T, F: T): T {
  const G = mul<T>(E, sub<T>(F, mul<T>(x, kv<T>(K_INV_SQRT_2PI, INV_SQRT_2PI))));
  return selLt<T>(z, splat<T>(0), G, sub<T>(kv<T>(K_ONE, 1), G));
}

// The SIMD loop's forms (act.ts), for vectors only: the operations of geluSmall, dgeluSmall and
// gelu32's tail form, with the polynomials of several vectors evaluated a Horner step at a time,
// side by side. One vector's Horner chain is a sequence of dependent multiply-adds: evaluated one
// after another, the chains of a loop step did not overlap (the core's window is shorter than a
// step), evaluated side by side they do (measured in docs/assembly.md, Activations). Every value
// gets the same operations in the same order as in the one-vector functions.

/** s x + c, c the vector at p (maddk's vector form). */
// @ts-ignore: decorator
@inline function hstep(s: v128, x: v128, p: usize): v128 {
  return f32x4.add(f32x4.mul(s, x), v128.load(p));
}

/**
 * geluSmall and dgeluSmall of z0..z3 (no canonical NaN: the caller lists NaN lanes for the tail
 * form), stored at A, A+16, A+32, A+48 and the same at D.
 */
// @ts-ignore: decorator
@inline export function geluSmall4(z0: v128, z1: v128, z2: v128, z3: v128, A: usize, D: usize): void {
  if (CDF_P_N != DCDF_P_N) ERROR("geluSmall4 runs CDF_P's and DCDF_P's steps side by side: they need the same degree");
  const u0 = f32x4.mul(z0, z0), u1 = f32x4.mul(z1, z1), u2 = f32x4.mul(z2, z2), u3 = f32x4.mul(z3, z3);
  let p0 = v128.load(CDF_P_K), p1 = p0, p2 = p0, p3 = p0;
  let r0 = v128.load(DCDF_P_K), r1 = r0, r2 = r0, r3 = r0;
  for (let o: usize = 16; o < <usize>CDF_P_N << 4; o += 16) {
    const c = CDF_P_K + o, g = DCDF_P_K + o;
    p0 = hstep(p0, u0, c); r0 = hstep(r0, u0, g);
    p1 = hstep(p1, u1, c); r1 = hstep(r1, u1, g);
    p2 = hstep(p2, u2, c); r2 = hstep(r2, u2, g);
    p3 = hstep(p3, u3, c); r3 = hstep(r3, u3, g);
  }
  v128.store(A, geluSmallOf<v128>(z0, p0)); v128.store(A, geluSmallOf<v128>(z1, p1), 16);
  v128.store(A, geluSmallOf<v128>(z2, p2), 32); v128.store(A, geluSmallOf<v128>(z3, p3), 48);
  v128.store(D, dgeluSmallOf<v128>(z0, r0)); v128.store(D, dgeluSmallOf<v128>(z1, r1), 16);
  v128.store(D, dgeluSmallOf<v128>(z2, r2), 32); v128.store(D, dgeluSmallOf<v128>(z3, r3), 48);
}

/** gelu32's tail form (GELU_TAIL_ONLY) of z0 and z1: GELU at R and R+16, GELU' at R+32 and R+48. */
// @ts-ignore: decorator
@inline export function geluTail2(z0: v128, z1: v128, R: usize): void {
  if (EXP_Q_N > MILLS_S_N) ERROR("geluTail2 runs EXP_Q's steps beside the first of MILLS_S's: EXP_Q needs the lower degree");
  const x0 = tailX<v128>(z0), x1 = tailX<v128>(z1);
  const y0 = expClamp<v128>(tailHi<v128>(x0)), y1 = expClamp<v128>(tailHi<v128>(x1));
  const k0 = expK<v128>(y0), k1 = expK<v128>(y1);
  const r0 = expR<v128>(y0, tailLo<v128>(x0), k0), r1 = expR<v128>(y1, tailLo<v128>(x1), k1);
  const inv0 = millsInv<v128>(x0), inv1 = millsInv<v128>(x1);
  const w0 = millsArg<v128>(x0, inv0), w1 = millsArg<v128>(x1, inv1);
  // the exp's polynomial and the Mills ratio's, of both vectors
  let q0 = v128.load(EXP_Q_K), q1 = q0, m0 = v128.load(MILLS_S_K), m1 = m0;
  let o: usize = 16;
  for (; o < <usize>EXP_Q_N << 4; o += 16) {
    q0 = hstep(q0, r0, EXP_Q_K + o); q1 = hstep(q1, r1, EXP_Q_K + o);
    m0 = hstep(m0, w0, MILLS_S_K + o); m1 = hstep(m1, w1, MILLS_S_K + o);
  }
  for (; o < <usize>MILLS_S_N << 4; o += 16) {
    m0 = hstep(m0, w0, MILLS_S_K + o); m1 = hstep(m1, w1, MILLS_S_K + o);
  }
  const E0 = expScale<v128>(r0, q0, k0), E1 = expScale<v128>(r1, q1, k1);
  const F0 = f32x4.mul(m0, inv0), F1 = f32x4.mul(m1, inv1);
  v128.store(R, nanTo<v128>(z0, tailA<v128>(z0, E0, F0))); v128.store(R, nanTo<v128>(z1, tailA<v128>(z1, E1, F1)), 16);
  v128.store(R, nanTo<v128>(z0, tailD<v128>(z0, x0, E0, F0)), 32); v128.store(R, nanTo<v128>(z1, tailD<v128>(z1, x1, E1, F1)), 48);
}
