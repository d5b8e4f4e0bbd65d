// Kernel threads claim fixed chunks of each step from an atomic counter (assembly/par.ts), and
// threads: 'auto' switches between 1 thread and the pool (src/engine/auto-threads.ts). Neither may
// change a bit: the same parameters for any thread count and any schedule, including adversarial
// ones where one thread is held back before every chunk it claims. No clock decides anything here:
// the delays are spin counts, and the auto test drives a fake clock.
import { describe, it, expect } from 'vitest';
import { createTrainer, type Trainer } from '../src/tasks/toy/trainer.js';
import { runExperiment } from '../src/run/loop.js';
import { AutoThreads } from '../src/engine/auto-threads.js';
import { checkThreadsOption } from '../src/engine/threads-option.js';
import type { Engine } from '../src/engine/wasm.js';
import type { SetValue } from '../src/config/resolve.js';
import { fclab } from './helpers/cli.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';

const bits = (t: Trainer) => t.parameters().map((p) => Array.from(new Uint32Array(p.data.buffer.slice(p.data.byteOffset, p.data.byteOffset + p.data.byteLength))));
const kernelsOf = (t: Trainer) => (t as unknown as { engine: Engine }).engine.kernels;

const CASES: Array<[string, string, Record<string, SetValue>]> = [
  ['full batch, dense, AdamW', 'toy-default', { 'data.n': 200, 'model.hidden': 64 }],
  ['full batch, feature coordinates, SGD', 'toy-theory', { 'data.n': 200, 'model.hidden': 64 }],
  ['minibatches of 32', 'toy-default', { 'data.n': 200, 'model.hidden': 64, 'train.batchSize': 32 }],
  ['online, batch 32', 'toy-default', { 'model.hidden': 64, 'train.optimizer': 'sgd', 'train.online': true, 'train.batchSize': 32 }],
];

describe('chunked schedule', () => {
  for (const [name, preset, set] of CASES)
    it(`${name}: the same bits on 1 thread, 2 threads, either thread held back, and auto`, async () => {
      const one = await createTrainer({ preset, set }, { threads: 1 });
      one.step(12);
      const want = bits(one);
      one.dispose();
      // [thread held back (0 = the caller), spins before each chunk]
      for (const delay of [null, [1, 200_000], [0, 200_000]] as const) {
        const t = await createTrainer({ preset, set }, { threads: 2 });
        try {
          expect(t.threads).toBe(2);
          // steps of 32 rows split too (a fixed count keeps them inline by default; auto does not)
          kernelsOf(t).parSetMinRows(32);
          if (delay) kernelsOf(t).parSetDelay(delay[0], delay[1]);
          for (let i = 0; i < 4; i++) t.step(3);
          expect(bits(t), `${name}, delay ${JSON.stringify(delay)}`).toEqual(want);
        } finally {
          t.dispose();
        }
      }
      const auto = await createTrainer({ preset, set }, { threads: 'auto' });
      try {
        // the pool auto chooses from: all cores, up to 4
        expect(auto.threads).toBe(Math.min(4, availableParallelism()));
        auto.step(12);
        expect(bits(auto)).toEqual(want);
      } finally {
        auto.dispose();
      }
    });

  it('online batch 32: the run hash at 1 and 2 threads is the same', async () => {
    const set = { 'train.optimizer': 'sgd', 'train.online': true, 'train.batchSize': 32, 'train.iterations': 60, 'train.evalEvery': 20 } as const;
    const a = await runExperiment({ preset: 'toy-default', set, threads: 1 });
    const b = await runExperiment({ preset: 'toy-default', set, threads: 2 });
    // 'auto' lets steps of 32 rows run on the pool
    const c = await runExperiment({ preset: 'toy-default', set, threads: 'auto' });
    expect(a.summary.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(b.summary.hash).toBe(a.summary.hash);
    expect(c.summary.hash).toBe(a.summary.hash);
  });
});

describe("threads: 'auto' (fake clock)", () => {
  // a call of p steps costs p * cost(threads) ms on the fake clock
  const drive = (cost: (threads: number) => number, calls: number, k: number) => {
    let clock = 0;
    let active = 0;
    const used: number[] = [];
    const auto = new AutoThreads(2, (t) => (active = t), () => clock);
    let steps = 0;
    for (let c = 0; c < calls; c++) {
      const out = auto.steps('train', k, (p) => {
        used.push(active);
        clock += p * cost(active);
        steps += p;
        return steps; // the module returns the last step's figure
      });
      expect(out).toBe(steps);
    }
    expect(steps).toBe(calls * k);
    return { auto, used };
  };

  it('keeps the pool when it is faster, and 1 thread when the pool is not clearly faster', () => {
    const fast = drive((t) => (t === 2 ? 0.6 : 1), 20, 50);
    expect(fast.auto.decisions[0]).toMatchObject({ threads: 2 });
    expect(fast.used.at(-1)).toBe(2);
    const slow = drive((t) => (t === 2 ? 1.3 : 1), 20, 50);
    expect(slow.auto.decisions[0]).toMatchObject({ threads: 1 });
    expect(slow.used.at(-1)).toBe(1);
    const even = drive(() => 1, 20, 50);
    expect(even.auto.decisions[0].threads).toBe(1);
  });

  it('re-checks and follows a change of load', () => {
    let clock = 0;
    let active = 0;
    let loaded = false;
    const auto = new AutoThreads(2, (t) => (active = t), () => clock);
    for (let c = 0; c < 400; c++) {
      if (c === 100) loaded = true; // a busy core from here on: the pool gets slow
      auto.steps('train', 10, (p) => ((clock += p * (active === 2 ? (loaded ? 3 : 0.6) : 1)), 0));
    }
    expect(auto.decisions[0].threads).toBe(2);
    expect(auto.decisions.at(-1)!.threads).toBe(1);
    expect(auto.current).toBe(1);
  });

  it('k = 0 passes through; threads settings are checked with a clear message', () => {
    const auto = new AutoThreads(2, () => {}, () => 0);
    expect(auto.steps('x', 0, (p) => p + 7)).toBe(7);
    expect(checkThreadsOption('auto')).toBe('auto');
    expect(checkThreadsOption(3)).toBe(3);
    expect(() => checkThreadsOption('fast')).toThrow('threads = "fast" is not valid: expected an integer from 1 to 64 or "auto"');
    expect(() => checkThreadsOption(0)).toThrow(/threads = 0 is not valid/);
  });

  it('fclab run --threads auto runs; a bad value names the flag and exits 2', async () => {
    const bad = await fclab('run', '--threads', 'fast', '--set', 'train.iterations=2', '--no-figure', '-q');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--threads "fast": expected an integer from 1 to 64 or "auto"');
    const dir = await mkdtemp(join(tmpdir(), 'fclab-threads-'));
    try {
      const ok = await fclab('run', '--threads', 'auto', '--set', 'data.n=200', '--set', 'model.hidden=32', '--set', 'train.iterations=20',
        '--set', 'train.evalEvery=10', '--no-figure', '-q', '--out', join(dir, 'r'));
      expect(ok.stderr).toBe('');
      expect(ok.code).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
