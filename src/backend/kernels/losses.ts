import type { Ptr } from '../kernels.ts';

/**
 * Losses, their gradients and the accuracy counts: assembly/losses.ts, src/backend/js/losses.ts.
 * Losses return float64 sums; `scale` folds the book's normalizations. Accuracy kernels return
 * counts of correct samples.
 */
export interface LossKernels {
  // ---- losses -------------------------------------------------------------------------------
  /**
   * Σ_rows w_r · -log(clip(p_true)); p_true = y[r][label] or Σ_j clip(y[r][j]) t[r][j] for
   * one-hot. `weights`: a float per row (Model's sampleWeight, classWeight), or 0 for all ones
   */
  cceLoss(y: Ptr, labels: Ptr, rows: number, cols: number, oneHot: number, weights: Ptr): number;
  /** dx = -t / y / rows (unclipped, as the book) */
  cceBackward(y: Ptr, labels: Ptr, dx: Ptr, rows: number, cols: number, oneHot: number): void;
  /** fused Softmax + CCE: dx = (y - t) / rows */
  softmaxCceBackward(y: Ptr, labels: Ptr, dx: Ptr, rows: number, cols: number, oneHot: number): void;
  /**
   * Σ -(t log(clip y) + (1-t) log(1 - clip y)) over n elements; with `weights` (≠ 0) each row of
   * `cols` elements is summed alone and added times its weight
   */
  bceLoss(y: Ptr, t: Ptr, n: number, cols: number, weights: Ptr): number;
  /** dx = -(t / clip y - (1-t) / (1 - clip y)) * scale, scale = 1 / (cols · rows) */
  bceBackward(y: Ptr, t: Ptr, dx: Ptr, n: number, scale: number): void;
  /** Σ (t - y)² over n elements; weights as bceLoss */
  mseLoss(y: Ptr, t: Ptr, n: number, cols: number, weights: Ptr): number;
  /** dx = -2 (t - y) * scale, scale = 1 / (cols · rows) */
  mseBackward(y: Ptr, t: Ptr, dx: Ptr, n: number, scale: number): void;
  /** Σ |t - y| over n elements; weights as bceLoss */
  maeLoss(y: Ptr, t: Ptr, n: number, cols: number, weights: Ptr): number;
  /**
   * dx = sign(y - t) * scale (sign(0) = 0, as np.sign): the true derivative of |t - y|. The book
   * prints np.sign(y_true - dvalues), the opposite sign, which would climb the loss.
   */
  maeBackward(y: Ptr, t: Ptr, dx: Ptr, n: number, scale: number): void;

  // ---- accuracy -----------------------------------------------------------------------------
  /** argmax(y[r]) (first maximum wins, as np.argmax) == label (argmax of t[r] when one-hot) */
  categoricalCorrect(y: Ptr, labels: Ptr, rows: number, cols: number, oneHot: number): number;
  /** elements where (y > 0.5 ? 1 : 0) == t */
  binaryCorrect(y: Ptr, t: Ptr, n: number): number;
  /** elements where |y - t| < precision */
  regressionCorrect(y: Ptr, t: Ptr, n: number, precision: number): number;
  /** at threshold 0.5: which 0 counts y > 0.5 ∧ t > 0.5, 1 counts y > 0.5, 2 counts t > 0.5 (precision and recall) */
  binaryCounts(y: Ptr, t: Ptr, n: number, which: number): number;
  /** rows whose class (index, or the one-hot row's argmax) has fewer than k scores above it */
  topKCorrect(y: Ptr, labels: Ptr, rows: number, cols: number, k: number, oneHot: number): number;
}
