// Vite config of the bench page (bench/web): src/bench/browser.ts builds it into a temp folder.
import { defineConfig } from 'vite';

export default defineConfig({
  root: new URL('.', import.meta.url).pathname,
  base: './',
  publicDir: false,
  logLevel: 'warn',
  build: { emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 4096 },
});
