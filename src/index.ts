// fclab's library API, the same in Node and browsers (files, PNG figures and worker pools are in
// 'fclab/node'; Web Workers and the embeddable trainer in 'fclab/browser'). Curated: what a user
// of the library needs, nothing internal. tests/architecture.test.ts snapshots this list.

// Runs, for every experiment kind
export { run, runExperiment, planRun, RunInterrupted } from './run/loop.js';
export type { RunOptions, RunResult, Summary, ProgressEvent, MetricRow, NeuronTraces, Divergence } from './run/loop.js';
export { encodeCheckpoint, decodeCheckpoint } from './run/checkpoint.js';
export type { RunCheckpoint } from './run/checkpoint.js';
export { runHash } from './run/hash.js';
export { runTextFiles } from './run/files.js';
export type { RunTextFiles } from './run/files.js';

// Configs, presets and experiment kinds
export { resolveConfig, validateConfig, configKeys, keyHelp, parseSetArg, ConfigError } from './config/resolve.js';
export type { ConfigInput, SetValue } from './config/resolve.js';
export { PRESETS } from './config/presets.js';
export type { Preset } from './config/presets.js';
export type { Config, TaskKind, Activation, Loss, Optimizer, ToyConfig, MnistRunConfig, DistillConfig, TheoremConfig } from './config/schema.js';
export { taskOf } from './tasks/registry.js';
export type { Task, TaskTrainer, TaskContext, ImportedState, RunFigure } from './tasks/task.js';

// Trainers, for work below the run loop
export { createTrainer } from './tasks/toy/trainer.js';
export type { Trainer } from './tasks/toy/trainer.js';
export { createNetTrainer } from './engine/net-trainer.js';
export type { NetTrainer, NetTrainerSpec, NetDataset, NetTargets, SetMetrics } from './engine/net-trainer.js';
export { simdSupported, threadsSupported } from './engine/wasm.js';
export type { Build } from './engine/wasm.js';
export type { NamedTensor } from './engine/net.js';
export { InputError, DivergedError } from './engine/errors.js';
export type { MnistDigits } from './tasks/mnist/data.js';

// Files: .npy (NumPy/PyTorch interchange) and metrics.csv
export { parseNpy, encodeNpy, NpyError } from './io/npy.js';
export type { NpyArray } from './io/npy.js';
export { metricsCsv } from './io/csv.js';

// Statistics across seeds (sweeps themselves run in Node: 'fclab/node')
export { summarize, formatStat } from './sweep/aggregate.js';
export type { Stat, CellAggregate } from './sweep/aggregate.js';

// Figures: vega-lite specs rendered to SVG (vega loads on first use)
export { renderSvg } from './report/render.js';
export { VERSION } from './version.js';
