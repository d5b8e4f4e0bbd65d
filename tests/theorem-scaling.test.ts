// The theorems' scaling study (issue 14 items 3-4): the fit code recovers known exponents exactly
// from synthetic data, and a tiny plan of the study (one seed, two points per knob) runs end to end
// through the sweep, writes the per-neuron files, the figures and the checks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expExact, lnExact, logLogFit, olsFit } from '../src/sweep/fit.js';
import { PRESET_POINT, scalingFits, theoremCells, theoremSettings, type TheoremRunPoint, type TheoremSettings } from '../src/paper/theorem.js';
import { reproduceTheorem, type TheoremReproduceOutcome } from '../src/node/reproduce-theorem.js';
import { readNpy } from '../src/node/npy.js';

describe('scaling fits', () => {
  it('lnExact and expExact agree with Math.log/Math.exp to the last bits and invert each other', () => {
    for (const x of [1e-6, 0.3, 0.7071, 1, 1.5, 2, 10, 1234.5, 6e9]) {
      expect(Math.abs(lnExact(x) - Math.log(x))).toBeLessThanOrEqual(4e-16 * Math.max(1, Math.abs(Math.log(x))));
      expect(Math.abs(expExact(lnExact(x)) / x - 1)).toBeLessThan(1e-14);
    }
    expect(lnExact(0)).toBeNaN();
    expect(lnExact(-1)).toBeNaN();
  });

  it('OLS recovers an exact line, with a zero-width CI, and a noisy one within its CI', () => {
    const x = [1, 2, 3, 4, 5];
    const f = olsFit(x, x.map((v) => 2 - 0.5 * v));
    expect(f.slope).toBeCloseTo(-0.5, 14);
    expect(f.intercept).toBeCloseTo(2, 14);
    expect(f.slopeCi[1] - f.slopeCi[0]).toBeLessThan(1e-12);
    expect(f.r2).toBeCloseTo(1, 14);
    // residuals +1, -1, 0, -1, +1 around y = 1 + 2x: slope 2, residual variance 4/3, se = sqrt(4/3/10)
    const g = olsFit(x, x.map((v, i) => 1 + 2 * v + [1, -1, 0, -1, 1][i]));
    expect(g.slope).toBeCloseTo(2, 14);
    const se = Math.sqrt(4 / 3 / 10);
    expect(g.slopeSe).toBeCloseTo(se, 14);
    expect(g.slopeCi[1] - g.slope).toBeCloseTo(3.1824463 * se, 12);
  });

  it('a power law T = C·x^b is recovered exactly in b and C (log-log), also through scalingFits', () => {
    const x = [3, 7, 20, 55, 300];
    const f = logLogFit(x, x.map((v) => 41 * v ** 0.8));
    expect(f.slope).toBeCloseTo(0.8, 12);
    expect(f.constant).toBeCloseTo(41, 9);
    expect(() => logLogFit([1, 0], [1, 1])).toThrow(/not positive/);

    // synthetic runs: T0 = 5·(m/(η√d))^0.7, T1 = 2·(m/(η·d0))^1.3 on the plan's grid
    const s = theoremSettings(false, 1);
    const points: TheoremRunPoint[] = [];
    const knobs = { ...PRESET_POINT };
    const add = (p: typeof knobs, cell: string) =>
      points.push({ cell, seed: 1, activation: 'relu', ...p, t0b: null, t0: 5 * (p.m / (p.lr * Math.sqrt(p.d))) ** 0.7, t1: 2 * (p.m / (p.lr * p.d0)) ** 1.3, plateaued: true, final: {} });
    add(knobs, 'default');
    for (const k of Object.keys(s.axes) as Array<keyof typeof knobs>) for (const v of s.axes[k]) if (v !== knobs[k]) add({ ...knobs, [k]: v }, `${k}=${v}`);
    const fits = scalingFits(points);
    expect(fits.combined[0].fit.slope).toBeCloseTo(0.7, 10);
    expect(fits.combined[0].fit.constant).toBeCloseTo(5, 8);
    expect(fits.combined[1].fit.slope).toBeCloseTo(1.3, 10);
    expect(fits.combined[0].consistent).toBe(false);
    // per knob: T0's exponent in d is -0.7/2, in d0 0; T1's in m 1.3, in d 0 (a constant time: no fit)
    const knob = (t: string, a: string) => fits.perKnob.find((f) => f.time === t && f.against === a)!;
    expect(knob('t0', 'd').fit.slope).toBeCloseTo(-0.35, 10);
    expect(knob('t0', 'm').fit.slope).toBeCloseTo(0.7, 10);
    expect(knob('t1', 'd0').fit.slope).toBeCloseTo(-1.3, 10);
    expect(knob('t1', 'lr').fit.slope).toBeCloseTo(-1.3, 10);
    expect(knob('t1', 'd').fit.slope).toBeCloseTo(0, 10);
  });

  it('the plan varies one knob at a time around the preset and runs the identity network over d', () => {
    const cells = theoremCells(theoremSettings(true, 3));
    expect(cells[0].id).toBe('default');
    expect(cells.map((c) => c.id)).toContain('d0=8');
    expect(cells.find((c) => c.id === 'd0=8')!.set).toMatchObject({ 'data.coreDim': 8, 'data.bgDim': 8 });
    expect(cells.find((c) => c.id === 'identity')!.set).toMatchObject({ 'model.activation': 'identity' });
    expect(new Set(cells.map((c) => c.id)).size).toBe(cells.length);
  });
});

describe('the scaling study end to end (tiny plan: one seed, two points per knob)', () => {
  let dir: string;
  let r: TheoremReproduceOutcome;
  const settings: TheoremSettings = {
    quick: true,
    seeds: 1,
    iterations: 1000,
    evalEvery: 10,
    axes: { m: [128, 256], d: [1024, 4096], lr: [0.5, 1], d0: [8, 16] },
    identityD: [256, 1024],
    notes: [],
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fclab-theorem-'));
    r = await reproduceTheorem({ out: dir, seeds: 1, workers: 2, settings });
  }, 600_000);
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs every cell and writes the per-neuron values into the run folders', async () => {
    expect(r.sweep.runs.length).toBe(7);
    const run = r.sweep.runs.find((x) => r.sweep.plan.cells[x.run.cell].id === 'default')!;
    const sCore = await readNpy(join(run.dir, 'theorem.sCore.npy'));
    expect(sCore.shape).toEqual([256]);
    const asym = await readNpy(join(run.dir, 'theorem.asymmetric.npy'));
    const frac = Array.from(asym.data).reduce((a, b) => a + b, 0) / 256;
    expect(frac).toBe(run.metrics[run.metrics.length - 1].asymFraction);
  });

  it('fits both time scales on the points that reached them and checks every theorem', () => {
    const [f0, f1] = r.fits.combined;
    expect(f0.used + f0.unreached).toBe(5);
    expect(f0.used).toBeGreaterThanOrEqual(3);
    expect(Number.isFinite(f0.fit.slope) && Number.isFinite(f1.fit.slope)).toBe(true);
    expect(r.claims.map((c) => c.id)).toEqual(['TH-asymmetry', 'TH-T0-scaling', 'TH-T1-scaling', 'TH-background', 'TH-ood', 'TH-linear-bound']);
    expect(r.cost.usPerStep).toBeGreaterThan(0);
  });

  it('writes the four figures as SVG and PNG', async () => {
    expect(r.figures.map((f) => f.name.split('-')[0])).toEqual(['TH1', 'TH2', 'TH3', 'TH4']);
    for (const f of r.figures) {
      expect((await readFile(f.svg, 'utf8')).startsWith('<svg')).toBe(true);
      expect((await stat(f.png)).size).toBeGreaterThan(1000);
    }
    expect(r.section.tables?.[1].rows.length).toBe(15);
  });
});

describe("the scaling study's cost in the bench", () => {
  it('times a step and a study run and projects both plans', async () => {
    const { theoremThroughput } = await import('../src/node/bench/theorem.js');
    const lines: string[] = [];
    const b = await theoremThroughput(true, 1, (s) => lines.push(s));
    expect(b.batch).toBe(32);
    expect(b.usPerStep).toBeGreaterThan(0);
    expect(b.run.runs).toBe(2);
    expect(b.run.runsPerMinute).toBeGreaterThan(0);
    // the full plan: 16 ReLU cells (the preset and 15 other knob values) and 5 identity cells, 5 seeds; quick: 9 + 3, 3 seeds
    expect(b.projected.full.runs).toBe(105);
    expect(b.projected.quick.runs).toBe(36);
    expect(b.projected.full.minutes).toBeGreaterThan(b.projected.quick.minutes);
    expect(lines.some((l) => l.includes('µs per online step'))).toBe(true);
  }, 300_000);
});
