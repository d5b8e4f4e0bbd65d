// The bench's browser leg (Chromium and Firefox): the same measurements of fclab as in Node
// (src/bench/core.ts, src/bench/live.ts), in a cross-origin isolated page so the kernels can use
// threads. The driver (src/node/bench/browser.ts) calls these functions through page.evaluate:
// runCore for the ceiling and the GEMMs, then openCase / timeBlock / closeCase for the training
// cases, one block at a time in alternation with Node and the other browser.
import { runCore, type CoreOptions } from '../../src/bench/core.js';
import { openCase, timeBlock, closeCase, openProfile, timeKernel, closeProfile } from '../../src/bench/live.js';

const pre = document.getElementById('log')!;
const log = (line: string) => (pre.textContent += `\n${line}`);

const api = {
  isolated: crossOriginIsolated,
  cores: navigator.hardwareConcurrency,
  /** performance.now()'s step here, ms (the smallest nonzero difference seen): browsers coarsen it, less when isolated */
  timerResolution(): number {
    let best = Infinity;
    for (let i = 0; i < 200; i++) {
      const a = performance.now();
      let b = a;
      while (b === a) b = performance.now();
      best = Math.min(best, b - a);
    }
    return best;
  },
  runCore: (o: Omit<CoreOptions, 'log'>) => runCore({ ...o, log }),
  openCase,
  timeBlock,
  closeCase,
  openProfile,
  timeKernel,
  closeProfile,
};

(window as unknown as { __fclabBench: typeof api }).__fclabBench = api;
log('ready');
