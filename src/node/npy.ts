// Node file helpers around the isomorphic .npy codec.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { writeFileAtomic } from './atomic.js';
import { encodeNpy, NpyError, parseNpy, type NpyArray } from '../io/npy.js';

/** Reads a .npy file; errors name the path. */
/** The largest file a reader takes: 4 GiB, twice the engine's memory (a float64 copy of its float32 data). */
export const MAX_READ_BYTES = 2 ** 32;

/**
 * Reads a regular file of at most `cap` bytes: a device (a link to /dev/zero), a FIFO or a folder is
 * refused before anything is read, so a reader never runs without bound. Errors name the path.
 */
export async function readRegularFile(path: string, cap = MAX_READ_BYTES): Promise<Uint8Array> {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever
  const fh = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const s = await fh.stat();
    if (s.isDirectory()) throw Object.assign(new Error(`is a directory`), { code: 'EISDIR' });
    if (!s.isFile()) throw Object.assign(new Error(`is not a regular file (a device, FIFO or socket)`), { code: 'ENOTREG' });
    if (s.size > cap) throw Object.assign(new Error(`is ${s.size} bytes, more than the ${cap} bytes fclab reads`), { code: 'EFBIG' });
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}

export async function readNpy(path: string): Promise<NpyArray> {
  let bytes: Uint8Array;
  try {
    bytes = await readRegularFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NpyError(`${path}: no such file`, { cause: e });
    if (code === 'EISDIR') throw new NpyError(`${path}: is a directory, expected a .npy file`, { cause: e });
    if (code === 'ENOTREG' || code === 'EFBIG') throw new NpyError(`${path}: ${(e as Error).message}; expected a .npy file`, { cause: e });
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
  options?: { version?: 1 | 2 | 3; within?: string },
): Promise<void> {
  const bytes = encodeNpy(data, shape, options);
  await writeFileAtomic(path, bytes, { within: options?.within });
}
