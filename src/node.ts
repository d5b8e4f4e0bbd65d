// Node-only additions to the library: files (.npy, run folders, state folders) and PNG figures.
export * from './index.js';
export { readNpy, writeNpyAtomic } from './node/npy.js';
export { writeFileAtomic } from './node/atomic.js';
export { readStateFolder, readTensors } from './node/state-folder.js';
export { writeRunOutputs } from './node/outputs.js';
export { loadMnistDigits, mnistDigitsDir } from './node/mnist-digits.js';
export { svgToPng, writeFigure } from './node/png.js';
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
} from './node/sweep.js';
export type { SweepDoc, SweepOptions, SweepOutcome, SweepProgressEvent, RunRecord, MergeOptions, MergeOutcome } from './node/sweep.js';
export { reproduce } from './node/reproduce.js';
export type { ReproduceOptions, ReproduceOutcome } from './node/reproduce.js';
export { writeDistillOutputs } from './node/outputs-distill.js';
export { reproduceDistill, distillCells } from './node/reproduce-distill.js';
export type { DistillReproduceOptions, DistillReproduceOutcome, DistillClaim } from './node/reproduce-distill.js';
