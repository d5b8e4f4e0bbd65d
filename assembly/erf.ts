import { ERF_TAYLOR, ERFCX_0, ERFCX_1, ERFCX_2 } from "./erf-coeffs";

// The standard normal CDF for the exact GELU. AssemblyScript's Math has no erf; these pieces
// are fitted by scripts/fit-erf.py, each with a float64 relative error near 2e-16 (8e-14 in the
// far tail), so GELU values round correctly to float32. The lower tail is computed as a
// product (no 1 - x cancellation), so tiny probabilities keep their relative accuracy.

// @ts-ignore: decorator
@inline function horner(c: StaticArray<f64>, x: f64): f64 {
  let s: f64 = 0;
  for (let i = c.length - 1; i >= 0; i--) s = s * x + unchecked(c[i]);
  return s;
}

/** exp(t^2) erfc(t) for t >= 1. */
function erfcxLarge(t: f64): f64 {
  if (t < 2.0) return horner(ERFCX_0, 2.0 * t - 3.0);
  if (t < 4.0) return horner(ERFCX_1, t - 3.0);
  if (t < 8.0) return horner(ERFCX_2, (2.0 * t - 12.0) * 0.25);
  // asymptotic series, 10 terms
  let u = 1.0 / (2.0 * t * t);
  let s: f64 = 1.0, term: f64 = 1.0;
  for (let n = 1; n <= 10; n++) {
    term *= -<f64>(2 * n - 1) * u;
    s += term;
  }
  return s / (t * 1.772453850905516);
}

/** erf(x), odd, float64. */
export function erf(x: f64): f64 {
  let t = Math.abs(x);
  let r: f64;
  if (t < 1.0) r = t * horner(ERF_TAYLOR, t * t);
  else if (t > 6.0) r = 1.0;
  else r = 1.0 - Math.exp(-t * t) * erfcxLarge(t);
  return copysign<f64>(r, x); // odd, including erf(-0) = -0
}

/** Whether normalCdf(z) takes the Taylor piece (|z| / sqrt 2 < 1), which normalCdfSmall2 vectorizes. */
// @ts-ignore: decorator
@inline export function cdfIsSmall(z: f64): bool {
  return Math.abs(z) * 0.7071067811865476 < 1.0;
}

/** normalCdf of two lanes that both satisfy cdfIsSmall: the same operations, lane by lane. */
// @ts-ignore: decorator
@inline export function normalCdfSmall2(z: v128): v128 {
  const t = f64x2.mul(f64x2.abs(z), f64x2.splat(0.7071067811865476));
  const x = f64x2.mul(t, t);
  let s = f64x2.splat(0);
  for (let i = ERF_TAYLOR.length - 1; i >= 0; i--) s = f64x2.add(f64x2.mul(s, x), f64x2.splat(unchecked(ERF_TAYLOR[i])));
  const h = f64x2.mul(f64x2.splat(0.5), f64x2.mul(t, s));
  const half = f64x2.splat(0.5);
  return v128.bitselect(f64x2.sub(half, h), f64x2.add(half, h), f64x2.lt(z, f64x2.splat(0)));
}

/** Phi(z) = P(N(0,1) <= z) = (1 + erf(z / sqrt 2)) / 2. */
export function normalCdf(z: f64): f64 {
  let t = Math.abs(z) * 0.7071067811865476;
  if (t < 1.0) {
    let e = t * horner(ERF_TAYLOR, t * t);
    return z < 0 ? 0.5 - 0.5 * e : 0.5 + 0.5 * e;
  }
  if (t > 27.0) return z < 0 ? 0.0 : 1.0; // exp(-t^2) underflows
  let tail = 0.5 * Math.exp(-t * t) * erfcxLarge(t);
  return z < 0 ? tail : 1.0 - tail;
}

/** Standard normal density. */
// @ts-ignore: decorator
@inline export function normalPdf(z: f64): f64 {
  return Math.exp(-0.5 * z * z) * 0.3989422804014327;
}
