// Vite config for the demo page (web/). `npm run web` serves it, `npm run build:web` writes
// dist/web/; `npm run web:embed` previews dist/browser/ (the bundle and the embedding example) with
// the same headers. The page imports the library from ../src (browser-safe API only: src/index.ts).
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { writeMnistAsset } from '../scripts/mnist-asset.mjs';

const webDir = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/**
 * Cross-origin isolation: lets the page use SharedArrayBuffer, so the trainer can run its kernels
 * on several threads over shared WebAssembly memory (the Threads control). Every resource the page
 * loads is same-origin, so require-corp blocks nothing. A host that serves dist/web/ must send
 * these two headers too, or the page runs single-threaded (it says so under the control).
 */
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * The padded-MNIST digits as one compact file (web/generated/mnist-digits.bin, 7.8 MB, one byte per
 * pixel), unpacked from the shipped data/mnist-digits.bin.gz before the build or dev server starts. The
 * worker imports its URL, so the build emits it as a hashed asset; it is fetched only when an MNIST
 * run starts, never on page load.
 */
function mnistDigits(): Plugin {
  return {
    name: 'fclab-mnist-digits',
    async buildStart() {
      await writeMnistAsset(fileURLToPath(new URL('./generated/mnist-digits.bin', import.meta.url)));
    },
  };
}

export default defineConfig({
  plugins: [mnistDigits()],
  root: webDir,
  // Relative asset URLs: the built folder works from any path (file server, GitHub Pages, a test's temp dir).
  base: './',
  // No public/ folder: everything the page needs is bundled (no CDN, no external resources).
  publicDir: false,
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    // outDir is outside root, so Vite would otherwise refuse to clear it.
    emptyOutDir: true,
    target: 'es2022',
    // The trainer's WASM is embedded as base64 in the worker chunk; it is large by design.
    chunkSizeWarningLimit: 2048,
  },
  // the worker chunk imports the digits file's URL: the same plugin runs there
  worker: { format: 'es', plugins: () => [mnistDigits()] },
  server: { fs: { allow: [repoRoot] }, headers: isolationHeaders },
  preview: { headers: isolationHeaders },
});
