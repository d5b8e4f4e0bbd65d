// The demo page's training worker: the library's worker side of a run (src/browser/worker-host.ts),
// which runs runExperiment and streams progress, stop and resume back to the page.
import { serveTrainer, type WorkerScope } from '../src/browser/worker-host.js';

serveTrainer(self as unknown as WorkerScope);
