import { Layer, type LayerConfig, type LayerOptions } from './layer.ts';
import { describe, type MatrixLike } from '../matrix.ts';
import { shapeText, type Tensor } from '../tensor.ts';
import { ShapeError, ValueError } from '../errors.ts';

/** what LayerBatchNormalization and LayerLayerNormalization both take (Keras's names and defaults) */
export interface NormalizationOptions extends LayerOptions {
  /**
   * the feature axis, counted with the batch axis as Keras counts it: -1 (default) or the last
   * axis's index (1 for [N, C], 3 for NHWC). Only the last axis is supported.
   */
  axis?: number;
  /** added to the variance before its square root; default 1e-3 (Keras's) */
  epsilon?: number;
  /** learn an offset beta (default true); false: no beta, the output is centred at 0 */
  center?: boolean;
  /** learn a factor gamma (default true); false: no gamma, unit scale */
  scale?: boolean;
  gammaRegularizerL1?: number;
  gammaRegularizerL2?: number;
  betaRegularizerL1?: number;
  betaRegularizerL2?: number;
}

const REGULARIZERS = ['gammaRegularizerL1', 'gammaRegularizerL2', 'betaRegularizerL1', 'betaRegularizerL2'] as const;

/**
 * What the normalization layers share: the feature axis (the last), epsilon, the learned factor
 * gamma and offset beta of one value per feature (initialized to 1 and 0, as Keras), their L1/L2
 * penalties, and the build that allocates them once the number of features is known (the
 * `inputShape` option, the Model's shape walk, or the first forward). Each layer then normalizes
 * x̂ = (x − mean) · invStd and outputs x̂ · gamma + beta, its statistics per feature over the batch
 * (batch normalization) or per sample over the features (layer normalization).
 */
export abstract class FeatureNormalization extends Layer {
  readonly axis: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly gammaRegularizerL1: number;
  readonly gammaRegularizerL2: number;
  readonly betaRegularizerL1: number;
  readonly betaRegularizerL2: number;
  /** the size of the normalized (last) axis, once built */
  channels?: number;
  /** the learned factor per feature (absent when `scale` is false) */
  gamma?: Tensor;
  /** the learned offset per feature (absent when `center` is false) */
  beta?: Tensor;
  dgamma?: Tensor;
  dbeta?: Tensor;
  /** what the kernels read for gamma and beta: the parameters, or constant ones and zeros */
  protected gammaOrOnes!: Tensor;
  protected betaOrZeros!: Tensor;
  /** where the kernels write dgamma and dbeta: the gradients, or scratch no optimizer sees */
  protected dgammaOut!: Tensor;
  protected dbetaOut!: Tensor;
  /** the kernels' float64 scratch: 3·channels doubles */
  protected work!: Tensor;

  constructor(opts: NormalizationOptions, who: string) {
    super(opts);
    const { axis = -1, epsilon = 1e-3, center = true, scale = true } = opts;
    if (!Number.isInteger(axis) || axis === 0 || axis < -1)
      throw new ValueError(`${who}: axis must be -1 or the index of the last axis (batch axis included, e.g. 3 for NHWC images), got ${describe(axis)}; only the last axis is supported`);
    if (typeof epsilon !== 'number' || !(epsilon > 0 && Number.isFinite(epsilon)))
      throw new ValueError(`${who}: epsilon must be a finite number > 0, got ${describe(epsilon)}`);
    if (typeof center !== 'boolean') throw new ValueError(`${who}: center must be a boolean, got ${describe(center)}`);
    if (typeof scale !== 'boolean') throw new ValueError(`${who}: scale must be a boolean, got ${describe(scale)}`);
    [this.axis, this.epsilon, this.center, this.scale] = [axis, epsilon, center, scale];
    const reg = REGULARIZERS.map((name) => {
      const v = opts[name] ?? 0;
      if (typeof v !== 'number' || !(v >= 0 && Number.isFinite(v))) throw new ValueError(`${who}: ${name} must be a finite number ≥ 0, got ${describe(v)}`);
      return v;
    });
    [this.gammaRegularizerL1, this.gammaRegularizerL2, this.betaRegularizerL1, this.betaRegularizerL2] = reg;
  }

  /** the constructor's last step (after the subclass's own checks): build now if `inputShape` was declared */
  protected buildDeclared(): void {
    if (this.inputShape) this.build(this.inputShape);
  }

  override getConfig(): LayerConfig {
    const { axis, epsilon, center, scale } = this;
    const config: LayerConfig = { axis, epsilon, center, scale };
    for (const name of REGULARIZERS) if (this[name]) config[name] = this[name];
    if (this.channels !== undefined) config.channels = this.channels;
    return config;
  }

  /** the features of one sample of `inputShape` (its last axis); a ValueError for another axis, a ShapeError for another width */
  protected featuresOf(inputShape: readonly number[]): number {
    if (!inputShape.length) throw new ShapeError(`${this} takes inputs with a feature axis, [batch, ..., features], but its input has no axis beside the batch`);
    if (this.axis !== -1 && this.axis !== inputShape.length)
      throw new ValueError(`${this}: axis ${this.axis} is not the last axis of inputs [batch, ${inputShape.join(', ')}] (that is -1 or ${inputShape.length}); only the last axis is supported`);
    const c = inputShape.at(-1)!;
    if (this.channels !== undefined && c !== this.channels)
      throw new ShapeError(`${this} was built for ${this.channels} features along the last axis, but its input is ${shapeText(inputShape)} per sample`);
    return c;
  }

  override outputShape(inputShape: readonly number[]): number[] {
    this.featuresOf(inputShape);
    return [...inputShape];
  }

  override build(inputShape: readonly number[]): void {
    this.buildForChannels(this.featuresOf(inputShape));
  }

  /** allocate gamma, beta (and a subclass's state) for `c` features: once; again only with the same c */
  buildForChannels(c: number): void {
    if (!Number.isSafeInteger(c) || c < 1) throw new ValueError(`${this}: channels must be a positive integer, got ${describe(c)}`);
    if (this.channels !== undefined) {
      if (c !== this.channels) throw new ShapeError(`${this} was built for ${this.channels} features, not ${c}`);
      return;
    }
    this.allocating(() => {
      const k = this.backend.kernels;
      if (this.scale) [this.gamma, this.dgamma] = [this.buffer('gamma', c), this.buffer('dgamma', c)];
      if (this.center) [this.beta, this.dbeta] = [this.buffer('beta', c), this.buffer('dbeta', c)];
      this.gammaOrOnes = this.gamma ?? this.buffer('ones', c);
      this.betaOrZeros = this.beta ?? this.buffer('zeros', c);
      this.dgammaOut = this.dgamma ?? this.buffer('unused dgamma', c);
      this.dbetaOut = this.dbeta ?? this.buffer('unused dbeta', c);
      this.work = this.buffer('work', 6 * c);
      k.fill(this.gammaOrOnes.ptr, c, 1);
      k.fill(this.betaOrZeros.ptr, c, 0);
      this.allocateState(c);
    });
    this.channels = c;
  }

  /** a subclass's own tensors for `c` features (batch normalization's moving statistics) */
  protected allocateState(_c: number): void {}

  /** the inputs staged and checked, the layer built for them: [x, rows, channels] of the [rows, channels] view */
  protected stageFeatures(inputs: MatrixLike): [Tensor, number, number] {
    const x = this.stageInputs(inputs, this.channels);
    if (x.rank < 2) throw new ShapeError(`${this}.forward: expected [batch, ..., features], got ${x}`);
    this.build(x.shape.slice(1));
    const c = this.channels!;
    return [x, x.size / c, c];
  }

  /** backward's L1/L2 terms on gamma and beta */
  protected regularizeGradients(): void {
    const k = this.backend.kernels;
    if (this.gamma && this.dgamma && (this.gammaRegularizerL1 || this.gammaRegularizerL2))
      k.regularizationGrad(this.gamma.ptr, this.dgamma.ptr, this.gamma.size, this.gammaRegularizerL1, this.gammaRegularizerL2);
    if (this.beta && this.dbeta && (this.betaRegularizerL1 || this.betaRegularizerL2))
      k.regularizationGrad(this.beta.ptr, this.dbeta.ptr, this.beta.size, this.betaRegularizerL1, this.betaRegularizerL2);
  }

  /** the L1/L2 penalties of gamma and beta (Loss.regularizationLoss adds it) */
  regularizationPenalty(): number {
    const k = this.backend.kernels;
    let penalty = 0;
    if (this.gamma && (this.gammaRegularizerL1 || this.gammaRegularizerL2)) penalty += k.regularizationPenalty(this.gamma.ptr, this.gamma.size, this.gammaRegularizerL1, this.gammaRegularizerL2);
    if (this.beta && (this.betaRegularizerL1 || this.betaRegularizerL2)) penalty += k.regularizationPenalty(this.beta.ptr, this.beta.size, this.betaRegularizerL1, this.betaRegularizerL2);
    return penalty;
  }

  /** gamma then beta, those that exist (Keras's weight order) */
  override parameters(): [Tensor, Tensor][] {
    if (this.channels === undefined) return [];
    const list: [Tensor, Tensor][] = [];
    if (this.gamma) list.push([this.gamma, this.dgamma!]);
    if (this.beta) list.push([this.beta, this.dbeta!]);
    return list;
  }

  override parameterNames(): string[] {
    return [...(this.scale ? ['gamma'] : []), ...(this.center ? ['beta'] : [])];
  }
}

/** the options a saved config holds, for the registry's factories */
export function normalizationOptions(c: LayerConfig): NormalizationOptions {
  const { axis, epsilon, center, scale, gammaRegularizerL1, gammaRegularizerL2, betaRegularizerL1, betaRegularizerL2 } = c as Record<string, never>;
  return { axis, epsilon, center, scale, gammaRegularizerL1, gammaRegularizerL2, betaRegularizerL1, betaRegularizerL2 };
}
