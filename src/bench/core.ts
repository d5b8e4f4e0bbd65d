// The bench's measurements of fclab itself, browser-safe (the Chromium leg runs this same module
// in a page): training ms per iteration for the bench's cases, GEMM throughput in the trainer's
// shapes and layouts, and the ceiling they are held against. Every figure is the median of
// repeats after a warm-up.
import { createTrainer } from '../tasks/toy/trainer.js';
import { loadKernels, type Build, type Kernels } from '../engine/wasm.js';
import { loadPeak, runPeak, PEAK_KERNELS, type Peak, type PeakKernel } from './peak.js';
import type { SetValue } from '../config/resolve.js';

/** A training case: the same network, loss, optimizer and batch in every implementation. */
export interface BenchCase {
  id: string;
  title: string;
  preset: 'toy-default' | 'toy-theory';
  set: Record<string, SetValue>;
  /** rows per step */
  batch: number;
  online: boolean;
}

const ONLINE_SGD = { 'train.optimizer': 'sgd', 'train.online': true } as const;

export const CASES: BenchCase[] = [
  { id: 'toy-default', title: 'toy-default: full batch n=1000, 256-256-1, AdamW, logistic', preset: 'toy-default', set: {}, batch: 1000, online: false },
  { id: 'toy-theory', title: 'toy-theory: full batch n=1000, SGD momentum, hinge, frozen output', preset: 'toy-theory', set: {}, batch: 1000, online: false },
  { id: 'online-b1', title: 'online SGD, batch 1 (toy-default network, logistic, fresh samples)', preset: 'toy-default', set: { ...ONLINE_SGD, 'train.batchSize': 1 }, batch: 1, online: true },
  { id: 'online-b32', title: 'online SGD, batch 32 (toy-default network, logistic, fresh samples)', preset: 'toy-default', set: { ...ONLINE_SGD, 'train.batchSize': 32 }, batch: 32, online: true },
];

export interface Timing {
  /** median ms per iteration */
  ms: number;
  /** every repeat's ms per iteration */
  samples: number[];
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const now = (): number => performance.now();

/** Repeats of `steps` iterations of `run(steps)` after a warm-up, as ms per iteration. */
export function timeSteps(run: (k: number) => void, steps: number, repeats: number, warmup = Math.max(1, steps >> 2)): Timing {
  run(warmup);
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const s = now();
    run(steps);
    samples.push((now() - s) / steps);
  }
  return { ms: median(samples), samples };
}

/** Iterations per timed repeat: about `budgetMs` of work at the case's expected speed. */
export function stepsFor(c: BenchCase, quick: boolean): number {
  const base = c.batch >= 1000 ? 40 : c.batch >= 32 ? 400 : 4000;
  return quick ? base / 2 : base;
}

export interface FclabTiming extends Timing {
  threads: number;
  build: Build;
  /** the first losses (mean training loss before updates 1, 2, 3), to compare with the peers */
  firstLosses?: number[];
}

export async function timeFclab(c: BenchCase, threads: number, quick: boolean, repeats: number, build: Build = 'simd'): Promise<FclabTiming> {
  const t = await createTrainer({ preset: c.preset, set: c.set }, { threads, build });
  try {
    const firstLosses = c.online ? undefined : [t.step(1), t.step(1), t.step(1)];
    const steps = build === 'scalar' ? Math.max(2, stepsFor(c, quick) >> 3) : stepsFor(c, quick);
    return { ...timeSteps((k) => t.step(k), steps, repeats), threads, build, firstLosses };
  } finally {
    t.dispose();
  }
}

/** GEMM shapes: the trainer's own (dense, factored forward, feature-coordinate gradient) and squares. */
export const GEMM_SHAPES: Array<{ name: string; M: number; N: number; K: number }> = [
  { name: '1000x256x256 (dense layer)', M: 1000, N: 256, K: 256 },
  { name: '1000x256x64 (factored forward)', M: 1000, N: 256, K: 64 },
  { name: '64x256x1000 (feature gradient)', M: 64, N: 256, K: 1000 },
  { name: '32x32x32', M: 32, N: 32, K: 32 },
  { name: '512x512x512', M: 512, N: 512, K: 512 },
  { name: '2048x2048x2048', M: 2048, N: 2048, K: 2048 },
];

/** A·B (A row-major) and Aᵀ·B (A stored K x M): the two layouts the trainer calls. */
export const LAYOUTS = ['AB', 'AtB'] as const;

export interface GemmFigure {
  shape: string;
  layout: (typeof LAYOUTS)[number];
  /** median GFLOP/s */
  gflops: number;
  /** best repeat's GFLOP/s (held against the ceiling, itself a best) */
  bestGflops: number;
  /** bestGflops / the final ceiling: the fraction reported */
  ofCeiling: number;
  /** median of GEMM / ceiling-kernel rates measured in alternation (the load-robust figure when chunks are long) */
  pairedRatio: number;
  /** the best of the ceiling chunks paired with it, GFLOP/s (it counts toward the ceiling too) */
  pairedCeiling: number;
}

export interface Ceiling {
  /** GFLOP/s (2 per multiply-add pair) of the best kernel's best repeat */
  gflops: number;
  /** the kernel that gave it */
  kernel: string;
  /** every kernel's best repeat, GFLOP/s */
  kernels: Array<{ name: string; kind: PeakKernel['kind']; regs: number; gflops: number }>;
}

/**
 * The GEMM's ceiling: the best of the peak kernels (assembly/bench/peak.ts), each of which can only
 * be slower than the host's 128-bit mul+add throughput. Kernels run in alternation, repeat after
 * repeat, and each keeps its best repeat: on a loaded machine the best is the least disturbed.
 */
export function ceilingGflops(peak: Peak, repeats: number, quick: boolean): Ceiling {
  // short calls (about 1 ms) and many of them: under time-slicing a short call is the likelier to
  // run undisturbed, as a short GEMM chunk is (12 ms calls let a 3 ms GEMM chunk beat them)
  const pairsPerCall = 2e7;
  const iters = PEAK_KERNELS.map((k) => Math.round(pairsPerCall / k.pairs));
  // warm-up: V8 tiers a hot function up after its first calls
  PEAK_KERNELS.forEach((k, i) => {
    for (let w = 0; w < 3; w++) runPeak(peak, k, iters[i] >> 2);
  });
  const best = PEAK_KERNELS.map(() => 0);
  for (let r = 0; r < (quick ? 4 : 8) * repeats; r++) {
    PEAK_KERNELS.forEach((k, i) => {
      const s = now();
      const pairs = runPeak(peak, k, iters[i]);
      best[i] = Math.max(best[i], (2 * pairs) / (now() - s) / 1e6);
    });
  }
  const top = best.indexOf(Math.max(...best));
  return {
    gflops: best[top],
    kernel: PEAK_KERNELS[top].name,
    kernels: PEAK_KERNELS.map((k, i) => ({ name: k.name, kind: k.kind, regs: k.regs, gflops: best[i] })),
  };
}

/**
 * GFLOP/s of one GEMM shape and layout, and its fraction of the ceiling measured in alternation
 * with it (a chunk of the ceiling's best kernel, a GEMM chunk, repeated): the median of the paired
 * ratios holds up while other processes load the machine.
 */
export function gemmGflops(k: Kernels, peak: Peak, kernel: PeakKernel, M: number, N: number, K: number, layout: 'AB' | 'AtB', repeats: number, quick: boolean): Omit<GemmFigure, 'shape' | 'layout'> {
  // ofCeiling is set by runCore once the ceiling is final
  const A = k.alloc(M * K * 4), B = k.alloc(K * N * 4), C = k.alloc(M * N * 4);
  const f = new Float32Array(k.memory.buffer);
  for (let i = 0; i < M * K; i++) f[A / 4 + i] = ((i * 7919) % 1000) / 1000 - 0.5;
  for (let i = 0; i < K * N; i++) f[B / 4 + i] = ((i * 104729) % 1000) / 1000 - 0.5;
  const [aRow, aCol] = layout === 'AB' ? [K, 1] : [1, M];
  const work = M * N * K;
  const reps = Math.max(1, Math.round((quick ? 2e7 : 6e7) / work));
  const gemm = () => k.gemm(A, aRow, aCol, B, C, M, N, K, 0);
  // a ceiling chunk as long as a GEMM chunk, so both see the same interruptions on a loaded machine
  gemm();
  let s = now();
  for (let i = 0; i < reps; i++) gemm();
  const gemmMs = now() - s;
  let rounds = 20_000;
  s = now();
  runPeak(peak, kernel, rounds);
  rounds = Math.max(1000, Math.round((rounds * gemmMs) / Math.max(1e-3, now() - s)));
  const rates: number[] = [], ratios: number[] = [];
  let pairedCeiling = 0;
  for (let r = 0; r < repeats; r++) {
    s = now();
    const pairs = runPeak(peak, kernel, rounds);
    const ceil = (2 * pairs) / (now() - s) / 1e6;
    pairedCeiling = Math.max(pairedCeiling, ceil);
    s = now();
    for (let i = 0; i < reps; i++) gemm();
    const rate = (2 * work * reps) / (now() - s) / 1e6;
    rates.push(rate);
    ratios.push(rate / ceil);
  }
  return { gflops: median(rates), bestGflops: Math.max(...rates), ofCeiling: NaN, pairedRatio: median(ratios), pairedCeiling };
}

/**
 * Two ceiling measurements (and the paired chunks) as one: each kernel keeps its best. Every run
 * of a kernel is a lower bound on the host's throughput, so the best of all of them is the bound;
 * measuring before and after the GEMMs keeps one loaded stretch from setting it.
 */
export function mergeCeilings(a: Ceiling, b: Ceiling, paired: Array<{ kernel: string; gflops: number }> = []): Ceiling {
  const kernels = a.kernels.map((k) => {
    const other = b.kernels.find((x) => x.name === k.name)?.gflops ?? 0;
    const p = paired.filter((x) => x.kernel === k.name).map((x) => x.gflops);
    return { ...k, gflops: Math.max(k.gflops, other, ...p) };
  });
  const top = kernels.reduce((m, k) => (k.gflops > m.gflops ? k : m), kernels[0]);
  return { gflops: top.gflops, kernel: top.name, kernels };
}

/**
 * Every GEMM figure that beats the ceiling: its best repeat above the ceiling's best. Each is the
 * least disturbed of its runs, and every kernel run is a lower bound on the host's throughput, so
 * a GEMM above it means the ceiling is not one, and the bench fails on it.
 */
export function ceilingViolations(r: Pick<CoreResults, 'ceiling' | 'gemm'>, where = 'Node'): string[] {
  return r.gemm
    .filter((g) => g.bestGflops > r.ceiling.gflops)
    .map((g) => `${where}: GEMM ${g.shape} ${g.layout} reached ${g.bestGflops.toFixed(1)} GFLOP/s, above the ceiling's ${r.ceiling.gflops.toFixed(1)} (${r.ceiling.kernel})`);
}

/**
 * Paired medians above 1: a warning, not a failure. While other processes time-slice the cores a
 * short chunk gets a random share of a core, so a median of a few paired ratios can land above 1
 * without either rate being near the hardware's (the best-of check above is the bound).
 */
export function pairedAboveCeiling(r: Pick<CoreResults, 'gemm'>, where = 'Node'): string[] {
  return r.gemm.filter((g) => g.pairedRatio > 1).map((g) => `${where}: GEMM ${g.shape} ${g.layout}: median paired ratio ${(100 * g.pairedRatio).toFixed(1)}% of the ceiling kernel`);
}

export interface CoreResults {
  ceiling: Ceiling;
  gemm: GemmFigure[];
  fclab: Record<string, FclabTiming[]>;
}

export interface CoreOptions {
  quick: boolean;
  repeats: number;
  threads: number[];
  /** skip shapes above this many multiply-adds (the browser leg keeps it short) */
  maxGemmWork?: number;
  cases?: string[];
  scalar?: boolean;
  log?: (line: string) => void;
}

/** fclab's figures for one runtime (Node or a page). */
export async function runCore(o: CoreOptions): Promise<CoreResults> {
  const log = o.log ?? (() => {});
  const peak = await loadPeak();
  const first = ceilingGflops(peak, o.repeats, o.quick);
  log(`ceiling, before the GEMMs: ${first.gflops.toFixed(1)} GFLOP/s (${first.kernel})`);
  const kernel = PEAK_KERNELS.find((k) => k.name === first.kernel)!;
  const gemm: GemmFigure[] = [];
  for (const s of GEMM_SHAPES) {
    const work = s.M * s.N * s.K;
    if (work > (o.maxGemmWork ?? (o.quick ? 2e9 : Infinity))) continue;
    for (const layout of LAYOUTS) {
      // one fresh instance per shape keeps memory small and the measurement independent
      const kk = await loadKernels('simd');
      const fig = gemmGflops(kk, peak, kernel, s.M, s.N, s.K, layout, work > 1e9 ? Math.min(3, o.repeats) : 2 * o.repeats + 1, o.quick);
      gemm.push({ shape: s.name, layout, ...fig });
      log(`gemm ${s.name} ${layout} ${fig.gflops.toFixed(1)} GFLOP/s (best ${fig.bestGflops.toFixed(1)}), paired ratio ${(100 * fig.pairedRatio).toFixed(0)}%`);
    }
  }
  const ceiling = mergeCeilings(first, ceilingGflops(peak, o.repeats, o.quick), gemm.map((g) => ({ kernel: kernel.name, gflops: g.pairedCeiling })));
  for (const g of gemm) g.ofCeiling = g.bestGflops / ceiling.gflops;
  log(`ceiling ${ceiling.gflops.toFixed(1)} GFLOP/s (${ceiling.kernel}; kernels ${ceiling.kernels.map((c) => `${c.name} ${c.gflops.toFixed(1)}`).join(', ')})`);
  const fclab: Record<string, FclabTiming[]> = {};
  for (const c of CASES) {
    if (o.cases && !o.cases.includes(c.id)) continue;
    fclab[c.id] = [];
    for (const threads of o.threads) {
      const t = await timeFclab(c, threads, o.quick, o.repeats);
      fclab[c.id].push(t);
      log(`fclab ${c.id} ${threads} thread(s) ${t.ms.toFixed(4)} ms`);
    }
    if (o.scalar) fclab[c.id].push(await timeFclab(c, 1, o.quick, Math.min(3, o.repeats), 'scalar'));
  }
  return { ceiling, gemm, fclab };
}
