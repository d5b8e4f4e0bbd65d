// Node-only additions to the library: files (.npy, run folders, state folders) and PNG figures.
export * from './index.js';
export { readNpy, writeNpyAtomic } from './io/npy-node.js';
export { writeFileAtomic } from './io/atomic-node.js';
export { readStateFolder, readTensors } from './io/state-folder.js';
export { writeRunOutputs } from './experiments/outputs-node.js';
export { loadMnistDigits, mnistDigitsFile } from './data/mnist-node.js';
export { svgToPng, writeFigure } from './report/png-node.js';
export {
  runSweep,
  runPlan,
  mergeSweeps,
  readSweep,
  sweepJson,
  sweepCsv,
  parseMetricsCsv,
  packageRoot,
  workerFile,
  SWEEP_JSON,
  SWEEP_CSV,
} from './experiments/sweep-node.js';
export type { SweepDoc, SweepOptions, SweepOutcome, SweepProgressEvent, RunRecord, MergeOptions, MergeOutcome } from './experiments/sweep-node.js';
export { reproduce } from './experiments/reproduce-node.js';
export type { ReproduceOptions, ReproduceOutcome } from './experiments/reproduce-node.js';
export { writeDistillOutputs } from './experiments/distill-outputs-node.js';
export { reproduceDistill, distillCells } from './experiments/distill-reproduce-node.js';
export type { DistillReproduceOptions, DistillReproduceOutcome, DistillClaim } from './experiments/distill-reproduce-node.js';
