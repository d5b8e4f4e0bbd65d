import { describe, it, expect } from 'vitest';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeNpy, parseNpy, NpyError, type NpyArray } from '../src/io/npy.js';
import { readNpy, writeNpyAtomic } from '../src/node/npy.js';
import { writeFileAtomic } from '../src/node/atomic.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const FIX = join(HERE, 'fixtures', 'npy');
const TOY = join(HERE, 'fixtures', 'toy-default');

const fixture = async (name: string): Promise<Uint8Array> => new Uint8Array(await readFile(join(FIX, name)));
const toyFixture = async (name: string): Promise<Uint8Array> => new Uint8Array(await readFile(join(TOY, name)));

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;

/** Same formula as make_fixtures.py's grid(): (i - 2.5) / 4. */
function grid(n: number, C: Ctor): Float32Array | Float64Array {
  return fill(n, C, (i) => (i - 2.5) / 4);
}

function fill(n: number, C: Ctor, f: (i: number) => number): Float32Array | Float64Array {
  const a = new C(n);
  for (let i = 0; i < n; i++) a[i] = f(i);
  return a;
}

/** Fast equality for large buffers (toEqual on MBs of bytes is very slow). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function bytesOf(a: Float32Array | Float64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Builds a .npy file around an arbitrary header text, padded like numpy. */
function rawNpy(header: string, data: Uint8Array = new Uint8Array(0), version: [number, number] = [1, 0]): Uint8Array {
  const h = new TextEncoder().encode(header);
  const lenSize = version[0] === 1 ? 2 : 4;
  const hlen = h.length + 1;
  const pad = 64 - ((8 + lenSize + hlen) % 64);
  const total = 8 + lenSize + hlen + pad;
  const out = new Uint8Array(total + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version[0], version[1]]);
  const dv = new DataView(out.buffer);
  if (lenSize === 2) dv.setUint16(8, hlen + pad, true);
  else dv.setUint32(8, hlen + pad, true);
  out.set(h, 8 + lenSize);
  out.fill(0x20, 8 + lenSize + h.length, total - 1);
  out[total - 1] = 0x0a;
  out.set(data, total);
  return out;
}

const f4Header = (shape: string, extra = ''): string => `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, ${extra}}`;

function npyError(fn: () => unknown): NpyError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(NpyError);
    return e as NpyError;
  }
  throw new Error('expected an NpyError, nothing was thrown');
}

function expectSame(a: NpyArray, dtype: string, shape: number[], data: Float32Array | Float64Array): void {
  expect(a.dtype).toBe(dtype);
  expect(a.shape).toEqual(shape);
  expect(a.data).toBeInstanceOf(dtype === 'float32' ? Float32Array : Float64Array);
  // Byte comparison: distinguishes -0 from 0 and checks NaN payloads.
  expect(bytesOf(a.data)).toEqual(bytesOf(data));
}

describe('encodeNpy / parseNpy round trip', () => {
  const shapes: number[][] = [[], [5], [3, 4], [2, 3, 4], [0, 3]];
  for (const [dtype, C] of [
    ['float32', Float32Array],
    ['float64', Float64Array],
  ] as const) {
    for (const shape of shapes) {
      for (const version of [undefined, 1, 2, 3] as const) {
        it(`${dtype} shape [${shape}] version ${version ?? 'default'}`, () => {
          const n = shape.reduce((a, b) => a * b, 1);
          const data = fill(n, C, (i) => Math.sin(i + 1) * 1e3);
          const bytes = encodeNpy(data, shape, version ? { version } : undefined);
          const back = parseNpy(bytes);
          expectSame(back, dtype, shape, data);
          expect(back.version).toEqual([version ?? 1, 0]);
          // Data starts on a 64-byte boundary, as numpy writes it.
          expect((bytes.length - data.byteLength) % 64).toBe(0);
          expect(bytes[bytes.length - data.byteLength - 1]).toBe(0x0a);
        });
      }
    }
  }

  it('round trips special values bit-exactly', () => {
    const f = new Float32Array([NaN, Infinity, -Infinity, -0, 1, 1e-45, 3.4028234663852886e38]);
    const u = new Uint32Array(f.buffer);
    u[0] = 0x7fc00123; // NaN with a payload
    expectSame(parseNpy(encodeNpy(f, [7])), 'float32', [7], f);
  });

  it('encodes from a typed-array view with an offset', () => {
    const big = new Float64Array(10).map((_, i) => i);
    const view = big.subarray(3, 9);
    expectSame(parseNpy(encodeNpy(view, [2, 3])), 'float64', [2, 3], new Float64Array([3, 4, 5, 6, 7, 8]));
  });
});

describe('byte-identical to numpy (fixtures from make_fixtures.py)', () => {
  const cases: [string, Ctor, number[], (1 | 2 | 3)?][] = [
    ['f4_2x3_v1.npy', Float32Array, [2, 3], 1],
    ['f4_2x3_v2.npy', Float32Array, [2, 3], 2],
    ['f4_2x3_v3.npy', Float32Array, [2, 3], 3],
    ['f8_2x3_v1.npy', Float64Array, [2, 3], 1],
    ['f8_2x3_v2.npy', Float64Array, [2, 3], 2],
    ['f8_2x3_v3.npy', Float64Array, [2, 3], 3],
    ['f4_default_2x3x4.npy', Float32Array, [2, 3, 4]],
    ['f8_default_2x3x4.npy', Float64Array, [2, 3, 4]],
    ['f4_default_5.npy', Float32Array, [5]],
    ['f8_default_5.npy', Float64Array, [5]],
    ['f4_default_0x3.npy', Float32Array, [0, 3]],
    ['f8_default_0x3.npy', Float64Array, [0, 3]],
  ];
  for (const [name, C, shape, version] of cases) {
    it(name, async () => {
      const file = await fixture(name);
      const n = shape.reduce((a, b) => a * b, 1);
      const data = grid(n, C);
      const dtype = C === Float32Array ? 'float32' : 'float64';
      const parsed = parseNpy(file, name);
      expectSame(parsed, dtype, shape, data);
      expect(parsed.version).toEqual([version ?? 1, 0]);
      expect(encodeNpy(data, shape, version ? { version } : undefined)).toEqual(file);
    });
  }

  it('0-d arrays', async () => {
    for (const [name, C] of [
      ['f4_default_scalar.npy', Float32Array],
      ['f8_default_scalar.npy', Float64Array],
    ] as const) {
      const file = await fixture(name);
      const parsed = parseNpy(file, name);
      expect(parsed.shape).toEqual([]);
      expect(Array.from(parsed.data)).toEqual([1.5]);
      expect(encodeNpy(new C([1.5]), [])).toEqual(file);
    }
  });

  it('special values (NaN, inf, -0, subnormal, max)', async () => {
    const f4 = await fixture('f4_default_special.npy');
    const p4 = parseNpy(f4);
    expect(Array.from(p4.data)).toEqual([NaN, Infinity, -Infinity, -0, 1, 1.401298464324817e-45, 3.4028234663852886e38, -2]);
    expect(Object.is(p4.data[3], -0)).toBe(true);
    expect(encodeNpy(p4.data, p4.shape)).toEqual(f4);
    const f8 = await fixture('f8_default_special.npy');
    const p8 = parseNpy(f8);
    expect(Array.from(p8.data)).toEqual([NaN, Infinity, -Infinity, -0, 1, 5e-324, Number.MAX_VALUE, -2]);
    expect(encodeNpy(new Float64Array([NaN, Infinity, -Infinity, -0, 1, 5e-324, Number.MAX_VALUE, -2]), [8])).toEqual(f8);
  });

  it('32-d array whose header spills past 128 bytes', async () => {
    const file = await fixture('f4_default_ndim32.npy');
    const shape = new Array(32).fill(1);
    expectSame(parseNpy(file), 'float32', shape, new Float32Array([7]));
    expect(encodeNpy(new Float32Array([7]), shape)).toEqual(file);
  });

  it('header text matches np.save exactly', () => {
    const bytes = encodeNpy(new Float32Array(1000 * 256), [1000, 256]);
    const header = new TextDecoder().decode(bytes.subarray(10, 128));
    expect(bytes.subarray(0, 10)).toEqual(new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 118, 0]));
    expect(header).toBe("{'descr': '<f4', 'fortran_order': False, 'shape': (1000, 256), }" + ' '.repeat(53) + '\n');
    expect(bytes.length).toBe(128 + 1000 * 256 * 4);
  });
});

describe('reference fixtures (trainer output, float32 v1.0)', () => {
  it('init.fc1.weight.npy: (1, 256)', async () => {
    const file = await toyFixture('init.fc1.weight.npy');
    const a = parseNpy(file, 'init.fc1.weight.npy');
    expect(a.dtype).toBe('float32');
    expect(a.shape).toEqual([1, 256]);
    expect(a.version).toEqual([1, 0]);
    // Values as printed by numpy.
    expect(a.data[0]).toBe(Math.fround(0.029449976980686188));
    expect(a.data[1]).toBe(Math.fround(0.04780077189207077));
    expect(a.data[255]).toBe(Math.fround(-0.034344449639320374));
    expect(Array.from(a.data).reduce((s, x) => s + x, 0)).toBeCloseTo(0.9753193706274033, 5);
    expect(encodeNpy(a.data, a.shape)).toEqual(file);
  });

  it('y.npy: (1000,)', async () => {
    const file = await toyFixture('y.npy');
    const a = await readNpy(join(TOY, 'y.npy'));
    expect(a.shape).toEqual([1000]);
    expect(a.dtype).toBe('float32');
    expect(a.data.filter((x) => x === 1).length).toBe(500);
    expect(a.data.filter((x) => x === -1).length).toBe(500);
    expect(encodeNpy(a.data, a.shape)).toEqual(file);
  });

  const toyFiles = readdirSync(TOY).filter((f) => f.endsWith('.npy'));
  it('tests/fixtures/toy-default/*.npy parse and re-encode identically', async () => {
    expect(toyFiles.length).toBe(16);
    for (const name of toyFiles) {
      const file = new Uint8Array(await readFile(join(TOY, name)));
      const a = parseNpy(file, name);
      // The reference transform.npy is Fortran order (numpy wrote V.T); it comes back in C order.
      if (new TextDecoder().decode(file.subarray(0, 128)).includes("'fortran_order': True")) continue;
      expect(sameBytes(encodeNpy(a.data, a.shape), file), name).toBe(true);
    }
  });
});

describe('header parsing', () => {
  it('parses v1, v2 and v3 headers', () => {
    const data = bytesOf(new Float32Array([1, 2]));
    for (const v of [1, 2, 3]) {
      const a = parseNpy(rawNpy(f4Header('(2,)'), data, [v, 0]));
      expect(a.version).toEqual([v, 0]);
      expect(Array.from(a.data)).toEqual([1, 2]);
    }
  });

  it('tolerates whitespace, key order, double quotes, no trailing comma, no newline', () => {
    const data = bytesOf(new Float64Array(6).fill(2));
    const headers = [
      `{"shape":(2,3),"fortran_order":False,"descr":"<f8"}`,
      `{ 'fortran_order' : False ,\n 'shape' : ( 2 , 3 , ) ,\t'descr' : '<f8' }`,
      `{'descr':'<f8','fortran_order':False,'shape':(2,3)}`,
    ];
    for (const h of headers) {
      expect(parseNpy(rawNpy(h, data)).shape).toEqual([2, 3]);
    }
    // No trailing newline/padding at all.
    const h = new TextEncoder().encode(`{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3)}`);
    const bytes = new Uint8Array(10 + h.length + 48);
    bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, h.length, 0]);
    bytes.set(h, 10);
    bytes.set(data, 10 + h.length);
    expect(Array.from(parseNpy(bytes).data)).toEqual([2, 2, 2, 2, 2, 2]);
  });

  it('parses shapes (), (5,), (2, 3) and Python 2 long suffixes in v1', () => {
    expect(parseNpy(rawNpy(f4Header('()'), bytesOf(new Float32Array([3])))).shape).toEqual([]);
    expect(parseNpy(rawNpy(f4Header('(5,)'), bytesOf(new Float32Array(5)))).shape).toEqual([5]);
    expect(parseNpy(rawNpy(f4Header('(2L, 3L)'), bytesOf(new Float32Array(6)))).shape).toEqual([2, 3]);
  });

  it('copies into a fresh aligned buffer even from an odd offset', () => {
    const src = encodeNpy(new Float64Array([1.25, -2.5, 3]), [3]);
    const padded = new Uint8Array(src.length + 1);
    padded.set(src, 1);
    const view = padded.subarray(1); // data offset is now odd: Float64Array cannot view it
    const a = parseNpy(view);
    expect(Array.from(a.data)).toEqual([1.25, -2.5, 3]);
    expect(a.data.byteOffset).toBe(0);
    expect(a.data.buffer).not.toBe(padded.buffer);
    expect(a.data.buffer.byteLength).toBe(24);
    view.fill(0); // the result must not alias the input
    expect(Array.from(a.data)).toEqual([1.25, -2.5, 3]);
  });

  it('v1/v2 headers are latin1, not windows-1252', () => {
    // 0x80 is U+0080 in latin1 but '€' in windows-1252; it shows up in the error.
    const bytes = rawNpy(`{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }`, bytesOf(new Float32Array(1)));
    bytes[10 + 13] = 0x80; // '<f4' -> '<f\x80'
    expect(npyError(() => parseNpy(bytes)).message).toContain("'<f\u0080'");
  });
});

describe('parse errors', () => {
  const f4x6 = bytesOf(new Float32Array(6));

  it('big-endian file from numpy', async () => {
    const file = await fixture('bad_big_endian_f4.npy');
    expect(npyError(() => parseNpy(file, 'weights.npy')).message).toContain(
      "weights.npy: dtype '>f4' is not supported; expected little-endian float32 ('<f4') or float64 ('<f8')",
    );
    expect(npyError(() => parseNpy(file, 'weights.npy')).message).toContain("a.astype('<f4')");
  });

  it('fortran-order files from numpy come back in C order', async () => {
    const a = parseNpy(await fixture('fortran_f4_2x3.npy'), 'w.npy');
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.data)).toEqual([0, 1, 2, 3, 4, 5].map((i) => (i - 2.5) / 4));
    const b = parseNpy(await fixture('fortran_f8_2x3x4.npy'), 'w.npy');
    expect(b.shape).toEqual([2, 3, 4]);
    expect(b.data).toBeInstanceOf(Float64Array);
    expect(Array.from(b.data)).toEqual(Array.from({ length: 24 }, (_, i) => (i - 2.5) / 4));
  });

  it('int32 file from numpy', async () => {
    const file = await fixture('bad_int32.npy');
    const msg = npyError(() => parseNpy(file, 'labels.npy')).message;
    expect(msg).toContain("labels.npy: dtype '<i4' is not supported; expected little-endian float32 ('<f4') or float64 ('<f8')");
    expect(msg).toContain('int32');
  });

  it('other dtypes and byte orders', () => {
    for (const [descr, hint] of [
      ["'=f4'", "byte order '='"],
      ["'|f8'", "byte order '|'"],
      ["'f4'", "byte order ''"],
      ["'<f2'", 'float16'],
      ["'>f8'", "a.astype('<f8')"],
      ["'<u1'", 'uint8'],
      ["[('a', '<f4')]", 'structured'],
      ["'float32'", ''],
    ]) {
      const msg = npyError(() => parseNpy(rawNpy(`{'descr': ${descr}, 'fortran_order': False, 'shape': (6,), }`, f4x6), 'a.npy')).message;
      expect(msg).toContain(`a.npy: dtype ${descr} is not supported; expected little-endian float32 ('<f4') or float64 ('<f8')`);
      expect(msg).toContain(hint);
    }
  });

  it('fortran_order that is not a bool', () => {
    const msg = npyError(() => parseNpy(rawNpy(`{'descr': '<f4', 'fortran_order': 0, 'shape': (6,), }`, f4x6), 'a.npy')).message;
    expect(msg).toContain('a.npy: fortran_order is 0; expected True or False');
  });

  it('bad magic, with a hint for .npz archives', () => {
    const txt = new TextEncoder().encode('hello world, not numpy');
    expect(npyError(() => parseNpy(txt, 'data.npy')).message).toBe(
      "data.npy: not a .npy file: expected magic '\\x93NUMPY', found 'hello '",
    );
    const zip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0, 0, 0, 0, 0]);
    const msg = npyError(() => parseNpy(zip, 'data.npz')).message;
    expect(msg).toContain("found 'PK\\x03\\x04\\x00\\x00'");
    expect(msg).toContain('.npz');
  });

  it('file shorter than the magic', () => {
    expect(npyError(() => parseNpy(new Uint8Array([0x93, 0x4e, 0x55]), 'x.npy')).message).toContain(
      'x.npy: file is truncated: only 3 bytes',
    );
    expect(npyError(() => parseNpy(new Uint8Array(0), 'x.npy')).message).toContain('x.npy: file is truncated: only 0 bytes');
  });

  it('unsupported versions', () => {
    for (const [maj, min] of [
      [4, 0],
      [1, 1],
      [0, 0],
    ]) {
      const bytes = rawNpy(f4Header('(6,)'), f4x6);
      bytes[6] = maj!;
      bytes[7] = min!;
      expect(npyError(() => parseNpy(bytes, 'v.npy')).message).toBe(
        `v.npy: format version ${maj}.${min} is not supported; expected 1.0, 2.0 or 3.0`,
      );
    }
  });

  it('truncated header', () => {
    const bytes = rawNpy(f4Header('(6,)'), f4x6).subarray(0, 50);
    expect(npyError(() => parseNpy(bytes, 't.npy')).message).toBe(
      't.npy: header is truncated: header length field says 118 bytes, found 40',
    );
    expect(npyError(() => parseNpy(bytes.subarray(0, 9), 't.npy')).message).toContain('t.npy: file is truncated: header length field missing');
  });

  it('truncated data names expected and found byte counts', () => {
    const bytes = rawNpy(f4Header('(1000, 256)'), new Uint8Array(12));
    expect(npyError(() => parseNpy(bytes, 'weights.npy')).message).toBe(
      'weights.npy: data is truncated: expected 1024000 bytes of data for shape (1000, 256) float32, found 12',
    );
    const f8 = encodeNpy(new Float64Array(5), [5]);
    expect(npyError(() => parseNpy(f8.subarray(0, f8.length - 1), 'b.npy')).message).toBe(
      'b.npy: data is truncated: expected 40 bytes of data for shape (5,) float64, found 39',
    );
  });

  it('trailing bytes after the data', () => {
    const bytes = rawNpy(f4Header('(5,)'), new Uint8Array(24));
    const msg = npyError(() => parseNpy(bytes, 'x.npy')).message;
    expect(msg).toContain('x.npy: expected 20 bytes of data for shape (5,) float32, found 24');
    expect(msg).toContain('4 extra bytes');
  });

  it('header that is not a dict', () => {
    for (const [h, shown] of [
      ["[('descr', '<f4')]", "[('descr', '<f4')]"],
      ["'hello'", "'hello'"],
      ['(1, 2)', '(1, 2)'],
      ['42', '42'],
    ]) {
      expect(npyError(() => parseNpy(rawNpy(h!), 'h.npy')).message).toContain(`h.npy: header is not a dict: found ${shown}`);
    }
  });

  it('header that is not a valid literal', () => {
    for (const h of [
      "{'descr': '<f4', 'fortran_order': False, 'shape': (6,)",
      "{'descr': '<f4' 'fortran_order': False}",
      "{'descr': <f4}",
      "{'descr': '<f4', 'fortran_order': false, 'shape': (6,)}",
      "{'descr': '<f4'} extra",
      "{'descr: '<f4'}",
      '',
    ]) {
      const msg = npyError(() => parseNpy(rawNpy(h), 'h.npy')).message;
      expect(msg).toContain('h.npy: header is not a valid Python dict literal');
      expect(msg).toMatch(/at offset \d+, found /);
    }
    // Deep nesting is rejected, not a stack overflow: within NumPy's header limit by the parser's
    // depth limit, beyond it by the limit itself (NumPy's max_header_size)
    const deep = (k: number) => '('.repeat(k) + ')'.repeat(k);
    expect(npyError(() => parseNpy(rawNpy(deep(4000), undefined, [2, 0]))).message).toContain('nesting too deep');
    expect(npyError(() => parseNpy(rawNpy(deep(100000), undefined, [2, 0]))).message).toContain('NumPy refuses headers over 10000 bytes');
  });

  it('Python 2 long suffix is not accepted in v3', () => {
    const msg = npyError(() => parseNpy(rawNpy(f4Header('(6L,)'), f4x6, [3, 0]), 'h.npy')).message;
    expect(msg).toContain('header is not a valid Python dict literal');
  });

  it('invalid UTF-8 in a v3 header', () => {
    const bytes = rawNpy(f4Header('(6,)'), f4x6, [3, 0]);
    bytes[12 + 2] = 0xff;
    expect(npyError(() => parseNpy(bytes, 'u.npy')).message).toBe('u.npy: header is not valid UTF-8 (required by format version 3.0)');
  });

  it('missing, extra, duplicate and non-string keys', () => {
    const m1 = npyError(() => parseNpy(rawNpy(`{'descr': '<f4', 'shape': (6,)}`, f4x6), 'k.npy')).message;
    expect(m1).toBe("k.npy: header keys are wrong (missing 'fortran_order'); expected exactly 'descr', 'fortran_order', 'shape'");
    const m2 = npyError(() => parseNpy(rawNpy(f4Header('(6,)', "'extra': 1, "), f4x6), 'k.npy')).message;
    expect(m2).toContain("unexpected 'extra'");
    const m3 = npyError(() => parseNpy(rawNpy(f4Header('(6,)', "'shape': (6,), "), f4x6), 'k.npy')).message;
    expect(m3).toBe("k.npy: header has duplicate key 'shape'");
    const m4 = npyError(() => parseNpy(rawNpy(f4Header('(6,)', '1: 2, '), f4x6), 'k.npy')).message;
    expect(m4).toContain('k.npy: header key 1 is not a string');
  });

  it('invalid shapes', () => {
    for (const [shape, detail] of [
      ['(-1, 6)', 'entry -1 is negative'],
      ['(2.5, 2)', 'entry 2.5 is not an integer'],
      ["('6',)", "entry '6' is not an integer"],
      ['(None,)', 'entry None is not an integer'],
      ['(True,)', 'entry True is not an integer'],
      ['[2, 3]', 'it is a list'],
      ['6', 'it is not a tuple'],
      ['(6)', 'it is not a tuple'],
    ]) {
      const msg = npyError(() => parseNpy(rawNpy(f4Header(shape!), f4x6), 's.npy')).message;
      expect(msg).toContain(`s.npy: shape `);
      expect(msg).toContain(`is not valid (${detail}); expected a tuple of non-negative integers`);
    }
  });

  it('huge shapes do not overflow into a false match', () => {
    expect(npyError(() => parseNpy(rawNpy(f4Header('(4294967296, 4294967296)')), 'big.npy')).message).toBe(
      'big.npy: data is truncated: expected 73786976294838206464 bytes of data for shape (4294967296, 4294967296) float32, found 0',
    );
    expect(npyError(() => parseNpy(rawNpy(f4Header('(99999999999999999999999, 0)')), 'big.npy')).message).toContain(
      'entry 99999999999999999999999 is too large',
    );
  });

  it('errors without a source still say what failed', () => {
    expect(npyError(() => parseNpy(new TextEncoder().encode('garbage!!'))).message).toMatch(/^\.npy data: not a \.npy file/);
  });
});

describe('encode errors and version selection', () => {
  it('shape / data length mismatch', () => {
    expect(npyError(() => encodeNpy(new Float32Array(10), [3, 4])).message).toBe(
      'encodeNpy: shape (3, 4) holds 12 elements but data has 10 (float32)',
    );
    expect(npyError(() => encodeNpy(new Float64Array(2), [])).message).toBe(
      'encodeNpy: shape () holds 1 elements but data has 2 (float64)',
    );
  });

  it('invalid shape entries', () => {
    expect(npyError(() => encodeNpy(new Float32Array(0), [-1, 0])).message).toContain('invalid entry -1');
    expect(npyError(() => encodeNpy(new Float32Array(2), [2.5])).message).toContain('invalid entry 2.5');
    expect(npyError(() => encodeNpy(new Float32Array(1), [NaN])).message).toContain('invalid entry NaN');
  });

  it('non-float data and bad version', () => {
    expect(npyError(() => encodeNpy(new Int32Array(2) as unknown as Float32Array, [2])).message).toContain('Int32Array');
    expect(npyError(() => encodeNpy(new Float32Array(2), [2], { version: 4 as 1 })).message).toContain('format version 4');
  });

  it('switches to v2 when the header does not fit v1, like numpy', () => {
    const shape = new Array(22000).fill(1); // header ~66 KB > 65535
    const bytes = encodeNpy(new Float32Array([5]), shape);
    expect(bytes[6]).toBe(2);
    expect(bytes.length % 64).toBe(4);
    // NumPy writes such a file but np.load refuses it by default (max_header_size = 10000): so does fclab
    expect(npyError(() => parseNpy(bytes)).message).toContain('NumPy refuses headers over 10000 bytes');
    expect(npyError(() => encodeNpy(new Float32Array([5]), shape, { version: 1 })).message).toContain(
      'too long for format version 1.0',
    );
    // Just below the limit stays v1.
    expect(encodeNpy(new Float32Array([5]), new Array(21000).fill(1))[6]).toBe(1);
  });
});

describe('node helpers', () => {
  const withDir = async (fn: (dir: string) => Promise<void>): Promise<void> => {
    const dir = await mkdtemp(join(tmpdir(), 'fclab-npy-'));
    try {
      await fn(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };

  it('readNpy names the missing path', async () => {
    const p = join(tmpdir(), 'fclab-definitely-missing', 'weights.npy');
    await expect(readNpy(p)).rejects.toThrow(NpyError);
    await expect(readNpy(p)).rejects.toThrow(`${p}: no such file`);
  });

  it('readNpy uses the path as error source', async () => {
    await withDir(async (dir) => {
      const p = join(dir, 'junk.npy');
      await writeFile(p, 'not numpy');
      await expect(readNpy(p)).rejects.toThrow(`${p}: not a .npy file`);
      await expect(readNpy(dir)).rejects.toThrow(`${dir}: is a directory`);
    });
  });

  it('writeNpyAtomic writes numpy-identical bytes and leaves no temp file', async () => {
    await withDir(async (dir) => {
      const p = join(dir, 'w.npy');
      await writeNpyAtomic(p, grid(6, Float32Array), [2, 3], { version: 2 });
      expect(new Uint8Array(await readFile(p))).toEqual(await fixture('f4_2x3_v2.npy'));
      await writeNpyAtomic(p, grid(6, Float64Array), [2, 3]); // overwrite
      expect(new Uint8Array(await readFile(p))).toEqual(await fixture('f8_2x3_v1.npy'));
      expect(await readdir(dir)).toEqual(['w.npy']);
      expectSame(await readNpy(p), 'float64', [2, 3], grid(6, Float64Array));
    });
  });

  it('writeNpyAtomic does not touch the old file when encoding fails', async () => {
    await withDir(async (dir) => {
      const p = join(dir, 'w.npy');
      await writeNpyAtomic(p, new Float32Array([1, 2, 3]), [3]);
      const before = await readFile(p);
      await expect(writeNpyAtomic(p, new Float32Array(5), [2, 3])).rejects.toThrow(
        'shape (2, 3) holds 6 elements but data has 5',
      );
      expect(await readFile(p)).toEqual(before);
      expect(await readdir(dir)).toEqual(['w.npy']);
    });
  });

  it('writeFileAtomic removes its temp file when the rename fails', async () => {
    await withDir(async (dir) => {
      const target = join(dir, 'occupied');
      await mkdir(target);
      await writeFile(join(target, 'keep'), 'x'); // a non-empty dir cannot be renamed over
      await expect(writeFileAtomic(target, 'data')).rejects.toThrow();
      expect((await readdir(dir)).sort()).toEqual(['occupied']);
      expect(await readdir(target)).toEqual(['keep']);
    });
  });

  it('writeFileAtomic fails cleanly when the directory does not exist', async () => {
    await withDir(async (dir) => {
      await expect(writeFileAtomic(join(dir, 'nope', 'f.txt'), 'x')).rejects.toThrow(/ENOENT/);
      expect(await readdir(dir)).toEqual([]);
    });
  });

  it.skipIf(process.platform === 'win32')('writeFileAtomic keeps permissions and writes through symlinks', async () => {
    await withDir(async (dir) => {
      const real = join(dir, 'real.txt');
      const link = join(dir, 'link.txt');
      await writeFile(real, 'old');
      await chmod(real, 0o600);
      await symlink(real, link);
      await writeFileAtomic(link, 'new text');
      expect(await readFile(real, 'utf8')).toBe('new text');
      expect((await stat(real)).mode & 0o777).toBe(0o600);
      expect((await readdir(dir)).sort()).toEqual(['link.txt', 'real.txt']);
      await writeFileAtomic(real, new Uint8Array([1, 2]));
      expect(new Uint8Array(await readFile(link))).toEqual(new Uint8Array([1, 2]));
    });
  });
});
