/**
 * The kernel contract: every numeric loop of nnwasm, listed once.
 *
 * Each kernel exists twice with this exact signature: as an AssemblyScript export compiled to SIMD
 * WebAssembly (assembly/*.ts) and as a plain-TS twin (src/backend/js/*.ts). The twin is the oracle
 * in tests and the "pure JS" baseline in benchmarks.
 *
 * Conventions, shared by both implementations:
 * - Every `Ptr` is a byte offset into the backend's one linear memory. Tensors are float32,
 *   row-major, and start on a 64-byte boundary; index buffers (gatherRows) are int32.
 * - Kernels never allocate. Output may alias input only where a comment says so.
 * - Sparse labels are float32 class indices (one column); one-hot labels are float32 rows.
 *   `oneHot` is 0 or 1. Range checks happen in TypeScript before a kernel ever sees labels.
 * - Reductions that feed reported losses accumulate in float64 and return the raw sum; the
 *   caller divides (the book's means).
 * - The cross-entropies clip predictions to [1e-7, 1 - 1e-7] as the book does.
 */
export type Ptr = number;

export interface Kernels {
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

  // ---- GEMM (row-major; C is m×n; accumulate=1 adds into C, 0 overwrites) -----------------
  /** C = A·B (+ bias broadcast over rows when bias != 0); A m×k, B k×n, bias n */
  gemmNN(a: Ptr, b: Ptr, bias: Ptr, c: Ptr, m: number, k: number, n: number, accumulate: number): void;
  /** C = Aᵀ·B; A is k×m, B is k×n (dweights = inputsᵀ·dvalues) */
  gemmTN(a: Ptr, b: Ptr, c: Ptr, m: number, k: number, n: number, accumulate: number): void;
  /** C = A·Bᵀ; A is m×k, B is n×k (dinputs = dvalues·weightsᵀ) */
  gemmNT(a: Ptr, b: Ptr, c: Ptr, m: number, k: number, n: number, accumulate: number): void;
  /** out[j] = Σ_r x[r][j] over rows (dbiases); accumulate=1 adds into out */
  colSums(x: Ptr, out: Ptr, rows: number, cols: number, accumulate: number): void;

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

  // ---- dropout ------------------------------------------------------------------------------
  /**
   * Draws the mask from the counter-based RNG (see dropoutBits in src/backend/random.ts):
   * mask[i] = (bits(seed, counter, i) >>> 8) >= threshold ? scale : 0, y = x * mask.
   * threshold = round(rate · 2^24), scale = fround(1 / (1 - rate)). y may alias x.
   */
  dropoutForward(x: Ptr, mask: Ptr, y: Ptr, n: number, seed: number, counter: number, threshold: number, scale: number): void;

  // ---- losses (return float64 sums; `scale` folds the book's normalizations) ----------------
  /** Σ_rows -log(clip(p_true)); p_true = y[r][label] or Σ_j clip(y[r][j]) t[r][j] for one-hot */
  cceLoss(y: Ptr, labels: Ptr, rows: number, cols: number, oneHot: number): number;
  /** dx = -t / y / rows (unclipped, as the book) */
  cceBackward(y: Ptr, labels: Ptr, dx: Ptr, rows: number, cols: number, oneHot: number): void;
  /** fused Softmax + CCE: dx = (y - t) / rows */
  softmaxCceBackward(y: Ptr, labels: Ptr, dx: Ptr, rows: number, cols: number, oneHot: number): void;
  /** Σ -(t log(clip y) + (1-t) log(1 - clip y)) over n elements */
  bceLoss(y: Ptr, t: Ptr, n: number): number;
  /** dx = -(t / clip y - (1-t) / (1 - clip y)) * scale, scale = 1 / (cols · rows) */
  bceBackward(y: Ptr, t: Ptr, dx: Ptr, n: number, scale: number): void;
  /** Σ (t - y)² over n elements */
  mseLoss(y: Ptr, t: Ptr, n: number): number;
  /** dx = -2 (t - y) * scale, scale = 1 / (cols · rows) */
  mseBackward(y: Ptr, t: Ptr, dx: Ptr, n: number, scale: number): void;
  /** Σ |t - y| over n elements */
  maeLoss(y: Ptr, t: Ptr, n: number): number;
  /**
   * dx = sign(y - t) * scale (sign(0) = 0, as np.sign): the true derivative of |t - y|. The book
   * prints np.sign(y_true - dvalues), the opposite sign, which would climb the loss.
   */
  maeBackward(y: Ptr, t: Ptr, dx: Ptr, n: number, scale: number): void;

  // ---- accuracy (return counts of correct samples) ------------------------------------------
  /** argmax(y[r]) (first maximum wins, as np.argmax) == label (argmax of t[r] when one-hot) */
  categoricalCorrect(y: Ptr, labels: Ptr, rows: number, cols: number, oneHot: number): number;
  /** elements where (y > 0.5 ? 1 : 0) == t */
  binaryCorrect(y: Ptr, t: Ptr, n: number): number;
  /** elements where |y - t| < precision */
  regressionCorrect(y: Ptr, t: Ptr, n: number, precision: number): number;

  // ---- regularization -----------------------------------------------------------------------
  /** l1 Σ|w| + l2 Σ w², accumulated in float64 */
  regularizationPenalty(w: Ptr, n: number, l1: number, l2: number): number;
  /** dw += l1 · (w < 0 ? -1 : 1) + 2 l2 w (the book's dL1 is +1 at w = 0) */
  regularizationGrad(w: Ptr, dw: Ptr, n: number, l1: number, l2: number): void;

  // ---- optimizers: one fused pass per parameter tensor, the book's update rules --------------
  // Decay rates arrive as their complements computed in float64 (oneMinusRho = 1 - rho):
  // float32(1 - 0.999) is accurate, while 1 - float32(0.999) is off by 1.3e-5 relative.
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

export type KernelName = keyof Kernels;
