// The float32 operations that act32.ts is written in, for T = f32 (one value) or T = v128 (four
// f32 lanes). Each is the same IEEE operation in both forms (WASM's f32 and f32x4 add, mul, div,
// min, max, floor, nearest, abs and compare agree lane by lane), so a function written once over
// T gives the SIMD build the scalar build's bits. The v128 forms are only instantiated where
// ASC_FEATURE_SIMD holds. No fused multiply-add: WASM has none outside relaxed SIMD.

// The vector forms' bit masks and pow2i's bias, 4 copies each, one named table each (see kv).
const K_SIGN = memory.data<u32>([0x80000000, 0x80000000, 0x80000000, 0x80000000], 16);
const K_HIGH12 = memory.data<u32>([0xFFFFF000, 0xFFFFF000, 0xFFFFF000, 0xFFFFF000], 16);
const K_QNAN = memory.data<u32>([0x7FC00000, 0x7FC00000, 0x7FC00000, 0x7FC00000], 16);
const K_POW2_BIAS = memory.data<f32>([12583039, 12583039, 12583039, 12583039], 16); // 127 + 1.5 * 2^23

// @ts-ignore: decorator
@inline export function splat<T>(c: f32): T {
  if (isVector<T>()) return f32x4.splat(c);
  else return c;
}
// @ts-ignore: decorator
@inline export function add<T>(a: T, b: T): T {
  if (isVector<T>()) return f32x4.add(a, b);
  else return a + b;
}
// @ts-ignore: decorator
@inline export function sub<T>(a: T, b: T): T {
  if (isVector<T>()) return f32x4.sub(a, b);
  else return a - b;
}
// @ts-ignore: decorator
@inline export function mul<T>(a: T, b: T): T {
  if (isVector<T>()) return f32x4.mul(a, b);
  else return a * b;
}
// @ts-ignore: decorator
@inline export function div<T>(a: T, b: T): T {
  if (isVector<T>()) return f32x4.div(a, b);
  else return a / b;
}
/**
 * The constant c, which p holds 4 copies of (a table built with memory.data): the vector form
 * loads it (one instruction) where a v128.const costs V8 11 three (an immediate moved through a
 * general register, then broadcast), inside the loop; the scalar form is c. Tables and literals
 * hold the same float32, so both forms compute with the same value.
 */
// @ts-ignore: decorator
@inline export function kv<T>(p: usize, c: f32): T {
  if (isVector<T>()) return v128.load(p);
  else return c;
}
/** s * x + c (two roundings), with c as kv gives it. */
// @ts-ignore: decorator
@inline export function maddk<T>(s: T, x: T, p: usize, c: f32): T {
  return add<T>(mul<T>(s, x), kv<T>(p, c));
}
// min(a, b) and max(a, b) for a bound b that is a non-zero number (every caller clamps against a
// constant), as WASM's pseudo-minimum b < a ? b : a and pseudo-maximum a < b ? b : a: these differ
// from min and max only for a NaN b or zeros of both signs, so the values are the same (a NaN a
// comes out as itself either way); V8 emits one instruction for each, against 6-7 for f32x4.min
// and max (their NaN and -0 rules), and the GELU clamps three times per value.
// @ts-ignore: decorator
@inline export function fmin<T>(a: T, b: T): T {
  if (isVector<T>()) return f32x4.pmin(a, b);
  else return select<f32>(b, a, b < a);
}
// @ts-ignore: decorator
@inline export function fmax<T>(a: T, b: T): T {
  if (isVector<T>()) return f32x4.pmax(a, b);
  else return select<f32>(b, a, a < b);
}
// @ts-ignore: decorator
@inline export function fabs<T>(a: T): T {
  if (isVector<T>()) return f32x4.abs(a);
  else return abs<f32>(a);
}
// @ts-ignore: decorator
@inline export function fneg<T>(a: T): T {
  if (isVector<T>()) return f32x4.neg(a);
  else return -a;
}
// @ts-ignore: decorator
@inline export function ffloor<T>(a: T): T {
  if (isVector<T>()) return f32x4.floor(a);
  else return floor<f32>(a);
}
/** Round to the nearest integer, ties to even. */
// @ts-ignore: decorator
@inline export function fnearest<T>(a: T): T {
  if (isVector<T>()) return f32x4.nearest(a);
  else return nearest<f32>(a);
}
/** |a| with b's sign bit. */
// @ts-ignore: decorator
@inline export function fcopysign<T>(a: T, b: T): T {
  if (isVector<T>()) return v128.bitselect(b, a, v128.load(K_SIGN));
  else return copysign<f32>(a, b);
}
/** a with its low 12 significand bits cleared: 12 significant bits, so its square is exact. */
// @ts-ignore: decorator
@inline export function high12<T>(a: T): T {
  if (isVector<T>()) return v128.and(a, v128.load(K_HIGH12));
  else return reinterpret<f32>(reinterpret<u32>(a) & 0xFFFFF000);
}
/**
 * 2^k for an integral k in [-126, 127] given as a float: k + 127 lands in the low bits of
 * k + 127 + 1.5 * 2^23, and shifting those bits into the exponent field makes the power.
 */
// @ts-ignore: decorator
@inline export function pow2i<T>(k: T): T {
  const b = add<T>(k, kv<T>(K_POW2_BIAS, 12583039)); // 127 + 1.5 * 2^23
  if (isVector<T>()) return i32x4.shl(b, 23);
  else return reinterpret<f32>(reinterpret<u32>(b) << 23);
}
/** x < y ? a : b, per lane. */
// @ts-ignore: decorator
@inline export function selLt<T>(x: T, y: T, a: T, b: T): T {
  if (isVector<T>()) return v128.bitselect(a, b, f32x4.lt(x, y));
  else return select<f32>(a, b, x < y);
}
/** x >= y ? a : b, per lane (false for NaN). */
// @ts-ignore: decorator
@inline export function selGe<T>(x: T, y: T, a: T, b: T): T {
  if (isVector<T>()) return v128.bitselect(a, b, f32x4.ge(x, y));
  else return select<f32>(a, b, x >= y);
}
/** The canonical quiet NaN where x is NaN, else v: NaN bits do not depend on the path taken. */
// @ts-ignore: decorator
@inline export function nanTo<T>(x: T, v: T): T {
  if (isVector<T>()) return v128.bitselect(v128.load(K_QNAN), v, f32x4.ne(x, x));
  else return select<f32>(reinterpret<f32>(0x7FC00000), v, x != x);
}
// @ts-ignore: decorator
@inline export function ld<T>(p: usize): T {
  if (isVector<T>()) return v128.load(p);
  else return load<f32>(p);
}
// @ts-ignore: decorator
@inline export function st<T>(p: usize, v: T): void {
  if (isVector<T>()) v128.store(p, v);
  else store<f32>(p, v);
}
