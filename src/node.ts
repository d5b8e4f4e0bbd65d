// Node-only additions to the library: files (.npy, run folders, state folders) and PNG figures.
export * from './index.js';
export { readNpy, writeNpyAtomic } from './io/npy-node.js';
export { writeFileAtomic } from './io/atomic-node.js';
export { readStateFolder, readTensors } from './io/state-folder.js';
export { writeRunOutputs } from './experiments/outputs-node.js';
export { svgToPng, writeFigure } from './report/png-node.js';
