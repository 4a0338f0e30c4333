import type { Layer, LayerOptions } from './layer.ts';
import { StochasticLayer } from './stochastic.ts';
import { LayerDense } from './dense.ts';
import { registerLayer } from './registry.ts';
import type { Tensor } from '../tensor.ts';
import { describe, type MatrixLike } from '../matrix.ts';
import { ValueError } from '../errors.ts';

export interface ConcreteDropoutOptions extends LayerOptions {
  /** the starting dropout rate, in (0, 1) (default 0.1, as Gal's init_min = init_max) */
  initRate?: number;
  /** the relaxation's temperature t > 0 (default 0.1): smaller is closer to Bernoulli */
  temperature?: number;
  /** λ_w of the regularizer's λ_w ‖W‖² / (1 − p) (default 1e-6; Gal et al. use l² / N) */
  weightRegularizer?: number;
  /** λ_d of the regularizer's λ_d · K · (p log p + (1 − p) log(1 − p)) (default 1e-5; Gal et al. use 2 / N) */
  dropoutRegularizer?: number;
  /**
   * the LayerDense this dropout feeds, whose weights W enter the regularizer: 'next' (default)
   * links the next LayerDense of the Model at compile; in a hand-written loop pass the layer
   * itself; 'none' leaves the weight term out.
   */
  dense?: LayerDense | 'next' | 'none';
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/**
 * Concrete dropout (Gal, Hron & Kendall, 2017): the dropout rate p = σ(logit) is a parameter,
 * learned by the model's optimizer like any weight (parameters() lists [logit, dlogit]). Training
 * passes draw the relaxed Bernoulli of the seeds' sketch,
 *   z = σ((logit + log u − log(1 − u)) / t),  u ~ U(0, 1),   output = inputs · (1 − z) / (1 − p),
 * which is differentiable in the logit; at inference the inputs pass through (inverted scaling;
 * the seed's sketch mixes in scale-down at inference, which its training pass does not match).
 * The regularizer, added to the loss through regularizationPenalty(), is Gal et al.'s
 *   λ_w ‖W‖² / (1 − p) + λ_d · K · (p log p + (1 − p) log(1 − p)),
 * W the weights of the Dense layer fed, K the number of units dropped. The entropy term pulls p
 * toward ½, the weight term and the data loss pull it down.
 *
 * Backward adds the weight term's gradient to that Dense layer's dweights, so it must run after the
 * Dense layer's backward (as it does in Model and in the book's back-to-front loop).
 */
export class LayerConcreteDropout extends StochasticLayer {
  /** log(p / (1 − p)), 1×1: the learned parameter */
  readonly logit: Tensor;
  readonly dlogit: Tensor;
  readonly initRate: number;
  readonly temperature: number;
  readonly weightRegularizer: number;
  readonly dropoutRegularizer: number;
  /** the Dense layer whose weights enter the regularizer (set at Model.compile for 'next') */
  dense?: LayerDense;
  private readonly denseOption: 'next' | 'none' | 'given';

  constructor(opts: ConcreteDropoutOptions = {}) {
    super(opts);
    const { initRate = 0.1, temperature = 0.1, weightRegularizer = 1e-6, dropoutRegularizer = 1e-5, dense = 'next' } = opts;
    const who = 'LayerConcreteDropout';
    if (typeof initRate !== 'number' || !(initRate > 0 && initRate < 1)) throw new ValueError(`${who}: initRate must be a number in (0, 1), got ${describe(initRate)}`);
    if (typeof temperature !== 'number' || !(temperature > 0 && Number.isFinite(temperature))) throw new ValueError(`${who}: temperature must be a finite number > 0, got ${describe(temperature)}`);
    for (const [name, v] of [['weightRegularizer', weightRegularizer], ['dropoutRegularizer', dropoutRegularizer]] as const)
      if (typeof v !== 'number' || !(v >= 0 && Number.isFinite(v))) throw new ValueError(`${who}: ${name} must be a finite number ≥ 0, got ${describe(v)}`);
    if (dense instanceof LayerDense) {
      if (dense.backend !== this.backend) throw new ValueError(`${who}: ${dense} lives on backend ${dense.backend.variant}, this layer on ${this.backend.variant}`);
      [this.dense, this.denseOption] = [dense, 'given'];
    } else if (dense === 'next' || dense === 'none') this.denseOption = dense;
    else throw new ValueError(`${who}: dense must be a LayerDense, 'next' or 'none', got ${describe(dense)}`);
    [this.initRate, this.temperature, this.weightRegularizer, this.dropoutRegularizer] = [initRate, temperature, weightRegularizer, dropoutRegularizer];
    [this.logit, this.dlogit] = this.allocating(() => [this.buffer('logit', 1, 1), this.buffer('dlogit', 1, 1)]);
    this.drawSeed();
    this.logit.data[0] = Math.log(initRate / (1 - initRate));
    this.dlogit.data[0] = 0;
  }

  override toString(): string {
    return `LayerConcreteDropout(initRate ${this.initRate})`;
  }

  /** the current dropout rate σ(logit) */
  get rate(): number {
    return sigmoid(this.logit.data[0]);
  }

  override getConfig() {
    const { initRate, temperature, weightRegularizer, dropoutRegularizer } = this;
    return { initRate, temperature, weightRegularizer, dropoutRegularizer, dense: this.denseOption === 'none' ? 'none' : 'next' };
  }

  /** 'next': link the first LayerDense after this layer in the model (Model.compile calls this) */
  override onCompile(layers: readonly Layer[], index: number): void {
    if (this.denseOption === 'next') this.dense = layers.slice(index + 1).find((l): l is LayerDense => l instanceof LayerDense);
  }

  private params?: [Tensor, Tensor][];
  override parameters(): [Tensor, Tensor][] {
    return (this.params ??= [[this.logit, this.dlogit]]);
  }
  override parameterNames(): string[] {
    return ['logit'];
  }

  /** the Dense layer fed must still be alive: its weights enter the regularizer */
  protected override checkInputs(): void {
    this.dense?.checkAlive(`${this}.forward (the Dense it regularizes)`);
  }

  protected draw(x: Tensor, mask: Tensor, out: Tensor, counter: number): void {
    const logit = this.logit.data[0];
    this.backend.kernels.concreteDropoutForward(x.ptr, mask.ptr, out.ptr, x.size, this.seed, counter, logit, 1 / this.temperature, 1 + Math.exp(logit));
  }

  override backward(dvalues: MatrixLike): void {
    const dv = this.stageDvalues(dvalues);
    this.checkInputs();
    const logit = this.logit.data[0], p = sigmoid(logit);
    let dlogit = 0;
    if (this.trained) {
      const dx = this.ensureDinputs(...dv.shape);
      dlogit = this.backend.kernels.concreteDropoutBackward(dv.ptr, this.mask.ptr, this.output.ptr, dx.ptr, dv.size, p, 1 - p, 1 / this.temperature);
    } else this.inferenceBackward(dv);
    // the regularizer: d/dlogit of λ_w ΣW²/(1 − p) is λ_w ΣW² · p/(1 − p); of the entropy term λ_d K · logit · p(1 − p)
    const w = this.dense?.weights, k = this.backend.kernels;
    if (w && this.weightRegularizer) {
      dlogit += this.weightRegularizer * k.regularizationPenalty(w.ptr, w.size, 0, 1) * (p / (1 - p));
      k.regularizationGrad(w.ptr, this.dense!.dweights.ptr, w.size, 0, this.weightRegularizer / (1 - p));
    }
    dlogit += this.dropoutRegularizer * this.unitCount() * logit * p * (1 - p);
    this.dlogit.data[0] = dlogit;
  }

  /** K: the units dropped per sample (the inputs' width; 0 before the first forward) */
  private unitCount(): number {
    return this.inputs?.cols ?? 0;
  }

  /** Gal et al.'s regularizer (see the class comment); Loss.regularizationLoss adds it */
  regularizationPenalty(): number {
    const logit = this.logit.data[0], p = sigmoid(logit), w = this.dense?.weights;
    let penalty = 0;
    if (w && this.weightRegularizer) penalty += (this.weightRegularizer * this.backend.kernels.regularizationPenalty(w.ptr, w.size, 0, 1)) / (1 - p);
    // p log p + (1 − p) log(1 − p) with log p = −log1p(e^−logit), log(1 − p) = −log1p(e^logit)
    const negEntropy = -p * Math.log1p(Math.exp(-logit)) - (1 - p) * Math.log1p(Math.exp(logit));
    return penalty + this.dropoutRegularizer * this.unitCount() * negEntropy;
  }
}

registerLayer('LayerConcreteDropout', LayerConcreteDropout, (c, opts) => {
  const { initRate, temperature, weightRegularizer, dropoutRegularizer, dense } = c as Record<string, never>;
  return new LayerConcreteDropout({ ...opts, initRate, temperature, weightRegularizer, dropoutRegularizer, dense });
});
