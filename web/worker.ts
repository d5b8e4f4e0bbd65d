// The demo page's training worker, on the public browser API (serveRuns: the library's worker side
// of a run, streaming progress, parameters, stop and resume back to the page's runInWorker).
// Padded-MNIST runs get the digits from the file vite.config.ts generates from the shipped
// data/mnist-digits.bin.gz (scripts/mnist-asset.mjs): a same-origin asset of the build, fetched
// only when such a run starts.
import digitsUrl from './generated/mnist-digits.bin?url';
import { serveRuns } from '../src/browser/index.js';

serveRuns({ digits: new URL(digitsUrl, self.location.href) });
