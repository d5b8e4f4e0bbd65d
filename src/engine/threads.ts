// Worker threads for the kernels, the same code in Node (worker_threads) and browsers (Web
// Workers from a Blob). Each worker instantiates the module over the shared memory and sits
// in parWorker() until the trainer is disposed.

export interface ThreadPool {
  close(): void;
}

// Plain JavaScript, run as an eval'd worker in Node and as a Blob worker in browsers.
const WORKER_SOURCE = `
const start = ({ module, memory, index, generation }, post) => {
  const instance = new WebAssembly.Instance(module, {
    env: { memory, abort: () => { throw new Error('fclab worker: abort'); } },
  });
  post({ ready: index });
  instance.exports.parWorker(index, generation);
  post({ exited: index });
};
if (typeof self === 'undefined') {
  const { parentPort, workerData } = require('node:worker_threads');
  start(workerData, (m) => parentPort.postMessage(m));
} else {
  self.onmessage = (e) => start(e.data, (m) => self.postMessage(m));
}
`;

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
  /** resolves when the worker has instantiated the module */
  ready: Promise<void>;
  terminate(): void;
}

async function spawn(module: WebAssembly.Module, memory: WebAssembly.Memory, index: number, generation: number): Promise<Handle> {
  const g = globalThis as { process?: { versions?: { node?: string } } };
  if (g.process?.versions?.node) {
    // a computed specifier keeps browser bundlers from trying to bundle a Node module
    const nodeWorkers = 'node:worker_threads';
    const { Worker } = (await import(/* @vite-ignore */ nodeWorkers)) as NodeWorkerThreads;
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, index, generation } });
    const ready = new Promise<void>((resolve, reject) => {
      const onMessage = (m: { ready?: number }) => {
        if (m.ready === undefined) return;
        // listeners keep the worker referenced: drop them, so that a trainer that is never
        // disposed does not keep the process alive
        w.off('message', onMessage).off('error', reject);
        w.unref();
        resolve();
      };
      w.on('message', onMessage).on('error', reject);
    });
    return { ready, terminate: () => void w.terminate() };
  }
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  const w = new Worker(url);
  URL.revokeObjectURL(url);
  w.postMessage({ module, memory, index, generation });
  const ready = new Promise<void>((resolve, reject) => {
    w.addEventListener('message', (e) => e.data?.ready !== undefined && resolve());
    w.addEventListener('error', reject);
  });
  return { ready, terminate: () => w.terminate() };
}

/**
 * Starts n workers (thread indices 1..n) and resolves once each has instantiated the module.
 * `generation` is the task generation now, so no task published after this call is missed.
 */
export async function startWorkers(module: WebAssembly.Module, memory: WebAssembly.Memory, n: number, generation: number): Promise<ThreadPool> {
  const handles = await Promise.all(Array.from({ length: n }, (_, i) => spawn(module, memory, i + 1, generation)));
  await Promise.all(handles.map((h) => h.ready));
  return { close: () => handles.forEach((h) => h.terminate()) };
}
