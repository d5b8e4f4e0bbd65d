// The demo page's live views of a feature-model run (web/main.ts): the decision slice, the neuron
// marks and small line charts, computed from the run's data and parameters; padded MNIST's weight images.
export { FeaturePlane, featureCoords, planeAxes, planeDirections, activationFn } from './plane.js';
export type { PlaneData, PlaneFrame, PlaneAxes } from './plane.js';
export { drawDecision, drawNeurons, drawLines, COLORS } from './draw.js';
export type { NeuronMarks, Series } from './draw.js';
export { drawWeightImages } from './weights.js';
export type { WeightImages } from './weights.js';
