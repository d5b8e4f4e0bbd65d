// Every sentence of the feature-model presets' explanations (src/tasks/toy/explain.ts, the one
// source of report.html's and the docs' texts) is checked on the run it describes: the preset with
// its default iterations and seed (what `npx fclab run --preset P` trains), per described variant.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runExperiment } from '../src/index.js';
import { EXPLANATIONS, explanationsMarkdown } from '../src/tasks/toy/explain.js';

describe('explanations are true of the runs they describe', () => {
  for (const [preset, e] of Object.entries(EXPLANATIONS))
    for (const d of e.runs)
      it(`${preset}, ${d.label}: every claim holds`, async () => {
        const r = await runExperiment({ preset, set: d.set, threads: 2 });
        const failed = d.claims.filter((c) => !c.holds(r.summary.initial, r.summary.final)).map((c) => c.text);
        expect(failed).toEqual([]);
        expect(d.claims.length).toBeGreaterThan(0);
      }, 1_800_000);

  it('docs/explanations.md is generated from them (node scripts/gen-explanations.mjs)', () => {
    expect(readFileSync(new URL('../docs/explanations.md', import.meta.url), 'utf8')).toBe(explanationsMarkdown());
  });
});
