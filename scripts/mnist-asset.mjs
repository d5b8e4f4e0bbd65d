// The padded-MNIST preset's digits for the web demo: the `mnist` package's 10,000 digits as one
// compact binary file (one byte per pixel, about 7.8 MB instead of the package's 26 MB of JSON),
// fetched by the training worker only when an MNIST run starts. Layout (encodeMnistDigits in
// src/data/mnist-padded.ts): "FCMNIST1", ten uint32 LE digit counts, then each class's 28x28
// images row-major, one byte per pixel: the grey level k of the package's value k/255 (3 decimals).
// web/vite.config.ts writes it before every build and dev server start; `node scripts/mnist-asset.mjs OUT` also does.
import { writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The bytes of the asset, from the installed `mnist` package through the library's own loader and encoder (dist/). */
export async function mnistAssetBytes() {
  let lib;
  try {
    lib = await Promise.all([import('../dist/src/node/mnist-digits.js'), import('../dist/src/tasks/mnist/data.js')]);
  } catch (e) {
    throw new Error(`scripts/mnist-asset.mjs needs the compiled library (dist/): run npm run build first (${e.message})`);
  }
  const [{ loadMnistDigits }, { encodeMnistDigits }] = lib;
  return encodeMnistDigits(await loadMnistDigits());
}

/** Writes the asset to `file` unless it is already there (it depends only on the pinned package). */
export async function writeMnistAsset(file) {
  if (existsSync(file)) return false;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, await mnistAssetBytes());
  return true;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = resolve(process.argv[2] ?? 'web/generated/mnist-digits.bin');
  await writeMnistAsset(file);
  console.log(file);
}
