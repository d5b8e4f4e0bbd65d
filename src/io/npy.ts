// Reading and writing NumPy .npy files (format versions 1.0, 2.0, 3.0).
// Isomorphic: only Uint8Array/DataView/TextEncoder/TextDecoder, no Node APIs.
// Spec: numpy/lib/format.py. Only little-endian float32/float64 in C order are
// supported, because that is what the trainer consumes and produces.

import { InputError } from '../engine/errors.js';
export type NpyDtype = 'float32' | 'float64';

export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  data: Float32Array | Float64Array;
  version: [number, number];
}

export class NpyError extends InputError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NpyError';
  }
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const MAGIC_LEN = 8; // magic + major + minor
const ARRAY_ALIGN = 64;
const GROWTH_AXIS_MAX_DIGITS = 21; // numpy pads the header so shape[0] can grow in place
const MAX_NESTING = 64;
/** NumPy's default max_header_size. */
export const MAX_HEADER_BYTES = 10000; // guards the recursive header parser against hostile input

const DESCR: Record<NpyDtype, string> = { float32: '<f4', float64: '<f8' };
const ITEMSIZE: Record<NpyDtype, number> = { float32: 4, float64: 8 };

// Typed arrays use host byte order; .npy data here is little-endian.
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// ---------------------------------------------------------------------------
// Python literal parsing (the header is a Python dict literal, never eval'd).

type PyValue =
  | { t: 'str'; v: string }
  | { t: 'int'; v: bigint }
  | { t: 'float'; text: string }
  | { t: 'bool'; v: boolean }
  | { t: 'none' }
  | { t: 'tuple'; v: PyValue[] }
  | { t: 'list'; v: PyValue[] }
  | { t: 'dict'; v: [PyValue, PyValue][] };

class PySyntaxError extends Error {}

function parsePyLiteral(text: string, allowLongSuffix: boolean): PyValue {
  let pos = 0;

  const skipWs = (): void => {
    while (pos < text.length && /[ \t\r\n\f\v]/.test(text[pos]!)) pos++;
  };
  const fail = (what: string): never => {
    const found = pos < text.length ? `'${text[pos]}'` : 'end of header';
    throw new PySyntaxError(`${what} at offset ${pos}, found ${found}`);
  };
  const eat = (ch: string): boolean => {
    skipWs();
    if (text[pos] === ch) {
      pos++;
      return true;
    }
    return false;
  };

  const parseString = (): PyValue => {
    const quote = text[pos]!;
    pos++;
    let out = '';
    while (pos < text.length && text[pos] !== quote) {
      const c = text[pos]!;
      if (c === '\n') fail('unterminated string');
      if (c === '\\') {
        pos++;
        const e = text[pos];
        if (e === undefined) fail('unterminated string');
        const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', '\\': '\\', "'": "'", '"': '"' };
        if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(pos + 1, pos + 3))) {
          out += String.fromCharCode(parseInt(text.slice(pos + 1, pos + 3), 16));
          pos += 3;
          continue;
        }
        out += simple[e!] ?? '\\' + e;
        pos++;
        continue;
      }
      out += c;
      pos++;
    }
    if (pos >= text.length) fail('unterminated string');
    pos++;
    return { t: 'str', v: out };
  };

  const parseNumber = (): PyValue => {
    const m = /^[+-]?(?:(\d+)(L?)(?![.eEjJ\w])|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?(?![\w.]))/.exec(text.slice(pos));
    if (!m) fail('invalid number');
    const tok = m![0];
    pos += tok.length;
    if (m![1] !== undefined) {
      // Python 2 era numpy wrote longs as e.g. 3L; numpy strips that for v1/v2.
      if (m![2] === 'L' && !allowLongSuffix) {
        pos--;
        fail('invalid number');
      }
      return { t: 'int', v: BigInt(tok.replace(/L$/, '')) };
    }
    return { t: 'float', text: tok };
  };

  const parseSeq = (close: string, depth: number): { items: PyValue[]; trailingComma: boolean } => {
    const items: PyValue[] = [];
    let trailingComma = false;
    if (eat(close)) return { items, trailingComma };
    for (;;) {
      items.push(parseValue(depth + 1));
      if (eat(close)) return { items, trailingComma: false };
      if (!eat(',')) fail(`expected ',' or '${close}'`);
      trailingComma = true;
      if (eat(close)) return { items, trailingComma };
    }
  };

  const parseValue = (depth: number): PyValue => {
    if (depth > MAX_NESTING) fail('nesting too deep');
    skipWs();
    const c = text[pos];
    if (c === undefined) return fail('expected a value');
    if (c === "'" || c === '"') return parseString();
    if (c === '{') {
      pos++;
      const entries: [PyValue, PyValue][] = [];
      if (eat('}')) return { t: 'dict', v: entries };
      for (;;) {
        const k = parseValue(depth + 1);
        if (!eat(':')) fail("expected ':'");
        entries.push([k, parseValue(depth + 1)]);
        if (eat('}')) break;
        if (!eat(',')) fail("expected ',' or '}'");
        if (eat('}')) break;
      }
      return { t: 'dict', v: entries };
    }
    if (c === '(') {
      pos++;
      const { items, trailingComma } = parseSeq(')', depth);
      // Python: "(x)" is just x; a tuple needs a comma or must be empty.
      if (items.length === 1 && !trailingComma) return items[0]!;
      return { t: 'tuple', v: items };
    }
    if (c === '[') {
      pos++;
      return { t: 'list', v: parseSeq(']', depth).items };
    }
    if (/[0-9.+-]/.test(c)) return parseNumber();
    const word = /^[A-Za-z_]\w*/.exec(text.slice(pos))?.[0];
    if (word === 'True' || word === 'False') {
      pos += word.length;
      return { t: 'bool', v: word === 'True' };
    }
    if (word === 'None') {
      pos += word.length;
      return { t: 'none' };
    }
    return fail('expected a value');
  };

  const value = parseValue(0);
  skipWs();
  if (pos < text.length) fail('unexpected text after the value');
  return value;
}

function pyRepr(v: PyValue): string {
  switch (v.t) {
    case 'str':
      return `'${v.v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
    case 'int':
      return v.v.toString();
    case 'float':
      return v.text;
    case 'bool':
      return v.v ? 'True' : 'False';
    case 'none':
      return 'None';
    case 'tuple':
      return v.v.length === 1 ? `(${pyRepr(v.v[0]!)},)` : `(${v.v.map(pyRepr).join(', ')})`;
    case 'list':
      return `[${v.v.map(pyRepr).join(', ')}]`;
    case 'dict':
      return `{${v.v.map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
  }
}

function clip(s: string, max = 200): string {
  return s.length > max ? s.slice(0, max) + '...' : s;
}

/** Python repr of a shape tuple: (), (5,), (2, 3). */
function shapeRepr(shape: readonly (number | bigint)[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

// ---------------------------------------------------------------------------
// Reading

function describeDescrProblem(descr: PyValue): string {
  if (descr.t !== 'str') return ' (a structured or non-string dtype description)';
  const m = /^([<>|=]?)([a-zA-Z])(\d+)$/.exec(descr.v);
  if (!m) return '';
  const [, order, kind, size] = m;
  if (kind === 'f' && (size === '4' || size === '8')) {
    if (order === '>') return `; the file is big-endian, save it from NumPy with a.astype('<f${size}')`;
    if (order === '=' || order === '|' || order === '')
      return `; byte order '${order}' does not say which endianness the bytes are in (NumPy itself always writes '<' or '>')`;
  }
  const names: Record<string, string> = { f: 'float', i: 'int', u: 'uint', b: 'bool', c: 'complex' };
  const name = names[kind!];
  if (name) return `; the file holds ${name}${Number(size) * 8} data, convert it in NumPy with a.astype('<f4')`;
  return '';
}

/**
 * Parses .npy bytes. `source` (e.g. the file name) prefixes every error message.
 * The returned data is a fresh, aligned copy that does not share `bytes`' buffer.
 */
export function parseNpy(bytes: Uint8Array, source?: string): NpyArray {
  const src = source ?? '.npy data';
  const err = (msg: string): NpyError => new NpyError(`${src}: ${msg}`);

  if (bytes.length < MAGIC_LEN || !MAGIC.every((b, i) => bytes[i] === b)) {
    const head = Array.from(bytes.subarray(0, 6), (b) =>
      b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`,
    ).join('');
    const hint = bytes[0] === 0x50 && bytes[1] === 0x4b ? ' (this looks like a zip archive, e.g. an .npz file; extract the .npy members first)' : '';
    if (bytes.length < MAGIC_LEN && MAGIC.slice(0, bytes.length).every((b, i) => bytes[i] === b))
      throw err(`file is truncated: only ${bytes.length} bytes, too short for the .npy magic and version`);
    throw err(`not a .npy file: expected magic '\\x93NUMPY', found '${head}'${hint}`);
  }

  const major = bytes[6]!;
  const minor = bytes[7]!;
  if (!((major === 1 || major === 2 || major === 3) && minor === 0))
    throw err(`format version ${major}.${minor} is not supported; expected 1.0, 2.0 or 3.0`);

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenSize = major === 1 ? 2 : 4;
  if (bytes.length < MAGIC_LEN + lenSize)
    throw err(`file is truncated: header length field missing (file is ${bytes.length} bytes)`);
  const headerLen = major === 1 ? view.getUint16(MAGIC_LEN, true) : view.getUint32(MAGIC_LEN, true);
  // NumPy's own limit (np.load's max_header_size): a larger header is hostile or broken
  if (headerLen > MAX_HEADER_BYTES)
    throw err(`header is ${headerLen} bytes; NumPy refuses headers over ${MAX_HEADER_BYTES} bytes (max_header_size), and so does fclab`);
  const headerStart = MAGIC_LEN + lenSize;
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.length)
    throw err(`header is truncated: header length field says ${headerLen} bytes, found ${bytes.length - headerStart}`);

  const headerBytes = bytes.subarray(headerStart, dataStart);
  let header: string;
  if (major === 3) {
    try {
      header = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
    } catch {
      throw err('header is not valid UTF-8 (required by format version 3.0)');
    }
  } else {
    // Real latin1; TextDecoder('latin1') would decode as windows-1252.
    header = '';
    for (let i = 0; i < headerBytes.length; i += 8192)
      header += String.fromCharCode(...headerBytes.subarray(i, i + 8192));
  }

  let dict: PyValue;
  try {
    dict = parsePyLiteral(header, major < 3);
  } catch (e) {
    if (!(e instanceof PySyntaxError)) throw e;
    throw err(`header is not a valid Python dict literal (${e.message}): ${JSON.stringify(clip(header.trimEnd()))}`);
  }
  if (dict.t !== 'dict')
    throw err(`header is not a dict: found ${clip(pyRepr(dict))}; expected {'descr': ..., 'fortran_order': ..., 'shape': ...}`);

  const fields = new Map<string, PyValue>();
  for (const [k, v] of dict.v) {
    if (k.t !== 'str') throw err(`header key ${clip(pyRepr(k))} is not a string; expected keys 'descr', 'fortran_order', 'shape'`);
    if (fields.has(k.v)) throw err(`header has duplicate key '${k.v}'`);
    fields.set(k.v, v);
  }
  const expectedKeys = ['descr', 'fortran_order', 'shape'];
  const missing = expectedKeys.filter((k) => !fields.has(k));
  const extra = [...fields.keys()].filter((k) => !expectedKeys.includes(k));
  if (missing.length || extra.length) {
    const parts = [];
    if (missing.length) parts.push(`missing ${missing.map((k) => `'${k}'`).join(', ')}`);
    if (extra.length) parts.push(`unexpected ${extra.map((k) => `'${k}'`).join(', ')}`);
    throw err(`header keys are wrong (${parts.join('; ')}); expected exactly 'descr', 'fortran_order', 'shape'`);
  }

  const descr = fields.get('descr')!;
  let dtype: NpyDtype;
  if (descr.t === 'str' && descr.v === '<f4') dtype = 'float32';
  else if (descr.t === 'str' && descr.v === '<f8') dtype = 'float64';
  else
    throw err(
      `dtype ${clip(pyRepr(descr))} is not supported; expected little-endian float32 ('<f4') or float64 ('<f8')` +
        describeDescrProblem(descr),
    );

  const fortran = fields.get('fortran_order')!;
  if (fortran.t !== 'bool')
    throw err(`fortran_order is ${clip(pyRepr(fortran))}; expected True or False`);

  const shapeVal = fields.get('shape')!;
  const badShape = (detail: string): NpyError =>
    err(`shape ${clip(pyRepr(shapeVal))} is not valid (${detail}); expected a tuple of non-negative integers`);
  if (shapeVal.t !== 'tuple') throw badShape(`it is ${shapeVal.t === 'list' ? 'a list' : 'not a tuple'}`);
  const dims: bigint[] = [];
  for (const d of shapeVal.v) {
    if (d.t !== 'int') throw badShape(`entry ${pyRepr(d)} is not an integer`);
    if (d.v < 0n) throw badShape(`entry ${d.v} is negative`);
    if (d.v > BigInt(Number.MAX_SAFE_INTEGER)) throw badShape(`entry ${d.v} is too large`);
    dims.push(d.v);
  }

  // BigInt so absurd shapes cannot overflow into a false match.
  const itemsize = ITEMSIZE[dtype];
  const count = dims.reduce((a, b) => a * b, 1n);
  const expectedBytes = count * BigInt(itemsize);
  const foundBytes = BigInt(bytes.length - dataStart);
  const what = `for shape ${shapeRepr(dims)} ${dtype}`;
  if (foundBytes < expectedBytes)
    throw err(`data is truncated: expected ${expectedBytes} bytes of data ${what}, found ${foundBytes}`);
  if (foundBytes > expectedBytes)
    throw err(
      `expected ${expectedBytes} bytes of data ${what}, found ${foundBytes} ` +
        `(${foundBytes - expectedBytes} extra bytes after the array; the file may hold several arrays or be corrupt)`,
    );

  const n = Number(count);
  const data = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  const dataBytes = bytes.subarray(dataStart);
  if (HOST_LITTLE_ENDIAN) {
    // Byte copy into a fresh buffer: fixes alignment and keeps NaN payloads exact.
    new Uint8Array(data.buffer).set(dataBytes);
  } else {
    const dv = new DataView(dataBytes.buffer, dataBytes.byteOffset, dataBytes.byteLength);
    for (let i = 0; i < n; i++)
      data[i] = dtype === 'float32' ? dv.getFloat32(i * 4, true) : dv.getFloat64(i * 8, true);
  }

  const shape = dims.map(Number);
  // Fortran order (NumPy writes e.g. SVD factors this way) is converted to C order on read.
  return { dtype, shape, data: fortran.v ? fortranToC(data, shape) : data, version: [major, minor] };
}

/** Reorders a column-major array of the given shape into row-major order. */
function fortranToC<T extends Float32Array | Float64Array>(src: T, shape: number[]): T {
  const dst = new (src.constructor as { new (n: number): T })(src.length);
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  // C strides of the destination; walk the source in its own (column-major) order
  const cStride = new Array<number>(rank).fill(1);
  for (let d = rank - 2; d >= 0; d--) cStride[d] = cStride[d + 1] * shape[d + 1];
  for (let i = 0; i < src.length; i++) {
    let off = 0;
    for (let d = 0; d < rank; d++) off += idx[d] * cStride[d];
    dst[off] = src[i];
    for (let d = 0; d < rank; d++) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return dst;
}

// ---------------------------------------------------------------------------
// Writing

/**
 * Encodes a C-order array exactly like NumPy's np.save / format.write_array:
 * sorted-key header dict, growth-axis padding, 64-byte alignment, '\n' end.
 * Without `version`, uses 1.0 and falls back to 2.0 if the header is too long.
 */
export function encodeNpy(
  data: Float32Array | Float64Array,
  shape: number[],
  options?: { version?: 1 | 2 | 3 },
): Uint8Array {
  let dtype: NpyDtype;
  if (data instanceof Float32Array) dtype = 'float32';
  else if (data instanceof Float64Array) dtype = 'float64';
  else throw new NpyError(`encodeNpy: data must be a Float32Array or Float64Array, got ${Object.prototype.toString.call(data)}`);

  if (!Array.isArray(shape)) throw new NpyError(`encodeNpy: shape must be an array of non-negative integers, got ${String(shape)}`);
  for (const d of shape)
    if (!Number.isSafeInteger(d) || d < 0)
      throw new NpyError(`encodeNpy: shape [${shape.join(', ')}] has invalid entry ${d}; expected non-negative integers`);
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length)
    throw new NpyError(
      `encodeNpy: shape ${shapeRepr(shape)} holds ${count} elements but data has ${data.length} (${dtype})`,
    );

  const version = options?.version;
  if (version !== undefined && version !== 1 && version !== 2 && version !== 3)
    throw new NpyError(`encodeNpy: format version ${String(version)} is not supported; expected 1, 2 or 3`);

  let dict = `{'descr': '${DESCR[dtype]}', 'fortran_order': False, 'shape': ${shapeRepr(shape)}, }`;
  if (shape.length > 0) dict += ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length));
  const dictBytes = new TextEncoder().encode(dict); // ASCII, so same as latin1 for v1/v2

  const wrap = (v: 1 | 2 | 3): { v: 1 | 2 | 3; total: number } | null => {
    const lenSize = v === 1 ? 2 : 4;
    const hlen = dictBytes.length + 1;
    const padlen = ARRAY_ALIGN - ((MAGIC_LEN + lenSize + hlen) % ARRAY_ALIGN); // 1..64, as numpy
    const fieldValue = hlen + padlen;
    if (fieldValue > (v === 1 ? 0xffff : 0xffffffff)) return null;
    return { v, total: MAGIC_LEN + lenSize + fieldValue };
  };
  const layout = version !== undefined ? wrap(version) : (wrap(1) ?? wrap(2));
  if (!layout)
    throw new NpyError(
      `encodeNpy: header of ${dictBytes.length + 1} bytes for shape with ${shape.length} dimensions is too long for format version ${version}.0`,
    );

  const itemsize = ITEMSIZE[dtype];
  const out = new Uint8Array(layout.total + data.length * itemsize);
  out.set(MAGIC, 0);
  out[6] = layout.v;
  out[7] = 0;
  const view = new DataView(out.buffer);
  const lenSize = layout.v === 1 ? 2 : 4;
  const fieldValue = layout.total - MAGIC_LEN - lenSize;
  if (layout.v === 1) view.setUint16(MAGIC_LEN, fieldValue, true);
  else view.setUint32(MAGIC_LEN, fieldValue, true);
  out.set(dictBytes, MAGIC_LEN + lenSize);
  out.fill(0x20, MAGIC_LEN + lenSize + dictBytes.length, layout.total - 1);
  out[layout.total - 1] = 0x0a;

  if (HOST_LITTLE_ENDIAN) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), layout.total);
  } else {
    for (let i = 0; i < data.length; i++)
      if (dtype === 'float32') view.setFloat32(layout.total + i * 4, data[i]!, true);
      else view.setFloat64(layout.total + i * 8, data[i]!, true);
  }
  return out;
}
