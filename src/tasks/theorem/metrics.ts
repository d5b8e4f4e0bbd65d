// The theorems as metrics, computed at each evaluation from the first layer in feature
// coordinates (P = W1 Vᵀ: P[k, j] = ⟨w_k, m_j⟩), the hidden activations on the fixed ID evaluation
// set (a neuron is active on x when its activation exceeds the activation of 0: ⟨w_k, x⟩ > 0) and
// that set's feature coordinates Z. Float64 sums in a fixed order; only IEEE-exact operations.
export const THEOREM_COLUMNS = [
  'iteration',
  'idRisk',
  'oodRisk',
  'idError',
  'oodError',
  'coreProj',
  'bgProj',
  'asymFraction',
  'sCore',
  'sBg',
  'sCoreAll',
  'sBgAll',
  'eq7Measured',
  'eq7Predicted',
  'bgMaxScaled',
] as const;
export type TheoremColumn = (typeof THEOREM_COLUMNS)[number];
export type TheoremRow = Record<TheoremColumn, number>;

export const THEOREM_METRIC_HELP: Record<TheoremColumn, string> = {
  iteration: 'online SGD steps before this evaluation (0 = initial state)',
  idRisk: 'hinge risk on the fixed ID evaluation set (fresh points: online steps never see them)',
  oodRisk: 'hinge risk on the OOD set: the same core, background z_j in [-1, 0]',
  idError: '0-1 risk on the ID set',
  oodError: '0-1 risk on the OOD set',
  coreProj: "mean over neurons of ‖(⟨w_k, m_j⟩)_core‖ (the paper's coreProj)",
  bgProj: "mean over neurons of ‖(⟨w_k, m_j⟩)_bg‖ (the paper's bgProj)",
  asymFraction: 'Theorem 1: fraction of neurons with P(active | own class) >= 1-ε and P(active | other class) <= ε (own class y_k = sign a_k)',
  sCore: 'Theorem 2: mean over asymmetric neurons of S_core = y_k Σ_core μ_j ⟨w_k, m_j⟩ (μ_j = E z_j = 1/2); NaN while none is asymmetric',
  sBg: 'Theorem 2: mean over asymmetric neurons of S_bg = Σ_bg μ_j ⟨w_k, m_j⟩; NaN while none is asymmetric',
  sCoreAll: 'S_core averaged over all neurons',
  sBgAll: 'S_bg averaged over all neurons',
  eq7Measured: "mean over neurons of the descent direction's projection on the background mean direction û = Σ_bg m_j/√d0: −⟨∇_{w_k} risk, û⟩ on the ID set",
  eq7Predicted: 'Eq. 7: (1/m) E[(1{y = y_k} − 1{y = −y_k}) 1{⟨w_k, x⟩ >= 0} ⟨x, û⟩] from the firing statistics (no margin factor), mean over neurons',
  bgMaxScaled: 'Theorem 4: √d · max over neurons and background features of |⟨w_k, m_j⟩| (bounded by Õ(1) for the linear network)',
};

export interface TheoremStats {
  row: Omit<TheoremRow, 'iteration' | 'idRisk' | 'oodRisk' | 'idError' | 'oodError' | 'coreProj' | 'bgProj' | 'eq7Measured'>;
  /** per neuron */
  sCore: Float64Array;
  sBg: Float64Array;
  asymmetric: Uint8Array;
  pOwn: Float64Array;
  pOther: Float64Array;
}

/**
 * Firing statistics, S_core/S_bg and Eq. 7's prediction. P: [m x (c + b)] row-major; A: the hidden
 * activations [n x m] (active: > threshold); Z: [n x (c + b)] with y the labels; the first m/2 neurons
 * have a_k = +1/m (own class +1), the rest -1/m.
 */
export function theoremStats(
  P: Float32Array,
  m: number,
  c: number,
  b: number,
  A: Float32Array,
  threshold: number,
  Z: Float32Array,
  y: Float32Array,
  n: number,
  epsilon: number,
  d: number,
): TheoremStats {
  const f = c + b;
  const half = m / 2;
  const sCore = new Float64Array(m);
  const sBg = new Float64Array(m);
  const pOwn = new Float64Array(m);
  const pOther = new Float64Array(m);
  const asymmetric = new Uint8Array(m);
  const invSqrtB = 1 / Math.sqrt(b);
  let pos = 0;
  for (let i = 0; i < n; i++) if (y[i] > 0) pos++;
  const neg = n - pos;
  // ⟨x_i, û⟩ per point
  const xu = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = c; j < f; j++) s += Z[i * f + j];
    xu[i] = s * invSqrtB;
  }
  let asymCount = 0;
  let sCoreAsym = 0;
  let sBgAsym = 0;
  let eq7 = 0;
  let maxBg = 0;
  for (let k = 0; k < m; k++) {
    const yk = k < half ? 1 : -1;
    let core = 0;
    for (let j = 0; j < c; j++) core += P[k * f + j];
    let bg = 0;
    for (let j = c; j < f; j++) {
      const v = P[k * f + j];
      bg += v;
      const a = Math.abs(v);
      if (a > maxBg) maxBg = a;
    }
    sCore[k] = yk * 0.5 * core;
    sBg[k] = 0.5 * bg;
    let onPos = 0;
    let onNeg = 0;
    let drift = 0;
    for (let i = 0; i < n; i++) {
      if (A[i * m + k] > threshold) {
        if (y[i] > 0) onPos++;
        else onNeg++;
        drift += (y[i] === yk ? 1 : -1) * xu[i];
      }
    }
    pOwn[k] = yk > 0 ? onPos / pos : onNeg / neg;
    pOther[k] = yk > 0 ? onNeg / neg : onPos / pos;
    eq7 += drift / n / m;
    if (pOwn[k] >= 1 - epsilon && pOther[k] <= epsilon) {
      asymmetric[k] = 1;
      asymCount++;
      sCoreAsym += sCore[k];
      sBgAsym += sBg[k];
    }
  }
  let sCoreAll = 0;
  let sBgAll = 0;
  for (let k = 0; k < m; k++) {
    sCoreAll += sCore[k];
    sBgAll += sBg[k];
  }
  return {
    row: {
      asymFraction: asymCount / m,
      sCore: asymCount ? sCoreAsym / asymCount : NaN,
      sBg: asymCount ? sBgAsym / asymCount : NaN,
      sCoreAll: sCoreAll / m,
      sBgAll: sBgAll / m,
      eq7Predicted: eq7 / m,
      bgMaxScaled: Math.sqrt(d) * maxBg,
    },
    sCore,
    sBg,
    asymmetric,
    pOwn,
    pOther,
  };
}

/** −⟨∇ risk, û⟩ per neuron from the first layer's gradient in feature coordinates G [m x (c + b)], and its mean. */
export function backgroundDrift(G: Float32Array, m: number, c: number, b: number): { perNeuron: Float64Array; mean: number } {
  const f = c + b;
  const invSqrtB = 1 / Math.sqrt(b);
  const per = new Float64Array(m);
  let total = 0;
  for (let k = 0; k < m; k++) {
    let s = 0;
    for (let j = c; j < f; j++) s += G[k * f + j];
    per[k] = -s * invSqrtB;
    total += per[k];
  }
  return { perNeuron: per, mean: total / m };
}

/**
 * The theorems' time scales from a run's rows: T0, the first evaluation at which half the neurons
 * are asymmetric; T1, the first at which sBgAll reaches half its plateau (its largest value in the
 * run). null when never reached.
 */
export function timeScales(rows: ReadonlyArray<Record<string, number>>): { t0: number | null; t1: number | null } {
  const t0 = rows.find((r) => r.asymFraction >= 0.5)?.iteration ?? null;
  let plateau = -Infinity;
  for (const r of rows) if (r.sBgAll > plateau) plateau = r.sBgAll;
  const start = rows[0]?.sBgAll ?? 0;
  const t1 = plateau > start ? (rows.find((r) => r.sBgAll - start >= (plateau - start) / 2)?.iteration ?? null) : null;
  return { t0, t1 };
}
