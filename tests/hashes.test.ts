// Every run hash of tests/fixtures/hashes.json (captured from the code before the house plan) is
// unchanged: each preset and the variants that reach every activation, optimizer, loss, batching
// mode, deep nets and imported PyTorch state, at 1 and 2 kernel threads, and every preset also
// interrupted at a checkpoint and resumed.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runExperiment, RunInterrupted, type RunCheckpoint, type SetValue } from '../src/index.js';
import { loadMnistDigits, readStateFolder } from '../src/node.js';

interface Case {
  name: string;
  preset: string;
  set: Record<string, SetValue>;
  hash: string;
  importNpy?: string;
}
const CASES = (JSON.parse(readFileSync(new URL('./fixtures/hashes.json', import.meta.url), 'utf8')) as { runs: Case[] }).runs;

const options = async (c: Case) => ({
  digits: loadMnistDigits,
  ...(c.importNpy ? { imported: await readStateFolder(new URL(`../${c.importNpy}`, import.meta.url).pathname) } : {}),
});

describe('run hashes are those of the fixture', () => {
  for (const threads of [1, 2])
    it(`${CASES.length} configs at ${threads} thread(s)`, { timeout: 900_000 }, async () => {
      for (const c of CASES) {
        const r = await runExperiment({ preset: c.preset, set: c.set, threads, ...(await options(c)) });
        expect(r.summary.hash, `${c.name}, ${threads} thread(s)`).toBe(c.hash);
      }
    });

  it('every preset interrupted at a checkpoint and resumed (2 threads) ends with the same hash', { timeout: 900_000 }, async () => {
    const presets = CASES.filter((c) => c.name === c.preset);
    expect(presets.map((c) => c.preset).sort()).toEqual(['distill-linear', 'distill-toy', 'mnist-padded', 'theorem', 'toy-default', 'toy-theory']);
    for (const c of presets) {
      const total = Number(c.set['train.iterations']);
      // stop at the first checkpoint past the middle (an AbortSignal raised from onCheckpoint)
      const abort = new AbortController();
      let cp: RunCheckpoint | undefined;
      await expect(
        runExperiment({
          preset: c.preset,
          set: c.set,
          threads: 2,
          ...(await options(c)),
          signal: abort.signal,
          checkpointEvery: 50,
          onCheckpoint: (k) => {
            if (k.snapshot.iteration >= total / 2) abort.abort('test');
          },
        }),
      ).rejects.toSatisfy((e: unknown) => {
        if (!(e instanceof RunInterrupted)) return false;
        cp = e.checkpoint;
        return true;
      });
      expect(cp!.snapshot.iteration, c.name).toBeGreaterThan(0);
      expect(cp!.snapshot.iteration, c.name).toBeLessThan(total);
      const resumed = await runExperiment({ resume: cp, threads: 2, ...(await options(c)) });
      expect(resumed.summary.hash, `${c.name} resumed at ${cp!.snapshot.iteration}`).toBe(c.hash);
    }
  });
});
