import { samplesPhase, paramsRange, paramsCols, splitsColumns, featRange } from "./phases";
import { netAt, layerOf, Net, Layer } from "./state";
import { setThreadIndex } from "./thread";

// Threads: worker instances share this module's memory and sit in parWorker(); the caller's
// thread runs parRun(), which publishes a task and then works on it like any worker.
//
// A task is cut into chunks whose boundaries depend only on the sizes (never on the thread
// count or on timing): row blocks of the samples phase, blocks of output neurons (and of feature
// rows) of the params phase. Each chunk computes whole sums into its own outputs, so the bits are
// the same whoever computes which chunk. Threads claim chunks from one atomic counter until none
// is left: a thread that the OS runs less often (a core shared with another process) simply
// claims fewer, instead of holding half of the step as a static split did (issue 18).
//
// The counter is one 64-bit word: the task's generation (high 32 bits), its chunk count (16) and
// the next chunk (16). A worker claims with compare-and-swap under the generation it woke for,
// so a worker that wakes late can never claim a chunk of a later task; it reads the task's
// arguments only after a successful claim, and the caller does not return (nor rewrite them)
// before every claimed chunk is done.
//
// Waiting is bounded spinning, then parking (atomic.wait) on both sides (the bounds: below).
// Without the threads feature (the plain builds) everything runs inline.

export const TASK_SAMPLES = 1, TASK_PARAMS = 2;

// Steps over fewer rows run on the calling thread alone: waking the workers would cost more than
// the step (an online step at batch 1 takes microseconds). Any split gives the same bits. Steps of
// 32 rows (online batch 32) did not pay on 2 threads in paired runs on a loaded machine, so a fixed
// thread count keeps them inline; threads: 'auto' lowers the bound to 32, since it times the pool
// against 1 thread and uses the pool only where it pays (parSetMinRows).
const PAR_MIN_ROWS = 64, PAR_MIN_ROWS_LOWEST = 32;
// Spins before parking, adapted per thread. A spin is about 0.6 ns in V8 here (AMD EPYC): 2^20 is
// about 0.6 ms, 2^19 0.3 ms, against chunks of 0.05-0.25 ms in a toy-default step. A round trip
// between two parked threads took 115 µs (median, two wake-ups) on the 2-core VM; fixed bounds of
// 2^14 and 2^12 (10 and 2.5 µs) were shorter than a chunk, so a thread waiting for the other's last
// chunk parked and the wake-up fell on the step's critical path. But a thread that spins while the
// one it waits for is descheduled (a core shared with another process) takes the cycles that
// thread needs. So each wait that ends while spinning doubles that side's bound (up to the
// maximum), and each wait that had to park divides it by 16 (down to the minimum, the old fixed
// bounds): waits that fit stay spun, a peer that keeps missing them is waited for parked. Measured
// in docs/bench.md: idle, 2-thread online batch-32 steps went from 1.42x to 0.78x of 1 thread; with
// one core busy, 2 threads cost more than before (1.07-1.39x of 1 thread against 0.97-1.25x), where
// threads: 'auto' mostly chose 1 thread (1.02-1.07x).
const WORKER_SPINS_MIN = 1 << 14, WORKER_SPINS_MAX = 1 << 20;
const CALLER_SPINS_MIN = 1 << 12, CALLER_SPINS_MAX = 1 << 19;
// this instance's current bounds (globals are per instance: per thread)
let workerSpins = WORKER_SPINS_MAX, callerSpins = CALLER_SPINS_MAX;

/** The next bound after a wait: doubled if it ended while spinning, a 16th if it parked. */
// @ts-ignore: decorator
@inline function adapt(bound: i32, parked: bool, lo: i32, hi: i32): i32 {
  return parked ? max(lo, bound >> 4) : min(hi, bound << 1);
}

// The control block, one per instance (its thread pool), in memory so the workers see it.
@unmanaged class Control {
  /** the claim word (see above) */
  claim: i64;
  /** task generation: bumped to publish a task; workers wait on it */
  gen: i32;
  /** chunks of the current task done */
  done: i32;
  /** workers that have not yet returned from parWorker (parExit) */
  pending: i32;
  /** threads in the pool (workers + the caller) */
  pool: i32;
  /** threads taking part in tasks (1..pool): 'auto' switches between 1 and pool */
  active: i32;
  /** whether the calling thread may block */
  canWait: i32;
  exit: i32;
  task: i32;
  /** the task's arguments */
  net: usize;
  X: usize;
  Y: usize;
  rows: i32;
  flags: i32;
  /** tests: thread `delayThread` spins `delaySpins` before each chunk (an adversarial schedule) */
  delayThread: i32;
  delaySpins: i32;
  /** steps over fewer rows run inline (0: PAR_MIN_ROWS) */
  minRows: i32;
}
const ctl = changetype<Control>(memory.data(128, 64));
const C = changetype<usize>(ctl);
// addresses of the fields the threads synchronize on with atomics
const C_CLAIM = C + offsetof<Control>("claim"), C_GEN = C + offsetof<Control>("gen");
const C_DONE = C + offsetof<Control>("done"), C_PENDING = C + offsetof<Control>("pending");

/** threads >= 1: the pool's size; canWait: whether the calling thread may block (not a browser's main thread). */
export function parSetThreads(threads: i32, canWait: bool): void {
  ctl.pool = threads;
  ctl.active = threads;
  ctl.canWait = canWait ? 1 : 0;
}

/** Threads taking part in the next tasks, 1 to the pool's size (the bits do not depend on it). */
export function parSetActive(threads: i32): void {
  const p = ctl.pool < 1 ? 1 : ctl.pool;
  ctl.active = threads < 1 ? 1 : threads > p ? p : threads;
}

/** Threads taking part in tasks now. */
export function parThreads(): i32 {
  const t = ctl.active;
  return t < 1 ? 1 : t;
}

/** Steps over fewer rows than this run inline (at least 32; the bits do not depend on it). */
export function parSetMinRows(rows: i32): void {
  ctl.minRows = rows < PAR_MIN_ROWS_LOWEST ? PAR_MIN_ROWS_LOWEST : rows;
}

/** Tests: make thread t (0: the caller) spin `spins` times before each chunk it claims (0: off). */
export function parSetDelay(t: i32, spins: i32): void {
  ctl.delayThread = t;
  ctl.delaySpins = spins;
}

// ---- chunks -------------------------------------------------------------------------------

/** Rows per chunk of the samples phase: about 16 chunks, at least 16 rows, a multiple of 8. */
// @ts-ignore: decorator
@inline function rowBlock(rows: i32): i32 {
  const b = (((rows + 15) >> 4) + 7) & ~7;
  return b < 16 ? 16 : b;
}

/** Neurons (or feature rows) per chunk of the params phase: at most 8 chunks, a multiple of 4. */
// @ts-ignore: decorator
@inline function neuronBlock(f: i32): i32 {
  const b = (((f + 7) >> 3) + 3) & ~3;
  return b < 4 ? 4 : b;
}

// @ts-ignore: decorator
@inline function blocks(count: i32, size: i32): i32 {
  return (count + size - 1) / size;
}

/** The params phase's chunks of layer l: feature-row blocks (feature coordinates), then neuron blocks. */
function layerChunks(n: Net, l: i32): i32 {
  const y: Layer = layerOf(n, l);
  if (y.frozen) return 0;
  const fout = y.fanOut;
  if (splitsColumns(n, l)) return blocks(y.fanIn, neuronBlock(y.fanIn));
  let c = blocks(fout, neuronBlock(fout));
  if (l == 0 && n.feat != 0) c += blocks(n.featDim, neuronBlock(n.featDim));
  return c;
}

function taskChunks(task: i32, n: Net, rows: i32): i32 {
  if (task == TASK_SAMPLES) return blocks(rows, rowBlock(rows));
  let c = 0;
  for (let l = 0; l < n.layers; l++) c += layerChunks(n, l);
  return c;
}

function runChunk(c: i32): void {
  const n = netAt(ctl.net), X = ctl.X, Y = ctl.Y;
  const rows = ctl.rows, flags = ctl.flags;
  if (ctl.task == TASK_SAMPLES) {
    const rb = rowBlock(rows);
    const r0 = c * rb, r1 = min(rows, r0 + rb);
    samplesPhase(n, X, Y, rows, r0, r1, flags);
    return;
  }
  for (let l = 0; l < n.layers; l++) {
    const k = layerChunks(n, l);
    if (c >= k) {
      c -= k;
      continue;
    }
    if (l == 0 && n.feat != 0) {
      const fd = n.featDim, fb = neuronBlock(fd), kf = blocks(fd, fb);
      if (c < kf) {
        featRange(n, X, rows, c * fb, min(fd, (c + 1) * fb), flags != 0);
        return;
      }
      c -= kf;
    }
    if (splitsColumns(n, l)) {
      const fin = layerOf(n, l).fanIn, cb = neuronBlock(fin);
      paramsCols(n, X, rows, l, c * cb, min(fin, (c + 1) * cb), flags != 0);
      return;
    }
    const fout = layerOf(n, l).fanOut, nb = neuronBlock(fout);
    paramsRange(n, X, rows, l, c * nb, min(fout, (c + 1) * nb), flags != 0);
    return;
  }
}

function delay(t: i32): void {
  if (!ASC_FEATURE_THREADS) return;
  if (ctl.delaySpins > 0 && ctl.delayThread == t) {
    const s = ctl.delaySpins;
    // atomic loads, so the loop is not optimized away
    for (let i = 0; i < s; i++) atomic.load<i32>(C_GEN);
  }
}

/** Claims and runs chunks of generation `gen` until none is left. */
function work(t: i32, gen: i32): void {
  if (!ASC_FEATURE_THREADS) return;
  while (true) {
    const v = atomic.load<i64>(C_CLAIM);
    if (<i32>(v >>> 32) != gen) return;
    const total = <i32>((v >>> 16) & 0xffff), next = <i32>(v & 0xffff);
    if (next >= total) return;
    if (atomic.cmpxchg<i64>(C_CLAIM, v, v + 1) != v) continue;
    delay(t);
    runChunk(next);
    if (atomic.add<i32>(C_DONE, 1) + 1 == total) atomic.notify(C_DONE, 1);
  }
}

/** Runs a task of the network at `net` on the active threads (or inline: see PAR_MIN_ROWS). */
export function parRun(task: i32, net: usize, X: usize, Y: usize, rows: i32, flags: i32): void {
  ctl.net = net; ctl.X = X; ctl.Y = Y;
  ctl.rows = rows; ctl.flags = flags;
  ctl.task = task;
  const n = netAt(net);
  if (ASC_FEATURE_THREADS) {
    const total = parThreads() > 1 && rows >= (ctl.minRows > 0 ? ctl.minRows : PAR_MIN_ROWS) ? taskChunks(task, n, rows) : 0;
    if (total > 1) {
      const gen = ctl.gen + 1;
      atomic.store<i32>(C_DONE, 0);
      atomic.store<i64>(C_CLAIM, (<i64>(<u32>gen) << 32) | (<i64>total << 16));
      atomic.store<i32>(C_GEN, gen); // publishes the task (sequentially consistent)
      atomic.notify(C_GEN, ctl.pool - 1);
      work(0, gen);
      waitDone(total);
      return;
    }
  }
  runWhole(task, n, X, Y, rows, flags);
}

// One thread: the whole task in one piece per layer (bigger products, B packed once per product).
function runWhole(task: i32, n: Net, X: usize, Y: usize, rows: i32, flags: i32): void {
  if (task == TASK_SAMPLES) {
    samplesPhase(n, X, Y, rows, 0, rows, flags);
    return;
  }
  for (let l = 0; l < n.layers; l++) {
    if (layerOf(n, l).frozen) continue;
    if (l == 0 && n.feat != 0) featRange(n, X, rows, 0, n.featDim, flags != 0);
    paramsRange(n, X, rows, l, 0, layerOf(n, l).fanOut, flags != 0);
  }
}

// Spin briefly (a chunk in flight on another thread), then block if this thread may (a browser's
// main thread may not: it spins).
function waitDone(total: i32): void {
  if (!ASC_FEATURE_THREADS) return;
  let spins = 0, parked = false;
  let d = atomic.load<i32>(C_DONE);
  while (d != total) {
    if (++spins > callerSpins && ctl.canWait) {
      atomic.wait<i32>(C_DONE, d, -1);
      parked = true;
    }
    d = atomic.load<i32>(C_DONE);
  }
  callerSpins = adapt(callerSpins, parked, CALLER_SPINS_MIN, CALLER_SPINS_MAX);
}

/** The task generation: the engine reads it before starting workers and hands it to parWorker. */
export function parGeneration(): i32 {
  return ASC_FEATURE_THREADS ? atomic.load<i32>(C_GEN) : ctl.gen;
}

/**
 * A worker's loop (thread index t >= 1); returns when parExit() asks. `seen` is the generation
 * before the worker was started: reading it here instead could miss a task that the caller
 * published between the worker's start and its first read.
 */
export function parWorker(t: i32, seen: i32): void {
  if (ASC_FEATURE_THREADS) {
    setThreadIndex(t);
    while (true) {
      let spins = 0, parked = false;
      let gen = atomic.load<i32>(C_GEN);
      while (gen == seen) {
        if (++spins > workerSpins) {
          atomic.wait<i32>(C_GEN, seen, -1);
          parked = true;
        }
        gen = atomic.load<i32>(C_GEN);
      }
      workerSpins = adapt(workerSpins, parked, WORKER_SPINS_MIN, WORKER_SPINS_MAX);
      seen = gen;
      if (ctl.exit) break;
      // threads beyond the active count sit this task out ('auto' chose fewer)
      if (t < parThreads()) work(t, gen);
    }
    if (atomic.sub<i32>(C_PENDING, 1) == 1) atomic.notify(C_PENDING, 1);
  }
}

/** Ask the workers to return from parWorker (from the thread that owns the trainer). */
export function parExit(): void {
  if (ASC_FEATURE_THREADS) {
    const P = ctl.pool;
    if (P <= 1) return;
    ctl.exit = 1;
    atomic.store<i32>(C_PENDING, P - 1);
    atomic.add<i32>(C_GEN, 1);
    atomic.notify(C_GEN, P - 1);
    let spins = 0;
    let p = atomic.load<i32>(C_PENDING);
    while (p != 0) {
      if (++spins > CALLER_SPINS_MIN && ctl.canWait) atomic.wait<i32>(C_PENDING, p, -1);
      p = atomic.load<i32>(C_PENDING);
    }
    ctl.pool = 1;
    ctl.active = 1;
  }
}
