// The bench's throughput ceiling lives in its own module (assembly/bench/peak.ts, build/fclab.peak.wasm),
// so the product module does not carry it. Embedded as base64 like the engine's builds, so the
// Node and browser legs load it alike.
import { instantiate } from '@assemblyscript/loader';
import { PEAK_WASM_BASE64 } from './generated/peak-wasm.js';

/** The exports of assembly/bench/peak.ts (SIMD build). */
export interface Peak {
  /** iters rounds of independent multiply-then-add chains; the result depends on every chain */
  peakMulAdd(iters: number, m: number, a: number): number;
  /** multiply-adds per round */
  peakLanes(): number;
}

let peak: Promise<Peak> | undefined;

/** The peak module (one instance per process: it keeps no state). */
export function loadPeak(): Promise<Peak> {
  peak ??= (async () => {
    const bin = atob(PEAK_WASM_BASE64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    const { exports } = await instantiate<Record<string, unknown>>(await WebAssembly.compile(bytes), {});
    return exports as unknown as Peak;
  })();
  return peak;
}
