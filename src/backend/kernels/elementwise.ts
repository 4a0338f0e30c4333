import type { Ptr } from '../kernels.ts';

/** Memory moves and the activations: assembly/elementwise.ts, src/backend/js/elementwise.ts. */
export interface ElementwiseKernels {
  // ---- memory -------------------------------------------------------------------------------
  /** x[0..n) = value */
  fill(x: Ptr, n: number, value: number): void;
  /** dst[0..n) = src[0..n) (no overlap) */
  copy(src: Ptr, dst: Ptr, n: number): void;
  /** dst row r = src row idx[r] for r < rows; idx is int32; rows of `cols` floats */
  gatherRows(src: Ptr, idx: Ptr, dst: Ptr, rows: number, cols: number): void;
  /** number of NaN or ±Infinity among x[0..n) */
  countNonFinite(x: Ptr, n: number): number;
  /** c = a * b elementwise (dropout backward: dinputs = dvalues * mask); c may alias a or b */
  mul(a: Ptr, b: Ptr, c: Ptr, n: number): void;
  /** x[r][j] *= w[r] over rows × cols (the gradient of a loss with per-sample weights) */
  scaleRows(x: Ptr, w: Ptr, rows: number, cols: number): void;

  // ---- activations (y may alias x) ----------------------------------------------------------
  reluForward(x: Ptr, y: Ptr, n: number): void;
  /** dx = x > 0 ? dy : 0 (the book zeroes where inputs <= 0) */
  reluBackward(x: Ptr, dy: Ptr, dx: Ptr, n: number): void;
  /** y = 1 / (1 + exp(-x)) */
  sigmoidForward(x: Ptr, y: Ptr, n: number): void;
  /** dx = dy * (1 - y) * y, y being the forward output */
  sigmoidBackward(y: Ptr, dy: Ptr, dx: Ptr, n: number): void;
  /** row softmax: y = exp(x - max_row) / Σ exp(x - max_row) */
  softmaxForward(x: Ptr, y: Ptr, rows: number, cols: number): void;
  /** through the Jacobian: dx_i = y_i * (dy_i - Σ_j dy_j y_j), per row */
  softmaxBackward(y: Ptr, dy: Ptr, dx: Ptr, rows: number, cols: number): void;
}
