// The padded-MNIST preset's digits for the web demo: the `mnist` package's 10,000 digits as one
// compact binary file (one byte per pixel, about 7.8 MB instead of the package's 26 MB of JSON),
// fetched by the training worker only when an MNIST run starts. Layout (decodeMnistDigits in
// src/data/mnist-padded.ts): "FCMNIST1", ten uint32 LE digit counts, then each class's 28x28
// images row-major, one byte per pixel: the grey level k of the package's value k/255 (3 decimals).
// web/vite.config.ts writes it before every build and dev server start; `node scripts/mnist-asset.mjs OUT` also does.
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PIXELS = 784;

/** The bytes of the asset, built from the installed `mnist` package. */
export function mnistAssetBytes() {
  const require = createRequire(import.meta.url);
  const dir = join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  // the same 256 levels as MNIST_LEVELS in src/data/mnist-padded.ts (tests/mnist.test.ts compares the decoded asset with loadMnistDigits)
  const level = new Map(Array.from({ length: 256 }, (_, k) => [Number((k / 255).toFixed(3)), k]));
  const classes = [];
  for (let d = 0; d < 10; d++) {
    const data = JSON.parse(readFileSync(join(dir, `${d}.json`), 'utf8')).data;
    if (!Array.isArray(data) || data.length % PIXELS !== 0) throw new Error(`mnist ${d}.json: expected a multiple of ${PIXELS} values`);
    classes.push(
      Uint8Array.from(data, (v, i) => {
        const k = level.get(v);
        if (k === undefined) throw new Error(`mnist ${d}.json [${i}]: ${v} is not one of the 256 grey levels`);
        return k;
      }),
    );
  }
  const header = 8 + 40;
  const out = new Uint8Array(header + classes.reduce((s, c) => s + c.length, 0));
  out.set(new TextEncoder().encode('FCMNIST1'), 0);
  const view = new DataView(out.buffer);
  let at = header;
  classes.forEach((c, d) => {
    view.setUint32(8 + 4 * d, c.length / PIXELS, true);
    out.set(c, at);
    at += c.length;
  });
  return out;
}

/** Writes the asset to `file` unless it is already there (it depends only on the pinned package). */
export function writeMnistAsset(file) {
  if (existsSync(file)) return false;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, mnistAssetBytes());
  return true;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = resolve(process.argv[2] ?? 'web/generated/mnist-digits.bin');
  writeMnistAsset(file);
  console.log(file);
}
