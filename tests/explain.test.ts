// Every sentence of the presets' explanations (src/tasks/<kind>/explain.ts, the one source of
// report.html's, the demo page's and the docs' texts) is checked on the run it describes: the preset
// with the described run's overrides (none: what `npx fclab run --preset P` trains), per variant.
// Padded MNIST's described runs are the demo page's mnist configuration.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runExperiment } from '../src/index.js';
import { loadMnistDigits } from '../src/node.js';
import { allExplanations, allExplanationsMarkdown } from '../src/tasks/explanations.js';

describe('explanations are true of the runs they describe', () => {
  for (const [preset, e] of allExplanations())
    for (const d of e.runs)
      it(`${preset}, ${d.label}: every claim holds`, async () => {
        const r = await runExperiment({ preset, set: d.set, threads: 2, digits: () => loadMnistDigits() });
        const failed = d.claims.filter((c) => !c.holds(r.summary.initial, r.summary.final)).map((c) => c.text);
        expect(failed).toEqual([]);
        expect(d.claims.length).toBeGreaterThan(0);
      }, 1_800_000);

  it('every kind with presets people train explains them (toy-theory, toy-default, mnist-padded)', () => {
    expect(allExplanations().map(([p]) => p)).toEqual(expect.arrayContaining(['toy-theory', 'toy-default', 'mnist-padded']));
  });

  it('docs/explanations.md is generated from them (node scripts/gen-explanations.mjs)', () => {
    expect(readFileSync(new URL('../docs/explanations.md', import.meta.url), 'utf8')).toBe(allExplanationsMarkdown());
  });
});
