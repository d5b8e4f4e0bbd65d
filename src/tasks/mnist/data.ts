// Padded MNIST: the analogue of the paper's CIFAR-10 figure (a brick-red border on every image).
// Each 28x28 digit is placed in the middle of a (28 + 2w)^2 image whose border is the same for
// every image and every class (a constant intensity, or one fixed random texture), so the border is
// uncorrelated with the label. The OOD set holds the same test digits with another border.
//
// Isomorphic: the caller hands over the digits (src/node/mnist-digits.ts reads the package's
// data/mnist-digits.bin.gz in Node; the browser builds fetch the same bytes unpacked). The train/test split and the texture come
// from fclab's PRNG ('data' and 'texture' streams), so a split is a pure function of the seed.
import { Arena } from '../../engine/arena.js';
import type { Kernels } from '../../engine/wasm.js';
import { ConfigError } from '../../config/resolve.js';
import type { MnistConfig } from './config.js';

export const DIGIT_SIDE = 28;
export const DIGIT_PIXELS = DIGIT_SIDE * DIGIT_SIDE;

/**
 * The 256 grey levels of the `mnist` package: its JSON holds k/255 written with 3 decimals
 * (0, 0.004, ..., 0.996, 1), each k giving a distinct value, so one byte per pixel is exact:
 * MNIST_LEVELS[k] is the very number JSON.parse gives for that pixel (tests/mnist.test.ts checks
 * all 10,000 digits).
 */
export const MNIST_LEVELS: Float64Array = Float64Array.from({ length: 256 }, (_, k) => Number((k / 255).toFixed(3)));

/** The digits, one byte per pixel (an index into MNIST_LEVELS), class by class. */
export interface MnistDigits {
  /** classes[d]: count_d x 784 bytes, row-major 28x28 images of digit d */
  classes: Uint8Array[];
}

/** Magic of the compact digits file (data/mnist-digits.bin.gz, scripts/mnist-asset.mjs). */
const ASSET_MAGIC = 'FCMNIST1';

/**
 * The compact digits file the web demo and the browser bundle ship (scripts/mnist-asset.mjs):
 * "FCMNIST1", ten uint32 LE digit counts, then every class's images, one byte per pixel.
 */
export function encodeMnistDigits(digits: MnistDigits): Uint8Array {
  const header = ASSET_MAGIC.length + 40;
  const out = new Uint8Array(header + digits.classes.reduce((s, c) => s + c.length, 0));
  for (let i = 0; i < ASSET_MAGIC.length; i++) out[i] = ASSET_MAGIC.charCodeAt(i);
  const view = new DataView(out.buffer);
  let at = header;
  digits.classes.forEach((c, d) => {
    view.setUint32(ASSET_MAGIC.length + 4 * d, c.length / DIGIT_PIXELS, true);
    out.set(c, at);
    at += c.length;
  });
  return out;
}

/** The digits from the compact file (encodeMnistDigits); throws on a wrong or truncated file. */
export function decodeMnistDigits(bytes: Uint8Array): MnistDigits {
  const header = ASSET_MAGIC.length + 40;
  const magic = String.fromCharCode(...bytes.subarray(0, ASSET_MAGIC.length));
  if (bytes.length < header || magic !== ASSET_MAGIC) throw new Error(`mnist digits file: expected the magic ${ASSET_MAGIC} and ten digit counts`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const classes: Uint8Array[] = [];
  let at = header;
  for (let d = 0; d < 10; d++) {
    const n = view.getUint32(ASSET_MAGIC.length + 4 * d, true) * DIGIT_PIXELS;
    if (at + n > bytes.length) throw new Error(`mnist digits file: truncated in class ${d} (${bytes.length} bytes)`);
    classes.push(bytes.slice(at, at + n));
    at += n;
  }
  if (at !== bytes.length) throw new Error(`mnist digits file: ${bytes.length - at} bytes after the last class`);
  return { classes };
}

export type { MnistConfig } from './config.js';

export interface MnistSet {
  /** rows x inputDim, row-major */
  x: Float32Array;
  /** the digit (0..9) of each row */
  digit: Int32Array;
}

export interface PaddedMnist {
  /** side of the padded image, 28 + 2 * borderWidth */
  side: number;
  inputDim: number;
  /** 1 where an input pixel is on the border */
  borderMask: Uint8Array;
  /** the border's pixel values in training/ID test and in the OOD set (border pixels only, in input order) */
  border: Float32Array;
  oodBorder: Float32Array;
  train: MnistSet;
  test: MnistSet;
  ood: MnistSet;
  /** for each training row, its index within its class in the package's data (the split) */
  trainIndex: Int32Array;
  testIndex: Int32Array;
}

function checkDigits(digits: MnistDigits): void {
  if (!digits || !Array.isArray(digits.classes) || digits.classes.length !== 10)
    throw new ConfigError('mnist digits: expected { classes: [10 Uint8Arrays of 28x28 images] } (loadMnistDigits() in fclab/node)');
  digits.classes.forEach((c, d) => {
    if (!(c instanceof Uint8Array) || c.length === 0 || c.length % DIGIT_PIXELS !== 0)
      throw new ConfigError(`mnist digits: classes[${d}] has ${c?.length} bytes; expected a non-empty multiple of ${DIGIT_PIXELS}`);
  });
}

/** Mask of border pixels of a side x side image with a border of width w. */
export function borderMask(w: number): Uint8Array {
  const side = DIGIT_SIDE + 2 * w;
  const m = new Uint8Array(side * side);
  for (let r = 0; r < side; r++)
    for (let c = 0; c < side; c++) m[r * side + c] = r < w || r >= side - w || c < w || c >= side - w ? 1 : 0;
  return m;
}

/** The border's values: a constant, or intensity + U(-h, h) from the given stream (h keeps it in [0, 1]). */
function borderValues(arena: Arena, cfg: MnistConfig, intensity: number, count: number, texture: number): Float32Array {
  if (cfg.border === 'constant') return new Float32Array(count).fill(intensity);
  const h = Math.min(intensity, 1 - intensity);
  const buf = arena.f32([count]);
  arena.k.fillUniform(texture, buf.ptr, count, Math.fround(2 * h), Math.fround(intensity - h));
  return arena.read(buf);
}

function pad(src: Uint8Array, offset: number, out: Float32Array, rowOffset: number, side: number, w: number, mask: Uint8Array, border: Float32Array): void {
  let b = 0;
  for (let p = 0; p < side * side; p++) if (mask[p]) out[rowOffset + p] = border[b++];
  for (let r = 0; r < DIGIT_SIDE; r++)
    for (let c = 0; c < DIGIT_SIDE; c++)
      out[rowOffset + (r + w) * side + c + w] = MNIST_LEVELS[src[offset + r * DIGIT_SIDE + c]];
}

/**
 * The training, ID test and OOD sets. Per class d, a permutation of its digits from the 'data'
 * stream (classes in order 0..9): the first n/10 train, the next testN/10 test. Rows are ordered
 * class by class. The OOD set is the test set with the OOD border.
 */
export function buildPaddedMnist(kernels: Kernels, digits: MnistDigits, n: number, cfg: MnistConfig, seed: number): PaddedMnist {
  checkDigits(digits);
  const perTrain = n / 10;
  const perTest = cfg.testN / 10;
  const fewest = Math.min(...digits.classes.map((c) => c.length / DIGIT_PIXELS));
  if (!Number.isInteger(perTrain) || !Number.isInteger(perTest))
    throw new ConfigError(`data.n = ${n}, mnist.testN = ${cfg.testN}: expected multiples of 10 (the same number of digits per class)`);
  if (perTrain + perTest > fewest)
    throw new ConfigError(
      `data.n = ${n} with mnist.testN = ${cfg.testN} is not valid: expected (data.n + mnist.testN) / 10 <= ${fewest}, the digits of the rarest class`,
    );
  const w = cfg.borderWidth;
  const side = DIGIT_SIDE + 2 * w;
  const D = side * side;
  const mask = borderMask(w);
  const nBorder = D - DIGIT_PIXELS;
  const arena = new Arena(kernels);
  const texture = arena.stream(seed, 'texture');
  const border = borderValues(arena, cfg, Math.fround(cfg.intensity), nBorder, texture);
  const oodBorder = borderValues(arena, cfg, Math.fround(cfg.oodIntensity), nBorder, texture);

  const stream = arena.stream(seed, 'data');
  const fewestBuf = arena.bytes(4 * Math.max(...digits.classes.map((c) => c.length / DIGIT_PIXELS)));
  const set = (rows: number): MnistSet => ({ x: new Float32Array(rows * D), digit: new Int32Array(rows) });
  const train = set(n);
  const test = set(cfg.testN);
  const ood = set(cfg.testN);
  const trainIndex = new Int32Array(n);
  const testIndex = new Int32Array(cfg.testN);
  for (let d = 0; d < 10; d++) {
    const src = digits.classes[d];
    const count = src.length / DIGIT_PIXELS;
    const perm = new Uint32Array(kernels.memory.buffer, fewestBuf, count);
    for (let i = 0; i < count; i++) perm[i] = i;
    kernels.shuffleU32(stream, fewestBuf, count);
    const order = new Uint32Array(kernels.memory.buffer, fewestBuf, count).slice();
    for (let i = 0; i < perTrain; i++) {
      const row = d * perTrain + i;
      pad(src, order[i] * DIGIT_PIXELS, train.x, row * D, side, w, mask, border);
      train.digit[row] = d;
      trainIndex[row] = order[i];
    }
    for (let i = 0; i < perTest; i++) {
      const row = d * perTest + i;
      const j = order[perTrain + i];
      pad(src, j * DIGIT_PIXELS, test.x, row * D, side, w, mask, border);
      pad(src, j * DIGIT_PIXELS, ood.x, row * D, side, w, mask, oodBorder);
      test.digit[row] = ood.digit[row] = d;
      testIndex[row] = j;
    }
  }
  return { side, inputDim: D, borderMask: mask, border, oodBorder, train, test, ood, trainIndex, testIndex };
}

/** The targets of a task: ±1 (digits 0-4 vs 5-9) for binary, the digit for ten classes. */
export function mnistTargets(task: MnistConfig['task'], digit: Int32Array): { labels: Float32Array } | { classes: Int32Array } {
  return task === 'binary' ? { labels: Float32Array.from(digit, (d) => (d < 5 ? 1 : -1)) } : { classes: digit };
}
