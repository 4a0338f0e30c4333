import type { LayerOptions } from './layer.ts';
import { StochasticLayer, checkRate } from './stochastic.ts';
import { registerLayer } from './registry.ts';
import { dropThreshold } from '../backend/random.ts';
import { ShapeError } from '../errors.ts';
import { shapeText, type Tensor } from '../tensor.ts';
import { checkInput, type MatrixLike } from '../matrix.ts';

/**
 * SpatialDropout2D (Tompson et al., 2015; the seeds' dropout guide): one draw per sample and
 * channel of NHWC images, broadcast over height and width, so whole feature maps are dropped
 * (neighbouring pixels are too correlated for per-pixel dropout to regularize). Kept maps are
 * scaled by 1/(1 − rate); off at inference, on in Monte Carlo prediction, identical on both
 * backends (the counter RNG's bits of index n·channels + c).
 */
export class LayerSpatialDropout2D extends StochasticLayer {
  readonly rate: number;
  private readonly threshold: number;
  private readonly scale: number;

  constructor(rate: number, opts: LayerOptions = {}) {
    super(opts);
    this.rate = checkRate(rate, 'LayerSpatialDropout2D');
    this.threshold = dropThreshold(rate);
    this.scale = Math.fround(1 / (1 - rate));
    this.drawSeed();
  }

  override toString(): string {
    return `LayerSpatialDropout2D(${this.rate})`;
  }

  override getConfig() {
    return { rate: this.rate };
  }

  override outputShape(inputShape: readonly number[]): number[] {
    if (inputShape.length !== 3) throw new ShapeError(`${this} takes images, [height, width, channels] per sample (NHWC), but its input is ${inputShape.join('×')} per sample`);
    return [...inputShape];
  }

  /** the last mask: 0 or 1/(1 − rate), the same for every pixel of a (sample, channel) */
  get binaryMask(): Tensor {
    return this.mask;
  }

  protected override checkInputs(x: Tensor): void {
    if (x.rank !== 4) throw new ShapeError(`${this}.forward: expected images [batch, height, width, channels], got ${x}`);
  }

  /**
   * `mask`, if given (training only), replaces the random draw: one 0/1 keep value per sample and
   * channel ([batch, channels]), scaled by 1/(1 − rate) like a drawn one. For tests against fixed
   * masks (the NumPy reference).
   */
  override forward(inputs: MatrixLike, training = true, mask?: MatrixLike): void {
    if (mask === undefined || !training) return super.forward(inputs, training);
    const m = checkInput(mask, `${this}.forward mask`), x = checkInput(inputs, `${this}.forward inputs`);
    if (x.length !== 4 || shapeText(m) !== shapeText([x[0], x[3]]))
      throw new ShapeError(`${this}.forward: mask is ${shapeText(m)}, expected [batch, channels] = ${x[0]}×${x[3] ?? '?'}`);
    const keep = this.stageAs('given mask', mask, `${this}.forward mask`).toFloat32Array();
    const counter = this.counter; // a given mask is not a draw: the stream does not move
    this.given = keep;
    try {
      super.forward(inputs, true);
    } finally {
      [this.given, this.counter] = [undefined, counter];
    }
  }
  private given?: Float32Array;

  protected draw(x: Tensor, mask: Tensor, out: Tensor, counter: number): void {
    if (this.given) {
      const [n, h, w, c] = x.shape, m = mask.data, keep = this.given;
      for (let b = 0; b < n; b++) for (let s = 0; s < h * w; s++) for (let ch = 0; ch < c; ch++) m[(b * h * w + s) * c + ch] = keep[b * c + ch] ? this.scale : 0;
      this.backend.kernels.mul(x.ptr, mask.ptr, out.ptr, x.size);
      return;
    }
    const [n, h, w, c] = x.shape;
    this.backend.kernels.dropoutBroadcastForward(x.ptr, mask.ptr, out.ptr, n, h * w, c, this.seed, counter, this.threshold, this.scale);
  }
}

registerLayer('LayerSpatialDropout2D', LayerSpatialDropout2D, (c, opts) => new LayerSpatialDropout2D(c.rate as number, opts));
