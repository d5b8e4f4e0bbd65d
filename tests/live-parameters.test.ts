// RunOptions.onParameters (what the demo page's live views draw from): the parameters at every
// evaluation, without changing the run. Checked on the SGD path that trains in feature
// coordinates (its first-layer weights are rebuilt on demand) and on AdamW.
import { describe, expect, it } from 'vitest';
import { runExperiment, type NamedTensor } from '../src/index.js';

describe('onParameters', () => {
  for (const preset of ['toy-theory', 'toy-default'])
    it(`${preset}: one call per evaluation, the last equal to the final parameters, the hash unchanged`, async () => {
      const set = { 'train.iterations': 60, 'train.evalEvery': 20, 'data.n': 100 };
      const plain = await runExperiment({ preset, set });
      const seen: Array<{ iteration: number; parameters: NamedTensor[] }> = [];
      const live = await runExperiment({ preset, set, onParameters: (iteration, parameters) => seen.push({ iteration, parameters }) });
      expect(live.summary.hash).toBe(plain.summary.hash);
      expect(seen.map((s) => s.iteration)).toEqual([0, 20, 40, 60]);
      const last = seen[seen.length - 1].parameters;
      expect(last.map((t) => t.name)).toEqual(plain.parameters.map((t) => t.name));
      last.forEach((t, i) => expect(t.data).toEqual(plain.parameters[i].data));
      // copies: the first evaluation's weights are not the final ones
      expect(seen[0].parameters[0].data).not.toEqual(last[0].data);
    });
});
