// Property-based tests (fast-check): thousands of random and mutated inputs to every parser of
// user input. The property is always the same: a clear, typed error or a valid result, never an
// uncaught exception of another kind (TypeError, RangeError, ...).
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, CONFIG_KEYS, parseSetArg, resolveConfig, validateConfig } from '../src/config/resolve.js';
import { parseJsonText } from '../src/config/json-text.js';
import { NpyError, encodeNpy, parseNpy } from '../src/io/npy.js';
import { decodeCheckpoint, encodeCheckpoint } from '../src/run/checkpoint.js';
import { runExperiment } from '../src/run/loop.js';
import type { Config } from '../src/config/schema.js';
import { PRESETS } from '../src/config/presets.js';

const FIX = join(import.meta.dirname, 'fixtures');
// fixed seed: a failure is reproducible; fast-check prints the counterexample
const params = (numRuns: number) => ({ numRuns, seed: 20240603 });

/** Calls fn; returns 'ok' or the error's class name if it is one of the expected ones, else throws. */
function outcome(fn: () => unknown, ...allowed: Array<new (...a: never[]) => Error>): string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (allowed.some((C) => e instanceof C)) {
      expect((e as Error).message.length).toBeGreaterThan(10);
      expect((e as Error).message).not.toMatch(/\[object Object\]|undefined is not|Cannot read prop/);
      return (e as Error).name;
    }
    throw e;
  }
}

const base = resolveConfig();
// every kind's preset: the union on task is fuzzed from each of its members
const bases = PRESETS.map((p) => resolveConfig({ preset: p.name }));

/** Any JSON-like value, including the awkward ones (NaN, -0, huge numbers, deep nesting). */
const anyValue = fc.oneof(
  fc.constantFrom(0, -0, -1, 1, 2, 0.5, 1e-300, 1e300, NaN, Infinity, -Infinity, 2 ** 32, 2 ** 53, true, false, null, '', 'auto', 'relu', 'sgd', 'sphere'),
  fc.double(),
  fc.integer(),
  fc.string(),
  fc.jsonValue({ maxDepth: 3 }),
);

/** A valid config (of any kind) with one to four leaves replaced (by random values or random keys). */
const mutatedConfig = fc
  .tuple(
    fc.constantFrom(...bases),
    fc.array(fc.tuple(fc.oneof(fc.constantFrom(...CONFIG_KEYS), fc.string(), fc.constantFrom('task', 'data', 'model', 'train', 'engine', 'mnist', 'distill', '__proto__', 'constructor')), anyValue), { minLength: 1, maxLength: 4 }),
  )
  .map(([start, edits]) => {
    const c = structuredClone(start) as unknown as Record<string, unknown>;
    for (const [key, value] of edits) {
      const parts = key.split('.');
      let node = c as Record<string, unknown>;
      for (const p of parts.slice(0, -1)) {
        if (node[p] === null || typeof node[p] !== 'object') node[p] = {};
        node = node[p] as Record<string, unknown>;
      }
      Object.defineProperty(node, parts[parts.length - 1], { value, enumerable: true, configurable: true, writable: true });
    }
    return c;
  });

describe('config validator', () => {
  it('mutated configs: a ConfigError naming the key, or a valid config (3000 cases)', () => {
    let rejected = 0;
    fc.assert(
      fc.property(mutatedConfig, (c) => {
        const r = outcome(() => validateConfig(c), ConfigError);
        if (r === 'ok') {
          // whatever passes really is valid: the checks behind the schema hold
          const v = validateConfig(c) as Config;
          if (v.task !== 'mnist') expect(v.data.coreDim + v.data.bgDim).toBeLessThanOrEqual(v.data.inputDim);
          if (v.task !== 'theorem') expect(v.train.batchSize).toBeLessThanOrEqual(v.data.n);
          expect(v.train.lr).toBeGreaterThan(0);
        } else rejected++;
      }),
      params(3000),
    );
    expect(rejected).toBeGreaterThan(1000);
  });

  it('resolveConfig from random partial configs and --set values (3000 cases)', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.jsonValue({ maxDepth: 3 }), mutatedConfig),
        fc.dictionary(fc.oneof(fc.constantFrom(...CONFIG_KEYS), fc.string()), fc.oneof(fc.string(), fc.double(), fc.boolean()), { maxKeys: 3 }),
        (config, set) => {
          outcome(() => resolveConfig({ config, set }), ConfigError);
        },
      ),
      params(3000),
    );
  });

  it('--set arguments: key=value or a message saying so (3000 cases)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.constantFrom(...CONFIG_KEYS).chain((k) => fc.string().map((v) => `${k}=${v}`))), (arg) => {
        const r = outcome(() => parseSetArg(arg), ConfigError);
        if (r !== 'ok') expect(() => parseSetArg(arg)).toThrow(/expected key=value, e\.g\. train\.iterations=2000/);
      }),
      params(3000),
    );
  });

  it('config file text: JSON, or a message with a line and column inside the text (3000 cases)', () => {
    const valid = JSON.stringify(base, null, 2);
    const mutated = fc
      .tuple(fc.nat(valid.length), fc.nat(8), fc.string({ maxLength: 4 }))
      .map(([at, del, ins]) => valid.slice(0, at) + ins + valid.slice(at + del));
    fc.assert(
      fc.property(fc.oneof(fc.string(), mutated), (text) => {
        try {
          parseJsonText(text, 'cfg.json');
        } catch (e) {
          expect(e).toBeInstanceOf(ConfigError);
          const msg = (e as Error).message;
          const m = /^cfg\.json: not valid JSON at line (\d+), column (\d+): /.exec(msg);
          if (!m) {
            expect(msg).toMatch(/^cfg\.json: not valid JSON: the file is empty/);
            return;
          }
          const lines = text.replace(/^\uFEFF/, '').split('\n');
          expect(Number(m[1])).toBeLessThanOrEqual(lines.length);
          expect(Number(m[2])).toBeLessThanOrEqual(lines[Number(m[1]) - 1].length + 1);
        }
      }),
      params(3000),
    );
  });
});

describe('.npy reader', () => {
  const files: Uint8Array[] = [
    join(FIX, 'toy-default', 'init.fc1.weight.npy'),
    ...['fortran_f8_2x3x4.npy', 'f8_2x3_v2.npy', 'f4_2x3_v3.npy', 'f4_default_scalar.npy'].map((f) => join(FIX, 'npy', f)),
  ].map((f) => new Uint8Array(readFileSync(f)));
  files.push(encodeNpy(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]), encodeNpy(new Float64Array(0), [0, 4], { version: 3 }));

  /** A valid file with bytes flipped, inserted, deleted, or cut short; most land in the header. */
  const mutatedNpy = fc
    .tuple(
      fc.constantFrom(...files.map((_, i) => i)),
      fc.array(fc.tuple(fc.constantFrom('flip', 'insert', 'delete', 'cut'), fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
      fc.boolean(),
    )
    .map(([i, edits, headerOnly]) => {
      let b = Array.from(files[i]);
      for (const [op, pos, byte] of edits) {
        const at = pos % Math.max(1, headerOnly ? Math.min(b.length, 128) : b.length);
        if (op === 'flip') b[at] = byte;
        else if (op === 'insert') b.splice(at, 0, byte);
        else if (op === 'delete') b.splice(at, 1);
        else b = b.slice(0, at);
      }
      return new Uint8Array(b);
    });

  it('random and mutated files: an NpyError naming the file, or an array whose size matches its shape (5000 cases)', () => {
        fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), mutatedNpy), (bytes) => {
        try {
          const a = parseNpy(bytes, 'x.npy');
          expect(a.data.length).toBe(a.shape.reduce((p, d) => p * d, 1));
          expect(['float32', 'float64']).toContain(a.dtype);
        } catch (e) {
          expect(e).toBeInstanceOf(NpyError);
          expect((e as Error).message).toMatch(/^x\.npy: /);
        }
      }),
      params(5000),
    );
  });

  it('headers built from random shapes and dtypes (2000 cases)', () => {
    const header = fc
      .record({
        descr: fc.oneof(fc.constantFrom("'<f4'", "'<f8'", "'>f4'", "'<i4'", "'|b1'", "'<c16'", '[]', "('<f4', (2,))"), fc.string().map((s) => JSON.stringify(s))),
        fortran: fc.constantFrom('True', 'False', '0', 'None'),
        shape: fc.oneof(fc.array(fc.integer({ min: -2, max: 6 }), { maxLength: 4 }).map((s) => (s.length === 1 ? `(${s[0]},)` : `(${s.join(', ')})`)), fc.string()),
      })
      .map(({ descr, fortran, shape }) => `{'descr': ${descr}, 'fortran_order': ${fortran}, 'shape': ${shape}, }`);
    fc.assert(
      fc.property(header, fc.nat(200), (h, dataLen) => {
        const text = new TextEncoder().encode(h + ' '.repeat(63 - ((h.length + 10) % 64)) + '\n');
        const bytes = new Uint8Array(10 + text.length + dataLen);
        bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
        new DataView(bytes.buffer).setUint16(8, text.length, true);
        bytes.set(text, 10);
        outcome(() => parseNpy(bytes, 'h.npy'), NpyError);
      }),
      params(2000),
    );
  });
});

describe('checkpoint reader', () => {
  it('mutated checkpoints: "not a valid fclab checkpoint" or a decoded checkpoint (1500 cases)', async () => {
    const set = { 'data.n': 20, 'model.hidden': 8, 'train.iterations': 6, 'train.evalEvery': 2, 'train.checkpointEvery': 4 };
    let good: Uint8Array | undefined;
    await runExperiment({ set, onCheckpoint: (cp) => void (good = encodeCheckpoint(cp)) });
    const valid = good!;
    const headerEnd = 12 + new DataView(valid.buffer, valid.byteOffset).getUint32(8, true);
    const mutated = fc
      .tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('flip', 'cut', 'append'), fc.boolean())
      .map(([pos, byte, op, inHeader]) => {
        const b = valid.slice();
        const at = pos % (inHeader ? headerEnd : b.length);
        if (op === 'flip') {
          b[at] = byte;
          return b;
        }
        return op === 'cut' ? b.slice(0, at) : Uint8Array.from([...b, byte]);
      });
    fc.assert(
      fc.property(fc.oneof(mutated, fc.uint8Array({ maxLength: 64 })), (bytes) => {
        try {
          decodeCheckpoint(bytes, 'cp.fclab');
        } catch (e) {
          expect((e as Error).message).toMatch(/^cp\.fclab: not a valid fclab checkpoint \(/);
          expect(e).not.toBeInstanceOf(TypeError);
          expect(e).not.toBeInstanceOf(RangeError);
        }
      }),
      params(1500),
    );
  });
});
