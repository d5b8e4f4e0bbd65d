// The threads setting: a count or 'auto' (auto-threads.ts), its check and the pool 'auto' uses.
import { nodeBuiltin } from './threads.js';

/** Kernel threads: a count, or 'auto' (1 or all of a pool, chosen by timing the steps). */
export type ThreadsOption = number | 'auto';

/** The largest pool 'auto' uses: all cores, up to 4 (the step's phases stop scaling beyond that at the paper's sizes). */
export async function autoPoolSize(): Promise<number> {
  const g = globalThis as { navigator?: { hardwareConcurrency?: number }; process?: { versions?: { node?: string } } };
  let n = g.navigator?.hardwareConcurrency;
  if (!(Number.isInteger(n) && n! > 0) && g.process?.versions?.node) {
    // Node before 21 has no navigator (nodeBuiltin: see there)
    const m = (await import(/* @vite-ignore */ nodeBuiltin('os'))) as { availableParallelism?: () => number; cpus: () => unknown[] };
    n = m.availableParallelism ? m.availableParallelism() : m.cpus().length;
  }
  return Number.isInteger(n) && n! > 0 ? Math.min(4, n!) : 1;
}

/** Checks a threads setting; the message names the field, the value and what was expected. */
export function checkThreadsOption(v: unknown, field = 'threads'): ThreadsOption {
  if (v === 'auto') return v;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 64) return v;
  throw new RangeError(`${field} = ${JSON.stringify(v)} is not valid: expected an integer from 1 to 64 or "auto"`);
}
