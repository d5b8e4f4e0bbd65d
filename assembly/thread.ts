// The calling instance's thread index: 0 on the caller's thread, t in worker t (par.ts sets it).
// Worker instances share memory but not globals, so each thread's scratch buffers (gemm's pack
// slots, the GELU's lane lists) are picked by it; every slot table is taken at start-up, where all
// instances compute the same addresses (see gemm.ts's packBuf).
export let threadIndex = 0;

/** Sets the calling instance's thread index (par.ts, once per worker). */
export function setThreadIndex(t: i32): void {
  threadIndex = t;
}

/** Slots per scratch table: one per thread up to this many (threads beyond run without scratch). */
export const SCRATCH_SLOTS = ASC_FEATURE_THREADS ? 16 : 1;
