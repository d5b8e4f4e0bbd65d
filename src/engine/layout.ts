// The records the engine writes into linear memory for the module (assembly/state.ts): the same
// fields in the same order, each at its natural alignment as AssemblyScript lays out an
// @unmanaged class. tests/layout.test.ts compiles offsetof<T>() of every field with asc and checks
// these offsets and sizes against it.
import type { Ptr } from './arena.js';

type FieldType = 'i32' | 'f32' | 'f64' | 'ptr';
const BYTES: Record<FieldType, number> = { i32: 4, f32: 4, f64: 8, ptr: 4 };

export interface Field {
  offset: number;
  type: FieldType;
}

export interface Struct<K extends string> {
  /** the AssemblyScript class name */
  name: string;
  size: number;
  fields: Record<K, Field>;
}

function struct<K extends string>(name: string, types: Record<K, FieldType>): Struct<K> {
  let offset = 0;
  let align = 1;
  const fields = {} as Record<K, Field>;
  for (const [key, type] of Object.entries(types) as Array<[K, FieldType]>) {
    const n = BYTES[type];
    offset = Math.ceil(offset / n) * n;
    fields[key] = { offset, type };
    offset += n;
    align = Math.max(align, n);
  }
  return { name, size: Math.ceil(offset / align) * align, fields };
}

export const LAYER = struct('Layer', {
  fanIn: 'i32', fanOut: 'i32', W: 'ptr', b: 'ptr', gW: 'ptr', gb: 'ptr', Z: 'ptr', A: 'ptr', D: 'ptr',
  Wt: 'ptr', mW: 'ptr', vW: 'ptr', mb: 'ptr', vb: 'ptr', frozen: 'i32', cdf: 'ptr',
});

export const NET = struct('Net', {
  layers: 'i32', activation: 'i32', loss: 'i32', optimizer: 'i32', step: 'i32', factored: 'i32', featDim: 'i32',
  layer: 'ptr', V: 'ptr', Vt: 'ptr', P: 'ptr', Pt: 'ptr', lossBuf: 'ptr', feat: 'ptr',
  lr: 'f64', weightDecay: 'f64', momentum: 'f64', beta1: 'f64', beta2: 'f64', eps: 'f64',
});

export const FEAT = struct('Feat', { Pt: 'ptr', PB: 'ptr', G: 'ptr', W0: 'ptr', P0t: 'ptr', scal: 'ptr' });

export const ONLINE = struct('Online', {
  stream: 'ptr', core: 'ptr', bg: 'ptr', Z: 'ptr', X: 'ptr', V: 'ptr', Y: 'ptr', work: 'ptr',
  rows: 'i32', coreDim: 'i32', bgDim: 'i32', inputDim: 'i32', sphere: 'i32', dense: 'i32', bgOffset: 'f32', net: 'ptr',
});

export const STRUCTS = [LAYER, NET, FEAT, ONLINE] as const;

/** Writes one field of the record at ptr (Math.fround for f32, as a WASM store would round). */
export function writeField<K extends string>(memory: WebAssembly.Memory, ptr: Ptr, s: Struct<K>, key: K, value: number): void {
  const { offset, type } = s.fields[key];
  const v = new DataView(memory.buffer);
  if (type === 'f64') v.setFloat64(ptr + offset, value, true);
  else if (type === 'f32') v.setFloat32(ptr + offset, value, true);
  else if (type === 'ptr') v.setUint32(ptr + offset, value, true);
  else v.setInt32(ptr + offset, value, true);
}

export function readField<K extends string>(memory: WebAssembly.Memory, ptr: Ptr, s: Struct<K>, key: K): number {
  const { offset, type } = s.fields[key];
  const v = new DataView(memory.buffer);
  if (type === 'f64') return v.getFloat64(ptr + offset, true);
  if (type === 'f32') return v.getFloat32(ptr + offset, true);
  if (type === 'ptr') return v.getUint32(ptr + offset, true);
  return v.getInt32(ptr + offset, true);
}

/** Writes every field of a record (all are required, so none is left unset by mistake). */
export function writeStruct<K extends string>(memory: WebAssembly.Memory, ptr: Ptr, s: Struct<K>, values: Record<K, number>): void {
  for (const key of Object.keys(s.fields) as K[]) writeField(memory, ptr, s, key, values[key]);
}
