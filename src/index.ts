// fclab's library API, the same in Node and browsers. Node-only helpers (files, figures as PNG)
// live in src/node.ts.
export { createTrainer, Trainer, resolveEngineSettings } from './engine/trainer.js';
export type { ResolvedConfig, NamedTensor, ImportedState, TrainerOptions, TrainerSnapshot, StepEvent } from './engine/trainer.js';
export { createNetTrainer, NetTrainer } from './engine/net-trainer.js';
export type { NetTrainerSpec, NetTrainerOptions, NetDataset, NetTargets, SetMetrics } from './engine/net-trainer.js';
export type { NetActivation, NetLoss, NetOptimizer } from './engine/net.js';
export { loadKernels, loadEngine, simdSupported, threadsSupported, defaultBuild } from './engine/wasm.js';
export type { Build, Kernels } from './engine/wasm.js';
export { run, runExperiment, RunInterrupted } from './experiments/run.js';
export type { RunOptions, RunResult, Summary, ProgressEvent, NeuronTraces, Divergence } from './experiments/run.js';
export { encodeCheckpoint, decodeCheckpoint } from './experiments/checkpoint.js';
export type { RunCheckpoint } from './experiments/checkpoint.js';
export { memoryPlan, MEMORY_LIMIT_BYTES } from './engine/memory.js';
export type { MemoryPlan } from './engine/memory.js';
export { runHash } from './experiments/hash.js';
export { buildPaddedMnist, decodeMnistDigits, borderMask, mnistTargets, MNIST_LEVELS, DIGIT_SIDE, DIGIT_PIXELS } from './data/mnist-padded.js';
export type { MnistDigits, MnistConfig, MnistSet, PaddedMnist } from './data/mnist-padded.js';
export { createMnistTrainer, MnistTrainer, borderStats, mnistAsymmetry } from './experiments/mnist-trainer.js';
export type { MnistRunInfo } from './experiments/run.js';
export { resolveConfig, validateConfig, parseSetArg, parseSetValue, ConfigError, CONFIG_KEYS } from './config/resolve.js';
export type { ConfigInput, SetValue } from './config/resolve.js';
export { PRESETS, findPreset } from './config/presets.js';
export { ACTIVATIONS, LOSSES, OPTIMIZERS, KEY_HELP, SOURCES, MNIST_TASKS, MNIST_BORDERS } from './config/schema.js';
export type { Config, Activation, Loss, Optimizer } from './config/schema.js';
export { METRIC_COLUMNS, METRIC_HELP, MNIST_COLUMNS, MNIST_METRIC_HELP, metricColumns, metricsCsv } from './analysis/metrics.js';
export type { MetricsRow, MetricName, MnistMetric, AnyMetric, NeuronStats } from './analysis/metrics.js';
export { parseNpy, encodeNpy, NpyError } from './io/npy.js';
export type { NpyArray, NpyDtype } from './io/npy.js';
export { runFigureSpec, mnistRunFigureSpec, weightGridSpec, bandLineSpec, heatmapSpec, scatterSpec, panelsSpec, gridSpec, matrixSpec, renderSvg } from './report/figures.js';
export type { BandPoint, BandSeries, HeatCell, ScatterPoint, FigureTitle } from './report/figures.js';
export { renderReport } from './report/html.js';
export type { ReportDoc, ReportSection, ReportFigure, ReportTable, ReportConfig } from './report/html.js';
// sweeps, statistics across seeds, the reproduction's plan, figures and claims
export { planSweep, parseGridArg, parseShard, formatShard, shardOf, safeName, estimateRunCost, SweepError } from './experiments/sweep.js';
export type { SweepSpec, SweepPlan, PlannedCell, PlannedRun, NormalizedSpec, GridAxis, CellInput, Shard } from './experiments/sweep.js';
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
} from './experiments/aggregate.js';
export type { Stat, SeriesStats, CellAggregate, RunEntry, RunData, AggMetric, DerivedMetric } from './experiments/aggregate.js';
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
} from './experiments/reproduce.js';
export type { FigureId, ReproduceSettings, ReproducePlan, ReproduceInputs, BuiltFigure, Claim, NeuronRun } from './experiments/reproduce.js';
export { VERSION } from './version.js';
export { runDistill, distill, roleSeed, resolveDistillConfig } from './experiments/distill.js';
export type { DistillOptions, DistillProgressEvent, DistillResult, DistillSummary, StudentSummary, ProbeAccuracy } from './experiments/distill.js';
export { DISTILL_COLUMNS, DISTILL_HELP, DISTILL_DERIVED, DISTILL_DERIVED_HELP, distillCsv } from './analysis/distill-metrics.js';
export type { DistillRow, DistillColumn } from './analysis/distill-metrics.js';
export { distillRunFigureSpec, effectiveRobustnessSpec, robustnessPoints } from './report/distill-figures.js';
export type { RobustnessPoint, RobustnessKind } from './report/distill-figures.js';
