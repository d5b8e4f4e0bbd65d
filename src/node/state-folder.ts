// Reads a folder of PyTorch state laid out like the reference folders (tests/fixtures/<preset>/, dumped from toy.py):
// train_x, test_x, y, transform and init.fc{l}.{weight,bias}, all .npy.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readNpy } from './npy.js';
import { NpyError } from '../io/npy.js';
import { ConfigError } from '../config/resolve.js';
import { FLOAT32_MAX } from '../config/fields.js';
import type { ImportedState } from '../tasks/toy/trainer.js';

const f32 = (a: Float32Array | Float64Array): Float32Array => (a instanceof Float32Array ? a : Float32Array.from(a));

export async function readStateFolder(dir: string): Promise<ImportedState> {
  let files: string[];
  try {
    if (dir === '') throw new Error('empty');
    files = await readdir(dir);
  } catch {
    throw new ConfigError(`--import-npy ${dir}: not a readable folder; expected a folder with train_x.npy, test_x.npy, y.npy, transform.npy and init.fc*.npy`);
  }
  for (const need of ['train_x.npy', 'test_x.npy', 'y.npy', 'transform.npy'])
    if (!files.includes(need)) throw new ConfigError(`--import-npy ${dir}: ${need} is missing`);
  const shapes: Record<string, number[]> = {};
  const load = async (name: string) => {
    const path = join(dir, name);
    const a = await readNpy(path);
    for (let i = 0; i < a.data.length; i++) {
      const v = a.data[i];
      if (!Number.isFinite(v)) throw new NpyError(`${path}: value ${v} at flat index ${i}; expected finite numbers`);
      // float64 files: the engine trains in float32, where this value would be Infinity
      if (Math.abs(v) > FLOAT32_MAX) throw new NpyError(`${path}: value ${v} at flat index ${i} does not fit float32 (at most ${FLOAT32_MAX} in magnitude); expected values the engine can hold`);
    }
    shapes[name] = a.shape;
    return f32(a.data);
  };
  const params: Record<string, Float32Array> = {};
  for (const f of files.sort()) {
    const m = /^init\.(fc\d+\.(?:weight|bias))\.npy$/.exec(f);
    if (m) params[m[1]] = await load(f);
  }
  if (!params['fc0.weight']) throw new ConfigError(`--import-npy ${dir}: init.fc0.weight.npy is missing`);
  const y = await load('y.npy');
  for (let i = 0; i < y.length; i++)
    if (y[i] !== 1 && y[i] !== -1) throw new NpyError(`${join(dir, 'y.npy')}: label ${y[i]} at index ${i}; expected +1 or -1`);
  return {
    trainX: await load('train_x.npy'),
    testX: await load('test_x.npy'),
    y,
    transform: await load('transform.npy'),
    params,
    source: dir,
    shapes,
  };
}

/** Reads `<prefix>.fc{l}.{weight,bias}.npy` tensors of a folder (e.g. grad0, step200). */
export async function readTensors(dir: string, prefix: string): Promise<Record<string, Float32Array>> {
  const out: Record<string, Float32Array> = {};
  for (const f of (await readdir(dir)).sort()) {
    const m = new RegExp(`^${prefix.replace('.', '\\.')}\\.(fc\\d+\\.(?:weight|bias))\\.npy$`).exec(f);
    if (m) out[m[1]] = f32((await readNpy(join(dir, f))).data);
  }
  return out;
}
