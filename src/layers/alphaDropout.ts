import type { LayerOptions } from './layer.ts';
import { StochasticLayer, checkRate } from './stochastic.ts';
import { registerLayer } from './registry.ts';
import type { Tensor } from '../tensor.ts';
import { dropThreshold } from '../backend/random.ts';
import { SELU_ALPHA, SELU_LAMBDA } from './seluTanh.ts';

/** SELU's negative saturation value −λα: alpha dropout sets dropped units to it */
export const ALPHA_PRIME = -SELU_LAMBDA * SELU_ALPHA;

/**
 * Alpha dropout (Klambauer et al., 2017), for self-normalizing (SELU) networks: dropped units are
 * set to SELU's saturation value α′ = −λα instead of 0, and the result is mapped by a·x + b so that
 * inputs of mean 0 and variance 1 keep mean 0 and variance 1:
 *   a = ((1 − rate)(1 + rate · α′²))^(−1/2),  b = −a · rate · α′.
 * Units are kept by the same Bernoulli rule as LayerDropout; at inference inputs pass through.
 */
export class LayerAlphaDropout extends StochasticLayer {
  readonly rate: number;
  readonly a: number;
  readonly b: number;
  /** what dropped units output: a·α′ + b */
  readonly dropped: number;
  private readonly threshold: number;

  constructor(rate: number, opts: LayerOptions = {}) {
    super(opts);
    this.rate = checkRate(rate, 'LayerAlphaDropout');
    const a = ((1 - rate) * (1 + rate * ALPHA_PRIME ** 2)) ** -0.5;
    const b = -a * rate * ALPHA_PRIME;
    [this.a, this.b, this.dropped] = [Math.fround(a), Math.fround(b), Math.fround(a * ALPHA_PRIME + b)];
    this.threshold = dropThreshold(rate);
    this.drawSeed();
  }

  override toString(): string {
    return `LayerAlphaDropout(${this.rate})`;
  }

  override getConfig() {
    return { rate: this.rate };
  }

  protected draw(x: Tensor, mask: Tensor, out: Tensor, counter: number): void {
    this.backend.kernels.alphaDropoutForward(x.ptr, mask.ptr, out.ptr, x.size, this.seed, counter, this.threshold, this.a, this.b, this.dropped);
  }
}

registerLayer('LayerAlphaDropout', LayerAlphaDropout, (c, opts) => new LayerAlphaDropout(c.rate as number, opts));
