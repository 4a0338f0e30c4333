import type { LayerOptions } from './layer.ts';
import { StochasticLayer, checkRate } from './stochastic.ts';
import { dropThreshold } from '../backend/random.ts';
import { ShapeError } from '../errors.ts';
import { shapeText, type Tensor } from '../tensor.ts';

/**
 * Dropout with one draw per (sample, last-axis unit), broadcast over the axes between: whole
 * feature maps of NHWC images (SpatialDropout2D) or whole features of a sequence [N, T, F]
 * (temporal dropout). Kept units are scaled by 1/(1 − rate); off at inference, on in Monte Carlo
 * prediction, identical on both backends (the counter RNG's bits of index n·units + u).
 */
export abstract class BroadcastDropout extends StochasticLayer {
  readonly rate: number;
  protected readonly threshold: number;
  protected readonly scale: number;
  /** what the inputs are and one sample's axes, for errors: 'images', '[height, width, channels]' */
  protected abstract readonly kind: string;
  protected abstract readonly sampleAxes: string[];

  constructor(rate: number, opts: LayerOptions, private readonly who: string) {
    super(opts);
    this.rate = checkRate(rate, who);
    this.threshold = dropThreshold(rate);
    this.scale = Math.fround(1 / (1 - rate));
  }

  override toString(): string {
    return `${this.who}(${this.rate})`;
  }

  override getConfig() {
    return { rate: this.rate };
  }

  override outputShape(inputShape: readonly number[]): number[] {
    if (inputShape.length !== this.sampleAxes.length)
      throw new ShapeError(`${this} takes ${this.kind}, [${this.sampleAxes.join(', ')}] per sample, but its input is ${shapeText(inputShape)} per sample`);
    return [...inputShape];
  }

  protected override checkInputs(x: Tensor): void {
    if (x.rank !== this.sampleAxes.length + 1) throw new ShapeError(`${this}.forward: expected ${this.kind} [batch, ${this.sampleAxes.join(', ')}], got ${x}`);
  }

  /** the last mask: 0 or 1/(1 − rate), the same along the broadcast axes */
  get binaryMask(): Tensor {
    return this.mask;
  }

  protected draw(x: Tensor, mask: Tensor, out: Tensor, counter: number): void {
    const n = x.shape[0], units = x.shape[x.rank - 1];
    this.backend.kernels.dropoutBroadcastForward(x.ptr, mask.ptr, out.ptr, n, x.size / (n * units), units, this.seed, counter, this.threshold, this.scale);
  }
}
