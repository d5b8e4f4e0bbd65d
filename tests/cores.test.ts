// Sweeps never ask for more threads in all (workers x kernel threads) than there are cores.
import { describe, expect, it } from 'vitest';
import { fitToCores } from '../src/node/cores.js';

describe('fitToCores', () => {
  it('defaults to one worker per core (at most one per run) and 1 kernel thread', () => {
    expect(fitToCores(2, 8)).toEqual({ workers: 2, threads: 1 });
    expect(fitToCores(8, 3)).toEqual({ workers: 3, threads: 1 });
    expect(fitToCores(2, 0)).toEqual({ workers: 1, threads: 1 });
  });

  it('caps requested workers and threads so that their product fits the cores', () => {
    expect(fitToCores(2, 8, 3)).toEqual({ workers: 2, threads: 1 });
    expect(fitToCores(2, 8, 2, 2)).toEqual({ workers: 1, threads: 2 });
    expect(fitToCores(8, 8, undefined, 3)).toEqual({ workers: 2, threads: 3 });
    expect(fitToCores(2, 8, 1, 8)).toEqual({ workers: 1, threads: 2 });
    expect(fitToCores(1, 4, 4, 4)).toEqual({ workers: 1, threads: 1 });
  });

  it('never exceeds the cores, and never goes below one worker and one thread', () => {
    for (let cores = 1; cores <= 16; cores++)
      for (let runs = 0; runs <= 20; runs++)
        for (const workers of [undefined, 1, 2, 3, 7, 64])
          for (const threads of [undefined, 1, 2, 3, 5, 64]) {
            const p = fitToCores(cores, runs, workers, threads);
            expect(p.workers * p.threads).toBeLessThanOrEqual(cores);
            expect(p.workers).toBeGreaterThanOrEqual(1);
            expect(p.threads).toBeGreaterThanOrEqual(1);
            expect(p.workers).toBeLessThanOrEqual(Math.max(1, runs));
            if (workers !== undefined) expect(p.workers).toBeLessThanOrEqual(workers);
            if (threads !== undefined) expect(p.threads).toBeLessThanOrEqual(threads);
          }
  });
});
