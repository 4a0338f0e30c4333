import type { Ptr } from '../kernels.ts';

/**
 * Batch and layer normalization: assembly/norm.ts, src/backend/js/norm.ts.
 *
 * Every kernel works on the 2-D view x [rows, cols] of an activation whose last axis is the
 * feature (channel) axis: cols = channels, rows = the product of the other axes (N for [N, C],
 * N·H·W for NHWC images, N·T for sequences). Batch normalization reduces over rows (per column),
 * layer normalization over cols (per row).
 *
 * Bit-for-bit agreement of the two backends (test/norm.kernels.test.ts):
 * - Every sum is accumulated in float64 in a fixed order: a column's sum over rows in row order
 *   (batch statistics, dgamma, dbeta); a row's sum over columns in four interleaved partial sums
 *   s[c mod 4], combined as (s0 + s1) + (s2 + s3) at the end (layer statistics, the per-row sums
 *   of layer-norm backward; four lanes let wasm run two f64x2 accumulators). float64 because a
 *   float32 sum over N·H·W ≈ 10⁵ rows drifts by ~1e-3 relative; products of two float32 values
 *   are exact in float64, so Σ dy·x̂ has no rounding beyond the additions.
 * - Variances are two-pass: the float64 mean first, then Σ (x − mean)² around it (no
 *   E[x²] − E[x]² cancellation when |mean| ≫ std).
 * - Everything elementwise is float32, operation by operation in the order written below, with
 *   no fused multiply-add in either wasm build. sqrt and division are correctly rounded on both
 *   sides; no transcendental function is used.
 * - `work` is scratch of 3·cols float64 (24·cols bytes, 8-byte aligned: a tensor of 6·cols
 *   floats) that a kernel overwrites; its contents afterwards are unspecified.
 * - Outputs never alias inputs unless a comment says so.
 *
 * Per element, with m = mean, s = invStd (float32, per column for batch norm, per row for layer
 * norm), γ and β per column:
 *     x̂ = (x − m) · s,   y = x̂ · γ + β
 * invStd = 1 / sqrt(variance + epsilon), in float32 (variance rounded to float32 first).
 */
export interface NormKernels {
  /**
   * Batch statistics: mean[c] = float32(Σ_r x / rows), variance[c] = float32(Σ_r (x − m64)² / rows)
   * with m64 the float64 mean: the biased variance, as Keras's BatchNormalization uses for both
   * normalizing and its moving variance.
   */
  batchNormStats(x: Ptr, mean: Ptr, variance: Ptr, work: Ptr, rows: number, cols: number): void;
  /** invStd[c] = 1 / sqrt(variance[c] + epsilon), float32 (invStd may alias variance) */
  batchNormInvStd(variance: Ptr, invStd: Ptr, cols: number, epsilon: number): void;
  /**
   * The moving averages, as Keras: moving = moving · momentum + batch · complement, float32 ops in
   * that order; `complement` is 1 − momentum computed in float64 by the caller (then float32).
   */
  batchNormMovingUpdate(mean: Ptr, variance: Ptr, movingMean: Ptr, movingVariance: Ptr, cols: number, momentum: number, complement: number): void;
  /**
   * y = ((x − mean[c]) · invStd[c]) · gamma[c] + beta[c] (training with batch statistics, inference
   * with moving ones); with `relu` 1, then y = y > 0 ? y : 0, reluForward's rule (a ReLU after the
   * norm fused in: the same bits as the two kernels)
   */
  batchNormApply(x: Ptr, y: Ptr, rows: number, cols: number, mean: Ptr, invStd: Ptr, gamma: Ptr, beta: Ptr, relu: number): void;
  /**
   * Inference's batch norm folded into the Dense or Conv2D before it (w [rows, cols], the output's
   * channels last; bias b, or 0 for none): with a[c] = gamma[c] · invStd[c],
   *     wOut[r, c] = w[r, c] · a[c],   bOut[c] = (b[c] − mean[c]) · a[c] + beta[c]
   * float32 operations in that order. x·wOut + bOut equals batchNormApply(x·w + b) up to rounding
   * (~1e-6 relative): Model's predict and evaluate use it; training never does.
   */
  batchNormFold(w: Ptr, b: Ptr, mean: Ptr, invStd: Ptr, gamma: Ptr, beta: Ptr, wOut: Ptr, bOut: Ptr, rows: number, cols: number): void;
  /**
   * Backward, x̂ recomputed from x as batchNormApply computes it. Pass 1 (float64 sums per column,
   * row order): dbeta[c] = Σ dy, dgamma[c] = Σ dy · x̂. Pass 2, skipped when dx is 0:
   *     dx = ((dy − b[c]) − x̂ · e[c]) · a[c]
   * with a = γ · invStd, and b = float32(Σ dy / rows), e = float32(Σ dy·x̂ / rows) when the forward
   * used the batch's statistics (`batchStats` 1: they depend on x), b = e = 0 when it used the
   * moving ones (`batchStats` 0: constants, so dx = dy · a). With a ReLU fused after the norm,
   * `reluOut` is its output and every dy reads as reluOut > 0 ? dy : 0 (reluBackward's rule) in
   * both passes; 0 for none.
   */
  batchNormBackward(x: Ptr, dy: Ptr, dx: Ptr, rows: number, cols: number, mean: Ptr, invStd: Ptr, gamma: Ptr,
    dgamma: Ptr, dbeta: Ptr, work: Ptr, batchStats: number, reluOut: Ptr): void;
  /**
   * Per row r: m64 = Σ_c x / cols, mean[r] = float32(m64), variance = Σ_c (x − m64)² / cols (both
   * float64 sums in the four-lane order), invStd[r] = 1 / sqrt(float32(variance) + epsilon); then
   * y = ((x − mean[r]) · invStd[r]) · gamma[c] + beta[c].
   */
  layerNormForward(x: Ptr, y: Ptr, rows: number, cols: number, gamma: Ptr, beta: Ptr, mean: Ptr, invStd: Ptr, epsilon: number): void;
  /**
   * Backward with mean and invStd as layerNormForward saved them. Per row, g = dy · γ (float32) and
   * the float64 four-lane sums G = Σ_c g, H = Σ_c g · x̂ give
   *     dx = ((g − float32(G / cols)) − x̂ · float32(H / cols)) · invStd[r]
   * (skipped when dx is 0); over all rows, in row order, dbeta[c] = Σ dy, dgamma[c] = Σ dy · x̂.
   */
  layerNormBackward(x: Ptr, dy: Ptr, dx: Ptr, rows: number, cols: number, mean: Ptr, invStd: Ptr, gamma: Ptr,
    dgamma: Ptr, dbeta: Ptr, work: Ptr): void;
}
