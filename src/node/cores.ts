// How many sweep workers and kernel threads per run: never more threads in all than cores, because
// on an oversubscribed machine kernel threads wait on each other (issue 18: 2 threads on a busy
// core ran slower than 1). Pure, so the rule is tested without a machine of a given size.

export interface Parallelism {
  workers: number;
  /** kernel threads per run */
  threads: number;
}

/**
 * Workers x threads for `runs` runs on `cores` cores. Kernel threads default to 1 (parallelism
 * comes from the workers) and are capped at the cores; workers default to one per core and are
 * capped at the runs and at cores / threads, and are at least 1. A run's hash does not depend on
 * either, so capping a request changes only speed.
 */
export function fitToCores(cores: number, runs: number, workers?: number, threads?: number): Parallelism {
  const c = Math.max(1, Math.floor(cores));
  const t = Math.max(1, Math.min(threads ?? 1, c));
  const w = Math.max(1, Math.min(workers ?? c, Math.max(1, runs), Math.floor(c / t)));
  return { workers: w, threads: t };
}
