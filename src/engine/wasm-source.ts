// Where the engine gets its WebAssembly bytes. This default decodes the builds embedded as base64
// (src/engine/generated/wasm.ts), so Node and bundlers need no fs, fetch or plugins. The browser
// bundle (dist/browser/fclab.js, scripts/build-browser.mjs) swaps this module for
// src/browser/wasm-files.ts, which fetches the .wasm files sitting next to it.
import { SIMD_WASM_BASE64, SCALAR_WASM_BASE64, SIMD_MT_WASM_BASE64 } from './generated/wasm.js';

export type WasmVariant = 'simd' | 'scalar' | 'simd-mt';

const BASE64: Record<WasmVariant, string> = {
  simd: SIMD_WASM_BASE64,
  scalar: SCALAR_WASM_BASE64,
  'simd-mt': SIMD_MT_WASM_BASE64,
};

function decodeBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The module bytes of one build. */
export async function wasmBytes(variant: WasmVariant): Promise<BufferSource> {
  return decodeBase64(BASE64[variant]) as BufferSource;
}
