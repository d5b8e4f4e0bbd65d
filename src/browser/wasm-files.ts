// The browser bundle's wasm-source (scripts/build-browser.mjs puts it in place of
// src/engine/wasm-source.ts): the builds are files next to fclab.js, fetched on first use, so the
// script stays small and the browser caches and compiles the WebAssembly on its own.
import type { WasmVariant } from '../engine/wasm-source.js';

export type { WasmVariant };

export async function wasmBytes(variant: WasmVariant): Promise<BufferSource> {
  // (through a variable: bundlers rewrite `new URL(literal, import.meta.url)` into asset lookups)
  const here = import.meta.url;
  const url = new URL(`./fclab.${variant}.wasm`, here);
  let response: Response;
  try {
    response = await fetch(url);
  } catch (err) {
    throw new Error(`fclab: could not load ${url.href}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!response.ok) throw new Error(`fclab: could not load ${url.href}: HTTP ${response.status} (fclab.js expects its .wasm files next to it; fclab.inline.js carries them inside)`);
  return response.arrayBuffer();
}
