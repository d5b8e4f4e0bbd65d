// The records the engine writes (src/engine/layout.ts) against the AssemblyScript classes the module
// reads them as (assembly/state.ts): a probe module that imports those classes and exports
// offsetof<T>("field") for every field the engine writes, and offsetof<T>() for each size, is
// compiled with asc and compared. A field the engine names that the class lacks fails to compile.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { STRUCTS } from '../src/engine/layout.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'fclab-layout-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function probe(): Record<string, number> {
  const lines = [`import { ${STRUCTS.map((s) => s.name).join(', ')} } from ${JSON.stringify(relative(dir, join(root, 'assembly/state')).replace(/\\/g, '/'))};`]; // asc resolves relative paths only
  for (const s of STRUCTS) {
    lines.push(`export const ${s.name}__size: i32 = offsetof<${s.name}>();`);
    for (const f of Object.keys(s.fields)) lines.push(`export const ${s.name}_${f}: i32 = offsetof<${s.name}>(${JSON.stringify(f)});`);
  }
  const src = join(dir, 'probe.ts');
  writeFileSync(src, lines.join('\n') + '\n');
  const out = join(dir, 'probe.wasm');
  execFileSync(process.execPath, [join(root, 'node_modules/assemblyscript/bin/asc.js'), src, '-o', out, '--runtime', 'stub', '--config', 'none'], { cwd: dir, stdio: 'pipe' });
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(out)), { env: { abort() {} } });
  const values: Record<string, number> = {};
  for (const [name, g] of Object.entries(exports)) if (g instanceof WebAssembly.Global) values[name] = g.value as number;
  return values;
}

describe('record layouts (src/engine/layout.ts vs assembly/state.ts)', () => {
  const asc = probe();
  for (const s of STRUCTS) {
    it(`${s.name}: every field at the class's offset, and the same size`, () => {
      const expected: Record<string, number> = { [`${s.name}__size`]: asc[`${s.name}__size`] };
      const actual: Record<string, number> = { [`${s.name}__size`]: s.size };
      for (const [f, { offset }] of Object.entries(s.fields)) {
        expected[`${s.name}_${f}`] = asc[`${s.name}_${f}`];
        actual[`${s.name}_${f}`] = offset;
      }
      expect(Object.values(expected).every((v) => typeof v === 'number')).toBe(true);
      expect(actual).toEqual(expected);
    });
  }
});
