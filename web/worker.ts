// The training worker: runs one experiment with the library's runExperiment and streams progress
// back, so the page stays responsive. The page stops a run by terminating this worker; on a
// cross-origin isolated page it first raises a shared stop flag, so the run ends at its next progress
// event and stops its kernel workers (a worker busy in a run is only killed after a delay: Chromium
// waits about 2 s before it forcibly terminates a worker that is running script).
//
// With threads > 1 the library starts threads - 1 kernel workers itself (nested dedicated workers
// from Blob URLs) over shared WebAssembly memory; that needs a cross-origin isolated page. They
// end with the run (runExperiment disposes the trainer) or with this worker when it is terminated.
import { runExperiment, simdSupported, type Build, type MetricsRow, type SetValue, type Summary } from '../src/index.js';

export interface RunRequest {
  type: 'run';
  preset: string;
  set: Record<string, SetValue>;
  build?: Build;
  /** Kernel threads, already resolved by the page (1 unless the page is cross-origin isolated). */
  threads: number;
  /** Shared (isolated pages only): the page sets [0] to 1 to stop the run. */
  stop?: Int32Array;
}

export type WorkerMessage =
  | { type: 'ready'; simd: boolean; isolated: boolean }
  /** The run uses fewer threads than requested (why, for the page to show). */
  | { type: 'threads'; threads: number; note: string }
  | { type: 'progress'; iteration: number; total: number; elapsedSeconds: number; metrics?: MetricsRow }
  | { type: 'done'; summary: Summary; metrics: MetricsRow[] }
  /** The run ended on the page's stop flag; the kernel workers are stopped and this worker is idle. */
  | { type: 'stopped' }
  | { type: 'error'; message: string };

// The worker global, typed without pulling the webworker lib into the page's DOM types.
const scope = self as unknown as {
  crossOriginIsolated?: boolean;
  postMessage(message: WorkerMessage): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<RunRequest>) => void): void;
};
const post = (m: WorkerMessage) => scope.postMessage(m);
const isolated = scope.crossOriginIsolated === true && typeof SharedArrayBuffer !== 'undefined';

/** The thread count the library can honour here: kernel threads need shared memory and the SIMD build. */
function usableThreads(req: RunRequest): { threads: number; note?: string } {
  const threads = Number.isInteger(req.threads) && req.threads >= 1 ? req.threads : 1;
  if (threads === 1) return { threads };
  if (!isolated) return { threads: 1, note: 'this worker is not cross-origin isolated (no shared memory)' };
  if (req.build === 'scalar' || !simdSupported()) return { threads: 1, note: 'kernel threads need the SIMD build' };
  return { threads };
}

/** Thrown from onProgress to end a run the page stopped. */
const STOPPED = new Error('stopped');

scope.addEventListener('message', (event) => {
  const req = event.data;
  if (req?.type !== 'run') return;
  const { threads, note } = usableThreads(req);
  if (note) post({ type: 'threads', threads, note: `${req.threads} threads requested, running on ${threads}: ${note}.` });
  runExperiment({
    preset: req.preset,
    set: req.set,
    build: req.build,
    threads,
    onProgress: (e) => {
      if (req.stop && Atomics.load(req.stop, 0) !== 0) throw STOPPED; // runExperiment disposes the trainer
      post({ type: 'progress', ...e });
    },
  }).then(
    (result) => post({ type: 'done', summary: result.summary, metrics: result.metrics }),
    (err: unknown) =>
      post(err === STOPPED ? { type: 'stopped' } : { type: 'error', message: err instanceof Error ? err.message : String(err) }),
  );
});

post({ type: 'ready', simd: simdSupported(), isolated });
