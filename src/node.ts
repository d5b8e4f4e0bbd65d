// fclab's Node-only API: everything in 'fclab', plus files (run folders, .npy, state folders),
// PNG figures, the MNIST digits file, sweeps on a worker pool, the reproduction and the bench.
export * from './index.js';
export { readNpy, writeNpyAtomic, readRegularFile } from './node/npy.js';
export { openRunFolder, checkResumeFolder } from './node/run-folder.js';
export type { RunFolder } from './node/run-folder.js';
export { writeFileAtomic } from './node/atomic.js';
export { readStateFolder } from './node/state-folder.js';
export { writeRunOutputs } from './node/outputs.js';
export { loadMnistDigits } from './node/mnist-digits.js';
export { writeFigure } from './node/png.js';
export { runSweep, runPlan, mergeSweeps, readSweep } from './node/sweep.js';
export { planSweep, parseGridArg, parseShard, SweepError } from './sweep/plan.js';
export type { SweepSpec, SweepPlan, GridAxis, Shard } from './sweep/plan.js';
export type { SweepDoc, SweepOptions, SweepOutcome, SweepProgressEvent, MergeOptions, MergeOutcome } from './node/sweep.js';
export type { SweepReportProgress } from './node/sweep-report.js';
export { reproduce } from './node/reproduce.js';
export { FIGURE_IDS } from './paper/reproduce.js';
export type { FigureId, ReproducePlan } from './paper/reproduce.js';
export type { ReproduceOptions, ReproduceOutcome } from './node/reproduce.js';
export { reproduceTheoremAlone } from './node/reproduce-theorem.js';
export type { TheoremReproduceOptions, TheoremReproduceOutcome } from './node/reproduce-theorem.js';
export { runBench, formatReport } from './node/bench/index.js';
export { readJsonFile } from './node/config-file.js';
