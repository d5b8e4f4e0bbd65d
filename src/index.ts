// fclab's library API, the same in Node and browsers. Node-only helpers (files, figures as PNG)
// live in src/node.ts.
export { createTrainer, Trainer, resolveEngineSettings } from './engine/trainer.js';
export type { ResolvedConfig, NamedTensor, ImportedState, TrainerOptions, TrainerSnapshot, StepEvent } from './engine/trainer.js';
export { loadKernels, simdSupported, defaultBuild } from './engine/wasm.js';
export type { Build, Kernels } from './engine/wasm.js';
export { run, runExperiment } from './experiments/run.js';
export type { RunOptions, RunResult, Summary, ProgressEvent, NeuronTraces } from './experiments/run.js';
export { runHash } from './experiments/hash.js';
export { resolveConfig, validateConfig, parseSetArg, parseSetValue, ConfigError, CONFIG_KEYS } from './config/resolve.js';
export type { ConfigInput, SetValue } from './config/resolve.js';
export { PRESETS, findPreset } from './config/presets.js';
export { ACTIVATIONS, LOSSES, OPTIMIZERS, KEY_HELP } from './config/schema.js';
export type { Config, Activation, Loss, Optimizer } from './config/schema.js';
export { METRIC_COLUMNS, METRIC_HELP, metricsCsv } from './analysis/metrics.js';
export type { MetricsRow, MetricName, NeuronStats } from './analysis/metrics.js';
export { parseNpy, encodeNpy, NpyError } from './io/npy.js';
export type { NpyArray, NpyDtype } from './io/npy.js';
export { runFigureSpec, bandLineSpec, heatmapSpec, scatterSpec, panelsSpec, renderSvg } from './report/figures.js';
export { renderReport } from './report/html.js';
export { VERSION } from './version.js';
