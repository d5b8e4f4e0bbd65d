// When things go wrong: divergence stops a run deterministically, oversized configs are refused
// up front, an interrupted run continues bit-identically, a sweep records a diverged run.
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runExperiment, run, RunInterrupted } from '../src/run/loop.js';
import { createTrainer, resolveEngineSettings } from '../src/tasks/toy/trainer.js';
import { memoryPlan } from '../src/tasks/toy/memory.js';
import { MEMORY_LIMIT_BYTES, STATIC_BYTES } from '../src/engine/memory.js';
import { wasmBytes } from '../src/engine/wasm-source.js';
import { ConfigError } from '../src/config/resolve.js';
import { toyConfig } from './helpers/configs.js';
import { runHash } from '../src/run/hash.js';
import { METRIC_COLUMNS, type MetricsRow } from '../src/tasks/toy/metrics.js';
import { runSweep } from '../src/node/sweep.js';
import type { Arena } from '../src/engine/arena.js';

/** SGD at lr 1000 on the MSE loss: the weights overflow within 40 updates (small, so fast). */
export const DIVERGING = {
  preset: 'toy-theory',
  set: { 'data.n': 50, 'model.hidden': 16, 'train.iterations': 200, 'train.evalEvery': 10, 'train.loss': 'mse', 'train.lr': 1000 },
};

const tmps: string[] = [];
afterAll(async () => {
  for (const t of tmps) await rm(t, { recursive: true, force: true });
});

describe('divergence stops the run at the evaluation that sees it', () => {
  it('NaN in the weights: stopped at iteration 40, metrics so far kept, summary marked, hash reproducible', async () => {
    const a = await runExperiment(DIVERGING);
    const d = a.summary.diverged!;
    expect(d).toBeDefined();
    expect(d.iteration).toBe(40);
    expect(d.tensors.map((t) => t.name)).toEqual(['fc0.weight', 'fc0.bias']);
    expect(d.tensors[0]).toMatchObject({ count: 4096, size: 4096, value: 'NaN' });
    expect(d.message).toMatch(/^training diverged at iteration 40: fc0\.weight \(4096 of 4096 values, first NaN\)/);
    expect(a.metrics.map((m) => m.iteration)).toEqual([0, 10, 20, 30, 40]);
    expect(a.summary.iterations).toBe(40);
    expect(a.summary.final).toEqual(a.metrics[4]);
    expect(Number.isNaN(a.summary.final.bgProj)).toBe(true);
    expect(a.summary.hash).toMatch(/^[0-9a-f]{64}$/);
    // the check runs at evaluations only, so it is as deterministic as the run: other build, threads
    const b = await runExperiment({ ...DIVERGING, build: 'scalar' });
    const c = await runExperiment({ ...DIVERGING, threads: 2 });
    expect(b.summary.hash).toBe(a.summary.hash);
    expect(c.summary.hash).toBe(a.summary.hash);
    expect(b.summary.diverged).toEqual(d);
    // a finite run has no diverged field
    const ok = await run({ ...DIVERGING, set: { ...DIVERGING.set, 'train.lr': 1e-3, 'train.iterations': 20 } });
    expect(ok).not.toHaveProperty('diverged');
    expect(ok.iterations).toBe(20);
  });

  it('the hash treats every NaN alike (WebAssembly leaves the sign and payload of NaN to the platform)', () => {
    const nan = (bits: number) => new Float32Array(new Uint32Array([0x3f800000, bits]).buffer);
    const row = (v: number): MetricsRow => Object.fromEntries(METRIC_COLUMNS.map((c) => [c, v])) as MetricsRow;
    const f64nan = (hi: number) => new Float64Array(new Uint32Array([1, hi]).buffer)[0];
    const h1 = runHash([{ data: nan(0x7fc00000) }], [row(NaN)], METRIC_COLUMNS);
    const h2 = runHash([{ data: nan(0xffc00001) }], [row(f64nan(0xfff80000))], METRIC_COLUMNS);
    expect(h2).toBe(h1);
    expect(runHash([{ data: nan(0x7f800000) }], [row(NaN)], METRIC_COLUMNS)).not.toBe(h1); // Infinity is not NaN
  });
});

describe('memory: a config too large for the engine is refused up front', () => {
  it('names the size needed and what to reduce; nothing is allocated', async () => {
    const set = { 'data.n': 1_000_000, 'data.inputDim': 4096 };
    const err = await createTrainer({ set }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/this config needs 34\.7 GiB of WebAssembly memory \(data \(data\.n = 1000000, data\.inputDim = 4096\): 31\.4 GiB;/);
    expect((err as Error).message).toMatch(/more than the engine's limit of 2 GiB; reduce data\.n, data\.inputDim, model\.hidden or train\.batchSize/);
    // the browser/Node library API refuses it the same way
    await expect(run({ set })).rejects.toThrow(/needs 34\.7 GiB/);
    // one buffer above the allocator's 1 GiB block limit, the total below 2 GiB
    await expect(createTrainer({ set: { 'data.coreDim': 3000, 'data.bgDim': 3000, 'data.inputDim': 8000, 'data.n': 10 } })).rejects.toThrow(
      /needs a single buffer of 1\.07 GiB \(QR workspace\), more than the engine's limit of 1 GiB per buffer/,
    );
  });

  it('the static part covers what each build takes at start-up, before the engine allocates', async () => {
    for (const build of ['scalar', 'simd', 'simd-mt'] as const) {
      const imports: WebAssembly.Imports = { env: { abort() {} } };
      if (build === 'simd-mt') (imports.env as Record<string, unknown>).memory = new WebAssembly.Memory({ initial: 16, maximum: 32768, shared: true });
      const { exports } = await WebAssembly.instantiate(await WebAssembly.compile(await wasmBytes(build)), imports);
      const first = (exports.alloc as (n: number) => number)(16);
      expect(first, build).toBeLessThan(STATIC_BYTES);
      if (build === 'simd-mt') expect(first).toBeGreaterThan(STATIC_BYTES / 3); // the bound is not loose by much
    }
  });

  it('the estimate bounds what a trainer really allocates, within 25%', async () => {
    const cases: Array<Record<string, string | number | boolean>> = [
      {},
      { 'model.activation': 'gelu', 'train.batchSize': 100, 'model.layers': 3, 'model.hidden': 64 },
      { 'train.online': true, 'engine.factorInput': false, 'train.batchSize': 64 },
      { 'data.n': 4000, 'data.inputDim': 512, 'model.bias': false },
    ];
    for (const set of cases) {
      const config = resolveEngineSettings(toyConfig({ set }), false);
      const plan = memoryPlan(config, { imported: false, factored: config.engine.factorInput });
      expect(plan.bytes).toBeLessThan(MEMORY_LIMIT_BYTES);
      const t = await createTrainer(config);
      const end = (t as unknown as { arena: Arena }).arena.bytes(16); // the allocator's current end
      t.dispose();
      expect(end, JSON.stringify(set)).toBeLessThanOrEqual(plan.bytes);
      // the static part is sized for the threaded build (2.1 MiB), the 1-thread builds take under 0.2 MiB
      expect(plan.bytes, JSON.stringify(set)).toBeLessThan(end * 1.25 + (4 << 20));
    }
    // with kernel threads the module's start-up slots are larger: still within the plan
    const config = resolveEngineSettings(toyConfig({ set: { 'model.activation': 'gelu' } }), false);
    const plan = memoryPlan(config, { imported: false, factored: config.engine.factorInput });
    const t = await createTrainer(config, { threads: 2 });
    const end = (t as unknown as { arena: Arena }).arena.bytes(16);
    t.dispose();
    expect(end).toBeLessThanOrEqual(plan.bytes);
  });
});

describe('an interrupted run continues bit-identically', () => {
  it('abort between evaluations: RunInterrupted carries a checkpoint; resuming it gives the uninterrupted hash', async () => {
    const set = { 'data.n': 100, 'train.iterations': 400, 'train.evalEvery': 100, 'model.hidden': 32 };
    const whole = await runExperiment({ set });
    const ac = new AbortController();
    const err = await runExperiment({
      set,
      signal: ac.signal,
      onProgress: (e) => {
        if (e.iteration >= 150) ac.abort('SIGINT');
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunInterrupted);
    const cp = (err as RunInterrupted).checkpoint;
    expect((err as RunInterrupted).reason).toBe('SIGINT');
    expect(cp.snapshot.iteration).toBe(150); // not an evaluation: chunks of 50 updates
    expect(cp.metrics.map((m) => m.iteration)).toEqual([0, 100]);
    const resumed = await runExperiment({ resume: cp });
    expect(resumed.summary.hash).toBe(whole.summary.hash);
    expect(resumed.metrics).toEqual(whole.metrics);
  });
});

describe('sweeps record a diverged run instead of failing', () => {
  it('the diverged cell has NaN statistics from its divergence on and names its runs', async () => {
    const out = await mkdtemp(join(tmpdir(), 'fclab-div-sweep-'));
    tmps.push(out);
    const { 'train.lr': _lr, ...set } = DIVERGING.set;
    const spec = { preset: DIVERGING.preset, set: { ...set, 'train.iterations': 60 }, grid: [['train.lr', [1e-3, 1000]]] as Array<[string, number[]]>, seeds: 2 };
    const r = await runSweep(
      spec,
      { out, workers: 2, figure: false },
    );
    const [fine, bad] = r.doc.cells;
    expect(fine.runs.every((x) => !x.diverged)).toBe(true);
    expect(Number.isFinite(fine.final.trainLoss.mean)).toBe(true);
    // seed 2024 diverges at 40, seed 2025 at 60 (the last evaluation): 2024 continues as NaN
    expect(bad.runs.map((x) => x.diverged?.iteration)).toEqual([40, 60]);
    expect(bad.runs[0].diverged!.tensors).toContain('fc0.weight');
    expect(bad.iterations).toEqual([0, 10, 20, 30, 40, 50, 60]);
    expect(bad.series.bgProj.mean.slice(0, 4).every(Number.isFinite)).toBe(true);
    expect(bad.series.bgProj.mean.slice(4).every(Number.isNaN)).toBe(true);
    expect(Number.isNaN(bad.final.bgProj.mean)).toBe(true);
    const json = JSON.parse(await readFile(join(out, 'sweep.json'), 'utf8'));
    expect(json.cells[1].runs[0].diverged.iteration).toBe(40);
    expect(json.cells[1].final.bgProj.mean).toBeNull();
    // re-running reuses the diverged runs (a folder with a summary is complete)
    const again = await runSweep(
      spec,
      { out, workers: 1, figure: false },
    );
    expect(again.runs.every((x) => x.reused)).toBe(true);
    expect(again.doc.cells[1].runs).toEqual(bad.runs);
  });
});
