// Paired GEMM timing of two builds of the module (e.g. before and after a kernel change):
//   node bench/gemm-pair.mjs OLD.wasm NEW.wasm [rounds]
// Both instances live in one process; each round times every shape on both, in alternating order
// (old-new, then new-old), so load from other processes hits both alike. Prints per shape the
// median GFLOP/s of each build and the median of the per-round ratios new/old.
// CLOCK=cpu times by the process's CPU time instead of the wall clock: on a machine loaded by other
// processes (load average above the core count) wall-clock rates mostly measure descheduling; CPU
// time still moves with a busy SMT sibling and shared caches, so pair and repeat either way.
import { readFileSync } from 'node:fs';
import { instantiate } from '@assemblyscript/loader';

const [oldPath, newPath, roundsArg] = process.argv.slice(2);
if (!oldPath || !newPath) {
  console.error('usage: node bench/gemm-pair.mjs OLD.wasm NEW.wasm [rounds]');
  process.exit(1);
}
const rounds = Number(roundsArg ?? 9);
const SHAPES = [
  ['1000x256x256', 1000, 256, 256, 'AB'],
  ['1000x256x256', 1000, 256, 256, 'AtB'],
  ['1000x256x64', 1000, 256, 64, 'AB'],
  ['64x256x1000', 64, 256, 1000, 'AtB'],
  ['1000x64x256 (strided)', 1000, 64, 256, 'AB'],
  ['32x32x32', 32, 32, 32, 'AB'],
  ['512x512x512', 512, 512, 512, 'AB'],
  ['512x512x512', 512, 512, 512, 'AtB'],
];
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const now = process.env.CLOCK === 'cpu' ? cpuMs : () => performance.now();

// PAD_OLD / PAD_NEW: bytes to allocate first in that instance, to see how much the buffers' placement alone moves a rate
async function load(path, pad) {
  const { exports: k } = await instantiate(await WebAssembly.compile(readFileSync(path)), {});
  if (pad) k.alloc(pad);
  return SHAPES.map(([, M, N, K, layout]) => {
    const A = k.alloc(M * K * 4), B = k.alloc(K * N * 4), C = k.alloc(M * N * 4);
    const f = new Float32Array(k.memory.buffer);
    for (let i = 0; i < M * K; i++) f[A / 4 + i] = ((i * 7919) % 1000) / 1000 - 0.5;
    for (let i = 0; i < K * N; i++) f[B / 4 + i] = ((i * 104729) % 1000) / 1000 - 0.5;
    const [aRow, aCol] = layout === 'AB' ? [K, 1] : [1, M];
    const reps = Math.max(1, Math.round(2e8 / (M * N * K)));
    const run = () => {
      const s = now();
      for (let r = 0; r < reps; r++) k.gemm(A, aRow, aCol, B, C, M, N, K, 0);
      return (2 * M * N * K * reps) / (now() - s) / 1e6;
    };
    run();
    return run;
  });
}

const olds = await load(oldPath, Number(process.env.PAD_OLD ?? 0)), news = await load(newPath, Number(process.env.PAD_NEW ?? 0));
const rate = SHAPES.map(() => ({ old: [], new: [], ratio: [] }));
for (let r = 0; r < rounds; r++) {
  SHAPES.forEach((_, i) => {
    let o, n;
    if (r % 2 === 0) { o = olds[i](); n = news[i](); } else { n = news[i](); o = olds[i](); }
    rate[i].old.push(o); rate[i].new.push(n); rate[i].ratio.push(n / o);
  });
}
SHAPES.forEach(([name, , , , layout], i) => {
  const x = rate[i];
  console.log(`${(name + ' ' + layout).padEnd(28)} old ${median(x.old).toFixed(1).padStart(6)}  new ${median(x.new).toFixed(1).padStart(6)} GFLOP/s  new/old ${median(x.ratio).toFixed(3)}`);
});
