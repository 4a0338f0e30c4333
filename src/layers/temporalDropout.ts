import type { LayerOptions } from './layer.ts';
import { StochasticLayer, checkRate } from './stochastic.ts';
import { registerLayer } from './registry.ts';
import { dropThreshold } from '../backend/random.ts';
import { ShapeError } from '../errors.ts';
import type { Tensor } from '../tensor.ts';

/**
 * Temporal dropout (the seeds' dropout guide; Gal & Ghahramani 2016): on sequences
 * [batch, steps, features], one draw per sample and feature, of shape (batch, 1, features), shared
 * by every step, so the dropout does not break the temporal pattern. Kept features are scaled by
 * 1/(1 − rate); off at inference, on in Monte Carlo prediction, identical on both backends (the
 * counter RNG's bits of index n·features + f). Keras writes it Dropout(rate, noise_shape=(None, 1,
 * F)); that is what the TF.js export writes.
 */
export class LayerTemporalDropout extends StochasticLayer {
  readonly rate: number;
  private readonly threshold: number;
  private readonly scale: number;

  constructor(rate: number, opts: LayerOptions = {}) {
    super(opts);
    this.rate = checkRate(rate, 'LayerTemporalDropout');
    this.threshold = dropThreshold(rate);
    this.scale = Math.fround(1 / (1 - rate));
    this.drawSeed();
  }

  override toString(): string {
    return `LayerTemporalDropout(${this.rate})`;
  }

  override getConfig() {
    return { rate: this.rate };
  }

  override outputShape(inputShape: readonly number[]): number[] {
    if (inputShape.length !== 2) throw new ShapeError(`${this} takes sequences, [steps, features] per sample, but its input is ${inputShape.join('×')} per sample`);
    return [...inputShape];
  }

  protected override checkInputs(x: Tensor): void {
    if (x.rank !== 3) throw new ShapeError(`${this}.forward: expected sequences [batch, steps, features], got ${x}`);
  }

  protected draw(x: Tensor, mask: Tensor, out: Tensor, counter: number): void {
    const [n, steps, features] = x.shape;
    this.backend.kernels.dropoutBroadcastForward(x.ptr, mask.ptr, out.ptr, n, steps, features, this.seed, counter, this.threshold, this.scale);
  }
}

registerLayer('LayerTemporalDropout', LayerTemporalDropout, (c, opts) => new LayerTemporalDropout(c.rate as number, opts));
