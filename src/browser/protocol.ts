// Messages between a page and its training Web Worker (worker-host.ts <-> worker-client.ts).
// Everything here survives structured cloning: no functions, typed arrays only.
import type { Build } from '../engine/wasm.js';
import type { NamedTensor } from '../tasks/toy/trainer.js';
import type { ConfigInput } from '../config/resolve.js';
import type { ProgressEvent, RunResult } from '../run/loop.js';
import type { RunCheckpoint } from '../run/checkpoint.js';

/** The serialisable part of RunOptions that a worker run takes. */
export interface WorkerRunSpec extends ConfigInput {
  build?: Build;
  /** Kernel threads inside the worker (more than 1 needs a cross-origin isolated page). */
  threads?: number;
  /** Post the parameters at every evaluation ('parameters' messages), for live views. */
  live?: boolean;
  /** Stop at the first checkpoint at or after this iteration (a pause: resume continues the run). */
  pauseAt?: number;
}

export type ToWorker =
  | {
      type: 'run';
      spec: WorkerRunSpec;
      /** Continue a stopped run (its config is used; spec's preset/config/set are ignored). */
      resume?: RunCheckpoint;
      /** Shared flag (cross-origin isolated pages): [0] = 1 stops the run within one chunk of updates. */
      stop?: Int32Array;
    }
  /** Stops the run at its next evaluation (works without shared memory too). */
  | { type: 'stop' };

export type FromWorker =
  | { type: 'ready'; simd: boolean; isolated: boolean }
  /** The run uses fewer kernel threads than asked for, and why. */
  | { type: 'threads'; threads: number; note: string }
  | { type: 'progress'; event: ProgressEvent }
  /** The parameters at an evaluation (spec.live), after that evaluation's progress event. */
  | { type: 'parameters'; iteration: number; parameters: NamedTensor[] }
  /** the whole result, as runExperiment gives it (extra: the kind's data for its figures, e.g. padded MNIST's initial weights) */
  | { type: 'done'; result: RunResult }
  /**
   * The run ended on a stop request. `checkpoint` is the state at the last evaluation (absent if it
   * stopped before the first one); resuming from it gives the hash of an uninterrupted run.
   */
  | { type: 'stopped'; iteration: number; checkpoint?: RunCheckpoint }
  | { type: 'error'; message: string };

/** The name the library gives its own training workers (a bundle started under it serves runs). */
export const TRAINER_WORKER_NAME = 'fclab-trainer';
