import { FeatureNormalization, normalizationOptions, type NormalizationOptions } from './normalization.ts';
import { registerLayer } from './registry.ts';
import type { MatrixLike } from '../matrix.ts';

/**
 * Layer normalization (Ba, Kiros & Hinton, 2016) as Keras's LayerNormalization with its default
 * axis -1: every row of the last axis (each sample of [N, F]; each time step of [N, T, F]; each
 * pixel of NHWC images) is normalized by its own mean and biased variance, then scaled by gamma
 * and shifted by beta, one per feature. Nothing depends on the other samples, so training and
 * inference are the same computation, a batch of one is an ordinary batch, and there is no state.
 * A single feature (F = 1) has variance 0: its output is beta. Sums are float64 in a fixed order
 * (src/backend/kernels/norm.ts): both backends give the same bits.
 */
export class LayerLayerNormalization extends FeatureNormalization {
  constructor(opts: NormalizationOptions = {}) {
    super(opts, 'LayerLayerNormalization');
    this.buildDeclared();
  }

  override toString(): string {
    return `LayerLayerNormalization(${this.channels ?? '?'})`;
  }

  forward(inputs: MatrixLike): void {
    const [x, rows, c] = this.stageFeatures(inputs);
    this.inputs = x;
    const y = this.ensureOutput(...x.shape);
    this.backend.kernels.layerNormForward(x.ptr, y.ptr, rows, c, this.gammaOrOnes.ptr, this.betaOrZeros.ptr,
      this.buffer('row mean', rows).ptr, this.buffer('row inv std', rows).ptr, this.epsilon);
  }

  backward(dvalues: MatrixLike): void {
    const dv = this.stageDvalues(dvalues), x = this.inputs, c = this.channels!, rows = x.size / c;
    const dx = this.computeDinputs ? this.ensureDinputs(...x.shape).ptr : 0;
    this.backend.kernels.layerNormBackward(x.ptr, dv.ptr, dx, rows, c, this.buffer('row mean', rows).ptr, this.buffer('row inv std', rows).ptr,
      this.gammaOrOnes.ptr, this.dgammaOut.ptr, this.dbetaOut.ptr, this.work.ptr);
    this.regularizeGradients();
  }
}

registerLayer('LayerLayerNormalization', LayerLayerNormalization, (c, opts) => {
  const layer = new LayerLayerNormalization({ ...normalizationOptions(c), ...opts });
  if (c.channels !== undefined) layer.buildForChannels(c.channels as number);
  return layer;
});
