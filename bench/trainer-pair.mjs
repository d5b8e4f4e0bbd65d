// Paired training-step timing of two checkouts' builds (e.g. before and after an engine change):
//   node bench/trainer-pair.mjs OLD_CHECKOUT NEW_CHECKOUT [rounds]
// Both trainers live in one process; each round times k steps of every case on both, in
// alternating order. Prints per case the median ms per step of each and the median ratio new/old.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [oldDir, newDir, roundsArg] = process.argv.slice(2);
if (!oldDir || !newDir) {
  console.error('usage: node bench/trainer-pair.mjs OLD_CHECKOUT NEW_CHECKOUT [rounds]');
  process.exit(1);
}
const rounds = Number(roundsArg ?? 9);
const CASES = [
  ['toy-default', { preset: 'toy-default' }, 20],
  ['toy-theory', { preset: 'toy-theory' }, 20],
  ['online-b32', { preset: 'toy-default', set: { 'train.optimizer': 'sgd', 'train.online': true, 'train.batchSize': 32 } }, 400],
  ...['gelu', 'tanh', 'sigmoid'].map((a) => [`toy-default ${a}`, { preset: 'toy-default', set: { 'model.activation': a } }, 20]),
].filter(([name]) => !process.env.CASES || process.env.CASES.split(',').includes(name));
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const load = async (dir) => (await import(pathToFileURL(resolve(dir, 'dist/src/tasks/toy/trainer.js')).href)).createTrainer;

const makers = [await load(oldDir), await load(newDir)];
for (const [name, input, k] of CASES) {
  const trainers = await Promise.all(makers.map((make) => make(input, { threads: 1, build: 'simd' })));
  trainers.forEach((t) => t.step(k));
  const ms = [[], []], ratio = [];
  for (let r = 0; r < rounds; r++) {
    const t = [0, 0];
    for (const i of r % 2 ? [1, 0] : [0, 1]) {
      const s = performance.now();
      trainers[i].step(k);
      t[i] = (performance.now() - s) / k;
    }
    ms[0].push(t[0]); ms[1].push(t[1]); ratio.push(t[1] / t[0]);
  }
  trainers.forEach((t) => t.dispose());
  console.log(`${name.padEnd(12)} old ${median(ms[0]).toFixed(3)} ms  new ${median(ms[1]).toFixed(3)} ms  new/old ${median(ratio).toFixed(3)}`);
}
