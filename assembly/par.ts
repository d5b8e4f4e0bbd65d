import { samplesPhase, paramsPhase } from "./phases";
import { netAt } from "./state";
import { gemmSetThread } from "./gemm";

// Threads: worker instances share this module's memory and sit in parWorker(); the caller's
// thread runs parRun(), which publishes a task, does its own share and waits for the others.
// Rows of the samples phase and output neurons of the params phase are split in contiguous
// ranges; no sum is ever split, so any thread count gives the same bits. Without the threads
// feature (the plain builds) everything runs inline.

export const TASK_SAMPLES = 1, TASK_PARAMS = 2, TASK_EXIT = 3;

// Steps over fewer rows run on the calling thread alone: waking the workers would cost more than
// the step (an online step at batch 1 takes microseconds). Any split gives the same bits.
const PAR_MIN_ROWS = 64;

// The control block, one per instance (its thread pool), in memory so the workers see it.
@unmanaged class Control {
  /** task generation: bumped to publish a task */
  gen: i32;
  /** workers still running the task */
  pending: i32;
  threads: i32;
  /** whether the calling thread may block */
  canWait: i32;
  task: i32;
  /** the task's arguments */
  net: usize;
  X: usize;
  Y: usize;
  rows: i32;
  flags: i32;
}
const ctl = changetype<Control>(memory.data(64, 64));
const C = changetype<usize>(ctl);
// addresses of the fields the threads synchronize on with atomics
const C_GEN = C + offsetof<Control>("gen"), C_PENDING = C + offsetof<Control>("pending");

/** threads >= 1; canWait: whether the calling thread may block (not a browser's main thread). */
export function parSetThreads(threads: i32, canWait: bool): void {
  ctl.threads = threads;
  ctl.canWait = canWait ? 1 : 0;
}

export function parThreads(): i32 {
  const t = ctl.threads;
  return t < 1 ? 1 : t;
}

function runShare(task: i32, t: i32, T: i32): void {
  const n = netAt(ctl.net), X = ctl.X, Y = ctl.Y;
  const rows = ctl.rows, flags = ctl.flags;
  if (task == TASK_SAMPLES) {
    const r0 = <i32>((<i64>rows * t) / T), r1 = <i32>((<i64>rows * (t + 1)) / T);
    samplesPhase(n, X, Y, rows, r0, r1, flags);
  } else if (task == TASK_PARAMS) {
    paramsPhase(n, X, rows, t, T, flags != 0);
  }
}

/** Runs a task of the network at `net` on every thread (or inline: see PAR_MIN_ROWS). */
export function parRun(task: i32, net: usize, X: usize, Y: usize, rows: i32, flags: i32): void {
  ctl.net = net; ctl.X = X; ctl.Y = Y;
  ctl.rows = rows; ctl.flags = flags;
  ctl.task = task;
  if (ASC_FEATURE_THREADS) {
    const T = parThreads();
    if (T > 1 && rows >= PAR_MIN_ROWS) {
      atomic.store<i32>(C_PENDING, T - 1);
      atomic.add<i32>(C_GEN, 1); // publishes the task (sequentially consistent)
      atomic.notify(C_GEN, T - 1);
      runShare(task, 0, T);
      waitPending();
      return;
    }
  }
  runShare(task, 0, 1);
}

// Spin first (a browser's main thread may not block), then block if this thread may.
function waitPending(): void {
  if (!ASC_FEATURE_THREADS) return;
  let spins = 0;
  while (atomic.load<i32>(C_PENDING) != 0) {
    if (++spins > 1 << 20 && ctl.canWait) {
      const p = atomic.load<i32>(C_PENDING);
      if (p != 0) atomic.wait<i32>(C_PENDING, p, -1);
    }
  }
}

/** The task generation: the engine reads it before starting workers and hands it to parWorker. */
export function parGeneration(): i32 {
  return ASC_FEATURE_THREADS ? atomic.load<i32>(C_GEN) : ctl.gen;
}

/**
 * A worker's loop (thread index t >= 1); returns when TASK_EXIT is published. `seen` is the
 * generation before the worker was started: reading it here instead could miss a task that the
 * caller published between the worker's start and its first read.
 */
export function parWorker(t: i32, seen: i32): void {
  if (ASC_FEATURE_THREADS) {
    gemmSetThread(t);
    while (true) {
      let spins = 0;
      let gen = atomic.load<i32>(C_GEN);
      while (gen == seen) {
        if (++spins > 1 << 14) atomic.wait<i32>(C_GEN, seen, -1);
        gen = atomic.load<i32>(C_GEN);
      }
      seen = gen;
      const task = ctl.task;
      if (task != TASK_EXIT) runShare(task, t, parThreads());
      if (atomic.sub<i32>(C_PENDING, 1) == 1) atomic.notify(C_PENDING, 1);
      if (task == TASK_EXIT) return;
    }
  }
}

/** Ask the workers to return from parWorker (from the thread that owns the trainer). */
export function parExit(): void {
  if (ASC_FEATURE_THREADS) {
    const T = parThreads();
    if (T == 1) return;
    ctl.task = TASK_EXIT;
    atomic.store<i32>(C_PENDING, T - 1);
    atomic.add<i32>(C_GEN, 1);
    atomic.notify(C_GEN, T - 1);
    waitPending();
    ctl.threads = 1;
  }
}
