// Preloaded with `node --require`: node:worker_threads' Worker becomes one that exits at once
// (FCLAB_FAKE_WORKER=exit) or never answers (=silent), as in a runtime that cannot run kernel
// threads. The engine must say so in one line and run on one thread, never hang.
const wt = require('node:worker_threads');
const { EventEmitter } = require('node:events');
const mode = process.env.FCLAB_FAKE_WORKER ?? 'exit';
class FakeWorker extends EventEmitter {
  constructor() {
    super();
    if (mode === 'exit') setImmediate(() => this.emit('exit', 1));
  }
  terminate() { return Promise.resolve(0); }
  unref() {}
  ref() {}
  postMessage() {}
}
wt.Worker = FakeWorker;
require('node:module').syncBuiltinESMExports();
