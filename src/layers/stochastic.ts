import { Layer, type LayerConfig, type LayerOptions } from './layer.ts';
import type { Tensor } from '../tensor.ts';
import { describe, type MatrixLike } from '../matrix.ts';
import { NnwasmError, ValueError } from '../errors.ts';

const isUint32 = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) < 2 ** 32;

/** a dropout rate: a number in [0, 1), else a ValueError naming `who` */
export function checkRate(rate: unknown, who: string, name = 'rate'): number {
  if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) throw new ValueError(`${who}: ${name} must be a number in [0, 1), got ${describe(rate)}`);
  return rate;
}

/**
 * What the dropout family shares with the book's LayerDropout: while training, forward draws a
 * multiplier from the counter-based RNG keyed by (seed, forward-pass number) and backward returns
 * dvalues × that multiplier; at inference the layer passes its inputs on (output is the inputs
 * tensor) and backward is the identity. A seed fixes every draw, on either backend.
 */
export abstract class StochasticLayer extends Layer {
  /**
   * the noise stream's key (from the backend's seed sequence; restored by Model.load). Drawn by
   * drawSeed() as the last step of each subclass's constructor, after its arguments are checked:
   * a rejected constructor draws no seed, so it changes nothing for the layers built after it.
   */
  seed!: number;
  /** training passes drawn so far; the next draw uses this counter */
  counter = 0;
  /** what the last training pass multiplied its inputs by, so backward returns dvalues × mask */
  mask!: Tensor;
  /** whether the last forward was a training pass (backward differentiates that pass) */
  protected trained = false;

  constructor(opts: LayerOptions = {}) {
    super(opts);
  }

  /** the constructor's last step: take this layer's seed from the backend's sequence */
  protected drawSeed(): void {
    this.seed = this.allocating(() => this.backend.nextSeed());
  }

  /** fill `mask` and `out` from `x` with the draw of pass `counter` */
  protected abstract draw(x: Tensor, mask: Tensor, out: Tensor, counter: number): void;

  forward(inputs: MatrixLike, training = true): void {
    if (this.seed === undefined) throw new NnwasmError(`${this}: its constructor must end with this.drawSeed()`);
    const x = this.stageInputs(inputs, this.units());
    this.checkInputs(x);
    this.inputs = x;
    this.trained = training;
    if (!training) {
      this.infer(x);
      return;
    }
    this.mask = this.buffer('mask', ...x.shape);
    this.draw(x, this.mask, this.ensureOutput(...x.shape), this.counter);
    this.counter++;
  }

  /** the width inputs must have, when the layer has per-unit state */
  protected units(): number | undefined {
    return undefined;
  }

  /** throw to reject staged inputs before the layer changes */
  protected checkInputs(_x: Tensor): void {}

  /** inference: the inputs pass through unchanged */
  protected infer(x: Tensor): void {
    this.output = x;
  }

  backward(dvalues: MatrixLike): void {
    const dv = this.stageDvalues(dvalues);
    if (!this.trained) {
      this.inferenceBackward(dv);
      return;
    }
    this.backend.kernels.mul(dv.ptr, this.mask.ptr, this.ensureDinputs(...dv.shape).ptr, dv.size);
  }

  /** the gradient of infer(): the identity (dinputs is dvalues) */
  protected inferenceBackward(dv: Tensor): void {
    this.dinputs = dv;
  }

  override getState(): LayerConfig {
    return { seed: this.seed, counter: this.counter };
  }

  override setState(state: LayerConfig): void {
    const { seed, counter } = state;
    if (!isUint32(seed) || !isUint32(counter)) throw new ValueError(`${this}.setState: seed and counter must be integers in [0, 2^32), got ${describe(seed)} and ${describe(counter)}`);
    [this.seed, this.counter] = [seed, counter];
  }
}
