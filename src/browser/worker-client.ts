// The page side of a training run in a Web Worker: the page never trains on its main thread, so it
// stays responsive. One WorkerRun per run; stop() ends it at a checkpoint and resume() continues
// from there in a fresh worker, with the hash of an uninterrupted run.
import type { NamedTensor } from '../tasks/toy/trainer.js';
import type { ProgressEvent, RunResult } from '../run/loop.js';
import type { RunCheckpoint } from '../run/checkpoint.js';
import type { FromWorker, ToWorker, WorkerRunSpec } from './protocol.js';

export type { WorkerRunSpec };

export interface WorkerRunOptions extends WorkerRunSpec {
  /** Called for every chunk of updates and every evaluation (event.metrics is then present). */
  onProgress?: (event: ProgressEvent) => void;
  /** Starts the training worker; the browser bundle starts itself (fclab.js) by default. */
  worker?: () => Worker;
}

export type WorkerRunOutcome =
  /** the run's result, as runExperiment gives it (summary, config, metrics, neurons, parameters, extra): runTextFiles and the kind's figures take it */
  | ({ status: 'done' } & RunResult)
  /** `iteration`: where a resume continues from (the last evaluation before the stop). */
  | { status: 'stopped'; iteration: number; checkpoint?: RunCheckpoint };

export interface WorkerRunEvents {
  progress: ProgressEvent;
  /** The worker has loaded; whether it has WebAssembly SIMD and shared memory. */
  ready: { simd: boolean; isolated: boolean };
  /** The run uses fewer kernel threads than asked for (note says why). */
  threads: { threads: number; note: string };
  /** The parameters at an evaluation (options.live), after that evaluation's progress event. */
  parameters: { iteration: number; parameters: NamedTensor[] };
}

/** How long a stopping worker gets to hand back its checkpoint before it is terminated. */
const STOP_GRACE_MS = 10_000;

export class WorkerRun {
  /** Resolves when the run ends (done or stopped); rejects with the run's error. */
  readonly finished: Promise<WorkerRunOutcome>;
  private worker: Worker | undefined;
  private readonly stopFlag: Int32Array | undefined;
  private readonly listeners: { [K in keyof WorkerRunEvents]: Array<(e: WorkerRunEvents[K]) => void> } = {
    progress: [],
    ready: [],
    threads: [],
    parameters: [],
  };
  private outcome: WorkerRunOutcome | undefined;

  constructor(
    private readonly options: WorkerRunOptions,
    resume?: RunCheckpoint,
  ) {
    if (!options.worker) throw new Error('runInWorker: no worker factory (options.worker)');
    const w = options.worker();
    this.worker = w;
    // Shared memory lets stop() reach a worker between two chunks of updates.
    this.stopFlag = typeof SharedArrayBuffer !== 'undefined' && globalThis.crossOriginIsolated ? new Int32Array(new SharedArrayBuffer(4)) : undefined;
    if (options.onProgress) this.listeners.progress.push(options.onProgress);
    this.finished = new Promise<WorkerRunOutcome>((resolve, reject) => {
      const end = (o: WorkerRunOutcome | Error) => {
        w.terminate(); // also stops its kernel workers
        this.worker = undefined;
        if (o instanceof Error) reject(o);
        else {
          this.outcome = o;
          resolve(o);
        }
      };
      w.addEventListener('message', (event: MessageEvent<FromWorker>) => {
        const m = event.data;
        switch (m.type) {
          case 'ready':
            this.emit('ready', { simd: m.simd, isolated: m.isolated });
            break;
          case 'threads':
            this.emit('threads', { threads: m.threads, note: m.note });
            break;
          case 'progress':
            this.emit('progress', m.event);
            break;
          case 'parameters':
            this.emit('parameters', { iteration: m.iteration, parameters: m.parameters });
            break;
          case 'done':
            end({ status: 'done', ...m.result });
            break;
          case 'stopped':
            end({ status: 'stopped', iteration: m.iteration, checkpoint: m.checkpoint });
            break;
          case 'error':
            end(new Error(m.message));
            break;
        }
      });
      w.addEventListener('error', (event: ErrorEvent) => {
        event.preventDefault();
        end(new Error(`worker: ${event.message || 'failed to start'}`));
      });
      w.addEventListener('messageerror', () => end(new Error('worker: a message could not be decoded')));
    });
    const { onProgress: _p, worker: _w, ...spec } = options;
    const request: ToWorker = { type: 'run', spec, resume, stop: this.stopFlag };
    w.postMessage(request);
  }

  on<K extends keyof WorkerRunEvents>(type: K, listener: (event: WorkerRunEvents[K]) => void): this {
    this.listeners[type].push(listener);
    return this;
  }

  private emit<K extends keyof WorkerRunEvents>(type: K, event: WorkerRunEvents[K]): void {
    for (const l of this.listeners[type]) l(event);
  }

  /** Whether the run is still going. */
  get running(): boolean {
    return this.worker !== undefined;
  }

  /**
   * Asks the run to stop; resolves with its outcome ('stopped', or 'done' if it finished first).
   * A worker that does not answer within a grace period is terminated (no checkpoint then).
   */
  stop(): Promise<WorkerRunOutcome> {
    const w = this.worker;
    if (w) {
      if (this.stopFlag) Atomics.store(this.stopFlag, 0, 1);
      w.postMessage({ type: 'stop' } satisfies ToWorker);
      const timer = setTimeout(() => {
        if (this.worker !== w) return;
        w.terminate();
        w.dispatchEvent(new MessageEvent('message', { data: { type: 'stopped', iteration: 0 } satisfies FromWorker }));
      }, STOP_GRACE_MS);
      void this.finished.finally(() => clearTimeout(timer)).catch(() => {});
    }
    return this.finished;
  }

  /** Continues a stopped run in a fresh worker (from the start if it stopped before any checkpoint). */
  resume(overrides: Pick<WorkerRunOptions, 'threads' | 'build' | 'onProgress' | 'pauseAt'> = {}): WorkerRun {
    const o = this.outcome;
    if (o?.status !== 'stopped') throw new Error('resume: the run has not stopped');
    // a pause applies to one leg of a run: the resumed one runs on unless given its own
    return new WorkerRun({ ...this.options, pauseAt: undefined, ...overrides }, o.checkpoint);
  }
}

/** Starts a run in a Web Worker; progress streams to options.onProgress and run.on('progress'). */
export function runInWorker(options: WorkerRunOptions): WorkerRun {
  return new WorkerRun(options);
}
