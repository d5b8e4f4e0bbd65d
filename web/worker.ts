// The demo page's training worker: the library's worker side of a run (src/browser/worker-host.ts),
// which runs runExperiment and streams progress, stop and resume back to the page. Padded-MNIST
// runs get the digits from the file vite.config.ts generates from the `mnist` package
// (scripts/mnist-asset.mjs): a same-origin asset of the build, fetched only when such a run starts.
import digitsUrl from './generated/mnist-digits.bin?url';
import { serveTrainer, type WorkerScope } from '../src/browser/worker-host.js';
import { decodeMnistDigits } from '../src/data/mnist-padded.js';

serveTrainer(self as unknown as WorkerScope, {
  digits: async () => {
    const res = await fetch(digitsUrl);
    if (!res.ok) throw new Error(`could not load the MNIST digits (${digitsUrl}): HTTP ${res.status}`);
    return decodeMnistDigits(new Uint8Array(await res.arrayBuffer()));
  },
});
