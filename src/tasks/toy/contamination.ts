// Contamination metrics, from arrays the engine hands over (no WASM memory here). Sums run in
// float64 in a fixed order and use only IEEE-exact operations (+ - * / sqrt), so the numbers
// are the same on every platform.

/** Per-row Euclidean norms of columns [from, to) of a row-major rows x cols matrix. */
export function rowNorms(M: Float32Array, rows: number, cols: number, from: number, to: number): Float64Array {
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = from; c < to; c++) {
      const v = M[r * cols + c];
      s += v * v;
    }
    out[r] = Math.sqrt(s);
  }
  return out;
}

export function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return a.length ? s / a.length : NaN;
}

/**
 * Feature projections of the first layer, P = W1 Vᵀ (hidden x featDim, each neuron's weight in
 * feature coordinates): per-neuron norms on the core and background blocks. The paper's
 * coreProj and bgProj are their means (about 0.204 each at PyTorch's default init).
 */
export function featureProjections(P: Float32Array, hidden: number, coreDim: number, bgDim: number) {
  const featDim = coreDim + bgDim;
  const core = rowNorms(P, hidden, featDim, 0, coreDim);
  const bg = rowNorms(P, hidden, featDim, coreDim, featDim);
  return { core, bg, coreProj: mean(core), bgProj: mean(bg) };
}

/** Frobenius norms of a gradient in feature coordinates (hidden x featDim) on the two blocks. */
export function gradientProjections(G: Float32Array, hidden: number, coreDim: number, bgDim: number) {
  const featDim = coreDim + bgDim;
  let core = 0;
  let bg = 0;
  for (let r = 0; r < hidden; r++) {
    for (let c = 0; c < featDim; c++) {
      const v = G[r * featDim + c];
      if (c < coreDim) core += v * v;
      else bg += v * v;
    }
  }
  return { coreGradNorm: Math.sqrt(core), bgGradNorm: Math.sqrt(bg) };
}

/**
 * Activation asymmetry of each first-layer neuron: the fraction of y=+1 points on which it is
 * active (pre-activation > 0) minus that fraction for y=-1. This is the paper's mechanism: a
 * neuron that fires mostly for one class keeps a gradient component along every background
 * direction with non-zero mean.
 */
export function activationAsymmetry(Z: Float32Array, y: Float32Array, rows: number, hidden: number): Float64Array {
  const pos = new Float64Array(hidden);
  const neg = new Float64Array(hidden);
  let nPos = 0;
  let nNeg = 0;
  for (let r = 0; r < rows; r++) {
    const isPos = y[r] > 0;
    if (isPos) nPos++;
    else nNeg++;
    const counts = isPos ? pos : neg;
    const off = r * hidden;
    for (let k = 0; k < hidden; k++) if (Z[off + k] > 0) counts[k]++;
  }
  const out = new Float64Array(hidden);
  for (let k = 0; k < hidden; k++) out[k] = (nPos ? pos[k] / nPos : 0) - (nNeg ? neg[k] / nNeg : 0);
  return out;
}

export function meanAbs(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]);
  return a.length ? s / a.length : NaN;
}

/**
 * The data model's directions (feature coordinates, unit vectors). û: the background's shift,
 * E_ood[z_bg] − E_train[z_bg] = −2·bgMean·1, so û = −sign(bgMean)·1/√bgDim; with bgMean = 0 there is
 * no shift and û is the direction any bgMean > 0 would shift along (−1/√bgDim), so runs with and
 * without a shift are measured along the same direction. ĉ: the core's class-mean difference
 * E[z_core | y=+1] − E[z_core | y=−1]: 1/√coreDim for the uniform core; null for the sphere core,
 * whose class means coincide (both 0: the label is in the radius, which no direction carries).
 */
export function dataDirections(cfg: { core: string; coreDim: number; bgDim: number; bgMean: number }): {
  u: Float64Array;
  c: Float64Array | null;
} {
  const u = new Float64Array(cfg.bgDim).fill((cfg.bgMean < 0 ? 1 : -1) / Math.sqrt(cfg.bgDim));
  const c = cfg.core === 'uniform' ? new Float64Array(cfg.coreDim).fill(1 / Math.sqrt(cfg.coreDim)) : null;
  return { u, c };
}

/**
 * Each row's block [from, from + dir.length) split along a unit direction: the signed component
 * (row · dir) and the norm of the rest ‖row − (row · dir) dir‖. With dir null the component is 0 and
 * the rest is the whole block's norm.
 */
export function splitAlong(
  M: Float32Array,
  rows: number,
  cols: number,
  from: number,
  width: number,
  dir: Float64Array | null,
): { along: Float64Array; rest: Float64Array } {
  const along = new Float64Array(rows);
  const rest = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const off = r * cols + from;
    let a = 0;
    if (dir) for (let j = 0; j < width; j++) a += M[off + j] * dir[j];
    let s = 0;
    for (let j = 0; j < width; j++) {
      const v = M[off + j] - (dir ? a * dir[j] : 0);
      s += v * v;
    }
    along[r] = a;
    rest[r] = Math.sqrt(s);
  }
  return { along, rest };
}

/** Pearson correlation of two equally long series (NaN when either is constant). */
export function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  const ma = mean(a);
  const mb = mean(b);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
}
