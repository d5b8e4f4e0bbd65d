// Issue 13: the background projection split into the part along the shift direction û (bgShiftProj)
// and the rest (bgNoiseProj), the held-out ID test set, and the per-neuron traces behind them.
//
// The table: fclab's own runs from the PyTorch states in tests/fixtures (numbers first measured
// with numpy on fclab's final weights). A run is a pure function of its config (its hash is pinned
// in tests/fixtures/hashes.json at 1 and 2 threads), so the numbers are fclab's exactly; the only
// tolerance needed is the table's rounding to 3 decimals (±0.0005).
import { describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint, runExperiment, RunInterrupted, type RunCheckpoint, type RunResult } from '../src/index.js';
import { readStateFolder } from '../src/node.js';

const fixture = (p: string) => new URL(`./fixtures/${p}`, import.meta.url).pathname;
const HALF_ULP_OF_TABLE = 0.0005;

async function theoryRun(activation: string): Promise<RunResult> {
  return runExperiment({
    preset: 'toy-theory',
    set: { 'train.iterations': 2000, 'train.lr': 0.01, 'train.evalEvery': 100, 'model.activation': activation },
    imported: await readStateFolder(fixture('toy-theory')),
    threads: 2,
  });
}

describe("issue 13's table (toy-theory from PyTorch's state, lr 0.01, 2,000 iterations)", () => {
  const table = { relu: [0.316, 0.16, 0.362], identity: [0.025, 0.163, 0.166] } as const;
  for (const [activation, [shift, noise, bg]] of Object.entries(table))
    it(`${activation}: bgShiftProj ${shift}, bgNoiseProj ${noise}, bgProj ${bg}; both start at 0.030 / 0.198`, async () => {
      const r = await theoryRun(activation);
      const i = r.summary.initial;
      const f = r.summary.final;
      expect(Math.abs(i.bgShiftProj - 0.03)).toBeLessThan(HALF_ULP_OF_TABLE);
      expect(Math.abs(i.bgNoiseProj - 0.198)).toBeLessThan(HALF_ULP_OF_TABLE);
      expect(Math.abs(f.bgShiftProj - shift)).toBeLessThan(HALF_ULP_OF_TABLE);
      expect(Math.abs(f.bgNoiseProj - noise)).toBeLessThan(HALF_ULP_OF_TABLE);
      expect(Math.abs(f.bgProj - bg)).toBeLessThan(HALF_ULP_OF_TABLE);
      // the two parts are orthogonal: per neuron shift² + noise² = bg² (checked on the traces)
      const more = r.neurons.more!;
      const last = r.neurons.iterations.length - 1;
      for (let k = 0; k < 256; k += 37) {
        const s = more.bgShift[last][k];
        const n = more.bgNoise[last][k];
        expect(Math.abs(Math.hypot(s, n) - r.neurons.bgNorm[last][k])).toBeLessThan(1e-12);
      }
      // the mechanism (averaged over the 21 evaluations; measured 0.90 positive and 0.92 correlation,
      // the thresholds leave room for a different evaluation spacing): ReLU's averaged gradient along û is positive for most neurons and follows
      // |asymmetry|; the identity network's cancels (mean ~0, half the neurons each way)
      const g = r.summary.gradientShift as { mean: number; positiveShare: number; corrAbsAsymmetry: number };
      if (activation === 'relu') {
        expect(g.positiveShare).toBeGreaterThan(0.8);
        expect(g.corrAbsAsymmetry).toBeGreaterThan(0.8);
      } else {
        expect(Math.abs(g.mean)).toBeLessThan(1e-12);
      }
    }, 600_000);
});

describe('the ID test set', () => {
  it('has its own stream: data.testN changes the ID test columns and nothing else', async () => {
    const base = { preset: 'toy-theory', set: { 'train.iterations': 40, 'train.evalEvery': 20 } };
    const a = await runExperiment(base);
    const b = await runExperiment({ ...base, set: { ...base.set, 'data.testN': 300 } });
    expect(a.config.data).toMatchObject({ n: 1000, testN: 1000 });
    expect(b.config.data).toMatchObject({ n: 1000, testN: 300 });
    expect(b.parameters.map((p) => [...p.data])).toEqual(a.parameters.map((p) => [...p.data]));
    for (const [ra, rb] of a.metrics.map((r, i) => [r, b.metrics[i]])) {
      for (const c of ['trainLoss', 'oodLoss', 'bgShiftProj', 'bgNoiseProj', 'coreSignalProj']) expect(rb[c]).toBe(ra[c]);
      expect(rb.idTestLoss).not.toBe(ra.idTestLoss);
    }
    // drawn from the training distribution: at init its loss is close to the training loss
    expect(Math.abs(a.metrics[0].idTestLoss - a.metrics[0].trainLoss)).toBeLessThan(0.05);
  }, 300_000);

  it('imported states get one from the same data model with the imported V', async () => {
    const r = await runExperiment({
      preset: 'toy-theory',
      set: { 'train.iterations': 20, 'train.evalEvery': 10 },
      imported: await readStateFolder(fixture('toy-theory')),
    });
    for (const row of r.metrics) {
      expect(Number.isFinite(row.idTestLoss)).toBe(true);
      expect(row.idTestAcc).toBeGreaterThanOrEqual(0);
    }
    expect(Math.abs(r.metrics[0].idTestLoss - r.metrics[0].trainLoss)).toBeLessThan(0.05);
  }, 300_000);
});

describe('per-neuron traces', () => {
  it('survive a checkpoint (encoded and decoded): the resumed run ends with the same traces and gradientShift', async () => {
    const base = { preset: 'toy-theory', set: { 'train.iterations': 40, 'train.evalEvery': 10 } };
    const full = await runExperiment(base);
    const abort = new AbortController();
    let cp: RunCheckpoint | undefined;
    await expect(
      runExperiment({ ...base, signal: abort.signal, checkpointEvery: 20, onCheckpoint: () => abort.abort('test') }),
    ).rejects.toSatisfy((e: unknown) => {
      if (!(e instanceof RunInterrupted)) return false;
      cp = e.checkpoint;
      return true;
    });
    const back = decodeCheckpoint(encodeCheckpoint(cp!));
    expect(Object.keys(back.neurons.more!)).toEqual(['bgShift', 'bgNoise', 'coreSignal', 'coreNoise', 'bgGradShift']);
    const resumed = await runExperiment({ resume: back });
    expect(resumed.summary.hash).toBe(full.summary.hash);
    expect(resumed.neurons.more!.bgGradShift.map((r) => [...r])).toEqual(full.neurons.more!.bgGradShift.map((r) => [...r]));
    expect(resumed.summary.gradientShift).toEqual(full.summary.gradientShift);
  }, 300_000);
});
