// The demo page's training worker: the library's worker side of a run (src/browser/worker-host.ts),
// which runs runExperiment and streams progress, stop and resume back to the page. Padded-MNIST
// runs get the digits from the file vite.config.ts generates from the `mnist` package
// (scripts/mnist-asset.mjs): a same-origin asset of the build, fetched only when such a run starts.
import digitsUrl from './generated/mnist-digits.bin?url';
import { fetchMnistDigits, serveTrainer, type WorkerScope } from '../src/browser/worker-host.js';

serveTrainer(self as unknown as WorkerScope, { digits: fetchMnistDigits(new URL(digitsUrl, self.location.href)) });
