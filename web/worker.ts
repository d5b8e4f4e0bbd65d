// The training worker: runs one experiment with the library's runExperiment and streams progress
// back, so the page stays responsive. The page stops a run by terminating this worker.
import { runExperiment, simdSupported, type Build, type MetricsRow, type SetValue, type Summary } from '../src/index.js';

export interface RunRequest {
  type: 'run';
  preset: string;
  set: Record<string, SetValue>;
  build?: Build;
}

export type WorkerMessage =
  | { type: 'ready'; simd: boolean }
  | { type: 'progress'; iteration: number; total: number; elapsedSeconds: number; metrics?: MetricsRow }
  | { type: 'done'; summary: Summary; metrics: MetricsRow[] }
  | { type: 'error'; message: string };

// The worker global, typed without pulling the webworker lib into the page's DOM types.
const scope = self as unknown as {
  postMessage(message: WorkerMessage): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<RunRequest>) => void): void;
};
const post = (m: WorkerMessage) => scope.postMessage(m);

scope.addEventListener('message', (event) => {
  const req = event.data;
  if (req?.type !== 'run') return;
  runExperiment({
    preset: req.preset,
    set: req.set,
    build: req.build,
    onProgress: (e) => post({ type: 'progress', ...e }),
  }).then(
    (result) => post({ type: 'done', summary: result.summary, metrics: result.metrics }),
    (err: unknown) => post({ type: 'error', message: err instanceof Error ? err.message : String(err) }),
  );
});

post({ type: 'ready', simd: simdSupported() });
