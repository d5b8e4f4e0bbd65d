// One module instance holding several networks: each Net is a record the engine wrote
// (assembly/state.ts) and every kernel call is given its pointer, so networks in one instance do
// not share state. Two networks trained in alternation in one instance end with the same bits as
// each trained alone in a fresh instance; likewise with minibatches.
import { describe, expect, it } from 'vitest';
import { loadEngine, type Build } from '../src/engine/wasm.js';
import { Arena, type F32Buf } from '../src/engine/arena.js';
import { Net, type NetLayout } from '../src/engine/net.js';

// more rows than the module's threshold for waking worker threads (par.ts), so 2 threads split them
const ROWS = 96;
const HYPER = { lr: 0.01, weightDecay: 0.01, momentum: 0.9, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
const NETS: Array<{ layout: NetLayout; seed: number; batch: number }> = [
  { layout: { sizes: [12, 16, 1], activation: 'relu', bias: true, loss: 'logistic', optimizer: 'adamw', hyper: HYPER, freezeOutput: false, maxRows: ROWS }, seed: 3, batch: 0 },
  { layout: { sizes: [12, 8, 8, 3], activation: 'gelu', bias: true, loss: 'mse', optimizer: 'sgd', hyper: HYPER, freezeOutput: false, maxRows: ROWS }, seed: 4, batch: 16 },
];

interface Live { net: Net; X: F32Buf; Y: F32Buf }

function setUp(arena: Arena, i: number): Live {
  const { layout, seed, batch } = NETS[i];
  const net = new Net(arena.k, arena, layout);
  net.initDefault(seed);
  const X = arena.f32([ROWS, layout.sizes[0]]);
  const Y = arena.f32([ROWS, net.targetWidth]);
  const s = arena.stream(seed, 'data');
  arena.k.fillUniform(s, X.ptr, X.length, 2, -1);
  arena.k.fillUniform(s, Y.ptr, Y.length, 2, -1);
  if (layout.loss === 'logistic') arena.view(Y).forEach((v, j, y) => (y[j] = v > 0 ? 1 : -1));
  if (batch) net.enableBatches(ROWS, batch, layout.sizes[0], seed);
  return { net, X, Y };
}

function train(l: Live, i: number, k: number): number {
  return NETS[i].batch ? l.net.trainBatches(l.X.ptr, l.Y.ptr, k) : l.net.trainFull(l.X.ptr, l.Y.ptr, ROWS, k);
}

const bits = (l: Live) => l.net.parameters().map((p) => Array.from(new Uint32Array(p.data.buffer)));

describe('several networks in one module instance', () => {
  for (const [build, threads] of [['simd', 1], ['scalar', 1], ['simd', 2]] as Array<[Build, number]>) {
    it(`${build}, ${threads} thread(s): trained in alternation, each ends as when trained alone`, async () => {
      const alone: Array<{ bits: number[][]; losses: number[]; step: number }> = [];
      for (let i = 0; i < NETS.length; i++) {
        const e = await loadEngine(build, threads);
        const l = setUp(new Arena(e.kernels), i);
        const losses = [train(l, i, 3), train(l, i, 4)];
        alone.push({ bits: bits(l), losses, step: l.net.optimizerStep });
        e.dispose();
      }
      const engine = await loadEngine(build, threads);
      const arena = new Arena(engine.kernels);
      const both = NETS.map((_, i) => setUp(arena, i));
      const losses: number[][] = [[], []];
      for (const k of [3, 4]) both.forEach((l, i) => losses[i].push(train(l, i, k)));
      both.forEach((l, i) => {
        expect(l.net.optimizerStep).toBe(7);
        expect(l.net.optimizerStep).toBe(alone[i].step);
        expect(losses[i]).toEqual(alone[i].losses);
        expect(bits(l)).toEqual(alone[i].bits);
      });
      // the two really are different networks
      expect(bits(both[0]).length).not.toBe(bits(both[1]).length);
      engine.dispose();
    });
  }
});
