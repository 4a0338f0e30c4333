import type { Ptr } from '../kernels.ts';

/**
 * The regularization terms and the optimizers' updates, one fused pass per parameter tensor (the
 * book's update rules): assembly/optim.ts, src/backend/js/optim.ts. Decay rates arrive as their
 * complements computed in float64 (oneMinusRho = 1 - rho): float32(1 - 0.999) is accurate, while
 * 1 - float32(0.999) is off by 1.3e-5 relative.
 */
export interface OptimKernels {
  // ---- regularization -----------------------------------------------------------------------
  /** l1 Σ|w| + l2 Σ w², accumulated in float64 */
  regularizationPenalty(w: Ptr, n: number, l1: number, l2: number): number;
  /** dw += l1 · (w < 0 ? -1 : 1) + 2 l2 w (the book's dL1 is +1 at w = 0) */
  regularizationGrad(w: Ptr, dw: Ptr, n: number, l1: number, l2: number): void;

  // ---- optimizers ---------------------------------------------------------------------------
  /** w -= lr · dw */
  sgdUpdate(w: Ptr, dw: Ptr, n: number, lr: number): void;
  /** m = momentum · m - lr · dw; w += m */
  sgdMomentumUpdate(w: Ptr, dw: Ptr, m: Ptr, n: number, lr: number, momentum: number): void;
  /** cache += dw²; w -= lr · dw / (sqrt(cache) + eps) */
  adagradUpdate(w: Ptr, dw: Ptr, cache: Ptr, n: number, lr: number, eps: number): void;
  /** cache = rho · cache + (1 - rho) · dw²; w -= lr · dw / (sqrt(cache) + eps), rho = 1 - oneMinusRho */
  rmspropUpdate(w: Ptr, dw: Ptr, cache: Ptr, n: number, lr: number, eps: number, oneMinusRho: number): void;
  /**
   * m = b1 m + (1 - b1) dw; v = b2 v + (1 - b2) dw²;
   * w -= lr · (m / c1) / (sqrt(v / c2) + eps), with c1 = 1 - b1^t, c2 = 1 - b2^t (t = iterations + 1);
   * b1 = 1 - oneMinusBeta1, b2 = 1 - oneMinusBeta2
   */
  adamUpdate(w: Ptr, dw: Ptr, m: Ptr, v: Ptr, n: number, lr: number, oneMinusBeta1: number, oneMinusBeta2: number, eps: number, c1: number, c2: number): void;
}
