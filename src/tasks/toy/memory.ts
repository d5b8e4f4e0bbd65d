// How much WebAssembly memory a trainer needs, computed from the config before anything is
// allocated, so that a config too large for the engine is refused up front with the size needed
// (instead of a trap in the middle of data generation). Mirrors the allocations of Trainer's
// constructor, generateFeatureData and OnlineSampler; tests/memory.test.ts checks that the
// estimate bounds what a trainer really allocates.
import type { Config } from '../../config/schema.js';

/**
 * The engine's limit: pointers cross into JavaScript as signed 32-bit integers, so everything must
 * sit below 2 GiB (the shared memory of the threaded build is also declared with that maximum).
 */
export const MEMORY_LIMIT_BYTES = 2 ** 31;
/** The largest single block the module's allocator hands out (AssemblyScript's BLOCK_MAXSIZE). */
export const BLOCK_LIMIT_BYTES = 2 ** 30 - 16;
/** Static data and the allocator's start (the module's initial 16 pages hold them, with room). */
const STATIC_BYTES = 16 * 65536;
/** Per allocation: the allocator's header and 16-byte alignment. */
const PER_BLOCK = 32;

export interface MemoryPlan {
  /** total bytes of linear memory the trainer needs */
  bytes: number;
  /** the largest single buffer */
  largest: { name: string; bytes: number };
  /** bytes by part, for messages */
  parts: Array<{ name: string; bytes: number }>;
}

/** The memory a trainer of this config needs (factored: config.engine.factorInput as resolved). */
export function memoryPlan(config: Config, options: { imported: boolean; factored: boolean }): MemoryPlan {
  const { n, coreDim, bgDim, inputDim } = config.data;
  const { layers, hidden, activation, bias } = config.model;
  const { batchSize, online } = config.train;
  const featDim = coreDim + bgDim;
  const stepRows = batchSize || n;
  const maxRows = Math.max(n, stepRows);
  const width = options.factored ? featDim : inputDim;
  const parts = new Map<string, number>();
  let largest = { name: '', bytes: 0 };
  const add = (part: string, name: string, bytes: number, count = 1) => {
    if (bytes > largest.bytes) largest = { name, bytes };
    parts.set(part, (parts.get(part) ?? 0) + count * (Math.max(16, bytes) + PER_BLOCK));
  };
  const f32 = (part: string, name: string, ...dims: number[]) => add(part, name, 4 * dims.reduce((a, b) => a * b, 1));

  // data: V, then (generated) streams, samples, Z and X; (imported) y, V, X
  const data = `data (data.n = ${n}, data.inputDim = ${inputDim})`;
  f32(data, 'V', featDim, inputDim);
  if (options.imported) {
    f32(data, 'y', n);
    f32(data, 'train_x', n, inputDim);
    f32(data, 'test_x', n, inputDim);
  } else {
    add(data, 'stream', 32, 2);
    add(data, 'QR workspace', 8 * (3 * featDim * inputDim + featDim));
    add(data, 'sampler workspace', 8 * Math.max(coreDim, 2));
    f32(data, 'y', n);
    f32(data, 'core samples', n, coreDim);
    f32(data, 'background samples', n, bgDim);
    f32(data, 'background samples', n, bgDim);
    f32(data, 'Z', n, featDim);
    f32(data, 'Z', n, featDim);
    f32(data, 'X', n, inputDim);
    f32(data, 'X', n, inputDim);
  }
  f32(data, 'V transposed', inputDim, featDim);

  // layers: weights, gradients, optimizer moments, transposed weights; activations per row
  const params = `parameters and optimizer state (model.hidden = ${hidden}, model.layers = ${layers})`;
  const acts = `activations (${maxRows} rows × model.hidden = ${hidden})`;
  const dims = [inputDim, ...new Array<number>(layers - 1).fill(hidden), 1];
  for (let l = 0; l < layers; l++) {
    const [fanIn, fanOut] = [dims[l], dims[l + 1]];
    for (const t of ['weight', 'gradient', 'moment', 'moment', 'transposed weight']) f32(params, `fc${l} ${t}`, fanOut, fanIn);
    if (bias) for (let i = 0; i < 4; i++) f32(params, `fc${l} bias`, fanOut);
    for (let i = 0; i < 3; i++) f32(acts, `fc${l} activations`, maxRows, fanOut);
    if (activation === 'gelu' && l < layers - 1) add(acts, `fc${l} GELU cache`, 8 * maxRows * fanOut);
  }
  for (let i = 0; i < 3; i++) f32(params, 'feature projections', hidden, featDim);

  const batch = `batches (train.batchSize = ${batchSize})`;
  if (online) {
    add(batch, 'stream', 32);
    f32(batch, 'online core', stepRows, coreDim);
    f32(batch, 'online background', stepRows, bgDim);
    f32(batch, 'online Z', stepRows, featDim);
    f32(batch, 'online X', stepRows, inputDim);
    f32(batch, 'online y', stepRows);
    add(batch, 'sampler workspace', 8 * Math.max(coreDim, 2));
  } else if (batchSize > 0) {
    add(batch, 'permutation', 4 * n);
    add(batch, 'cursor', 4);
    f32(batch, 'batch X', batchSize, width);
    f32(batch, 'batch y', batchSize);
    add(batch, 'stream', 32);
  }
  add(acts, 'losses', 8 * maxRows);

  const list = [...parts.entries()].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
  return { bytes: STATIC_BYTES + list.reduce((s, p) => s + p.bytes, 0), largest, parts: list };
}

/** "1.5 GiB", "640 MiB", "12 KiB" */
export function formatBytes(b: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  while (b >= 1024 && i < units.length - 1) {
    b /= 1024;
    i++;
  }
  if (i === 0) return `${b} bytes`;
  // three significant digits, without trailing zeros: 2 GiB, 1.5 GiB, 34.3 GiB
  return `${Number(b.toPrecision(3))} ${units[i]}`;
}

/** Why this plan does not fit the engine, or null if it does. */
export function memoryProblem(plan: MemoryPlan): string | null {
  const top = plan.parts
    .slice(0, 3)
    .map((p) => `${p.name}: ${formatBytes(p.bytes)}`)
    .join('; ');
  if (plan.bytes > MEMORY_LIMIT_BYTES)
    return `this config needs ${formatBytes(plan.bytes)} of WebAssembly memory (${top}), more than the engine's limit of ${formatBytes(MEMORY_LIMIT_BYTES)}; reduce data.n, data.inputDim, model.hidden or train.batchSize`;
  if (plan.largest.bytes > BLOCK_LIMIT_BYTES)
    return `this config needs a single buffer of ${formatBytes(plan.largest.bytes)} (${plan.largest.name}), more than the engine's limit of 1 GiB per buffer; reduce data.n, data.inputDim or model.hidden`;
  return null;
}
