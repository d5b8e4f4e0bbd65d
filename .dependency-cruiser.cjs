// The house rules of src/, checked by tests/architecture.test.ts (npx depcruise src -c .dependency-cruiser.cjs).
// Layers, bottom to top: engine (the ground floor) and io; config; tasks (one folder per kind);
// run; sweep and paper; report's run page; node, browser and cli on top.
const up = (from, to, comment) => ({ name: `${from.replace(/[^a-z]/g, '')}-not-${to.replace(/[^a-z|]/g, '')}`, severity: 'error', comment, from: { path: from }, to: { path: to } });
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'no import cycles', from: {}, to: { circular: true } },
    up('^src/engine/', '^src/(?!engine/)', 'engine/ is the ground floor: module loading, memory, threads, the network; it imports nothing of the rest'),
    up('^src/io/', '^src/(?!io/|engine/errors)', 'io/ (.npy, csv) knows nothing of experiments'),
    up('^src/config/', '^src/(?!config/|engine/errors|tasks/[^/]+/config\\.ts)', 'config/ builds the union from each kind\'s config section only'),
    up('^src/tasks/', '^src/(run|sweep|paper|node|browser|cli)/|^src/(index|node)\\.ts', 'a kind never reaches above the tasks layer'),
    up('^src/run/', '^src/(sweep|paper|node|browser|cli|report)/|^src/(index|node)\\.ts', 'the run loop is below sweeps, reports and shells'),
    up('^src/(sweep|paper)/', '^src/(node|browser|cli)/|^src/(index|node)\\.ts', 'sweeps and the paper plan are isomorphic'),
    up('^src/report/(figures|html|render)\\.ts', '^src/(tasks|run|sweep|paper|node|browser|cli)/', 'figure and page builders are generic'),
    up('^src/browser/', '^src/(node|cli)/|^src/node\\.ts', 'the browser never sees Node'),
    up('^src/node/', '^src/(browser|cli)/', 'node/ is a shell below the CLI'),
    {
      name: 'cli-uses-the-api',
      severity: 'error',
      comment: 'the CLI is a thin shell over the public API (src/index.ts, src/node.ts)',
      from: { path: '^src/cli/' },
      to: { path: '^src/', pathNot: '^src/(cli/|index\\.ts|node\\.ts)' },
    },
    {
      name: 'core-without-node',
      severity: 'error',
      comment: 'Node built-ins only in src/node/ and src/cli/ (the core compiles without @types/node)',
      from: { path: '^src/', pathNot: '^src/(node|cli)/|^src/node\\.ts' },
      to: { dependencyTypes: ['core'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
