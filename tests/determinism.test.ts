// Determinism (docs/design.md): a run is a pure function of its resolved config. Same config, same
// hash; builds and interruptions do not matter; named PRNG sub-streams keep unrelated parts of a
// config from reshuffling each other.
import { describe, it, expect } from 'vitest';
import { createTrainer, type Trainer } from '../src/tasks/toy/trainer.js';
import { runExperiment } from '../src/run/loop.js';
import type { SetValue } from '../src/config/resolve.js';

const small: Record<string, SetValue> = { 'data.n': 200, 'train.iterations': 30, 'train.evalEvery': 10 };

const sameArrays = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  a.length === b.length && Array.from(a).every((v, i) => Object.is(v, b[i]));

function paramsEqual(a: Trainer, b: Trainer): boolean {
  const pa = a.parameters();
  const pb = b.parameters();
  return pa.length === pb.length && pa.every((p, i) => p.name === pb[i].name && sameArrays(p.data, pb[i].data));
}

describe('same config, same hash', () => {
  it('two runs of toy-default and toy-theory', async () => {
    for (const preset of ['toy-default', 'toy-theory']) {
      const a = await runExperiment({ preset, set: small });
      const b = await runExperiment({ preset, set: small });
      expect(a.summary.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(b.summary.hash).toBe(a.summary.hash);
      expect(b.metrics).toEqual(a.metrics);
    }
  });

  it('a different seed gives a different hash', async () => {
    const a = await runExperiment({ set: small });
    const b = await runExperiment({ set: { ...small, seed: 7 } });
    expect(b.summary.hash).not.toBe(a.summary.hash);
  });

  it('the SIMD and scalar builds give the same hash (full batch, minibatch, online, every activation)', async () => {
    const variants: Array<[string, Record<string, SetValue>]> = [
      ['toy-default', small],
      ['toy-theory', { ...small, 'model.activation': 'gelu', 'train.batchSize': 32 }],
      ['toy-default', { ...small, 'model.activation': 'tanh', 'train.online': true, 'train.batchSize': 50, 'engine.factorInput': false }],
      ['toy-default', { ...small, 'model.activation': 'sigmoid', 'model.layers': 3, 'model.hidden': 33, 'train.optimizer': 'adam' }],
      ['toy-theory', { ...small, 'model.activation': 'leakyrelu', 'model.bias': false, 'train.loss': 'mse' }],
    ];
    for (const [preset, set] of variants) {
      const simd = await runExperiment({ preset, set, build: 'simd' });
      const scalar = await runExperiment({ preset, set, build: 'scalar' });
      expect(simd.summary.engine.simd).toBe(true);
      expect(scalar.summary.engine.simd).toBe(false);
      expect(scalar.summary.hash, `${preset} ${JSON.stringify(set)}`).toBe(simd.summary.hash);
    }
  });
});

describe('named sub-streams', () => {
  it('changing train.iterations or train.evalEvery changes neither data nor init', async () => {
    const a = await createTrainer({ set: { 'data.n': 200, 'train.iterations': 10, 'train.evalEvery': 5 } });
    const b = await createTrainer({ set: { 'data.n': 200, 'train.iterations': 5000, 'train.evalEvery': 1 } });
    const da = a.dataset();
    const db = b.dataset();
    expect(sameArrays(da.trainX, db.trainX)).toBe(true);
    expect(sameArrays(da.testX, db.testX)).toBe(true);
    expect(sameArrays(da.transform, db.transform)).toBe(true);
    expect(paramsEqual(a, b)).toBe(true);
    const { neurons: _na, ...ea } = a.evaluate();
    const { neurons: _nb, ...eb } = b.evaluate();
    expect(eb).toEqual(ea);
  });

  it('the model and optimizer do not touch the data; the data settings do not touch the init', async () => {
    const base = await createTrainer({ set: { 'data.n': 200 } });
    const other = await createTrainer({ set: { 'data.n': 200, 'model.activation': 'gelu', 'train.optimizer': 'sgd', 'model.freezeOutput': true } });
    expect(sameArrays(base.dataset().trainX, other.dataset().trainX)).toBe(true);
    const core = await createTrainer({ set: { 'data.n': 200, 'data.core': 'uniform', 'data.bgMean': 1 } });
    expect(sameArrays(base.parameters()[0].data, core.parameters()[0].data)).toBe(true);
    expect(sameArrays(base.dataset().transform, core.dataset().transform)).toBe(true);
    expect(sameArrays(base.dataset().trainX, core.dataset().trainX)).toBe(false);
  });

  it('freezing the output keeps the hidden layer init', async () => {
    const a = await createTrainer({ preset: 'toy-theory', set: { 'model.freezeOutput': false } });
    const b = await createTrainer({ preset: 'toy-theory' });
    expect(sameArrays(a.parameters()[0].data, b.parameters()[0].data)).toBe(true);
    const w = b.parameters()[2].data;
    expect(w[0]).toBe(Math.fround(1 / 256));
    expect(w[255]).toBe(Math.fround(-1 / 256));
  });
});

describe('snapshot and restore continue bit-identically', () => {
  for (const [name, set] of [
    ['full batch', {}],
    ['minibatch', { 'train.batchSize': 64 }],
    ['online', { 'train.online': true, 'train.batchSize': 50 }],
  ] as const) {
    it(name, async () => {
      const cfg = { preset: 'toy-default', set: { 'data.n': 200, ...set } };
      const a = await createTrainer(cfg);
      a.step(7);
      const snap = a.snapshot();
      a.step(9);
      // continue from the snapshot in the same trainer and in a fresh one
      const b = await createTrainer(cfg);
      b.restore(snap);
      expect(b.iteration).toBe(7);
      b.step(9);
      expect(paramsEqual(a, b)).toBe(true);
      a.restore(snap);
      a.step(9);
      expect(paramsEqual(a, b)).toBe(true);
      // and an uninterrupted trainer agrees
      const c = await createTrainer(cfg);
      c.step(16);
      expect(paramsEqual(a, c)).toBe(true);
    });
  }

  it('refuses a snapshot from another config', async () => {
    const a = await createTrainer({ set: { 'data.n': 200 } });
    const b = await createTrainer({ set: { 'data.n': 200, 'model.hidden': 64 } });
    expect(() => b.restore(a.snapshot())).toThrow(/different config/);
  });
});

describe('run chunking does not matter', () => {
  it('k steps in one call equal k single steps', async () => {
    const a = await createTrainer({ set: { 'data.n': 200 } });
    const b = await createTrainer({ set: { 'data.n': 200 } });
    a.step(12);
    for (let i = 0; i < 12; i++) b.step(1);
    expect(paramsEqual(a, b)).toBe(true);
  });
});

describe('a run resumed from a checkpoint equals one uninterrupted', () => {
  it('library: checkpoint at 20 of 50 iterations, encode, decode, resume', async () => {
    const { encodeCheckpoint, decodeCheckpoint } = await import('../src/run/checkpoint.js');
    const set = { 'data.n': 200, 'train.iterations': 50, 'train.evalEvery': 10, 'train.batchSize': 32 };
    const whole = await runExperiment({ set });
    const saved: Uint8Array[] = [];
    await runExperiment({ set, checkpointEvery: 20, onCheckpoint: (cp) => void saved.push(encodeCheckpoint(cp)) });
    expect(saved).toHaveLength(2); // at 20 and 40
    const cp = decodeCheckpoint(saved[0]);
    expect(cp.snapshot.iteration).toBe(20);
    expect(cp.metrics.map((m) => m.iteration)).toEqual([0, 10, 20]);
    const resumed = await runExperiment({ resume: cp });
    expect(resumed.summary.hash).toBe(whole.summary.hash);
    expect(resumed.metrics).toEqual(whole.metrics);
    expect(resumed.neurons.bgNorm.map((a) => Array.from(a))).toEqual(whole.neurons.bgNorm.map((a) => Array.from(a)));
  });

  it('train.checkpointEvery: any interval (between evaluations too), the same hash as without checkpoints', async () => {
    const { encodeCheckpoint, decodeCheckpoint } = await import('../src/run/checkpoint.js');
    const set = { 'data.n': 100, 'train.iterations': 40, 'train.evalEvery': 8, 'model.hidden': 32 };
    const whole = await runExperiment({ set });
    const saved: Uint8Array[] = [];
    const withCp = await runExperiment({ set: { ...set, 'train.checkpointEvery': 13 }, onCheckpoint: (cp) => void saved.push(encodeCheckpoint(cp)) });
    // the key changes no number: same hash, same metrics
    expect(withCp.summary.hash).toBe(whole.summary.hash);
    expect(saved.map((b) => decodeCheckpoint(b).snapshot.iteration)).toEqual([13, 26, 39]);
    for (const b of saved) {
      const cp = decodeCheckpoint(b);
      expect(cp.config.train.checkpointEvery).toBe(13);
      const resumed = await runExperiment({ resume: cp });
      expect(resumed.summary.hash).toBe(whole.summary.hash);
      expect(resumed.metrics).toEqual(whole.metrics);
    }
    await expect(runExperiment({ set, checkpointEvery: -1 })).rejects.toThrow(/checkpointEvery = -1 is not valid/);
    expect(() => decodeCheckpoint(new Uint8Array([1, 2, 3]), 'x.fclab')).toThrow(/x\.fclab: not a valid fclab checkpoint/);
  });
});

describe('threads split rows, never a sum: any thread count gives the same bits', () => {
  it('1, 2 and 3 threads: same hash for full batch, minibatch, online, dense and deep nets', async () => {
    const variants: Array<[string, Record<string, SetValue>]> = [
      ['toy-default', small],
      ['toy-theory', { ...small, 'train.batchSize': 48, 'model.activation': 'gelu' }],
      ['toy-default', { ...small, 'train.online': true, 'train.batchSize': 64, 'engine.factorInput': false }],
      ['toy-theory', { ...small, 'model.layers': 4, 'model.hidden': 37, 'model.activation': 'tanh', 'model.bias': false }],
    ];
    for (const [preset, set] of variants) {
      const hashes: string[] = [];
      for (const threads of [1, 2, 3]) {
        const r = await runExperiment({ preset, set, threads });
        expect(r.summary.engine.threads).toBe(threads);
        hashes.push(r.summary.hash);
      }
      expect(new Set(hashes).size, `${preset} ${JSON.stringify(set)}: ${hashes.join(' ')}`).toBe(1);
    }
  });

  it('a threaded trainer snapshots and restores like a single-threaded one', async () => {
    const cfg = { set: { 'data.n': 200, 'train.batchSize': 40 } };
    const a = await createTrainer(cfg, { threads: 2 });
    const b = await createTrainer(cfg);
    a.step(5);
    b.restore(a.snapshot());
    a.step(6);
    b.step(6);
    expect(paramsEqual(a, b)).toBe(true);
    a.dispose();
    a.step(1); // keeps working on the calling thread
    b.step(1);
    expect(paramsEqual(a, b)).toBe(true);
  });

  it('threaded trainers start, step and stop many times without a lost task (startup race)', async () => {
    // a worker that read the task generation after the caller published the first task would
    // wait forever; this loop hung about one time in six before parWorker took the generation
    const cfg = { set: { 'data.n': 64, 'model.hidden': 16 } };
    const ref = await createTrainer(cfg);
    ref.step(1);
    for (let i = 0; i < 40; i++) {
      const t = await createTrainer(cfg, { threads: 2 + (i % 3) });
      t.step(1);
      expect(paramsEqual(t, ref), `trainer ${i}`).toBe(true);
      t.dispose();
    }
  });

  it('threads need the SIMD build and a positive count', async () => {
    await expect(createTrainer({}, { threads: 2, build: 'scalar' })).rejects.toThrow(/threads = 2 needs the simd build/);
    await expect(createTrainer({}, { threads: 0 })).rejects.toThrow(/threads = 0 is not valid: expected an integer from 1 to 64 or "auto"/);
  });
});

describe('stopping a run', () => {
  it('an aborted signal stops runExperiment between chunks', async () => {
    const ac = new AbortController();
    let seen = 0;
    const run = runExperiment({
      set: { 'data.n': 100, 'train.iterations': 100_000, 'train.evalEvery': 50 },
      signal: ac.signal,
      onProgress: (e) => {
        seen = e.iteration;
        if (e.iteration >= 200) ac.abort(new Error('stopped by the test'));
      },
    });
    await expect(run).rejects.toThrow('stopped by the test');
    expect(seen).toBeGreaterThanOrEqual(200);
    expect(seen).toBeLessThan(400);
  });
});
