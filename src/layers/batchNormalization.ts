import type { LayerConfig } from './layer.ts';
import { FeatureNormalization, normalizationOptions, type NormalizationOptions } from './normalization.ts';
import { registerLayer } from './registry.ts';
import { describe, type MatrixLike } from '../matrix.ts';
import type { Tensor } from '../tensor.ts';
import { ValueError } from '../errors.ts';

export interface BatchNormalizationOptions extends NormalizationOptions {
  /** how much of the moving statistics each training step keeps; default 0.99 (Keras's) */
  momentum?: number;
}

/**
 * Batch normalization (Ioffe & Szegedy, 2015) with Keras 3's semantics, over the last axis: one
 * mean and variance per feature, over every other axis (N for [N, C], N·H·W for NHWC images, N·T
 * for [N, T, F]).
 *
 * - Training (`forward(x, true)`, Model.fit): normalizes with the batch's mean and *biased*
 *   variance (divided by the count, not count − 1), then moves the running statistics:
 *   moving = moving · momentum + batch · (1 − momentum), the biased variance included. That is
 *   Keras 3 (`ops.moments`); Keras 2's fused TensorFlow kernel fed the moving variance the
 *   unbiased one instead, a factor n/(n − 1) that only matters for small batches.
 * - Inference (`forward(x, false)`: predict, evaluate, validation) normalizes with the moving
 *   statistics and changes nothing. Monte Carlo prediction (`predict(X, { mcSamples })`) runs
 *   dropout as in training but this layer as at inference (Layer.monteCarloPass).
 * - A batch of one in training (a single row of [1, C]; NHWC has H·W rows per image): as in
 *   Keras, allowed; the variance is 0, so x̂ = 0, the output is beta exactly, the input gradient
 *   is 0, and the moving variance decays towards 0 by (1 − momentum) per such step.
 *
 * For folding into a preceding Dense or Conv2D at inference: y = (x − movingMean) · invStd ·
 * gamma + beta with invStd = 1 / sqrt(movingVariance + epsilon), so scale = gamma · invStd and
 * shift = beta − movingMean · scale per output channel; `gamma`, `beta` (absent when `scale` /
 * `center` is false: 1 and 0), `movingMean`, `movingVariance` and `epsilon` are public.
 *
 * Sums are float64 in a fixed order (src/backend/kernels/norm.ts): both backends give the same bits.
 * The moving statistics are non-trainable state tensors: saved and loaded with the model, put back
 * when a training step fails, never touched by an optimizer.
 */
export class LayerBatchNormalization extends FeatureNormalization {
  readonly momentum: number;
  /** the running mean per feature (starts at 0) */
  movingMean!: Tensor;
  /** the running (biased) variance per feature (starts at 1) */
  movingVariance!: Tensor;
  /** whether the last forward normalized with the batch's statistics (backward differentiates through them) */
  private batchStats = false;
  /** the mean the last forward subtracted: the batch's or the moving one */
  private usedMean!: Tensor;

  constructor(opts: BatchNormalizationOptions = {}) {
    super(opts, 'LayerBatchNormalization');
    const { momentum = 0.99 } = opts;
    if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1)) throw new ValueError(`LayerBatchNormalization: momentum must be a number in [0, 1], got ${describe(momentum)}`);
    this.momentum = momentum;
    this.buildDeclared();
  }

  override toString(): string {
    return `LayerBatchNormalization(${this.channels ?? '?'})`;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), momentum: this.momentum };
  }

  protected override allocateState(c: number): void {
    [this.movingMean, this.movingVariance] = [this.buffer('moving mean', c), this.buffer('moving variance', c)];
    const k = this.backend.kernels;
    k.fill(this.movingMean.ptr, c, 0);
    k.fill(this.movingVariance.ptr, c, 1);
  }

  override stateTensors(): Tensor[] {
    return this.channels === undefined ? [] : [this.movingMean, this.movingVariance];
  }

  /** `training` (default true, as the library's other layers): batch statistics and a moving-average step; false: the moving statistics */
  forward(inputs: MatrixLike, training = true): void {
    this.forwardWith(inputs, training, false);
  }

  /** forward, with a ReLU after the norm fused in when `relu` (src/fusion.ts: BN → ReLU in one pass each way) */
  forwardWith(inputs: MatrixLike, training: boolean, relu: boolean): void {
    const [x, rows, c] = this.stageFeatures(inputs);
    this.inputs = x;
    const k = this.backend.kernels, y = this.ensureOutput(...x.shape), invStd = this.buffer('inv std', c);
    this.batchStats = training && !this.monteCarloPass;
    if (this.batchStats) {
      const mean = (this.usedMean = this.buffer('batch mean', c)), variance = this.buffer('batch variance', c);
      k.batchNormStats(x.ptr, mean.ptr, variance.ptr, this.work.ptr, rows, c);
      k.batchNormMovingUpdate(mean.ptr, variance.ptr, this.movingMean.ptr, this.movingVariance.ptr, c, this.momentum, 1 - this.momentum);
      k.batchNormInvStd(variance.ptr, invStd.ptr, c, this.epsilon);
    } else {
      this.usedMean = this.movingMean;
      k.batchNormInvStd(this.movingVariance.ptr, invStd.ptr, c, this.epsilon);
    }
    k.batchNormApply(x.ptr, y.ptr, rows, c, this.usedMean.ptr, invStd.ptr, this.gammaOrOnes.ptr, this.betaOrZeros.ptr, relu ? 1 : 0);
  }

  /**
   * Inference's fold into the Dense or Conv2D before this layer (src/inferencePlan.ts): with
   * a = gamma / sqrt(movingVariance + epsilon) per channel, wOut = w · a (w's last axis is the
   * channels) and bOut = (b − movingMean) · a + beta (b undefined: a layer without bias).
   */
  foldInto(w: Tensor, b: Tensor | undefined, wOut: Tensor, bOut: Tensor): void {
    const c = this.channels!, k = this.backend.kernels, invStd = this.buffer('fold inv std', c);
    k.batchNormInvStd(this.movingVariance.ptr, invStd.ptr, c, this.epsilon);
    k.batchNormFold(w.ptr, b?.ptr ?? 0, this.movingMean.ptr, invStd.ptr, this.gammaOrOnes.ptr, this.betaOrZeros.ptr, wOut.ptr, bOut.ptr, w.size / c, c);
  }

  /** through the batch's statistics after a training forward; through the constant moving ones after an inference forward */
  backward(dvalues: MatrixLike): void {
    this.backwardWith(dvalues, false);
  }

  /** backward; with `relu`, through the ReLU forwardWith fused in (dvalues is the gradient at the ReLU's output) */
  backwardWith(dvalues: MatrixLike, relu: boolean): void {
    const dv = this.stageDvalues(dvalues), x = this.inputs, c = this.channels!;
    const dx = this.computeDinputs ? this.ensureDinputs(...x.shape).ptr : 0;
    this.backend.kernels.batchNormBackward(x.ptr, dv.ptr, dx, x.size / c, c, this.usedMean.ptr, this.buffer('inv std', c).ptr, this.gammaOrOnes.ptr,
      this.dgammaOut.ptr, this.dbetaOut.ptr, this.work.ptr, this.batchStats ? 1 : 0, relu ? this.output.ptr : 0);
    this.regularizeGradients();
  }
}

registerLayer('LayerBatchNormalization', LayerBatchNormalization, (c, opts) => {
  const layer = new LayerBatchNormalization({ ...normalizationOptions(c), momentum: c.momentum as number, ...opts });
  if (c.channels !== undefined) layer.buildForChannels(c.channels as number);
  return layer;
});
