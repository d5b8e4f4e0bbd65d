// The bench's Chromium leg: the same measurements of fclab as in Node (src/bench/core.ts), in a
// cross-origin isolated page so the kernels can use threads. Settings come from the URL; the
// result is left on window.__bench for the driver (src/bench/browser.ts).
import { runCore } from '../../src/bench/core.js';

const q = new URLSearchParams(location.search);
const pre = document.getElementById('log')!;
runCore({
  quick: q.get('quick') === '1',
  repeats: Number(q.get('repeats') ?? 5),
  threads: (q.get('threads') ?? '1').split(',').map(Number),
  maxGemmWork: Number(q.get('maxGemmWork') ?? 1e9),
  log: (line) => (pre.textContent += `\n${line}`),
}).then(
  (result) => ((window as unknown as { __bench: unknown }).__bench = { ok: true, result, isolated: crossOriginIsolated, cores: navigator.hardwareConcurrency }),
  (e: unknown) => ((window as unknown as { __bench: unknown }).__bench = { ok: false, error: String((e as Error)?.stack ?? e) }),
);
