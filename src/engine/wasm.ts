// Loads the fclab WebAssembly module with @assemblyscript/loader. The bytes come from
// wasm-source.ts (embedded in the library; files next to the browser bundle), so the same code path
// serves Node and browsers.
import { instantiate } from '@assemblyscript/loader';
import { wasmBytes, type WasmVariant } from './wasm-source.js';
import { startWorkers, WorkerStartError, type ThreadPool } from './threads.js';
import { autoPoolSize, checkThreadsOption, type ThreadsOption } from './threads-option.js';
import type { AutoThreads } from './auto-threads.js';

type Ptr = number;

/** The module's exports, as declared in assembly/index.ts. */
export interface Kernels {
  memory: WebAssembly.Memory;
  alloc(bytes: number): Ptr;
  simdEnabled(): number;
  rngSeed(state: Ptr, seed: bigint, streamKey: bigint): void;
  rngNext(state: Ptr): bigint;
  /** u32 result through a signed export: use `>>> 0` for bounds above 2^31 */
  rngBelow(state: Ptr, bound: number): number;
  fillUniform(state: Ptr, out: Ptr, count: number, scale: number, offset: number): void;
  fillNormal(state: Ptr, out: Ptr, count: number, work: Ptr): void;
  fillNormal64(state: Ptr, out: Ptr, count: number): void;
  fillSphere(state: Ptr, out: Ptr, rows: number, dim: number, radius: number, work: Ptr): void;
  shuffleU32(state: Ptr, ptr: Ptr, count: number): void;
  orthonormalRows(state: Ptr, out: Ptr, rows: number, cols: number, work: Ptr): void;
  orthonormalWorkBytes(rows: number, cols: number): number;
  gemm(A: Ptr, aRow: number, aCol: number, B: Ptr, C: Ptr, M: number, N: number, K: number, bias: Ptr): void;
  transpose(src: Ptr, dst: Ptr, rows: number, cols: number): void;
  transposeBlock(src: Ptr, dst: Ptr, rows: number, cols: number, ld: number): void;
  colSum(A: Ptr, out: Ptr, rows: number, cols: number): void;
  colSumStrided(A: Ptr, out: Ptr, rows: number, cols: number, ld: number): void;
  actForward(kind: number, Z: Ptr, A: Ptr, count: number, cdf?: Ptr): void;
  actBackward(kind: number, Z: Ptr, A: Ptr, dA: Ptr, dZ: Ptr, count: number, cdf?: Ptr): void;
  erf(x: number): number;
  normalCdf(x: number): number;
  lossSum(kind: number, F: Ptr, Y: Ptr, n: number): number;
  lossGrad(kind: number, F: Ptr, Y: Ptr, G: Ptr, n: number): number;
  lossGradRows(kind: number, F: Ptr, Y: Ptr, G: Ptr, losses: Ptr, n: number, total: number): number;
  countCorrect(F: Ptr, Y: Ptr, n: number): number;
  lossGradRowsC(kind: number, F: Ptr, Y: Ptr, G: Ptr, losses: Ptr, n: number, total: number, C: number): number;
  lossSumC(kind: number, F: Ptr, Y: Ptr, n: number, C: number): number;
  countCorrectC(kind: number, F: Ptr, Y: Ptr, n: number, C: number): number;
  sgdUpdate(P: Ptr, G: Ptr, Buf: Ptr, count: number, lr: number, wd: number, mom: number, first: number): void;
  adamUpdate(P: Ptr, G: Ptr, M: Ptr, V: Ptr, count: number, lr: number, wd: number, b1: number, b2: number,
    eps: number, t: number, decoupled: number): void;
  // a network, its feature-coordinate and online state are records the engine writes (src/engine/layout.ts)
  netSyncWeights(net: Ptr): void;
  netForward(net: Ptr, X: Ptr, rows: number): void;
  netLossSum(net: Ptr, Y: Ptr, rows: number): number;
  netCountCorrect(net: Ptr, Y: Ptr, rows: number): number;
  netGradient(net: Ptr, X: Ptr, Y: Ptr, rows: number): number;
  netTrain(net: Ptr, X: Ptr, Y: Ptr, rows: number, k: number): number;
  netTrainBatches(net: Ptr, X: Ptr, Y: Ptr, n: number, width: number, batch: number, rng: Ptr, perm: Ptr, cursor: Ptr,
    Xb: Ptr, Yb: Ptr, k: number): number;
  featInit(feat: Ptr, W: Ptr, Vt: Ptr, Q: Ptr, fd: number, fin: number, fout: number): void;
  featMaterialize(feat: Ptr, W: Ptr, V: Ptr, Q: Ptr, fd: number, fin: number, fout: number): void;
  featGradInput(feat: Ptr, gW: Ptr, V: Ptr, Q: Ptr, fd: number, fin: number, fout: number): void;
  onlineDraw(online: Ptr, t: number): void;
  onlineTrain(online: Ptr, k: number): number;
  parSetThreads(threads: number, canWait: number): void;
  parSetActive(threads: number): void;
  /** steps over fewer rows run on the calling thread (at least 32; default 64) */
  parSetMinRows(rows: number): void;
  /** tests: thread t spins this many times before each chunk it claims (an adversarial schedule) */
  parSetDelay(t: number, spins: number): void;
  parThreads(): number;
  /** the calling instance's thread index (parWorker sets it; tests: a thread without scratch slots) */
  setThreadIndex(t: number): void;
  parWorker(t: number, seen: number): void;
  parGeneration(): number;
  parExit(): void;
}

export type Build = 'simd' | 'scalar';
export type { ThreadsOption } from './threads-option.js';

type Variant = WasmVariant;
const compiled = new Map<Variant, Promise<WebAssembly.Module>>();

/**
 * The smallest module using a SIMD instruction (i8x16.splat, i8x16.popcnt; the probe of the
 * wasm-feature-detect package): it validates exactly where fixed-width SIMD is supported, without
 * needing the trainer's bytes at hand (the browser bundle fetches those).
 */
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);

let simdSupport: boolean | undefined;
/** Whether this runtime validates WebAssembly SIMD (fixed-width, non-relaxed). */
export function simdSupported(): boolean {
  if (simdSupport === undefined) {
    try {
      simdSupport = WebAssembly.validate(SIMD_PROBE as BufferSource);
    } catch {
      simdSupport = false;
    }
  }
  return simdSupport;
}

/** The build to use: SIMD where the runtime has it. Both give identical bits (see assembly/gemm.ts). */
export function defaultBuild(): Build {
  return simdSupported() ? 'simd' : 'scalar';
}

function compile(build: Variant): Promise<WebAssembly.Module> {
  let m = compiled.get(build);
  if (!m) {
    m = wasmBytes(build).then((bytes) => WebAssembly.compile(bytes));
    compiled.set(build, m);
    m.catch(() => compiled.delete(build)); // a failed fetch can be retried
  }
  return m;
}

/**
 * Whether this runtime can run worker threads over shared WebAssembly memory: Node always;
 * browsers only on cross-origin isolated pages (COOP/COEP headers).
 */
export function threadsSupported(): boolean {
  if (typeof SharedArrayBuffer === 'undefined' || !simdSupported()) return false;
  const g = globalThis as { crossOriginIsolated?: boolean; process?: { versions?: { node?: string } } };
  return !!g.process?.versions?.node || g.crossOriginIsolated === true;
}

/** A loaded module instance, with the worker threads sharing its memory (none for 1 thread). */
export interface Engine {
  kernels: Kernels;
  build: Build;
  threads: number;
  /** threads: 'auto': the pool's size is `threads`, and each training call runs on 1 or all of it (auto-threads.ts) */
  auto?: AutoThreads;
  /** Why the engine runs on fewer threads than asked for (then threads is 1). */
  note?: string;
  /** Stops the workers; the instance stays usable single-threaded. */
  dispose(): void;
}

/**
 * A fresh instance (its own memory) of the chosen build. With threads > 1 (SIMD only), the
 * memory is shared and threads - 1 workers run kernels on it; results are bit-identical. Where
 * this runtime cannot run them (no shared memory, or workers that fail or never start), the
 * engine says so in one line (console.warn, and `note`) and runs on one thread: same bits.
 */
export async function loadEngine(build: Build = defaultBuild(), threads: ThreadsOption = 1): Promise<Engine> {
  if (threads === 'auto') {
    const pool = await autoPoolSize();
    // no pool to choose from: one thread is the choice (no warning: nothing asked for was refused)
    if (pool === 1 || build !== 'simd' || !threadsSupported()) return loadEngine(build, 1);
    const engine = await loadEngine(build, pool);
    return engine.threads > 1 ? await withAuto(engine) : engine;
  }
  checkThreadsOption(threads);
  if (threads === 1) {
    const module = await compile(build);
    const { exports } = await instantiate<Record<string, unknown>>(module, {});
    return { kernels: exports as unknown as Kernels, build, threads: 1, dispose() {} };
  }
  if (build !== 'simd') throw new RangeError(`threads = ${threads} needs the simd build (got ${build})`);
  if (!threadsSupported())
    return singleThreaded(build, threads, 'shared WebAssembly memory needs Node, Bun or a cross-origin isolated page');
  const module = await compile('simd-mt');
  const memory = new WebAssembly.Memory({ initial: 16, maximum: 32768, shared: true });
  const { exports } = await instantiate<Record<string, unknown>>(module, { env: { memory } });
  const kernels = exports as unknown as Kernels;
  // workers instantiate over the same memory before anything is written to it (instantiation
  // re-applies the module's data segments)
  let pool: ThreadPool;
  try {
    pool = await startWorkers(module, memory, threads - 1, kernels.parGeneration());
  } catch (e) {
    if (e instanceof WorkerStartError) return singleThreaded(build, threads, e.message);
    throw e;
  }
  const g = globalThis as { document?: unknown };
  kernels.parSetThreads(threads, g.document === undefined ? 1 : 0);
  let live = true;
  return {
    kernels,
    build,
    threads,
    dispose() {
      if (!live) return;
      live = false;
      kernels.parExit();
      pool.close();
    },
  };
}

/** The engine with its training calls on 1 thread or the whole pool, chosen by timing (auto-threads.ts, loaded only here). */
async function withAuto(engine: Engine): Promise<Engine> {
  const { autoKernels } = await import('./auto-threads.js');
  return { ...engine, ...autoKernels(engine.kernels, engine.threads) };
}

/** The fallback: a fresh single-threaded instance (not the shared one), and one line saying why. */
async function singleThreaded(build: Build, requested: number, why: string): Promise<Engine> {
  const note = `fclab: ${requested} threads requested, running on 1 (same results): ${why}`;
  console.warn(note);
  return { ...(await loadEngine(build, 1)), note };
}

/** A fresh single-threaded instance of the chosen build. */
export async function loadKernels(build: Build = defaultBuild()): Promise<Kernels> {
  return (await loadEngine(build, 1)).kernels;
}
