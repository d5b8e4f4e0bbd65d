// The theorems' setting (preset `theorem`): its metrics against brute force, its determinism, and
// the predictions in the preset's defaults across seeds, as measured (docs/results.md).
import { describe, expect, it } from 'vitest';
import { runExperiment, resolveConfig, type TheoremConfig } from '../src/index.js';
import { theoremStats, timeScales } from '../src/tasks/theorem/metrics.js';
import { toyConfigOf } from '../src/tasks/theorem/task.js';
import { createTrainer } from '../src/tasks/toy/trainer.js';

describe('theorem metrics', () => {
  it('firing statistics from the activations equal those from ⟨w_k, x⟩ = P z, and S_core/S_bg/Eq. 7 by brute force', async () => {
    const c = resolveConfig({ preset: 'theorem', set: { 'data.testN': 200, 'model.hidden': 16, 'data.inputDim': 64, 'data.coreDim': 4, 'data.bgDim': 4, 'train.iterations': 30 } }) as TheoremConfig;
    const t = await createTrainer(toyConfigOf(c), { threads: 1 });
    try {
      t.step(30);
      t.featureGradient();
      const A = t.hiddenActivations();
      const P = t.featureWeights();
      const { trainZ: Z, y, n } = t.featureData();
      const [m, cd, bd, f] = [16, 4, 4, 8];
      const st = theoremStats(P, m, cd, bd, A, 0, Z, y, n, 0.1, 64);
      let checked = 0;
      let eq7 = 0;
      for (let k = 0; k < m; k++) {
        const yk = k < m / 2 ? 1 : -1;
        let own = 0, other = 0, ownN = 0, otherN = 0, drift = 0;
        for (let i = 0; i < n; i++) {
          let s = 0;
          for (let j = 0; j < f; j++) s += P[k * f + j] * Z[i * f + j];
          // float32 forward vs float64 here: skip points within rounding of the boundary
          if (Math.abs(s) < 1e-5) continue;
          checked++;
          expect(A[i * m + k] > 0, `neuron ${k} point ${i}`).toBe(s > 0);
          const mine = y[i] === yk;
          if (mine) ownN++;
          else otherN++;
          if (s > 0) {
            if (mine) own++;
            else other++;
            let u = 0;
            for (let j = cd; j < f; j++) u += Z[i * f + j];
            drift += (mine ? 1 : -1) * (u / Math.sqrt(bd));
          }
        }
        expect(st.pOwn[k]).toBeCloseTo(own / ownN, 2);
        expect(st.pOther[k]).toBeCloseTo(other / otherN, 2);
        let core = 0, bg = 0;
        for (let j = 0; j < cd; j++) core += P[k * f + j];
        for (let j = cd; j < f; j++) bg += P[k * f + j];
        expect(st.sCore[k]).toBeCloseTo(yk * 0.5 * core, 6);
        expect(st.sBg[k]).toBeCloseTo(0.5 * bg, 6);
        eq7 += drift / n / m / m;
      }
      expect(checked).toBeGreaterThan(n * m * 0.99);
      expect(st.row.eq7Predicted).toBeCloseTo(eq7, 4);
      let maxBg = 0;
      for (let k = 0; k < m; k++) for (let j = cd; j < f; j++) maxBg = Math.max(maxBg, Math.abs(P[k * f + j]));
      expect(st.row.bgMaxScaled).toBeCloseTo(8 * maxBg, 6);
    } finally {
      t.dispose();
    }
  });

  it('time scales: first evaluation with half the neurons asymmetric, and S_bg at half its plateau', () => {
    const rows = [0, 10, 20, 30, 40].map((iteration, i) => ({ iteration, asymFraction: [0, 0.2, 0.6, 0.9, 0.9][i], sBgAll: [0, 0.1, 0.4, 0.8, 1.0][i] }));
    expect(timeScales(rows)).toEqual({ t0: 20, t1: 30 });
    expect(timeScales(rows.map((r) => ({ ...r, asymFraction: 0, sBgAll: 0 })))).toEqual({ t0: null, t1: null });
  });
});

describe('preset theorem', () => {
  it('same hash on 1 and 2 threads (resume: tests/hashes.test.ts)', async () => {
    const set = { 'train.iterations': 300, 'train.evalEvery': 50 };
    const a = await runExperiment({ preset: 'theorem', set, threads: 1 });
    const b = await runExperiment({ preset: 'theorem', set, threads: 2 });
    expect(b.summary.hash).toBe(a.summary.hash);
    expect(a.metrics.length).toBe(7);
  });

  it("the preset's defaults across 3 seeds: ReLU's background part S_bg is Θ(1) beside S_core on asymmetric neurons; the linear network's stays near 0", async () => {
    for (const seed of [2024, 2025, 2026]) {
      const relu = (await runExperiment({ preset: 'theorem', set: { seed }, threads: 2 })).summary;
      const lin = (await runExperiment({ preset: 'theorem', set: { seed, 'model.activation': 'identity' }, threads: 2 })).summary;
      const r = relu.final;
      const l = lin.final;
      // Theorem 1: most neurons asymmetric at the end
      expect(r.asymFraction, `seed ${seed}`).toBeGreaterThan(0.5);
      // Theorem 2: S_bg of the same order as S_core (ratio measured 0.6-0.8 here)
      expect(r.sBg / r.sCore, `seed ${seed}`).toBeGreaterThan(0.3);
      // Theorem 4 (linear): the background part does not grow, and its largest weight is below ReLU's
      expect(Math.abs(l.sBgAll), `seed ${seed}`).toBeLessThan(0.05);
      expect(l.bgMaxScaled, `seed ${seed}`).toBeLessThan(r.bgMaxScaled);
      // both fit ID
      expect(r.idError).toBeLessThan(0.02);
      expect(l.idError).toBeLessThan(0.02);
    }
  });
});
