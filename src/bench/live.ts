// A bench case's trainer kept open between timed blocks, browser-safe: the browser leg opens the
// same case in Node and in each page, then times one block in each in turn, round after round, so
// that a drift in the machine's load hits every runtime alike and the ratios stay paired.
import { createTrainer, type Trainer } from '../tasks/toy/trainer.js';
import { CASES, stepsFor } from './core.js';
import { loadKernels } from '../engine/wasm.js';
import { ACT_ID, LOSS_ID } from '../engine/net.js';

export interface LiveCase {
  handle: number;
  /** the threads the engine runs on (1 where this runtime cannot run workers) */
  threads: number;
  /** iterations per timed block */
  steps: number;
  /** why the engine runs on fewer threads than asked for */
  note?: string;
}

const open = new Map<number, Trainer>();
let nextHandle = 1;

/**
 * Creates the case's trainer and runs `warmupBlocks` untimed blocks: the engines compile
 * WebAssembly in tiers (V8: Liftoff, then TurboFan per hot function; SpiderMonkey: baseline, then
 * Ion), so the first calls can be slower than the code the timed blocks are meant to measure.
 */
export async function openCase(id: string, threads: number, quick: boolean, warmupBlocks = 1): Promise<LiveCase> {
  const c = CASES.find((x) => x.id === id);
  if (!c) throw new RangeError(`bench case "${id}" is not known: expected one of ${CASES.map((x) => x.id).join(', ')}`);
  const t = await createTrainer({ preset: c.preset, set: c.set }, { threads, build: 'simd' });
  const steps = stepsFor(c, quick);
  for (let i = 0; i < warmupBlocks; i++) t.step(steps);
  const handle = nextHandle++;
  open.set(handle, t);
  return { handle, threads: t.threads, steps, note: t.threads < threads ? `engine ran on ${t.threads} thread(s)` : undefined };
}

/** One timed block of `steps` iterations: ms per iteration. */
export function timeBlock(handle: number, steps: number): number {
  const t = open.get(handle);
  if (!t) throw new RangeError(`bench case handle ${handle} is not open`);
  const s = performance.now();
  t.step(steps);
  return (performance.now() - s) / steps;
}

export function closeCase(handle: number): void {
  open.get(handle)?.dispose();
  open.delete(handle);
}

/**
 * The toy-default step's kernels one by one, in its shapes (n = 1000 rows, 256 hidden, ReLU,
 * logistic loss, AdamW on the 256 x 256 layer), on one single-threaded instance: the driver times
 * each in every runtime in turn, so a browser / Node ratio can be read per kernel (a profile that
 * holds up on a loaded machine, since each pair of calls is adjacent).
 */
export const PROFILE_KERNELS = ['gemm AB 1000x256x256', 'gemm AtB 256x256x1000', 'relu forward 256k', 'relu backward 256k', 'adamw 65k', 'logistic loss+grad 1000'] as const;

const profiles = new Map<number, Record<string, () => void>>();

export async function openProfile(): Promise<number> {
  const k = await loadKernels('simd');
  const n = 1000, h = 256, d = 256;
  const f32 = (count: number) => k.alloc(count * 4);
  const X = f32(n * d), W = f32(d * h), Z = f32(n * h), A = f32(n * h), dA = f32(n * h), dZ = f32(n * h), G = f32(d * h);
  const P = f32(d * h), M = f32(d * h), V = f32(d * h), F = f32(n), Y = f32(n), GF = f32(n), losses = f32(n);
  const mem = () => new Float32Array(k.memory.buffer);
  const fill = (p: number, count: number, seed: number) => {
    const m = mem();
    for (let i = 0; i < count; i++) m[p / 4 + i] = (((i * seed) % 2001) - 1000) / 1000;
  };
  fill(X, n * d, 7919); fill(W, d * h, 104729); fill(dA, n * h, 31337); fill(P, d * h, 271); fill(G, d * h, 577); fill(F, n, 13);
  for (let i = 0; i < n; i++) mem()[Y / 4 + i] = i % 2 ? 1 : -1;
  k.gemm(X, d, 1, W, Z, n, h, d, 0);
  const relu = ACT_ID.relu;
  const run: Record<(typeof PROFILE_KERNELS)[number], () => void> = {
    'gemm AB 1000x256x256': () => k.gemm(X, d, 1, W, Z, n, h, d, 0),
    'gemm AtB 256x256x1000': () => k.gemm(X, 1, d, dZ, G, d, h, n, 0),
    'relu forward 256k': () => k.actForward(relu, Z, A, n * h),
    'relu backward 256k': () => k.actBackward(relu, Z, A, dA, dZ, n * h),
    'adamw 65k': () => k.adamUpdate(P, G, M, V, d * h, 1e-3, 1e-2, 0.9, 0.999, 1e-8, 10, 1),
    'logistic loss+grad 1000': () => void k.lossGradRows(LOSS_ID.logistic, F, Y, GF, losses, n, n),
  };
  for (const f of Object.values(run)) for (let i = 0; i < 20; i++) f(); // past the engines' first tier
  const handle = nextHandle++;
  profiles.set(handle, run);
  return handle;
}

/** ms per call of one kernel over `calls` calls. */
export function timeKernel(handle: number, kernel: string, calls: number): number {
  const f = profiles.get(handle)?.[kernel];
  if (!f) throw new RangeError(`profile ${handle} has no kernel "${kernel}": expected one of ${PROFILE_KERNELS.join(', ')}`);
  const s = performance.now();
  for (let i = 0; i < calls; i++) f();
  return (performance.now() - s) / calls;
}

export function closeProfile(handle: number): void {
  profiles.delete(handle);
}
