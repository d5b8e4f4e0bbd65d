import { defineConfig } from 'vitest/config';

// Two lanes (npm run test:unit, npm run test:e2e); `npm test` runs both.
// unit: kernels, config, io, analysis and small trainers, in about a minute;
// e2e: whole runs, the CLI, sweeps and the reproduction, browsers, engines, Slurm.
const UNIT = [
  'aggregate',
  'config',
  'feature-coords',
  'figures',
  'fuzz',
  'gradients',
  'kernels',
  'layout',
  'live-chart',
  'multi-net',
  'net-trainer',
  'npy',
  'parity',
  'parity-combos',
  'wasm-bindings',
].map((n) => `tests/${n}.test.ts`);

// Timeouts are safety nets for shared CI machines, not assertions: no test depends on speed.
const test = { testTimeout: 300_000, hookTimeout: 300_000 };

export default defineConfig({
  test: {
    // two test files at a time (vitest's default is cores - 1: one file at a time on a 2-core CI
    // machine); no test depends on speed, and each file keeps its own folders, ports and browsers
    maxWorkers: 2,
    projects: [
      { test: { ...test, name: 'unit', include: UNIT } },
      { test: { ...test, name: 'e2e', include: ['tests/**/*.test.ts'], exclude: UNIT } },
    ],
  },
});
