// nnwasm kernels: the AssemblyScript side of src/backend/kernels.ts, one export per kernel and no
// other export but heapBase (test/contract.test.ts checks both builds against the js twins).
// Pointers are byte offsets into this module's memory; the TS side allocates above heapBase().

export { fill, copy, gatherRows, countNonFinite, mul, scaleRows } from "./elementwise";
export { reluForward, reluBackward, sigmoidForward, sigmoidBackward, softmaxForward, softmaxBackward } from "./elementwise";
export { gemmNN, gemmTN, gemmNT, colSums, gemmScratch, gemmScratchBytes } from "./gemm";
export { dropoutForward, dropoutBroadcastForward } from "./dropout";
// images: the convolution's data movement (its arithmetic is the GEMM's) and pooling
export { im2col, col2im, conv2dForward, conv2dMaxPoolForward, conv2dBackwardKernel, conv2dBackwardInput } from "./conv";
export {
  maxPoolForward, maxPoolBackward, avgPoolForward, avgPoolBackward, globalAvgPoolForward, globalAvgPoolBackward,
} from "./pool";
// batch and layer normalization
export {
  batchNormStats, batchNormInvStd, batchNormMovingUpdate, batchNormApply, batchNormFold, batchNormBackward, layerNormForward, layerNormBackward,
} from "./norm";
// fused layer chains (src/fusion.ts)
export { denseReluForward, reluDropoutGate, denseChainForward, denseChainBackward } from "./fused";
// the dropout family
export {
  scale, exactDropoutForward, gaussianDropoutForward, alphaDropoutForward, concreteDropoutForward, concreteDropoutBackward,
  adaptiveImportanceUpdate, adaptiveDropoutRates, columnDropoutForward, momentsUpdate, momentsStd,
} from "./dropoutVariants";
export { seluForward, seluBackward, tanhForward, tanhBackward } from "./seluTanh";
export {
  cceLoss, cceBackward, softmaxCceBackward, bceLoss, bceBackward, mseLoss, mseBackward, maeLoss, maeBackward,
  categoricalCorrect, binaryCorrect, regressionCorrect, binaryCounts, topKCorrect,
} from "./losses";
// recurrent layers: SimpleRNN, LSTM, GRU, forward and backpropagation through time in one call each
export { simpleRnnForward, simpleRnnBackward, lstmForward, lstmBackward, gruForward, gruBackward } from "./recurrent";
export {
  regularizationPenalty, regularizationGrad,
  sgdUpdate, sgdMomentumUpdate, adagradUpdate, rmspropUpdate, adamUpdate,
} from "./optim";

/** first free byte of linear memory (static data ends here; the stub runtime never allocates) */
export function heapBase(): usize {
  return __heap_base;
}
