// Node file helpers around the isomorphic .npy codec.
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from './atomic.js';
import { encodeNpy, NpyError, parseNpy, type NpyArray } from '../io/npy.js';

/** Reads a .npy file; errors name the path. */
export async function readNpy(path: string): Promise<NpyArray> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NpyError(`${path}: no such file`, { cause: e });
    if (code === 'EISDIR') throw new NpyError(`${path}: is a directory, expected a .npy file`, { cause: e });
    throw new NpyError(`${path}: cannot read file (${(e as Error).message})`, { cause: e });
  }
  return parseNpy(bytes, path);
}

/**
 * Encodes and writes a .npy file atomically. Encoding (and its validation,
 * e.g. shape vs data length) happens before the file system is touched.
 */
export async function writeNpyAtomic(
  path: string,
  data: Float32Array | Float64Array,
  shape: number[],
  options?: { version?: 1 | 2 | 3 },
): Promise<void> {
  const bytes = encodeNpy(data, shape, options);
  await writeFileAtomic(path, bytes);
}
