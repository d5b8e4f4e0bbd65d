// The browser bundle's entry (dist/browser/fclab.js, built by scripts/build-browser.mjs): the
// library's API (run, createTrainer, ... exactly as src/index.ts), plus training in a Web Worker
// (runInWorker), a trainer widget for any page (mount), and serveRuns for a page's own worker
// script. The bundle is also its own worker script: started as a worker named TRAINER_WORKER_NAME,
// it serves training runs.
import { runInWorker as runInGivenWorker, WorkerRun, type WorkerRunOptions } from './worker-client.js';
import { mountTrainer, type MountOptions, type MountedTrainer } from './embed.js';
import { fetchMnistDigits, serveTrainer, type WorkerScope } from './worker-host.js';
import { TRAINER_WORKER_NAME } from './protocol.js';
import { LivePlot } from './live-plot.js';

export * from '../index.js';
export { WorkerRun, LivePlot, TRAINER_WORKER_NAME };
export type { WorkerRunOptions, MountOptions, MountedTrainer };
export type { WorkerRunOutcome, WorkerRunEvents, WorkerRunSpec } from './worker-client.js';

/** A module worker running this very file. */
const selfWorker = (): Worker => new Worker(import.meta.url, { type: 'module', name: TRAINER_WORKER_NAME });

/** Starts a run in a Web Worker (this bundle); progress streams to onProgress and run.on('progress'). */
export function runInWorker(options: WorkerRunOptions = {}): WorkerRun {
  return runInGivenWorker({ worker: selfWorker, ...options });
}

/**
 * Serves training runs from the worker this is called in: the entry of a page's own worker script
 * (a bundler's `new Worker(new URL('./worker.ts', import.meta.url))`), which runInWorker({ worker })
 * then trains in. `digits`: the URL of the MNIST digits file (mnist-digits.bin, next to this bundle
 * in dist/browser/), fetched on the first padded-MNIST run; without it such runs fail saying so.
 */
export function serveRuns(options: { digits?: string | URL } = {}): void {
  serveTrainer(globalThis as unknown as WorkerScope, options.digits === undefined ? {} : { digits: fetchMnistDigits(options.digits) });
}

/** Puts a trainer with its live plot into `target` (an element or a CSS selector). */
export function mount(target: HTMLElement | string, options: MountOptions = {}): MountedTrainer {
  return mountTrainer(target, { worker: selfWorker, ...options });
}

const g = globalThis as { document?: unknown; name?: unknown };
// padded-MNIST runs read the digits file that the build puts next to the bundle (fetched on first use)
if (g.document === undefined && g.name === TRAINER_WORKER_NAME) serveRuns({ digits: new URL('./mnist-digits.bin', import.meta.url) });

