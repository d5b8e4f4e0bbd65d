// Least-squares fits for scaling laws (log-log slopes with t-based 95% CIs). Isomorphic.
//
// The logarithm and exponential are computed here with IEEE-exact operations only (+ − × ÷, a
// fixed number of series terms), not Math.log/Math.exp, whose last bits may differ between
// engines: a fitted exponent is then the same number in Node and every browser.
import { tCritical95 } from './aggregate.js';

const LN2 = 0.6931471805599453;

/** ln(x) for finite x > 0 (NaN otherwise): x = 2^e·r with r in [√½, √2), ln r = 2 atanh((r−1)/(r+1)). */
export function lnExact(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return NaN;
  let e = 0;
  let r = x;
  // scaling by 2 is exact (subnormals aside, which a time or size never is)
  while (r >= 1.4142135623730951) {
    r /= 2;
    e++;
  }
  while (r < 0.7071067811865476) {
    r *= 2;
    e--;
  }
  const s = (r - 1) / (r + 1);
  const s2 = s * s;
  // |s| <= 0.1716: 2 Σ s^(2k+1)/(2k+1), 24 terms leave < 1e-36
  let term = s;
  let sum = 0;
  for (let k = 0; k < 24; k++) {
    sum += term / (2 * k + 1);
    term *= s2;
  }
  return e * LN2 + 2 * sum;
}

/** exp(x) for finite x (|x| < 700): 2^k·exp(r), |r| <= ln2/2, Taylor series of 30 terms. */
export function expExact(x: number): number {
  if (!Number.isFinite(x) || Math.abs(x) > 700) return NaN;
  const k = Math.round(x / LN2);
  const r = x - k * LN2;
  let term = 1;
  let sum = 1;
  for (let i = 1; i < 30; i++) {
    term = (term * r) / i;
    sum += term;
  }
  let p = 1;
  for (let i = 0; i < Math.abs(k); i++) p *= 2;
  return k >= 0 ? sum * p : sum / p;
}

/** Ordinary least squares y = intercept + slope·x, with t-based 95% CIs (df = n − 2). */
export interface LineFit {
  n: number;
  slope: number;
  intercept: number;
  /** standard errors; NaN with fewer than 3 points */
  slopeSe: number;
  interceptSe: number;
  slopeCi: [number, number];
  interceptCi: [number, number];
  r2: number;
}

export function olsFit(x: readonly number[], y: readonly number[]): LineFit {
  const n = x.length;
  if (n !== y.length) throw new Error(`olsFit: ${n} x values but ${y.length} y values`);
  const nan: LineFit = { n, slope: NaN, intercept: NaN, slopeSe: NaN, interceptSe: NaN, slopeCi: [NaN, NaN], interceptCi: [NaN, NaN], r2: NaN };
  if (n < 2) return nan;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sx += x[i];
    sy += y[i];
  }
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (!(sxx > 0)) return nan;
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let ssr = 0;
  for (let i = 0; i < n; i++) {
    const e = y[i] - intercept - slope * x[i];
    ssr += e * e;
  }
  const df = n - 2;
  const s2 = df > 0 ? ssr / df : NaN;
  const slopeSe = Math.sqrt(s2 / sxx);
  const interceptSe = Math.sqrt(s2 * (1 / n + (mx * mx) / sxx));
  const t = tCritical95(df);
  return {
    n,
    slope,
    intercept,
    slopeSe,
    interceptSe,
    slopeCi: [slope - t * slopeSe, slope + t * slopeSe],
    interceptCi: [intercept - t * interceptSe, intercept + t * interceptSe],
    r2: syy > 0 ? 1 - ssr / syy : NaN,
  };
}

/** Fit y = C·x^slope by OLS of ln y on ln x (points with x or y <= 0 or non-finite are refused). */
export function logLogFit(x: readonly number[], y: readonly number[]): LineFit & { constant: number } {
  for (let i = 0; i < x.length; i++)
    if (!(x[i] > 0 && y[i] > 0 && Number.isFinite(x[i]) && Number.isFinite(y[i])))
      throw new Error(`logLogFit: point ${i} (${x[i]}, ${y[i]}) is not positive and finite`);
  const f = olsFit(x.map(lnExact), y.map(lnExact));
  return { ...f, constant: expExact(f.intercept) };
}
