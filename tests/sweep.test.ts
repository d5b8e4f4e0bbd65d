// Sweeps on worker threads: determinism across worker counts, shard + merge = one machine,
// reuse of complete runs, and the CLI's validation (exit 2, nothing written).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fclab } from './helpers/cli.js';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSweep, mergeSweeps, readSweep, type SweepOutcome } from '../src/node/sweep.js';
import { planSweep, SweepError, type SweepSpec } from '../src/sweep/plan.js';
import { runExperiment } from '../src/run/loop.js';
import type { MetricsRow } from '../src/tasks/toy/metrics.js';



// 4 cells x 2 seeds of a small theory-setting network: about 0.1 s per run
const small = { 'data.n': 64, 'model.hidden': 16, 'train.iterations': 30, 'train.evalEvery': 10, 'train.lr': 0.01 };
const spec: SweepSpec = {
  preset: 'toy-theory',
  set: small,
  grid: [
    ['model.activation', ['relu', 'identity']],
    ['data.bgMean', [0.5, 1]],
  ],
  seeds: 2,
};
const smallArgs = Object.entries(small).flatMap(([k, v]) => ['--set', `${k}=${v}`]);
const gridArgs = ['--grid', 'model.activation=relu,identity', '--grid', 'data.bgMean=0.5,1'];

let tmp: string;
let serial: SweepOutcome;
let parallel: SweepOutcome;
const hashes = (o: SweepOutcome) => o.runs.map((r) => `${r.run.dir} ${r.summary.hash}`);

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'fclab-sweep-'));
  serial = await runSweep(spec, { out: join(tmp, 'serial'), workers: 1, figure: false });
  parallel = await runSweep(spec, { out: join(tmp, 'parallel'), workers: 3, figure: false });
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('fclab sweep (library)', () => {
  it('parallel and serial sweeps give the same run hashes and byte-identical aggregates', async () => {
    expect(serial.runs).toHaveLength(8);
    expect(serial.workers).toBe(1);
    // 3 asked for; never more than the cores (src/node/cores.ts)
    expect(parallel.workers).toBe(Math.min(3, availableParallelism()));
    expect(hashes(parallel)).toEqual(hashes(serial));
    for (const f of ['sweep.json', 'sweep.csv'])
      expect(await readFile(join(tmp, 'parallel', f), 'utf8')).toBe(await readFile(join(tmp, 'serial', f), 'utf8'));
    // distinct seeds and cells give distinct runs
    expect(new Set(serial.runs.map((r) => r.summary.hash)).size).toBe(8);
  });

  it('each run folder is what fclab run writes, and its hash is a direct run\'s', async () => {
    const r = serial.runs[5]; // cell 2 (identity, bgMean 0.5), seed 2025
    expect(r.run.dir).toBe('runs/002-model.activation=identity,data.bgMean=0.5/seed-2025');
    const files = (await readdir(r.dir)).sort();
    expect(files).toEqual(
      [
        'config.json', 'manifest.json', 'metrics.csv', 'summary.json', 'weights',
        ...['asymmetry', 'bgGradShift', 'bgNoise', 'bgNorm', 'bgShift', 'coreNoise', 'coreNorm', 'coreSignal', 'iteration'].map((n) => `neurons.${n}.npy`),
      ].sort(),
    );
    const summary = JSON.parse(await readFile(join(r.dir, 'summary.json'), 'utf8'));
    const direct = await runExperiment({ preset: 'toy-theory', set: { ...small, 'model.activation': 'identity', 'data.bgMean': 0.5, seed: 2025 } });
    expect(summary.hash).toBe(direct.summary.hash);
    expect(summary.seed).toBe(2025);
  });

  it('sweep.json holds per cell and iteration the mean, std and 95% CI of every metric', async () => {
    const doc = await readSweep(join(tmp, 'serial'));
    expect(doc.shard).toBeNull();
    expect(doc.cellCount).toBe(4);
    expect(doc.cells.map((c) => c.id)).toEqual([
      'model.activation=relu,data.bgMean=0.5',
      'model.activation=relu,data.bgMean=1',
      'model.activation=identity,data.bgMean=0.5',
      'model.activation=identity,data.bgMean=1',
    ]);
    const c = doc.cells[0];
    expect(c.iterations).toEqual([0, 10, 20, 30]);
    expect(c.runs.map((r) => r.seed)).toEqual([2024, 2025]);
    const [a, b] = serial.runs.slice(0, 2).map((r) => (r.metrics as MetricsRow[])[3].oodLoss);
    expect(c.series.oodLoss.mean[3]).toBe((a + b) / 2);
    expect(c.series.oodLoss.std[3]).toBeCloseTo(Math.abs(a - b) / Math.SQRT2, 14);
    // t(0.975, 1) = 12.706: the interval is mean ± 12.706 · std / √2
    expect(c.series.oodLoss.ciHi[3] - c.series.oodLoss.mean[3]).toBeCloseTo((12.7062047 * c.series.oodLoss.std[3]) / Math.SQRT2, 12);
    const csv = (await readFile(join(tmp, 'serial', 'sweep.csv'), 'utf8')).trim().split('\n');
    expect(csv).toHaveLength(1 + 4 * 4);
    expect(csv[0].split(',').slice(0, 6)).toEqual(['cell_index', 'cell', 'model.activation', 'data.bgMean', 'iteration', 'n']);
  });

  it('shards + merge give exactly the single-machine aggregate, whatever the split', async () => {
    const shards = ['0/3', '1/3', '2/3'];
    const dirs: string[] = [];
    for (const s of shards) {
      const d = join(tmp, `shard-${s.replace('/', 'of')}`);
      const o = await runSweep(spec, { out: d, shard: s, workers: 2, figure: false });
      expect((await readSweep(d)).shard).toEqual({ index: Number(s[0]), count: 3 });
      // cell i belongs to shard i mod 3
      expect(o.doc.cells.map((c) => c.index % 3)).toEqual(o.doc.cells.map(() => Number(s[0])));
      dirs.push(d);
    }
    const out = join(tmp, 'merged');
    const m = await mergeSweeps([dirs[2], dirs[0], dirs[1]], { out });
    expect(m.shards.map((s) => s.cells)).toEqual([1, 2, 1]);
    for (const f of ['sweep.json', 'sweep.csv'])
      expect(await readFile(join(out, f), 'utf8')).toBe(await readFile(join(tmp, 'serial', f), 'utf8'));
    // the run folders came along
    const summary = JSON.parse(await readFile(join(out, serial.runs[7].run.dir, 'summary.json'), 'utf8'));
    expect(summary.hash).toBe(serial.runs[7].summary.hash);

    // a 2-way split of the same sweep merges to the same bytes (aggregates only)
    const half = [join(tmp, 'h0'), join(tmp, 'h1')];
    await runSweep(spec, { out: half[0], shard: '0/2', workers: 1, figure: false });
    await runSweep(spec, { out: half[1], shard: '1/2', workers: 1, figure: false });
    await mergeSweeps(half, { out: join(tmp, 'merged2'), copyRuns: false });
    expect(await readFile(join(tmp, 'merged2', 'sweep.json'), 'utf8')).toBe(await readFile(join(tmp, 'serial', 'sweep.json'), 'utf8'));
    expect(existsSync(join(tmp, 'merged2', 'runs'))).toBe(false);

    // missing shards are named; other sweeps are refused; out may not be an input
    await expect(mergeSweeps([dirs[0], dirs[2]], { out: join(tmp, 'm3') })).rejects.toThrow(
      /merge: 1 of 4 cells missing: 001 \(model\.activation=relu,data\.bgMean=1\); missing shard\(s\): 1\/3/,
    );
    await expect(mergeSweeps([dirs[0], join(tmp, 'nothing')], { out: join(tmp, 'm4') })).rejects.toThrow(/no sweep\.json/);
    await expect(mergeSweeps([dirs[0], dirs[1]], { out: dirs[0] })).rejects.toThrow(/is one of the inputs/);
    const other = join(tmp, 'other');
    await runSweep({ ...spec, seeds: 1 }, { out: other, shard: '1/3', workers: 1, figure: false });
    await expect(mergeSweeps([dirs[0], other, dirs[2]], { out: join(tmp, 'm5') })).rejects.toThrow(/are different sweeps.*differ in spec, seeds/);
    expect(existsSync(join(tmp, 'm3'))).toBe(false);
    expect(existsSync(join(tmp, 'm5'))).toBe(false);
  });

  it('re-running into the same folder reuses complete runs; another sweep is refused', async () => {
    const events: string[] = [];
    const again = await runSweep(spec, { out: join(tmp, 'serial'), workers: 2, onProgress: (e) => events.push(e.type) });
    expect(again.runs.every((r) => r.reused)).toBe(true);
    expect(events).toEqual(['start']);
    expect(hashes(again)).toEqual(hashes(serial));
    await expect(runSweep({ ...spec, seeds: 3 }, { out: join(tmp, 'serial') })).rejects.toThrow(/holds a different sweep/);
    await expect(runSweep(spec, { out: join(tmp, 'serial'), shard: '0/2' })).rejects.toThrow(/holds the complete sweep, not shard 0\/2/);
    await expect(runSweep(spec, { out: join(tmp, 'w0'), workers: 0 })).rejects.toBeInstanceOf(SweepError);
    expect(existsSync(join(tmp, 'w0'))).toBe(false);
  });

  it('progress events count runs and reach 100%', async () => {
    const events: Array<{ type: string; done: number; total: number; fraction: number }> = [];
    const plan = planSweep({ ...spec, seeds: 1 });
    await runSweep({ ...spec, seeds: 1 }, {
      out: join(tmp, 'progress'),
      workers: 2,
      figure: false,
      onProgress: (e) => events.push({ type: e.type, done: e.runsDone, total: e.runsTotal, fraction: e.fraction }),
    });
    const done = events.filter((e) => e.type === 'run-done');
    expect(events[0]).toMatchObject({ type: 'start', done: 0, total: plan.runs.length });
    expect(done.map((e) => e.done)).toEqual([1, 2, 3, 4]);
    expect(done[done.length - 1].fraction).toBe(1);
    for (let i = 1; i < events.length; i++) expect(events[i].fraction).toBeGreaterThanOrEqual(events[i - 1].fraction);
  });
});

describe('fclab sweep / merge (CLI)', () => {
  it('runs a sweep with one plain progress line per run and a summary table', async () => {
    const out = join(tmp, 'cli');
    // the sweep's report.html is tests/sweep-report.test.ts's
    const r = await fclab('sweep', '--preset', 'toy-theory', ...gridArgs, ...smallArgs, '--seeds', '2', '--workers', '2', '--no-report', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toBe('sweep: 8 runs on 2 workers');
    expect(lines.filter((l) => /^sweep \[\s*\d\/8\] model\.activation=\w+,data\.bgMean=[\d.]+ seed 202[45] \| hash [0-9a-f]{12} \|/.test(l))).toHaveLength(8);
    expect(r.stdout).toMatch(/sweep: 4 of 4 cells × 2 seeds = 8 runs \(8 trained, 0 reused\)/);
    expect(r.stdout).toContain('model.activation=identity,data.bgMean=1');
    // same bytes as the library's sweep; each run has its figure (the CLI default)
    expect(await readFile(join(out, 'sweep.json'), 'utf8')).toBe(await readFile(join(tmp, 'serial', 'sweep.json'), 'utf8'));
    expect(existsSync(join(out, serial.runs[0].run.dir, 'run.png'))).toBe(true);
  });

  it('bad input: a clear message, exit 2, and nothing written', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--grid', 'model.activation'], /--grid "model\.activation": expected key=v1,v2/],
      [['--grid', 'model.activaton=relu'], /unknown key "model\.activaton"; did you mean "model\.activation"/],
      [['--grid', 'model.activation=relu,swish'], /cell "model\.activation=swish": config: model\.activation = "swish" is not valid: expected one of/],
      [['--shard', '2/2'], /--shard "2\/2" is not valid: expected i\/n with integers 0 <= i < n/],
      [['--shard', 'a/b'], /--shard "a\/b" is not valid/],
      [['--seeds', '0'], /--seeds "0" is not valid: expected an integer >= 1/],
      [['--workers', '0'], /--workers "0" is not valid: expected an integer >= 1/],
      [['--workers', 'two'], /--workers "two" is not valid/],
    ];
    for (const [args, re] of cases) {
      const out = join(tmp, 'bad');
      const r = await fclab('sweep', '--preset', 'toy-theory', ...smallArgs, ...args, '--out', out);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^fclab: error: /);
      expect(r.stderr).toMatch(re);
      expect(existsSync(out)).toBe(false);
    }
    // a grid axis over a key of another kind (mnist-padded has no feature-model data keys)
    const wrong = join(tmp, 'bad-kind');
    const k = await fclab('sweep', '--preset', 'mnist-padded', '--grid', 'data.bgMean=0.5,1', '--out', wrong);
    expect(k.code).toBe(2);
    expect(k.stderr).toMatch(/^fclab: error: cell "data\.bgMean=0\.5": --set data\.bgMean: key "data\.bgMean" does not apply to preset "mnist-padded" \(a mnist run\)/);
    expect(existsSync(wrong)).toBe(false);
    const m = await fclab('merge', join(tmp, 'shard-0of3'), '--out', join(tmp, 'bad-merge'));
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/fclab: error: merge: 2 of 4 cells missing: 001 \(model\.activation=relu,data\.bgMean=1\), 002 \(model\.activation=identity,data\.bgMean=0\.5\); missing shard\(s\): 1\/3, 2\/3/);
    expect(existsSync(join(tmp, 'bad-merge'))).toBe(false);
    const f = await fclab('reproduce', '--quick', '--figures', 'F9', '--out', join(tmp, 'bad-repro'));
    expect(f.code).toBe(2);
    expect(f.stderr).toMatch(/--figures "F9" is not valid: expected a comma-separated subset of F1, F2, F3, F4, F5, F6, F7/);
  });
});
