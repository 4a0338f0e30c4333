import type { Kernels } from '../src/index.ts';

/**
 * The speed kernels (GEMM scratch, fused layer chains): src/backend/kernels/gemm.ts and
 * fused.ts.
 * test/fusion.test.ts compares each of them between the backends and against the unfused kernels
 * (and checks it covered this whole list); the contract test of test/backends.test.ts counts them
 * as covered from there.
 */
export const FUSED_KERNELS: readonly (keyof Kernels)[] = [
  'gemmScratchBytes', 'gemmScratch', 'denseReluForward', 'reluDropoutGate', 'denseChainForward', 'denseChainBackward',
];
