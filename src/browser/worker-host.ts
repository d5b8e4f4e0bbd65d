// The worker side of a training run: runs the library's runExperiment and streams its progress to
// the page. Used by web/worker.ts and by the browser bundle when it is started as a worker.
//
// Stop and resume: the run keeps a checkpoint at every evaluation (in the worker's memory). A stop
// request ends it at the next evaluation (a 'stop' message, read between evaluations) or within one
// chunk of updates (the shared flag, on cross-origin isolated pages); the reply carries the last
// checkpoint, and a run resumed from it ends with the hash of an uninterrupted one.
import { runExperiment } from '../run/loop.js';
import { resolveConfig } from '../config/resolve.js';
import { simdSupported, threadsSupported } from '../engine/wasm.js';
import type { RunCheckpoint } from '../run/checkpoint.js';
import type { NamedTensor } from '../engine/net.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { decodeMnistDigits, type MnistDigits } from '../tasks/mnist/data.js';

export interface ServeOptions {
  /**
   * The MNIST digits, for the kinds that train on them, loaded on first use (the demo page fetches
   * its bundled digits file); without it such runs fail with a message saying so.
   */
  digits?: () => Promise<MnistDigits>;
}

/** The worker global, typed without the webworker lib. */
export interface WorkerScope {
  postMessage(message: FromWorker): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<ToWorker>) => void): void;
}

/** Thrown from the run's callbacks to end it on a stop request. */
const STOPPED = new Error('stopped');

/** Lets queued messages (a stop request) in, without the clamping of nested timers. */
function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/** Kernel threads this worker can give a run, and why fewer than asked for. */
function usableThreads(requested: number | undefined, build: string | undefined): { threads: number; note?: string } {
  if (requested !== undefined && !(Number.isInteger(requested) && requested >= 1))
    throw new RangeError(`threads = ${JSON.stringify(requested)} is not valid: expected a positive integer`);
  const threads = requested ?? 1;
  if (threads === 1) return { threads };
  if (build === 'scalar' || !simdSupported()) return { threads: 1, note: 'kernel threads need the SIMD build' };
  if (!threadsSupported()) return { threads: 1, note: 'this page is not cross-origin isolated (no shared memory)' };
  return { threads };
}

/** The MNIST digits from a digits file (scripts/mnist-asset.mjs: one byte per pixel), fetched once. */
export function fetchMnistDigits(url: string | URL): () => Promise<MnistDigits> {
  let digits: Promise<MnistDigits> | null = null;
  return () =>
    (digits ??= fetch(url).then(async (res) => {
      if (!res.ok) throw new Error(`could not load the MNIST digits (${String(url)}): HTTP ${res.status}`);
      return decodeMnistDigits(new Uint8Array(await res.arrayBuffer()));
    }).catch((e: unknown) => {
      digits = null; // a later run may try again
      throw e;
    }));
}

export function serveTrainer(scope: WorkerScope, options: ServeOptions = {}): void {
  const post = (m: FromWorker) => scope.postMessage(m);
  let stopRequested = false;
  let busy = false;
  scope.addEventListener('message', (event) => {
    const req = event.data;
    if (req?.type === 'stop') {
      stopRequested = true;
      return;
    }
    if (req?.type !== 'run') return;
    if (busy) {
      post({ type: 'error', message: 'this worker is already running a run' });
      return;
    }
    busy = true;
    stopRequested = false;
    const stopped = () => stopRequested || (req.stop !== undefined && Atomics.load(req.stop, 0) !== 0);
    let last: RunCheckpoint | undefined = req.resume;
    void (async () => {
      const { threads, note } = usableThreads(req.spec.threads, req.spec.build);
      if (note) post({ type: 'threads', threads, note: `${req.spec.threads} threads requested, running on ${threads}: ${note}.` });
      const config = req.resume ? req.resume.config : resolveConfig(req.spec);
      const base = { build: req.spec.build, threads };
      const result = await runExperiment({
        ...(req.resume ? { resume: req.resume } : { preset: req.spec.preset, config: req.spec.config, set: req.spec.set }),
        ...base,
        ...(options.digits ? { digits: options.digits } : {}),
        checkpointEvery: config.train.evalEvery,
        onCheckpoint: async (cp) => {
          last = cp;
          await yieldToEvents();
          if (stopped() || (req.spec.pauseAt !== undefined && cp.snapshot.iteration >= req.spec.pauseAt)) throw STOPPED;
        },
        ...(req.spec.live ? { onParameters: (iteration: number, parameters: NamedTensor[]) => post({ type: 'parameters', iteration, parameters }) } : {}),
        onProgress: (e) => {
          // between evaluations only: an evaluation is followed by its checkpoint
          if (!e.metrics && stopped()) throw STOPPED;
          post({ type: 'progress', event: e });
        },
      });
      post({ type: 'done', result });
    })()
      .catch((err: unknown) => {
        if (err === STOPPED) post({ type: 'stopped', iteration: last?.snapshot.iteration ?? 0, checkpoint: last });
        else post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
      })
      .finally(() => {
        busy = false;
      });
  });
  post({ type: 'ready', simd: simdSupported(), isolated: threadsSupported() });
}
