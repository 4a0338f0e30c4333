import type { LayerOptions } from './layer.ts';
import { StochasticLayer, checkRate } from './stochastic.ts';
import { registerLayer } from './registry.ts';
import type { Tensor } from '../tensor.ts';
import { ShapeError } from '../errors.ts';

/** selection sampling's bits · remaining stays below 2^53 (exact in the JS twin) up to this width */
const MAX_COLS = 2 ** 21;

/**
 * Exact-count dropout, as neuralthreads' "dropout states": every sample (row) drops exactly
 * round(rate · units) of its units, a uniformly random subset (a shuffled fixed mask), and scales
 * the others by 1/(1 − rate). When rate · units is not an integer the kept fraction is not exactly
 * 1 − rate, so the expected output is x · (units − dropped) / (units · (1 − rate)).
 */
export class LayerExactDropout extends StochasticLayer {
  readonly rate: number;
  private readonly scale: number;

  constructor(rate: number, opts: LayerOptions = {}) {
    super(opts);
    this.rate = checkRate(rate, 'LayerExactDropout');
    this.scale = Math.fround(1 / (1 - rate));
    this.drawSeed();
  }

  override toString(): string {
    return `LayerExactDropout(${this.rate})`;
  }

  override getConfig() {
    return { rate: this.rate };
  }

  /** the last mask: 0 for the dropped units, 1/(1 − rate) for the others */
  get binaryMask(): Tensor {
    return this.mask;
  }

  /** how many of `units` every sample drops */
  droppedOf(units: number): number {
    return Math.round(this.rate * units);
  }

  protected override checkInputs(x: Tensor): void {
    if (x.cols > MAX_COLS) throw new ShapeError(`${this}.forward: inputs are ${x}; at most ${MAX_COLS} units per sample`);
  }

  protected draw(x: Tensor, mask: Tensor, out: Tensor, counter: number): void {
    this.backend.kernels.exactDropoutForward(x.ptr, mask.ptr, out.ptr, x.rows, x.cols, this.seed, counter, this.droppedOf(x.cols), this.scale);
  }
}

registerLayer('LayerExactDropout', LayerExactDropout, (c, opts) => new LayerExactDropout(c.rate as number, opts));
