import { Layer, type LayerConfig, type LayerOptions } from './layer.ts';
import type { Tensor } from '../tensor.ts';
import { checkInput, describe, type MatrixLike } from '../matrix.ts';
import { ShapeError, ValueError } from '../errors.ts';
import { shapeText } from '../tensor.ts';
import { dropThreshold } from '../backend/random.ts';

const isUint32 = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) < 2 ** 32;

/**
 * The book's Layer_Dropout (inverted dropout): while training, each unit is zeroed with
 * probability `rate` and survivors are scaled by 1/(1-rate); at inference it passes inputs on.
 * The mask comes from the counter-based RNG keyed by (layer seed, forward-pass number), so the
 * js and wasm backends draw the same masks and a seed fixes them all.
 *
 * `scaling: 'down'` is the 2014 paper's form instead (MXDL's "scale-down"): survivors are not
 * scaled while training, and at inference the outputs are multiplied by the keep probability
 * 1 − rate. Both forms make the inference output the expected training output.
 */
export class LayerDropout extends Layer {
  /** the last mask, already scaled: 0 or 1/(1-rate) (the book's binary_mask); 0 or 1 when scaling down */
  binaryMask!: Tensor;
  /** the mask stream's key (from the backend's seed sequence; restored by Model.load) */
  seed: number;
  /** forward passes drawn so far; the next mask uses this counter */
  counter = 0;
  /** the last forward ran with training=false, so it drew no mask */
  private passedThrough = false;
  private readonly threshold: number;
  private readonly scale: number;
  /** 'up' (default): inverted dropout, as the book; 'down': scale by 1 − rate at inference instead */
  readonly scaling: 'up' | 'down';

  constructor(readonly rate: number, opts: LayerOptions & { scaling?: 'up' | 'down' } = {}) {
    super(opts);
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1))
      throw new ValueError(`LayerDropout: rate must be a number in [0, 1), got ${describe(rate)}`);
    const { scaling = 'up' } = opts;
    if (scaling !== 'up' && scaling !== 'down') throw new ValueError(`LayerDropout: scaling must be 'up' or 'down', got ${describe(scaling)}`);
    this.scaling = scaling;
    this.threshold = dropThreshold(rate);
    this.scale = scaling === 'down' ? 1 : Math.fround(1 / (1 - rate));
    this.seed = this.backend.nextSeed(); // last: a rejected constructor draws no seed
  }

  override toString(): string {
    return this.scaling === 'down' ? `LayerDropout(${this.rate}, scaling down)` : `LayerDropout(${this.rate})`;
  }

  override getConfig(): LayerConfig {
    return this.scaling === 'down' ? { rate: this.rate, scaling: 'down' } : { rate: this.rate };
  }

  override getState() {
    return { seed: this.seed, counter: this.counter };
  }

  override setState(state: LayerConfig): void {
    const { seed, counter } = state;
    if (!isUint32(seed) || !isUint32(counter)) throw new ValueError(`${this}.setState: seed and counter must be integers in [0, 2^32), got ${describe(seed)} and ${describe(counter)}`);
    [this.seed, this.counter] = [seed, counter];
  }

  /**
   * training=false passes inputs through (output is the inputs tensor; with scaling 'down', a
   * scaled copy). `mask`, if given, replaces the random draw (values as the book's binary_mask),
   * for tests against fixed masks.
   */
  forward(inputs: MatrixLike, training = true, mask?: MatrixLike): void {
    if (mask !== undefined) {
      const [m, x] = [checkInput(mask, `${this}.forward mask`), checkInput(inputs, `${this}.forward inputs`)];
      if (shapeText(m) !== shapeText(x)) throw new ShapeError(`${this}.forward: mask is ${shapeText(m)} but inputs are ${shapeText(x)}`);
    }
    const x = (this.inputs = this.stageInputs(inputs));
    this.passedThrough = !training;
    if (!training) {
      if (this.scaling === 'up' || this.rate === 0) this.output = x;
      else this.backend.kernels.scale(x.ptr, this.ensureOutput(...x.shape).ptr, x.size, 1 - this.rate);
      return;
    }
    const k = this.backend.kernels;
    const m = (this.binaryMask = this.buffer('binaryMask', ...x.shape));
    const out = this.ensureOutput(...x.shape);
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
    // after an inference pass (identity) the gradient passes through; the last mask belongs to another pass
    if (this.passedThrough) {
      if (this.scaling === 'up' || this.rate === 0) this.dinputs = dv;
      else this.backend.kernels.scale(dv.ptr, this.ensureDinputs(...dv.shape).ptr, dv.size, 1 - this.rate);
      return;
    }
    const dx = this.ensureDinputs(...dv.shape);
    this.backend.kernels.mul(dv.ptr, this.binaryMask.ptr, dx.ptr, dv.size);
  }
}
