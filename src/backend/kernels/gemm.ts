import type { Ptr } from '../kernels.ts';

/**
 * Matrix products for Dense forward and backward: assembly/gemm.ts (and its gemm* helper files),
 * src/backend/js/gemm.ts. Row-major; C is m×n; accumulate = 1 adds into C, 0 overwrites.
 */
export interface GemmKernels {
  /** C = A·B (+ bias broadcast over rows when bias != 0); A m×k, B k×n, bias n */
  gemmNN(a: Ptr, b: Ptr, bias: Ptr, c: Ptr, m: number, k: number, n: number, accumulate: number): void;
  /** C = Aᵀ·B; A is k×m, B is k×n (dweights = inputsᵀ·dvalues) */
  gemmTN(a: Ptr, b: Ptr, c: Ptr, m: number, k: number, n: number, accumulate: number): void;
  /** C = A·Bᵀ; A is m×k, B is n×k (dinputs = dvalues·weightsᵀ) */
  gemmNT(a: Ptr, b: Ptr, c: Ptr, m: number, k: number, n: number, accumulate: number): void;
  /** out[j] = Σ_r x[r][j] over rows (dbiases); accumulate=1 adds into out */
  colSums(x: Ptr, out: Ptr, rows: number, cols: number, accumulate: number): void;
  /** bytes of scratch the GEMM kernels pack panels into (0: they need none) */
  gemmScratchBytes(): number;
  /**
   * Hand the GEMM kernels their scratch block (allocated once per backend, TS-side, at least
   * gemmScratchBytes()); ptr 0 turns packing off. Results do not depend on it, only speed.
   */
  gemmScratch(ptr: Ptr, bytes: number): void;
}
