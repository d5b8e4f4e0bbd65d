// Builds the browser bundle into dist/browser/ (part of `npm run build`):
//   fclab.js          ES module: the library (run, createTrainer, ...), runInWorker and mount;
//                     loads its WebAssembly from the fclab.*.wasm files next to it
//   fclab.charts.js   vega and vega-lite (renderSvg), imported by fclab.js on the first static figure
//   fclab.inline.js   the same with the WebAssembly inlined (base64): one self-contained file
//   fclab.*.wasm      the three builds (SIMD, scalar, SIMD with threads)
//   fclab.d.ts        types (re-exported from the tsc output)
//   embed.html        the embedding example (web/embed.html)
//   mnist-digits.bin  the MNIST digits, one byte per pixel (data/mnist-digits.bin.gz unpacked), for mnist-padded runs
// Both bundles are their own worker script (runInWorker and mount start them as module workers).
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { writeMnistAsset } from './mnist-asset.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}dist/browser`;
const filesSource = `${root}src/browser/wasm-files.ts`;

/** In the file-loading bundle, engine/wasm.ts gets its bytes from wasm-files.ts instead of the embedded base64. */
const wasmFromFiles = {
  name: 'fclab-wasm-files',
  enforce: 'pre',
  resolveId(source, importer) {
    if (source === './wasm-source.js' && importer?.replace(/\\/g, '/').endsWith('/src/engine/wasm.ts')) return filesSource;
    return null;
  },
};

mkdirSync(out, { recursive: true });
for (const inline of [false, true]) {
  await build({
    configFile: false,
    root,
    logLevel: 'warn',
    publicDir: false,
    plugins: inline ? [] : [wasmFromFiles],
    build: {
      outDir: out,
      emptyOutDir: false,
      target: 'es2022',
      minify: true,
      sourcemap: true,
      lib: {
        entry: `${root}src/browser/index.ts`,
        formats: ['es'],
        fileName: () => (inline ? 'fclab.inline.js' : 'fclab.js'),
      },
      rolldownOptions: {
        output: {
          // vega (static figures, renderSvg) is a dynamic import: fclab.js leaves it in
          // fclab.charts.js, fetched on the first figure; fclab.inline.js stays one file (vega inside)
          ...(inline ? { codeSplitting: false } : { chunkFileNames: 'fclab.[name].js' }),
          // whitespace too (a library build keeps it by default, for bundlers that re-shake the
          // output; these files are loaded as they are)
          minify: true,
          // the pure/side-effect annotations only help a bundler that re-shakes the output (3.8 KB
          // of fclab.js); licence comments stay. (No import in the output needs its vite-ignore:
          // Node built-ins are named at run time, engine/threads.ts nodeBuiltin.)
          comments: { legal: true, annotation: false, jsdoc: false },
        },
      },
    },
  });
}
for (const v of ['simd', 'scalar', 'simd-mt']) copyFileSync(`${root}build/fclab.${v}.wasm`, `${out}/fclab.${v}.wasm`);
writeFileSync(`${out}/fclab.d.ts`, "export * from '../src/browser/index.js';\n");
copyFileSync(`${root}web/embed.html`, `${out}/embed.html`);
await writeMnistAsset(`${out}/mnist-digits.bin`); // padded-MNIST runs in the bundle's worker fetch it
