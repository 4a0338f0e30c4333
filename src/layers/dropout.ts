import { Layer, type LayerOptions } from './layer.ts';
import type { Tensor } from '../tensor.ts';
import { checkInput, describe, type MatrixLike } from '../matrix.ts';
import { ShapeError, ValueError, shapeOf } from '../errors.ts';
import { dropThreshold } from '../backend/random.ts';

/**
 * The book's Layer_Dropout (inverted dropout): while training, each unit is zeroed with
 * probability `rate` and survivors are scaled by 1/(1-rate); at inference it passes inputs on.
 * The mask comes from the counter-based RNG keyed by (layer seed, forward-pass number), so the
 * js and wasm backends draw the same masks and a seed fixes them all.
 */
export class LayerDropout extends Layer {
  /** the last mask, already scaled: 0 or 1/(1-rate) (the book's binary_mask) */
  binaryMask!: Tensor;
  readonly seed: number;
  /** forward passes drawn so far; the next mask uses this counter */
  counter = 0;
  private readonly threshold: number;
  private readonly scale: number;

  constructor(readonly rate: number, opts: LayerOptions = {}) {
    super(opts);
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1))
      throw new ValueError(`LayerDropout: rate must be a number in [0, 1), got ${describe(rate)}`);
    this.seed = this.backend.nextSeed();
    this.threshold = dropThreshold(rate);
    this.scale = Math.fround(1 / (1 - rate));
  }

  override toString(): string {
    return `LayerDropout(${this.rate})`;
  }

  /**
   * training=false passes inputs through (output is the inputs tensor). `mask`, if given,
   * replaces the random draw (values as the book's binary_mask), for tests against fixed masks.
   */
  forward(inputs: MatrixLike, training = true, mask?: MatrixLike): void {
    if (mask !== undefined) {
      const [mr, mc] = checkInput(mask, `${this}.forward mask`), [xr, xc] = checkInput(inputs, `${this}.forward inputs`);
      if (mr !== xr || mc !== xc) throw new ShapeError(`${this}.forward: mask is ${shapeOf(mr, mc)} but inputs are ${shapeOf(xr, xc)}`);
    }
    const x = (this.inputs = this.stageInputs(inputs));
    if (!training) {
      this.output = x;
      return;
    }
    const k = this.backend.kernels;
    const m = (this.binaryMask = this.buffer('binaryMask', x.rows, x.cols));
    const out = this.ensureOutput(x.rows, x.cols);
    if (mask === undefined) {
      k.dropoutForward(x.ptr, m.ptr, out.ptr, x.size, this.seed, this.counter++, this.threshold, this.scale);
      return;
    }
    const given = this.stageAs('given mask', mask, `${this}.forward mask`);
    k.copy(given.ptr, m.ptr, m.size);
    k.mul(x.ptr, m.ptr, out.ptr, x.size);
  }

  backward(dvalues: MatrixLike): void {
    const dv = this.stageDvalues(dvalues);
    const dx = this.ensureDinputs(dv.rows, dv.cols);
    this.backend.kernels.mul(dv.ptr, this.binaryMask.ptr, dx.ptr, dv.size);
  }
}
