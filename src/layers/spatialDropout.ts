import type { LayerOptions } from './layer.ts';
import { BroadcastDropout } from './broadcastDropout.ts';
import { registerLayer } from './registry.ts';
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
export class LayerSpatialDropout2D extends BroadcastDropout {
  protected readonly kind = 'images';
  protected readonly sampleAxes = ['height', 'width', 'channels'];

  constructor(rate: number, opts: LayerOptions = {}) {
    super(rate, opts, 'LayerSpatialDropout2D');
    this.drawSeed();
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

  protected override draw(x: Tensor, mask: Tensor, out: Tensor, counter: number): void {
    if (!this.given) return super.draw(x, mask, out, counter);
    const [n, h, w, c] = x.shape, m = mask.data, keep = this.given;
    for (let b = 0; b < n; b++) for (let s = 0; s < h * w; s++) for (let ch = 0; ch < c; ch++) m[(b * h * w + s) * c + ch] = keep[b * c + ch] ? this.scale : 0;
    this.backend.kernels.mul(x.ptr, mask.ptr, out.ptr, x.size);
  }
}

registerLayer('LayerSpatialDropout2D', LayerSpatialDropout2D, (c, opts) => new LayerSpatialDropout2D(c.rate as number, opts));
