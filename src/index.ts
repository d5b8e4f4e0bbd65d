// fclab's library API, the same in Node and browsers. Node-only helpers (files, figures as PNG)
// live in src/node.ts.
export { createTrainer, Trainer, resolveEngineSettings } from './tasks/toy/trainer.js';
export type { ResolvedConfig, NamedTensor, ImportedState, TrainerOptions, TrainerSnapshot, StepEvent } from './tasks/toy/trainer.js';
export { createNetTrainer, NetTrainer } from './engine/net-trainer.js';
export type { NetTrainerSpec, NetTrainerOptions, NetDataset, NetTargets, SetMetrics } from './engine/net-trainer.js';
export type { NetActivation, NetLoss, NetOptimizer } from './engine/net.js';
export { loadKernels, loadEngine, simdSupported, threadsSupported, defaultBuild } from './engine/wasm.js';
export type { Build, Kernels } from './engine/wasm.js';
export { run, runExperiment, RunInterrupted } from './run/loop.js';
export type { RunOptions, RunResult, Summary, ProgressEvent, NeuronTraces, Divergence } from './run/loop.js';
export { encodeCheckpoint, decodeCheckpoint } from './run/checkpoint.js';
export type { RunCheckpoint } from './run/checkpoint.js';
export { memoryPlan, MEMORY_LIMIT_BYTES } from './tasks/toy/memory.js';
export type { MemoryPlan } from './tasks/toy/memory.js';
export { runHash } from './run/hash.js';
export { buildPaddedMnist, decodeMnistDigits, borderMask, mnistTargets, MNIST_LEVELS, DIGIT_SIDE, DIGIT_PIXELS } from './tasks/mnist/data.js';
export type { MnistDigits, MnistConfig, MnistSet, PaddedMnist } from './tasks/mnist/data.js';
export { createMnistTrainer, MnistTrainer, borderStats, mnistAsymmetry } from './tasks/mnist/trainer.js';
export type { MnistRunInfo } from './run/loop.js';
export { resolveConfig, validateConfig, parseSetArg, parseSetValue, ConfigError, CONFIG_KEYS } from './config/resolve.js';
export type { ConfigInput, SetValue } from './config/resolve.js';
export { PRESETS, findPreset } from './config/presets.js';
export { ACTIVATIONS, LOSSES, OPTIMIZERS, KEY_HELP, SOURCES, MNIST_TASKS, MNIST_BORDERS } from './config/schema.js';
export type { Config, Activation, Loss, Optimizer } from './config/schema.js';
export { METRIC_COLUMNS, METRIC_HELP, MNIST_COLUMNS, MNIST_METRIC_HELP, metricColumns, metricsCsv } from './tasks/toy/metrics.js';
export type { MetricsRow, MetricName, MnistMetric, AnyMetric, NeuronStats } from './tasks/toy/metrics.js';
export { parseNpy, encodeNpy, NpyError } from './io/npy.js';
export type { NpyArray, NpyDtype } from './io/npy.js';
export { runFigureSpec, mnistRunFigureSpec, weightGridSpec, bandLineSpec, heatmapSpec, scatterSpec, panelsSpec, gridSpec, matrixSpec, renderSvg } from './report/figures.js';
export type { BandPoint, BandSeries, HeatCell, ScatterPoint, FigureTitle } from './report/figures.js';
export { renderReport } from './report/html.js';
export type { ReportDoc, ReportSection, ReportFigure, ReportTable, ReportConfig } from './report/html.js';
// sweeps, statistics across seeds, the reproduction's plan, figures and claims
export { planSweep, parseGridArg, parseShard, formatShard, shardOf, safeName, estimateRunCost, SweepError } from './sweep/plan.js';
export type { SweepSpec, SweepPlan, PlannedCell, PlannedRun, NormalizedSpec, GridAxis, CellInput, Shard } from './sweep/plan.js';
export {
  summarize,
  tCritical95,
  T_TABLE_975,
  Z_975,
  pairedDifference,
  aggregateCell,
  aggregateCsv,
  compactJson,
  formatStat,
  derivedRow,
  AGG_METRICS,
  DERIVED_METRICS,
  DERIVED_HELP,
} from './sweep/aggregate.js';
export type { Stat, SeriesStats, CellAggregate, RunEntry, RunData, AggMetric, DerivedMetric } from './sweep/aggregate.js';
export {
  reproducePlan,
  reproduceSettings,
  reproduceFigures,
  reproduceClaims,
  mechanismCorrelation,
  neuronPoints,
  pearson,
  finalTable,
  cellIdOf,
  FIGURE_IDS,
  ACTIVATION_COLOR,
  ACTIVATION_LABEL,
  FULL_SEEDS,
  QUICK_SEEDS,
} from './paper/reproduce.js';
export type { FigureId, ReproduceSettings, ReproducePlan, ReproduceInputs, BuiltFigure, Claim, NeuronRun } from './paper/reproduce.js';
export { VERSION } from './version.js';
export { runDistill, distill, roleSeed, resolveDistillConfig } from './tasks/distill/trainer.js';
export type { DistillOptions, DistillProgressEvent, DistillResult, DistillSummary, StudentSummary, ProbeAccuracy } from './tasks/distill/trainer.js';
export { DISTILL_COLUMNS, DISTILL_HELP, DISTILL_DERIVED, DISTILL_DERIVED_HELP, distillCsv } from './tasks/distill/metrics.js';
export type { DistillRow, DistillColumn } from './tasks/distill/metrics.js';
export { distillRunFigureSpec, effectiveRobustnessSpec, robustnessPoints } from './tasks/distill/figures.js';
export type { RobustnessPoint, RobustnessKind } from './tasks/distill/figures.js';
