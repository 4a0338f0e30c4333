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

export interface Kernels extends ImageKernels {
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
  /** bytes of scratch the GEMM kernels pack panels into (0: they need none) */
  gemmScratchBytes(): number;
  /**
   * Hand the GEMM kernels their scratch block (allocated once per backend, TS-side, at least
   * gemmScratchBytes()); ptr 0 turns packing off. Results do not depend on it, only speed.
   */
  gemmScratch(ptr: Ptr, bytes: number): void;

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
  /**
   * dropoutForward with one draw per (o, i) broadcast over `mid`: x is outer×mid×inner, the draw of
   * (o, i) uses the bits of index o·inner + i (SpatialDropout2D on NHWC: outer N, mid H·W, inner C).
   */
  dropoutBroadcastForward(x: Ptr, mask: Ptr, y: Ptr, outer: number, mid: number, inner: number, seed: number, counter: number, threshold: number, scale: number): void;

  // ---- dropout family (issue 5): variants, Monte Carlo prediction, SELU / tanh ---------------
  // Files: assembly/dropoutVariants.ts + assembly/seluTanh.ts, twins in src/backend/js/ (same
  // names). Noise is a function of (seed, counter, index) through streamBits, as dropoutForward's;
  // "bits_i" below is streamBits(streamKey(seed, counter), i). Normals and the concrete relaxation
  // use src/backend/mathf32.ts (float32 log / exp / normal quantile from + − × ÷ sqrt only), so
  // every kernel of this section agrees bit for bit between backends, except the SELU / tanh
  // forward passes (f64 expm1 / tanh rounded once: ≤ 1 float32 ulp apart).
  /** y = x · s (scale-down dropout at inference: x · keep probability); y may alias x */
  scale(x: Ptr, y: Ptr, n: number, s: number): void;
  /**
   * Exact-count dropout: in every row of `cols`, exactly `drop` units get mask 0 and the others
   * `keepScale`; the dropped subset is uniform (Knuth's selection sampling: unit j is dropped when
   * floor(bits_i · (cols − j) / 2^32) < the number still to drop). y = x · mask. cols ≤ 2^21.
   */
  exactDropoutForward(x: Ptr, mask: Ptr, y: Ptr, rows: number, cols: number, seed: number, counter: number, drop: number, keepScale: number): void;
  /** Gaussian dropout: noise[i] = 1 + sigma · Φ⁻¹(uniformOpen(bits_i)) (mathf32.ts), y = x · noise */
  gaussianDropoutForward(x: Ptr, noise: Ptr, y: Ptr, n: number, seed: number, counter: number, sigma: number): void;
  /**
   * Alpha dropout: kept by dropoutForward's rule ((bits_i >>> 8) ≥ threshold): y = a·x + b, mask = a;
   * dropped: y = dropped (a·α′ + b), mask = 0. So dinputs = dvalues · mask.
   */
  alphaDropoutForward(x: Ptr, mask: Ptr, y: Ptr, n: number, seed: number, counter: number, threshold: number, a: number, b: number, dropped: number): void;
  /**
   * Concrete dropout (relaxed Bernoulli): u = uniformOpen(bits_i),
   * z = 1 / (1 + expf(−(logit + (logf(u) − logf(1 − u))) · invTemperature)), mask = (1 − z) · invKeep, y = x · mask.
   */
  concreteDropoutForward(x: Ptr, mask: Ptr, y: Ptr, n: number, seed: number, counter: number, logit: number, invTemperature: number, invKeep: number): void;
  /**
   * dinputs = dvalues · mask, and returns Σ dvalues · output · (p − z · invTemperature) in float64
   * with z = 1 − mask · keep: ∂(Σ dvalues · output)/∂logit (see LayerConcreteDropout).
   */
  concreteDropoutBackward(dvalues: Ptr, mask: Ptr, output: Ptr, dinputs: Ptr, n: number, p: number, keep: number, invTemperature: number): number;
  /** importance[j] = oneMinusA · importance[j] + a · (Σ_r |x[r][j]|) / rows (column sums in float32, row order) */
  adaptiveImportanceUpdate(x: Ptr, importance: Ptr, rows: number, cols: number, a: number, oneMinusA: number): void;
  /**
   * rates[j] = rate · (1 − importance[j] / max_j importance) (rate everywhere when the max is 0);
   * thresholds[j] = floor(rates[j] · 2^24 + 0.5) and scales[j] = 1 / (1 − rates[j]), as float32
   */
  adaptiveDropoutRates(importance: Ptr, rates: Ptr, thresholds: Ptr, scales: Ptr, cols: number, rate: number): void;
  /** per-column dropout: mask[r][j] = (bits_i >>> 8) ≥ thresholds[j] ? scales[j] : 0, y = x · mask */
  columnDropoutForward(x: Ptr, thresholds: Ptr, scales: Ptr, mask: Ptr, y: Ptr, rows: number, cols: number, seed: number, counter: number): void;
  /** Welford step `count` (1-based) of Monte Carlo prediction: d = x − mean; mean += d / count; m2 += d · (x − mean) */
  momentsUpdate(x: Ptr, mean: Ptr, m2: Ptr, n: number, count: number): void;
  /** std = sqrt(m2 / count), the population standard deviation over `count` passes; std may alias m2 */
  momentsStd(m2: Ptr, std: Ptr, n: number, count: number): void;
  /** SELU: y = λx for x > 0, λα(eˣ − 1) otherwise (λ ≈ 1.0507, α ≈ 1.6733); y may alias x */
  seluForward(x: Ptr, y: Ptr, n: number): void;
  /** dx = dy · (x > 0 ? λ : y + λα), y being the forward output */
  seluBackward(x: Ptr, y: Ptr, dy: Ptr, dx: Ptr, n: number): void;
  /** y = tanh(x); y may alias x */
  tanhForward(x: Ptr, y: Ptr, n: number): void;
  /** dx = dy · (1 − y²), y being the forward output */
  tanhBackward(y: Ptr, dy: Ptr, dx: Ptr, n: number): void;

  // ---- fused chains (issue 3, src/fusion.ts): Dense → ReLU → Dropout in one pass each way ------------
  // Each equals the unfused kernels it replaces, operation for operation (see assembly/fused.ts);
  // the dropout arguments are dropoutForward's (threshold 0 and scale 1: no dropout).
  /** y = dropout(relu(x·w + bias)); x m×k, w k×n: gemmNN with ReLU and the mask in its epilogue */
  denseReluForward(x: Ptr, w: Ptr, bias: Ptr, y: Ptr, m: number, k: number, n: number, seed: number, counter: number, threshold: number, scale: number): void;
  /**
   * Backward of ReLU → Dropout from the chain's output y: dz = y > 0 ? dy · scale : 0 and
   * db = Σ_rows dz (overwritten; the Dense layer's dbiases), one pass. dz may alias dy.
   */
  reluDropoutGate(y: Ptr, dy: Ptr, dz: Ptr, db: Ptr, rows: number, cols: number, scale: number): void;
  /**
   * Dense(k→hd) → ReLU → Dropout → Dense(hd→n) forward in one pass over the rows, for k ≤ 4,
   * n ≤ 3, hd ≥ 8: h = dropout(relu(x·w1 + b1)) (m×hd), z = h·w2 + b2 (m×n). scratch: 12·hd floats.
   */
  denseChainForward(x: Ptr, w1: Ptr, b1: Ptr, h: Ptr, w2: Ptr, b2: Ptr, z: Ptr, m: number, k: number, hd: number, n: number,
    seed: number, counter: number, threshold: number, scale: number, scratch: Ptr): void;
  /**
   * Its backward in one pass, given dz = ∂loss/∂z (m×n): dw2 = hᵀ·dz; g = (dz·w2ᵀ) gated as
   * reluDropoutGate; dw1 = xᵀ·g; db1 = Σ_rows g (all overwritten); g into dh1 unless dh1 = 0.
   * db2 = colSums(dz) is left to the caller. scratch: 12·hd floats.
   */
  denseChainBackward(x: Ptr, h: Ptr, w2: Ptr, dz: Ptr, dw1: Ptr, db1: Ptr, dw2: Ptr, dh1: Ptr, m: number, k: number, hd: number, n: number,
    scale: number, scratch: Ptr): void;

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

// ---- images (NHWC): convolution's data movement and pooling ------------------------------------
// Geometry: an n×h×w×c image, a window kh×kw (ph×pw) with strides sh×sw, dilation dh×dw
// (convolution only) and padding top/left; output pixel (b, i, j) reads input row
// i·sh + p·dh − padTop and column j·sw + q·dw − padLeft for window position (p, q). The shape math
// (output size, padding) lives in TS (src/layers/convGeometry.ts); kernels take its results.
export interface ImageKernels {
  /** cols[(b·oh + i)·ow + j][(p·kw + q)·c + ch] = x at window position (p, q), channel ch; 0 outside the image */
  im2col(x: Ptr, cols: Ptr, n: number, h: number, w: number, c: number, kh: number, kw: number,
    sh: number, sw: number, dh: number, dw: number, padTop: number, padLeft: number, oh: number, ow: number): void;
  /** dx = 0, then every row of cols is added onto the positions im2col read it from, rows in order */
  col2im(cols: Ptr, dx: Ptr, n: number, h: number, w: number, c: number, kh: number, kw: number,
    sh: number, sw: number, dh: number, dw: number, padTop: number, padLeft: number, oh: number, ow: number): void;
  /** y = the max of the window's positions inside the image; argmax (int32) = x's flat index of the first max (row-major window order) */
  maxPoolForward(x: Ptr, y: Ptr, argmax: Ptr, n: number, h: number, w: number, c: number, ph: number, pw: number,
    sh: number, sw: number, padTop: number, padLeft: number, oh: number, ow: number): void;
  /** dx[0..inputs) = 0, then dx[argmax[e]] += dy[e] for e in order */
  maxPoolBackward(dy: Ptr, argmax: Ptr, dx: Ptr, outputs: number, inputs: number): void;
  /** y = the mean of the window's positions inside the image (padding is not counted), summed in window order */
  avgPoolForward(x: Ptr, y: Ptr, n: number, h: number, w: number, c: number, ph: number, pw: number,
    sh: number, sw: number, padTop: number, padLeft: number, oh: number, ow: number): void;
  /** dx = 0, then each dy / count is added to the positions its output averaged, outputs in order */
  avgPoolBackward(dy: Ptr, dx: Ptr, n: number, h: number, w: number, c: number, ph: number, pw: number,
    sh: number, sw: number, padTop: number, padLeft: number, oh: number, ow: number): void;
  /** y[b, ch] = Σ_s x[b, s, ch] / hw (s over the hw positions, in order) */
  globalAvgPoolForward(x: Ptr, y: Ptr, n: number, hw: number, c: number): void;
  /** dx[b, s, ch] = dy[b, ch] / hw */
  globalAvgPoolBackward(dy: Ptr, dx: Ptr, n: number, hw: number, c: number): void;
}

export type KernelName = keyof Kernels;
