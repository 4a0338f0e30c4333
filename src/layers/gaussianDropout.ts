import type { LayerOptions } from './layer.ts';
import { StochasticLayer, checkRate } from './stochastic.ts';
import { registerLayer } from './registry.ts';
import type { Tensor } from '../tensor.ts';

/**
 * Gaussian dropout: while training, inputs are multiplied by noise drawn from N(1, rate/(1 − rate)),
 * the variance of inverted Bernoulli dropout at the same rate; at inference inputs pass through.
 * The normals are the float32 quantiles of src/backend/mathf32.ts, identical on both backends.
 */
export class LayerGaussianDropout extends StochasticLayer {
  readonly rate: number;
  /** the noise's standard deviation, sqrt(rate / (1 − rate)) */
  readonly sigma: number;

  constructor(rate: number, opts: LayerOptions = {}) {
    super(opts);
    this.rate = checkRate(rate, 'LayerGaussianDropout');
    this.sigma = Math.fround(Math.sqrt(rate / (1 - rate)));
    this.drawSeed();
  }

  override toString(): string {
    return `LayerGaussianDropout(${this.rate})`;
  }

  override getConfig() {
    return { rate: this.rate };
  }

  /** the last noise, 1 + sigma · N(0, 1) per element */
  get noise(): Tensor {
    return this.mask;
  }

  protected draw(x: Tensor, noise: Tensor, out: Tensor, counter: number): void {
    this.backend.kernels.gaussianDropoutForward(x.ptr, noise.ptr, out.ptr, x.size, this.seed, counter, this.sigma);
  }
}

registerLayer('LayerGaussianDropout', LayerGaussianDropout, (c, opts) => new LayerGaussianDropout(c.rate as number, opts));
