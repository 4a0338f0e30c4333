import type { LayerConfig, LayerOptions } from './layer.ts';
import { StochasticLayer, checkRate } from './stochastic.ts';
import { registerLayer } from './registry.ts';
import type { Tensor } from '../tensor.ts';
import { describe, type MatrixLike } from '../matrix.ts';
import { ValueError } from '../errors.ts';

export interface AdaptiveDropoutOptions extends LayerOptions {
  /** how fast the running importance follows the activations (default 0.01, the seed's) */
  adaptationRate?: number;
}

/**
 * Adaptive dropout, as the seeds' guide sketches it: every unit keeps a running importance, the
 * exponential average of its mean |activation| (starting at 1), and is dropped at its own rate
 *   rate_j = rate · (1 − importance_j / max importance),
 * so the most important unit is never dropped and unimportant ones approach `rate`. Kept units are
 * scaled by 1/(1 − rate_j). The importance moves on training steps only, in backward (from the
 * inputs of the pass being differentiated), so evaluation and Monte Carlo prediction, which run
 * forward(inputs, true) without backward, leave it as it was; a step's mask uses the importance
 * of the steps before it.
 */
export class LayerAdaptiveDropout extends StochasticLayer {
  readonly rate: number;
  readonly adaptationRate: number;
  /** the running importance per unit (1×units), allocated by the first forward */
  importance?: Tensor;
  /** per unit, 1×units each: the rates of the last training pass, their thresholds and scales */
  unitRates?: Tensor;
  private thresholds?: Tensor;
  private scales?: Tensor;

  constructor(rate = 0.5, opts: AdaptiveDropoutOptions = {}) {
    super(opts);
    this.rate = checkRate(rate, 'LayerAdaptiveDropout');
    const { adaptationRate = 0.01 } = opts;
    if (typeof adaptationRate !== 'number' || !(adaptationRate >= 0 && adaptationRate <= 1))
      throw new ValueError(`LayerAdaptiveDropout: adaptationRate must be a number in [0, 1], got ${describe(adaptationRate)}`);
    this.adaptationRate = adaptationRate;
    this.drawSeed();
  }

  override toString(): string {
    return `LayerAdaptiveDropout(${this.rate})`;
  }

  override getConfig() {
    return { rate: this.rate, adaptationRate: this.adaptationRate };
  }

  /** the last mask: 0 or 1/(1 − rate_j) */
  get binaryMask(): Tensor {
    return this.mask;
  }

  /** the per-unit tensors for `units` units; the importance starts at 1 */
  private unitsOf(units: number): Tensor {
    if (this.importance) return this.importance;
    this.importance = this.buffer('importance', 1, units);
    this.backend.kernels.fill(this.importance.ptr, units, 1);
    [this.unitRates, this.thresholds, this.scales] = ['unitRates', 'thresholds', 'scales'].map((role) => this.buffer(role, 1, units));
    return this.importance;
  }

  /** once the importance exists, inputs must keep its width */
  protected override units(): number | undefined {
    return this.importance?.cols;
  }

  protected draw(x: Tensor, mask: Tensor, out: Tensor, counter: number): void {
    const k = this.backend.kernels, importance = this.unitsOf(x.cols);
    k.adaptiveDropoutRates(importance.ptr, this.unitRates!.ptr, this.thresholds!.ptr, this.scales!.ptr, x.cols, this.rate);
    k.columnDropoutForward(x.ptr, this.thresholds!.ptr, this.scales!.ptr, mask.ptr, out.ptr, x.rows, x.cols, this.seed, counter);
  }

  override backward(dvalues: MatrixLike): void {
    super.backward(dvalues);
    if (!this.trained) return;
    const x = this.inputs, a = this.adaptationRate;
    this.backend.kernels.adaptiveImportanceUpdate(x.ptr, this.importance!.ptr, x.rows, x.cols, a, 1 - a);
  }

  override getState(): LayerConfig {
    return { ...super.getState(), importance: this.importance ? Array.from(this.importance.data) : null };
  }

  override setState(state: LayerConfig): void {
    const { importance } = state;
    if (importance !== null && !(Array.isArray(importance) && importance.length > 0 && importance.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0)))
      throw new ValueError(`${this}.setState: importance must be null or a non-empty array of finite numbers ≥ 0, got ${describe(importance)}`);
    super.setState(state);
    if (importance === null) return;
    this.importance = undefined;
    this.unitsOf(importance.length).data.set(importance as number[]);
  }
}

registerLayer('LayerAdaptiveDropout', LayerAdaptiveDropout, (c, opts) =>
  new LayerAdaptiveDropout(c.rate as number, { ...opts, adaptationRate: c.adaptationRate as number }));
