// fclab benchmarks, side by side with peers in one run: ms per training step (median of
// repeats) of the paper's two settings for fclab's builds and thread counts, and for the paper's
// own code under PyTorch when python3 with torch is installed (Debian: python3-torch). Also the
// GEMM kernels' throughput. Usage: npm run bench [-- --quick]
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, availableParallelism } from 'node:os';
import { createTrainer } from '../dist/src/engine/trainer.js';
import { loadKernels } from '../dist/src/engine/wasm.js';
import { VERSION } from '../dist/src/version.js';

const quick = process.argv.includes('--quick');
const STEPS = quick ? 50 : 200;
const REPEATS = quick ? 3 : 7;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cores = availableParallelism();

async function fclabStep(preset, { build = 'simd', threads = 1, factorInput = 'auto' } = {}) {
  const t = await createTrainer({ preset, set: { 'engine.factorInput': factorInput } }, { build, threads });
  t.step(20); // warm up: let V8 tier the module up
  const times = [];
  for (let r = 0; r < REPEATS; r++) {
    const s = performance.now();
    t.step(STEPS);
    times.push((performance.now() - s) / STEPS);
  }
  t.dispose();
  return median(times);
}

/**
 * The PyTorch peer under a given BLAS and thread count. Debian's python3-torch uses whatever
 * libblas.so.3 the system selects (the reference BLAS unless e.g. libopenblas0 is installed);
 * LD_LIBRARY_PATH picks one explicitly.
 */
function pytorchStep(preset, threads, blasDir) {
  const env = { ...process.env };
  if (threads) Object.assign(env, { OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) });
  if (blasDir) env.LD_LIBRARY_PATH = blasDir;
  const script = new URL('./peer_pytorch.py', import.meta.url).pathname;
  for (const py of ['/usr/bin/python3', 'python3']) {
    try {
      const out = JSON.parse(
        execFileSync(py, [script, preset, String(STEPS), String(REPEATS), ...(threads ? [String(threads)] : [])], {
          encoding: 'utf8',
          env,
          stdio: ['ignore', 'pipe', 'ignore'],
        }),
      );
      return { ms: median(out.msPerIter), info: `torch ${out.torch}, ${out.threads} torch thread(s)` };
    } catch {
      // try the next interpreter
    }
  }
  return null;
}

const BLAS_DIRS = [
  ['OpenBLAS', '/usr/lib/x86_64-linux-gnu/openblas-pthread'],
  ['reference BLAS', '/usr/lib/x86_64-linux-gnu/blas'],
].filter(([, dir]) => existsSync(`${dir}/libblas.so.3`));

function gemmRate(k, M, N, K, aRow, aCol) {
  const A = k.alloc(M * K * 4), B = k.alloc(K * N * 4), C = k.alloc(M * N * 4);
  const f = new Float32Array(k.memory.buffer);
  for (let i = 0; i < M * K; i++) f[A / 4 + i] = Math.sin(i);
  for (let i = 0; i < K * N; i++) f[B / 4 + i] = Math.cos(i);
  const reps = Math.max(3, Math.round(1e8 / (M * N * K)));
  const times = [];
  for (let r = 0; r < REPEATS; r++) {
    const s = performance.now();
    for (let i = 0; i < reps; i++) k.gemm(A, aRow, aCol, B, C, M, N, K, 0);
    times.push((performance.now() - s) / reps);
  }
  return (M * N * K) / median(times) / 1e6; // GMAC/s
}

const rows = [];
console.log(`fclab ${VERSION} bench on ${cpus()[0].model} (${cores} cores), Node ${process.version}; median of ${REPEATS} x ${STEPS} steps\n`);
for (const preset of ['toy-default', 'toy-theory']) {
  const variants = [
    ['fclab simd, 1 thread', { threads: 1 }],
    [`fclab simd, ${Math.min(cores, 4)} threads`, { threads: Math.min(cores, 4) }],
    ['fclab simd, 1 thread, dense input', { threads: 1, factorInput: false }],
    ['fclab scalar, 1 thread', { build: 'scalar' }],
  ];
  const results = [];
  for (const [name, opts] of variants) results.push([name, await fclabStep(preset, opts)]);
  const peers = [];
  for (const [blas, dir] of BLAS_DIRS.length ? BLAS_DIRS : [['system BLAS', undefined]]) {
    for (const t of [...new Set([1, cores]), 0]) {
      const peer = pytorchStep(preset, t, dir);
      const how = t ? `${t} thread(s)` : 'library defaults';
      if (peer) peers.push([`PyTorch toy.py step, ${blas}, ${how}`, peer.ms, peer.info]);
    }
  }
  if (!peers.length) peers.push(['PyTorch: not available (install python3-torch)', NaN]);
  results.push(...peers);
  // ratios against PyTorch's fastest configuration on this machine
  const ref = Math.min(...peers.map(([, ms]) => ms).filter(Number.isFinite));
  console.log(`${preset} (n=1000, 256-256-1, full batch)`);
  for (const [name, ms, info] of results) {
    const ratio = Number.isFinite(ref) && Number.isFinite(ms) ? `${(ref / ms).toFixed(2)}x the fastest PyTorch` : '';
    console.log(`  ${name.padEnd(50)} ${Number.isFinite(ms) ? ms.toFixed(2).padStart(7) + ' ms/step' : ''}  ${ratio}${info ? `  [${info}]` : ''}`);
    rows.push({ preset, name, ms, info });
  }
  console.log();
}

console.log('GEMM kernels (GMAC/s, median), the shapes of one factored and one dense step');
const shapes = [
  ['Z = Zf·Pt      1000x256x64', 1000, 256, 64, 64, 1],
  ['G = dZᵀ·Zf     256x64x1000', 256, 64, 1000, 1, 256],
  ['X·Wᵀ (dense)   1000x256x256', 1000, 256, 256, 256, 1],
  ['dZᵀ·X (dense)  256x256x1000', 256, 256, 1000, 1, 256],
];
const simd = await loadKernels('simd');
const scalar = await loadKernels('scalar');
for (const [name, M, N, K, aRow, aCol] of shapes) {
  const a = gemmRate(simd, M, N, K, aRow, aCol);
  const b = gemmRate(scalar, M, N, K, aRow, aCol);
  console.log(`  ${name}  simd ${a.toFixed(1).padStart(5)}  scalar ${b.toFixed(1).padStart(5)}  (${(a / b).toFixed(1)}x)`);
}
