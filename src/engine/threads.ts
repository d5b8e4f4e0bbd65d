// Worker threads for the kernels, the same code in Node and Bun (node:worker_threads) and browsers
// (Web Workers from a Blob). Each worker instantiates the module over the shared memory and sits
// in parWorker() until the trainer is disposed.

export interface ThreadPool {
  close(): void;
}

// Plain JavaScript, run as an eval'd worker in Node/Bun and as a Blob worker in browsers. The
// caller picks the entry (START_NODE or START_WEB): a worker must not guess its runtime, since
// Bun's worker_threads workers also define `self`, and a guess of "browser" there waited forever
// for a message that never came.
const WORKER_START = `
const start = ({ module, memory, index, generation }, post) => {
  let instance;
  try {
    instance = new WebAssembly.Instance(module, {
      env: { memory, abort: () => { throw new Error('fclab worker: abort'); } },
    });
  } catch (e) {
    post({ failed: index, message: String(e && e.message || e) });
    return;
  }
  post({ ready: index });
  instance.exports.parWorker(index, generation);
  post({ exited: index });
};
`;
const START_NODE = `${WORKER_START}
const { parentPort, workerData } = require('node:worker_threads');
start(workerData, (m) => parentPort.postMessage(m));
`;
const START_WEB = `${WORKER_START}
self.onmessage = (e) => start(e.data, (m) => self.postMessage(m));
`;

/** A worker that did not start: the engine runs on one thread instead, with the same bits. */
export class WorkerStartError extends Error {}

/**
 * How long all workers together may take to instantiate the module before the engine gives up on
 * threads. Only a safety net against a runtime that never starts them (it is no part of any
 * result, and results do not depend on the thread count); a healthy start takes milliseconds.
 */
export const WORKER_START_TIMEOUT_MS = 30_000;

/**
 * A Node built-in's specifier, computed at run time: a literal (which a minifier makes of a
 * constant) would send a bundler that re-bundles fclab.js looking for node:* modules.
 */
export function nodeBuiltin(name: string): string {
  return ['node', name].join(':');
}

/** What the engine uses of node:worker_threads (typed here, so the core compiles without @types/node). */
interface NodeWorker {
  on(event: string, fn: (arg: never) => void): NodeWorker;
  off(event: string, fn: (arg: never) => void): NodeWorker;
  unref(): void;
  terminate(): unknown;
}
interface NodeWorkerThreads {
  Worker: new (source: string, options: { eval: boolean; workerData: unknown }) => NodeWorker;
}

interface Handle {
  /** resolves when the worker has instantiated the module; rejects if it fails or exits first */
  ready: Promise<void>;
  terminate(): void;
}

type Message = { ready?: number; failed?: number; message?: string };

function settle(index: number, m: Message, resolve: () => void, reject: (e: Error) => void): boolean {
  if (m?.ready !== undefined) resolve();
  else if (m?.failed !== undefined) reject(new WorkerStartError(`worker ${index} could not instantiate the module: ${m.message}`));
  else return false;
  return true;
}

async function spawn(module: WebAssembly.Module, memory: WebAssembly.Memory, index: number, generation: number): Promise<Handle> {
  const g = globalThis as { process?: { versions?: { node?: string } } };
  if (g.process?.versions?.node) {
    // a computed specifier keeps browser bundlers from trying to bundle a Node module
    const { Worker } = (await import(/* @vite-ignore */ nodeBuiltin('worker_threads'))) as NodeWorkerThreads;
    const w = new Worker(START_NODE, { eval: true, workerData: { module, memory, index, generation } });
    const ready = new Promise<void>((resolve, reject) => {
      const done = () => w.off('message', onMessage).off('error', onError).off('exit', onExit);
      const onMessage = (m: Message) => {
        if (!settle(index, m, resolve, reject)) return;
        // listeners keep the worker referenced: drop them, so that a trainer that is never
        // disposed does not keep the process alive
        done();
        w.unref();
      };
      const onError = (e: Error) => (done(), reject(new WorkerStartError(`worker ${index} failed to start: ${e.message}`)));
      const onExit = (code: number) => (done(), reject(new WorkerStartError(`worker ${index} exited (code ${code}) before it started`)));
      w.on('message', onMessage).on('error', onError).on('exit', onExit);
    });
    return { ready, terminate: () => void w.terminate() };
  }
  const url = URL.createObjectURL(new Blob([START_WEB], { type: 'text/javascript' }));
  const w = new Worker(url);
  URL.revokeObjectURL(url);
  w.postMessage({ module, memory, index, generation });
  const ready = new Promise<void>((resolve, reject) => {
    w.addEventListener('message', (e) => settle(index, e.data, resolve, reject));
    w.addEventListener('error', (e) => reject(new WorkerStartError(`worker ${index} failed to start: ${e.message ?? 'error event'}`)));
  });
  return { ready, terminate: () => w.terminate() };
}

/**
 * Starts n workers (thread indices 1..n) and resolves once each has instantiated the module.
 * `generation` is the task generation now, so no task published after this call is missed.
 * Rejects with a WorkerStartError (every worker stopped) if one fails, exits, or the start-up
 * handshake takes longer than `timeoutMs`.
 */
export async function startWorkers(
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
  n: number,
  generation: number,
  timeoutMs = WORKER_START_TIMEOUT_MS,
): Promise<ThreadPool> {
  const handles: Handle[] = [];
  const close = () => handles.forEach((h) => h.terminate());
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    for (let i = 0; i < n; i++) handles.push(await spawn(module, memory, i + 1, generation));
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new WorkerStartError(`${n} worker thread(s) did not start within ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
    });
    await Promise.race([Promise.all(handles.map((h) => h.ready)), timeout]);
  } catch (e) {
    close();
    throw e;
  } finally {
    clearTimeout(timer);
  }
  return { close };
}
