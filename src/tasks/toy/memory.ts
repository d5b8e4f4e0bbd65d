// How much WebAssembly memory a feature-model trainer needs, computed from the config before
// anything is allocated, so that a config too large for the engine is refused up front with the
// size needed (instead of a trap in the middle of data generation). Mirrors the allocations of
// Trainer's constructor, generateFeatureData and OnlineSampler; a test checks that the estimate
// bounds what a trainer really allocates.
import type { ToyConfig } from './config.js';
import { PER_BLOCK, STATIC_BYTES, type MemoryPlan } from '../../engine/memory.js';

export type { MemoryPlan } from '../../engine/memory.js';

/** The memory a trainer of this config needs (factored: config.engine.factorInput as resolved). */
export function memoryPlan(config: ToyConfig, options: { imported: boolean; factored: boolean }): MemoryPlan {
  const { n, coreDim, bgDim, inputDim } = config.data;
  const { layers, hidden, activation, bias } = config.model;
  const { batchSize, online } = config.train;
  const featDim = coreDim + bgDim;
  const stepRows = batchSize || n;
  const testN = config.data.testN || n;
  const maxRows = Math.max(n, stepRows, testN);
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
  const idTest = `ID test set (data.testN = ${testN})`;
  add(idTest, 'stream', 32);
  add(idTest, 'sampler workspace', 8 * Math.max(coreDim, 2));
  f32(idTest, 'y', testN);
  f32(idTest, 'core samples', testN, coreDim);
  f32(idTest, 'background samples', testN, bgDim);
  f32(idTest, 'Z', testN, featDim);
  if (!options.factored) f32(idTest, 'X', testN, inputDim);

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
