// The fclab WebAssembly module: numerical kernels over raw pointers into linear memory.
// The engine (src/engine) owns every buffer; nothing here allocates after setup.
export { rngSeed, rngNext, rngBelow, fillUniform, fillNormal, fillNormal64, fillSphere, shuffleU32 } from "./rng";
export { orthonormalRows, orthonormalWorkBytes } from "./linalg";
export { gemm, transpose, transposeBlock, colSum, colSumStrided } from "./gemm";
export { actForward, actBackward } from "./act";
export { erf, normalCdf } from "./erf";
export { lossSum, lossGrad, lossGradRows, countCorrect, lossGradRowsC, lossSumC, countCorrectC } from "./loss";
export { sgdUpdate, adamUpdate } from "./optim";
// Networks, feature-coordinate and online state: records the engine writes (state.ts), by pointer.
export { netSyncWeights, netForward, netLossSum, netCountCorrect, netGradient, netTrain, netTrainBatches } from "./net";
export { featInit, featMaterialize, featGradInput } from "./feat";
export { onlineDraw, onlineTrain } from "./online";
export { parSetThreads, parSetActive, parSetMinRows, parSetDelay, parThreads, parWorker, parExit, parGeneration } from "./par";
export { setThreadIndex } from "./thread";

/** Reserve bytes (16-byte aligned) for the engine; memory grows as needed. */
export function alloc(bytes: usize): usize {
  return heap.alloc(bytes);
}

/** The module's feature set, so a caller can record which build ran. */
export function simdEnabled(): bool {
  return ASC_FEATURE_SIMD;
}
