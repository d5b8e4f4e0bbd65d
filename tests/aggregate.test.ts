// Statistics across seeds and sweep planning: pure functions, no training.
import type { ToyConfig } from '../src/config/schema.js';
import { describe, expect, it } from 'vitest';
import {
  aggregateCell,
  aggregateCsv,
  compactJson,
  pairedDifference,
  summarize,
  tCritical95,
  T_TABLE_975,
  type RunData,
} from '../src/sweep/aggregate.js';
import { estimateRunCost, parseGridArg, parseShard, planSweep, safeName, SweepError } from '../src/sweep/plan.js';
import { resolveConfig } from '../src/config/resolve.js';
import { METRIC_COLUMNS, type MetricsRow } from '../src/tasks/toy/metrics.js';

/**
 * P(T <= t) for Student's t with nu degrees of freedom, independently of the table: with
 * x = sqrt(nu) tan(theta) the density becomes cos^(nu-1)(theta), so
 * P(T <= t) = 1/2 + 1/2 * I(atan(t / sqrt(nu))) / I(pi/2), I(a) = integral_0^a cos^(nu-1), by Simpson's rule.
 */
function tCdf(t: number, nu: number): number {
  const I = (a: number) => {
    const n = 4000;
    const h = a / n;
    let s = 0;
    for (let i = 0; i <= n; i++) {
      const w = i === 0 || i === n ? 1 : i % 2 ? 4 : 2;
      s += w * Math.cos(i * h) ** (nu - 1);
    }
    return (s * h) / 3;
  };
  return 0.5 + (0.5 * I(Math.atan(t / Math.sqrt(nu)))) / I(Math.PI / 2);
}

describe('Student t critical values', () => {
  it('every table entry is the 0.975 quantile to 1e-7 in probability', () => {
    for (const [df, t] of T_TABLE_975) {
      expect(tCritical95(df)).toBe(t);
      expect(Math.abs(tCdf(t, df) - 0.975)).toBeLessThan(1e-7);
    }
  });

  it('interpolation in 1/df is within 2e-5 in probability between entries and beyond 120', () => {
    for (const df of [35, 45, 55, 70, 90, 110, 150, 200, 500, 1000, 10000]) {
      const t = tCritical95(df);
      expect(Math.abs(tCdf(t, df) - 0.975)).toBeLessThan(2e-5);
    }
    // monotone decreasing towards the normal quantile
    let prev = Infinity;
    for (let df = 1; df <= 400; df++) {
      const t = tCritical95(df);
      expect(t).toBeLessThan(prev);
      expect(t).toBeGreaterThan(1.959963);
      prev = t;
    }
    expect(tCritical95(0)).toBeNaN();
  });
});

describe('summarize', () => {
  it('mean, sample std (n-1) and the t interval', () => {
    const s = summarize([1, 2, 3, 4, 5]);
    expect(s.n).toBe(5);
    expect(s.mean).toBe(3);
    expect(s.std).toBe(Math.sqrt(2.5));
    const half = (2.7764451 * Math.sqrt(2.5)) / Math.sqrt(5);
    expect(s.ciLo).toBeCloseTo(3 - half, 12);
    expect(s.ciHi).toBeCloseTo(3 + half, 12);
  });

  it('one value: the mean, no spread; none: NaN', () => {
    const one = summarize([0.25]);
    expect(one.mean).toBe(0.25);
    expect(one.std).toBeNaN();
    expect(one.ciLo).toBeNaN();
    expect(summarize([]).mean).toBeNaN();
  });

  it('paired differences use the same seed index', () => {
    const d = pairedDifference([1, 2, 3], [0.5, 1.5, 2.5]);
    expect(d.mean).toBe(0.5);
    expect(d.std).toBe(0);
    expect(() => pairedDifference([1], [1, 2])).toThrow(/paired/);
  });
});

function fakeRun(seedIndex: number, scale: number): RunData {
  const metrics: MetricsRow[] = [0, 10, 20].map((it, i) => {
    const row = {} as MetricsRow;
    METRIC_COLUMNS.forEach((c, j) => (row[c] = c === 'iteration' ? it : 0.1 * (j + 1) + scale * (i + 1) * 0.37));
    return row;
  });
  return { seedIndex, seed: 2024 + seedIndex, dir: `runs/000-x/seed-${2024 + seedIndex}`, hash: `h${seedIndex}`, metrics };
}

describe('aggregateCell', () => {
  const cell = { index: 0, id: 'model.activation=relu', dir: 'runs/000-x', values: { 'model.activation': 'relu' }, config: resolveConfig() };
  const runs = [fakeRun(0, 1), fakeRun(1, 1.7), fakeRun(2, 0.3), fakeRun(3, 2.9)];

  it('does not depend on the order the runs arrive in (byte-identical JSON and CSV)', () => {
    const a = aggregateCell(cell, runs);
    const b = aggregateCell(cell, [runs[2], runs[0], runs[3], runs[1]]);
    expect(compactJson(b)).toBe(compactJson(a));
    expect(aggregateCsv(['model.activation'], [b])).toBe(aggregateCsv(['model.activation'], [a]));
    expect(a.runs.map((r) => r.seed)).toEqual([2024, 2025, 2026, 2027]);
  });

  it('derived quantities: OOD gap and growth from the first evaluation', () => {
    const a = aggregateCell(cell, runs);
    const r = runs[1].metrics;
    expect(a.runs[1].final.oodGap).toBe(r[2].oodLoss - r[2].trainLoss);
    expect(a.runs[1].final.bgGrowth).toBe(r[2].bgProj - r[0].bgProj);
    expect(a.series.bgGrowth.mean[0]).toBe(0);
    expect(a.final.trainLoss.mean).toBe(a.series.trainLoss.mean[2]);
    expect(a.iterations).toEqual([0, 10, 20]);
  });

  it('refuses seeds that logged different iterations', () => {
    const bad = fakeRun(4, 1);
    bad.metrics = bad.metrics.slice(0, 2);
    expect(() => aggregateCell(cell, [...runs, bad])).toThrow(/different iterations/);
  });

  it('CSV: header with every statistic, quoted cell ids, one row per iteration', () => {
    const csv = aggregateCsv(['model.activation'], [aggregateCell({ ...cell, id: 'a=1,b=2' }, runs)]).trim().split('\n');
    expect(csv).toHaveLength(4);
    expect(csv[0]).toMatch(/^cell_index,cell,model\.activation,iteration,n,trainLoss_mean,trainLoss_std,trainLoss_ci95_lo,trainLoss_ci95_hi,/);
    expect(csv[0]).toContain('bgGrowth_ci95_hi');
    expect(csv[1].startsWith('0,"a=1,b=2",relu,0,4,')).toBe(true);
  });

  it('compact JSON: arrays of numbers on one line, NaN as null', () => {
    expect(compactJson({ a: [1, NaN, 2.5], b: { c: 'x' } })).toBe('{\n  "a": [1, null, 2.5],\n  "b": {\n    "c": "x"\n  }\n}');
  });
});

describe('planSweep', () => {
  const base = { preset: 'toy-theory', set: { 'train.iterations': 10 }, seeds: 2 };

  it('cross product in order (first axis slowest), readable ids, safe folder names, seeds base + j', () => {
    const plan = planSweep({
      ...base,
      grid: [parseGridArg('model.activation=relu,gelu'), parseGridArg('train.lr=1e-3,0.01')],
    });
    expect(plan.cells.map((c) => c.id)).toEqual([
      'model.activation=relu,train.lr=0.001',
      'model.activation=relu,train.lr=0.01',
      'model.activation=gelu,train.lr=0.001',
      'model.activation=gelu,train.lr=0.01',
    ]);
    expect(plan.cells[2].slug).toBe('002-model.activation=gelu,train.lr=0.001');
    expect(plan.cells[3].config.train.lr).toBe(0.01);
    expect(plan.cells[3].config.model.activation).toBe('gelu');
    expect(plan.runs).toHaveLength(8);
    expect(plan.runs.map((r) => r.seed)).toEqual([2024, 2025, 2024, 2025, 2024, 2025, 2024, 2025]);
    expect(plan.runs[5].dir).toBe('runs/002-model.activation=gelu,train.lr=0.001/seed-2025');
    expect(plan.runs[5].input.set).toEqual({ 'train.iterations': 10, 'model.activation': 'gelu', 'train.lr': 0.001, seed: 2025 });
    expect(plan.keys).toEqual(['model.activation', 'train.lr']);
    expect(planSweep({ ...base, set: { ...base.set, seed: 7 } }).runs.map((r) => r.seed)).toEqual([7, 8]);
    expect(safeName('a/b:c*d?"e<f>g|h\\i j')).toBe('a_b_c_d__e_f_g_h_i_j');
    expect(safeName('x'.repeat(300))).toHaveLength(120);
  });

  it('a grid over presets; no grid is one cell named base', () => {
    const plan = planSweep({ seeds: 1, grid: [['preset', ['toy-default', 'toy-theory']]] });
    expect(plan.cells.map((c) => (c.config as ToyConfig).train.optimizer)).toEqual(['adamw', 'sgd']);
    expect(planSweep({ seeds: 3 }).cells.map((c) => c.id)).toEqual(['base']);
  });

  it('the fingerprint follows the resolved cells and the seed count, not how they were written', () => {
    const a = planSweep({ ...base, grid: [['train.lr', [0.001, 0.01]]] });
    const b = planSweep({ ...base, grid: [parseGridArg('train.lr=1e-3,1e-2')] });
    expect(b.fingerprint).toBe(a.fingerprint);
    expect(planSweep({ ...base, seeds: 3, grid: [['train.lr', [0.001, 0.01]]] }).fingerprint).not.toBe(a.fingerprint);
    expect(planSweep({ ...base, grid: [['train.lr', [0.001, 0.02]]] }).fingerprint).not.toBe(a.fingerprint);
    expect(a.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it('rejects bad input with messages naming the flag, the value and the expectation', () => {
    const bad: Array<[() => unknown, RegExp]> = [
      [() => parseGridArg('model.activation'), /--grid "model.activation": expected key=v1,v2/],
      [() => parseGridArg('model.activation=relu,,gelu'), /empty value/],
      [() => parseGridArg('=relu'), /expected key=v1,v2/],
      [() => planSweep({ seeds: 1, grid: [['model.activaton', ['relu']]] }), /--grid model\.activaton: unknown key "model\.activaton"; did you mean "model\.activation"\?/],
      [() => planSweep({ seeds: 1, grid: [['model.activation', ['relu', 'swish']]] }), /cell "model\.activation=swish": config: model\.activation = "swish" is not valid: expected one of relu/],
      [() => planSweep({ seeds: 1, grid: [['train.lr', [-1]]] }), /train\.lr = -1 is not valid/],
      [() => planSweep({ seeds: 1, grid: [['seed', [1, 2]]] }), /--grid seed: .*--seeds N/],
      [() => planSweep({ seeds: 1, grid: [['train.lr', [0.1, 0.1]]] }), /value 0\.1 listed twice/],
      [() => planSweep({ seeds: 1, grid: [['train.lr', [0.1]], ['train.lr', [0.2]]] }), /given twice/],
      [() => planSweep({ seeds: 1, set: { 'train.lr': 0.1 }, grid: [['train.lr', [0.2]]] }), /also fixed by --set train\.lr/],
      [() => planSweep({ seeds: 1, set: { 'trian.lr': 0.1 } }), /--set trian\.lr: unknown key/],
      [() => planSweep({ seeds: 0 }), /--seeds 0 is not valid: expected an integer >= 1/],
      [() => planSweep({ seeds: 2.5 }), /--seeds 2\.5 is not valid/],
      [() => planSweep({ seeds: 3, set: { seed: 2 ** 32 - 2 } }), /exceed 2\^32 - 1/],
      [() => planSweep({ seeds: 1, grid: [['preset', ['toy-nope']]] }), /preset = "toy-nope" is not valid: expected one of toy-default, toy-theory/],
      [() => parseShard('2/2'), /--shard "2\/2" is not valid: expected i\/n with integers 0 <= i < n/],
      [() => parseShard('1'), /--shard "1" is not valid/],
      [() => parseShard('-1/2'), /is not valid/],
      [() => parseShard('0/0'), /is not valid/],
    ];
    for (const [f, re] of bad) {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect(err, String(re)).toBeInstanceOf(SweepError);
      expect((err as Error).message).toMatch(re);
    }
    expect(parseShard(' 3 / 4 ')).toEqual({ index: 3, count: 4 });
  });

  it('run cost estimate grows with iterations, data, width and slower activations', () => {
    const c = resolveConfig();
    const cost = (set: Record<string, number | string>) => estimateRunCost(resolveConfig({ set }));
    expect(cost({ 'train.iterations': 40000 })).toBeGreaterThan(1.9 * estimateRunCost(c));
    expect(cost({ 'model.hidden': 512 })).toBeGreaterThan(1.9 * estimateRunCost(c));
    expect(cost({ 'data.n': 200 })).toBeLessThan(0.3 * estimateRunCost(c));
    expect(cost({ 'model.activation': 'gelu' })).toBeGreaterThan(3 * estimateRunCost(c));
  });
});
