// Feature-coordinate training (assembly/feat.ts) is the same model as training W on the inputs:
// exact in real arithmetic, so it must follow the dense trainer within float32 rounding, start
// from the very same weights, and keep every determinism property. Also: the module's online
// sampler draws exactly what the TypeScript OnlineSampler draws.
import { describe, expect, it } from 'vitest';
import { createTrainer, resolveEngineSettings, type NamedTensor } from '../src/tasks/toy/trainer.js';
import { lossAndGrads64, type Tensor64 } from './helpers/mlp64.js';
import { toyConfig } from './helpers/configs.js';
import type { ToyConfig } from '../src/config/schema.js';
import { runExperiment } from '../src/run/loop.js';
import { loadKernels } from '../src/engine/wasm.js';
import { Arena } from '../src/engine/arena.js';
import { ONLINE, writeStruct } from '../src/engine/layout.js';
import { OnlineSampler, makeTransform, onlinePositives } from '../src/tasks/toy/data.js';
import type { SetValue } from '../src/config/resolve.js';

const theory: Record<string, SetValue> = { 'data.n': 200, 'train.lr': 0.01, 'train.evalEvery': 50 };

/** Per tensor: max |a - exact| / max |exact|. */
function relErr(a: NamedTensor[], exact: Tensor64[]): number[] {
  return a.map((p, i) => {
    let num = 0, den = 0;
    p.data.forEach((v, j) => {
      num = Math.max(num, Math.abs(v - exact[i].data[j]));
      den = Math.max(den, Math.abs(exact[i].data[j]));
    });
    return num / den;
  });
}

describe('engine.featureCoords', () => {
  it("'auto' picks it exactly where it is exact: SGD on factored inputs", () => {
    const sgd = toyConfig({ preset: 'toy-theory' });
    expect(resolveEngineSettings(sgd, false).engine.featureCoords).toBe(true);
    expect(resolveEngineSettings(sgd, true).engine.featureCoords).toBe(false); // imported: no Z
    expect(resolveEngineSettings(toyConfig({ preset: 'toy-default' }), false).engine.featureCoords).toBe(false);
    const adam = toyConfig({ set: { 'train.optimizer': 'adam', 'engine.featureCoords': true } });
    expect(() => resolveEngineSettings(adam, false)).toThrow(/engine\.featureCoords = true is not valid with train\.optimizer = adam/);
  });

  it('starts from the same weights bit for bit', async () => {
    const a = await createTrainer({ preset: 'toy-theory', set: { ...theory, 'engine.featureCoords': true } });
    const b = await createTrainer({ preset: 'toy-theory', set: { ...theory, 'engine.featureCoords': false } });
    a.parameters().forEach((p, i) => expect(Array.from(p.data)).toEqual(Array.from(b.parameters()[i].data)));
  });

  it('follows exact (float64) SGD as closely as training W does (momentum, weight decay, 2 and 3 layers)', async () => {
    // smooth losses and activations keep rounding differences from flipping a ReLU or hinge kink,
    // which would make any two float32 trainers part ways; the ReLU/hinge case runs a short horizon
    const small = { 'data.n': 100, 'data.inputDim': 96, 'model.hidden': 48, 'train.lr': 0.02 };
    const variants: Array<[string, Record<string, SetValue>, number]> = [
      ['toy-default', { ...small, 'train.optimizer': 'sgd', 'model.activation': 'tanh' }, 150],
      ['toy-default', { ...small, 'train.optimizer': 'sgd', 'model.activation': 'sigmoid', 'model.layers': 3, 'train.loss': 'mse' }, 100],
      ['toy-default', { ...small, 'train.optimizer': 'sgd', 'model.activation': 'tanh', 'train.momentum': 0, 'train.weightDecay': 0.05 }, 100],
      ['toy-theory', small, 30],
    ];
    for (const [preset, set, steps] of variants) {
      const feat = await createTrainer({ preset, set: { ...set, 'engine.featureCoords': true } });
      const dense = await createTrainer({ preset, set: { ...set, 'engine.factorInput': false } });
      const { train } = feat.config;
      const { trainX, y, n } = dense.dataset();
      // float64 SGD with PyTorch's formulas from the same start; the frozen output layer is skipped
      const params: Tensor64[] = dense.parameters().map((p) => ({ ...p, data: Float64Array.from(p.data) }));
      const frozen = feat.config.model.freezeOutput ? new Set([`fc${feat.config.model.layers - 1}.weight`, `fc${feat.config.model.layers - 1}.bias`]) : new Set<string>();
      const bufs = params.map((p) => new Float64Array(p.data.length));
      for (let t = 0; t < steps; t++) {
        const { grads } = lossAndGrads64(params, trainX, y, n, feat.config.model.activation, train.loss);
        params.forEach((p, i) => {
          if (frozen.has(p.name)) return;
          const w = p.data as Float64Array, g = grads[p.name], b = bufs[i];
          for (let j = 0; j < w.length; j++) {
            const d = g[j] + train.weightDecay * w[j];
            b[j] = t === 0 || train.momentum === 0 ? d : train.momentum * b[j] + d;
            w[j] -= train.lr * b[j];
          }
        });
      }
      feat.step(steps);
      dense.step(steps);
      const errFeat = relErr(feat.parameters(), params), errDense = relErr(dense.parameters(), params);
      errFeat.forEach((e, i) => expect(e, `${preset} ${JSON.stringify(set)} ${params[i].name}`).toBeLessThan(Math.max(3 * errDense[i], 1e-6)));
      feat.dispose();
      dense.dispose();
    }
  });

  it('the same hash on 1 and 2 threads, SIMD and scalar, resumed or not', async () => {
    const set = { ...theory, 'train.iterations': 60, 'train.batchSize': 32 };
    const a = await runExperiment({ preset: 'toy-theory', set });
    expect(a.summary.config.task).toBe('toy');
    expect((a.summary.config as ToyConfig).engine.featureCoords).toBe(true);
    const b = await runExperiment({ preset: 'toy-theory', set, threads: 2 });
    const c = await runExperiment({ preset: 'toy-theory', set, build: 'scalar' });
    expect(b.summary.hash).toBe(a.summary.hash);
    expect(c.summary.hash).toBe(a.summary.hash);
    const t = await createTrainer({ preset: 'toy-theory', set });
    t.step(25);
    const snap = t.snapshot();
    t.step(35);
    const end = t.parameters();
    t.restore(snap);
    t.step(35);
    t.parameters().forEach((p, i) => expect(Array.from(p.data)).toEqual(Array.from(end[i].data)));
  });
});

describe('online sampling inside the module', () => {
  it('draws the same bits as the TypeScript sampler', async () => {
    for (const [core, rows] of [['sphere', 7], ['uniform', 32], ['sphere', 1]] as const) {
      const cfg = { ...toyConfig().data, core };
      const draws = [];
      for (const inModule of [false, true]) {
        const k = await loadKernels('simd');
        const arena = new Arena(k);
        const V = makeTransform(arena, cfg, 5);
        const o = new OnlineSampler(arena, cfg, 5, rows, V);
        const rec = arena.bytes(ONLINE.size);
        writeStruct(k.memory, rec, ONLINE, {
          stream: o.stream, core: o.core.ptr, bg: o.bg.ptr, Z: o.Z.ptr, X: o.X.ptr, V: V.ptr, Y: o.y.ptr, work: o.work, rows,
          coreDim: cfg.coreDim, bgDim: cfg.bgDim, inputDim: cfg.inputDim, sphere: core === 'sphere' ? 1 : 0, dense: 1,
          bgOffset: Math.fround(cfg.bgMean - 0.5), net: 0,
        });
        const out: number[] = [];
        for (let t = 0; t < 3; t++) {
          if (inModule) k.onlineDraw(rec, t);
          else o.draw(true, t);
          out.push(...arena.view(o.Z), ...arena.view(o.X), ...arena.view(o.y));
        }
        draws.push(out);
      }
      expect(draws[1]).toEqual(draws[0]);
    }
  });

  it('gives an odd batch both classes: the extra row alternates, positive at even steps', async () => {
    expect([0, 1, 2, 3].map((t) => onlinePositives(1, t))).toEqual([1, 0, 1, 0]);
    expect([0, 1].map((t) => onlinePositives(7, t))).toEqual([4, 3]);
    expect([0, 1].map((t) => onlinePositives(32, t))).toEqual([16, 16]);
    // batch-1 online training sees y = +1 and y = -1 and keeps both classes' accuracy
    const t = await createTrainer({ preset: 'toy-theory', set: { 'data.n': 100, 'train.online': true, 'train.batchSize': 1, 'train.lr': 0.01 } });
    t.step(400);
    const m = t.evaluate();
    t.dispose();
    expect(m.trainAcc).toBeGreaterThan(0.9);
  });
});
