// The engine's hand-written binding type (Kernels in src/engine/wasm.ts) against what each build
// of the module exports: every declared binding exists in simd, scalar and simd-mt with the
// declared number of parameters (optional ones included: WebAssembly functions take them all), and
// the module exports nothing that is not declared. The interface is read from the source with the
// TypeScript compiler, so a new export or a changed signature fails here until both sides agree.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { wasmBytes, type WasmVariant } from '../src/engine/wasm-source.js';

const SOURCE = fileURLToPath(new URL('../src/engine/wasm.ts', import.meta.url));
// what AssemblyScript adds for optional parameters; @assemblyscript/loader sets it on each call
const RUNTIME_EXPORTS = new Set(['__setArgumentsLength']);

/** name -> parameter count (methods) or null (properties), from `interface Kernels`. */
function declaredBindings(): Map<string, number | null> {
  const file = ts.createSourceFile(SOURCE, readFileSync(SOURCE, 'utf8'), ts.ScriptTarget.ES2022, true);
  const out = new Map<string, number | null>();
  let found = false;
  file.forEachChild((node) => {
    if (!ts.isInterfaceDeclaration(node) || node.name.text !== 'Kernels') return;
    found = true;
    for (const m of node.members) {
      const name = m.name && ts.isIdentifier(m.name) ? m.name.text : undefined;
      if (!name) throw new Error(`Kernels: a member without a plain name at ${m.pos}`);
      if (ts.isMethodSignature(m)) out.set(name, m.parameters.length);
      else if (ts.isPropertySignature(m)) out.set(name, null);
      else throw new Error(`Kernels.${name}: expected a method or a property`);
    }
  });
  if (!found) throw new Error('interface Kernels not found in src/engine/wasm.ts');
  return out;
}

async function instantiate(variant: WasmVariant): Promise<{ module: WebAssembly.Module; exports: WebAssembly.Exports }> {
  const module = await WebAssembly.compile(await wasmBytes(variant));
  const env: Record<string, unknown> = { abort: () => { throw new Error('abort'); } };
  if (variant === 'simd-mt') env.memory = new WebAssembly.Memory({ initial: 16, maximum: 32768, shared: true });
  const { exports } = await WebAssembly.instantiate(module, { env: env as WebAssembly.ModuleImports });
  return { module, exports };
}

describe('Kernels (src/engine/wasm.ts) matches the module exports', () => {
  const declared = declaredBindings();

  it('declares the kernels (a sanity check on the parser)', () => {
    expect(declared.get('gemm')).toBe(9);
    expect(declared.get('actForward')).toBe(5);
    expect(declared.get('memory')).toBeNull();
    expect(declared.size).toBeGreaterThan(40);
  });

  for (const variant of ['simd', 'scalar', 'simd-mt'] as const) {
    it(`${variant}: every declared binding exists with its arity, and nothing else is exported`, async () => {
      const { module, exports } = await instantiate(variant);
      const kinds = new Map(WebAssembly.Module.exports(module).map((e) => [e.name, e.kind]));
      for (const [name, arity] of declared) {
        if (arity === null) {
          expect(kinds.get(name), `${variant}: ${name}`).toBe('memory');
        } else {
          expect(kinds.get(name), `${variant}: ${name} is not exported as a function`).toBe('function');
          expect((exports[name] as (...a: unknown[]) => unknown).length, `${variant}: ${name}'s parameters`).toBe(arity);
        }
      }
      const undeclared = [...kinds.keys()].filter((n) => !declared.has(n) && !RUNTIME_EXPORTS.has(n));
      expect(undeclared, `${variant}: exported but not in Kernels`).toEqual([]);
    });
  }
});
