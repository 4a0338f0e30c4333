import { Layer, type LayerConfig, type LayerOptions } from './layer.ts';
import { registerLayer } from './registry.ts';
import { checkInitializer, initialize, type InitializerName } from './initializers.ts';
import { checkRate } from './stochastic.ts';
import { Rng, dropThreshold } from '../backend/random.ts';
import type { Kernels } from '../backend/kernels.ts';
import {
  ACTIVATION_CODES, GATES, RNN_GO_BACKWARDS, RNN_RESET_AFTER, RNN_RETURN_SEQUENCES, recurrentScratchFloats, recurrentTapeFloats,
  type RecurrentActivation, type RecurrentCell,
} from '../backend/kernels/recurrent.ts';
import { checkInput, describe, type MatrixLike } from '../matrix.ts';
import { shapeText, type Tensor } from '../tensor.ts';
import { ShapeError, ValueError } from '../errors.ts';

export type { RecurrentActivation };

export interface RecurrentOptions extends LayerOptions {
  /** the state's activation (LSTM: the candidate and the cell output), default 'tanh' */
  activation?: RecurrentActivation;
  /** the gates' activation (LSTM, GRU), default 'sigmoid' as Keras's ('hardSigmoid', TF.js's default, is clip(0.2·x + 0.5, 0, 1) as in TF.js and Keras 2) */
  recurrentActivation?: RecurrentActivation;
  /** default true */
  useBias?: boolean;
  /** output every step's state [batch, steps, units] instead of the last one's [batch, units]; default false */
  returnSequences?: boolean;
  /** process the sequence from its end; with returnSequences the outputs come in processing order, as Keras's; default false */
  goBackwards?: boolean;
  /** the inputs' dropout rate: one mask per sequence [batch, features], shared by every step and gate; default 0 */
  dropout?: number;
  /** the state's dropout rate: one mask per sequence [batch, units] on h_{t−1}, shared by every step and gate; default 0 */
  recurrentDropout?: number;
  /** default 'glorotUniform' (fans F and G·U, as Keras) */
  kernelInitializer?: InitializerName;
  /** default 'orthogonal' */
  recurrentInitializer?: InitializerName;
  /** default 'zeros' */
  biasInitializer?: InitializerName;
  kernelRegularizerL1?: number;
  kernelRegularizerL2?: number;
  recurrentRegularizerL1?: number;
  recurrentRegularizerL2?: number;
  biasRegularizerL1?: number;
  biasRegularizerL2?: number;
}

export interface LSTMOptions extends RecurrentOptions {
  /** start the forget gate's bias at 1 (Jozefowicz et al. 2015), as Keras; default true */
  unitForgetBias?: boolean;
}

export interface GRUOptions extends RecurrentOptions {
  /** apply the reset gate after the recurrent product (Keras's and cuDNN's default, two biases) or before it; default true */
  resetAfter?: boolean;
}

/** fixed dropout masks for one forward (tests, references): multipliers, 0 or 1/(1 − rate) */
export interface RecurrentMasks {
  /** [batch, features] */
  input?: MatrixLike;
  /** [batch, units] */
  recurrent?: MatrixLike;
}

/** a boolean option, `fallback` when absent; a ValueError naming `who` and the option otherwise */
function checkFlag(who: string, name: string, v: unknown, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw new ValueError(`${who}: ${name} must be a boolean, got ${describe(v)}`);
  return v;
}

/** each cell's forward and backward kernels, by name (kernels/recurrent.ts) */
const KERNELS = {
  simpleRnn: ['simpleRnnForward', 'simpleRnnBackward'],
  lstm: ['lstmForward', 'lstmBackward'],
  gru: ['gruForward', 'gruBackward'],
} as const satisfies Record<RecurrentCell, readonly [keyof Kernels, keyof Kernels]>;

const REGULARIZERS = ['kernelRegularizerL1', 'kernelRegularizerL2', 'recurrentRegularizerL1', 'recurrentRegularizerL2', 'biasRegularizerL1', 'biasRegularizerL2'] as const;

/**
 * What SimpleRNN, LSTM and GRU share (Keras's semantics and weight layouts; the kernels are
 * src/backend/kernels/recurrent.ts). Per step t, with x̃ = x_t ⊙ m_x and h̃ = h_{t−1} ⊙ m_h (the
 * dropout masks, one per sequence, drawn once per batch; all ones at inference), h_0 = c_0 = 0:
 *
 *   SimpleRNN  h_t = act(x̃W + h̃R + b)
 *   LSTM       [i f g o] = [rec act rec rec](x̃W + h̃R + b),  c_t = f ⊙ c_{t−1} + i ⊙ g,  h_t = o ⊙ act(c_t)
 *   GRU        z = rec(x̃W_z + h̃R_z + b_z),  r = rec(x̃W_r + h̃R_r + b_r)
 *              resetAfter: hh = act(x̃W_h + b_h + r ⊙ (h̃R_h + b'_h))   (bias [2, 3U]: input, recurrent)
 *              before:     hh = act(x̃W_h + b_h + (r ⊙ h̃)R_h)
 *              h_t = z ⊙ h_{t−1} + (1 − z) ⊙ hh
 *
 * Input [batch, steps, features]; output [batch, units], or [batch, steps, units] with
 * returnSequences. One kernel call per pass: the time loop and backpropagation through time run
 * in WASM, the activations kept in a tape.
 */
export abstract class RecurrentLayer extends Layer {
  abstract readonly cell: RecurrentCell;
  readonly activation: RecurrentActivation;
  readonly recurrentActivation: RecurrentActivation;
  readonly useBias: boolean;
  readonly returnSequences: boolean;
  readonly goBackwards: boolean;
  readonly dropout: number;
  readonly recurrentDropout: number;
  readonly kernelInitializer: InitializerName;
  readonly recurrentInitializer: InitializerName;
  readonly biasInitializer: InitializerName;
  readonly kernelRegularizerL1: number;
  readonly kernelRegularizerL2: number;
  readonly recurrentRegularizerL1: number;
  readonly recurrentRegularizerL2: number;
  readonly biasRegularizerL1: number;
  readonly biasRegularizerL2: number;
  /** the input features, once built */
  features?: number;
  kernel!: Tensor;
  dkernel!: Tensor;
  recurrentKernel!: Tensor;
  drecurrentKernel!: Tensor;
  bias?: Tensor;
  dbias?: Tensor;
  /** the layer's seed: its weights' initialization and its dropout masks' stream */
  seed: number;
  /** training passes with dropout drawn so far (the next pass's masks use it) */
  counter = 0;
  /** the last training pass's masks (multipliers), undefined without dropout */
  inputMask?: Tensor;
  recurrentMask?: Tensor;
  private tape?: Tensor;
  private work?: Tensor;
  /** the regularized tensors (listRegularized), fixed when the weights are built */
  private regularized: [Tensor, Tensor, number, number][] = [];
  /** backward consumes the tape (it turns into the gates' gradients): one backward per forward */
  private tapeFresh = false;
  /** the masks the last forward used (0: none), what backward must use */
  private readonly masksUsed: [number, number] = [0, 0];
  private readonly who: string;

  constructor(readonly units: number, opts: RecurrentOptions, defaults: { recurrentActivation: RecurrentActivation }) {
    super(opts);
    const who = (this.who = new.target.name);
    if (!Number.isSafeInteger(units) || units < 1) throw new ValueError(`${who}: units must be a positive integer, got ${describe(units)}`);
    const activation = (name: string, v: unknown): RecurrentActivation => {
      if (typeof v !== 'string' || !Object.hasOwn(ACTIVATION_CODES, v))
        throw new ValueError(`${who}: ${name} must be one of ${Object.keys(ACTIVATION_CODES).join(', ')}, got ${describe(v)}`);
      return v as RecurrentActivation;
    };
    const flag = (name: string, v: unknown, fallback: boolean) => checkFlag(who, name, v, fallback);
    this.activation = activation('activation', opts.activation ?? 'tanh');
    this.recurrentActivation = activation('recurrentActivation', opts.recurrentActivation ?? defaults.recurrentActivation);
    this.useBias = flag('useBias', opts.useBias, true);
    this.returnSequences = flag('returnSequences', opts.returnSequences, false);
    this.goBackwards = flag('goBackwards', opts.goBackwards, false);
    this.dropout = checkRate(opts.dropout ?? 0, who, 'dropout');
    this.recurrentDropout = checkRate(opts.recurrentDropout ?? 0, who, 'recurrentDropout');
    this.kernelInitializer = checkInitializer(opts.kernelInitializer ?? 'glorotUniform', who, 'kernelInitializer');
    this.recurrentInitializer = checkInitializer(opts.recurrentInitializer ?? 'orthogonal', who, 'recurrentInitializer');
    this.biasInitializer = checkInitializer(opts.biasInitializer ?? 'zeros', who, 'biasInitializer');
    const reg = REGULARIZERS.map((name) => {
      const v = opts[name] ?? 0;
      if (typeof v !== 'number' || !(v >= 0 && Number.isFinite(v))) throw new ValueError(`${who}: ${name} must be a finite number ≥ 0, got ${describe(v)}`);
      return v;
    });
    [this.kernelRegularizerL1, this.kernelRegularizerL2, this.recurrentRegularizerL1, this.recurrentRegularizerL2, this.biasRegularizerL1, this.biasRegularizerL2] = reg;
    if (this.inputShape && this.inputShape.length !== 2) throw new ShapeError(`${who}: inputShape must be [steps, features], got ${shapeText(this.inputShape)}`);
    this.seed = this.backend.nextSeed(); // after the checks: a rejected constructor draws no seed
  }

  /** the subclass's constructor ends with this: build now when the input shape is known */
  protected buildDeclared(): void {
    if (this.inputShape) this.build(this.inputShape);
  }

  override toString(): string {
    return `${this.who}(${this.units})`;
  }

  /** the kernels' option bits */
  protected options(): number {
    return (this.goBackwards ? RNN_GO_BACKWARDS : 0) | (this.returnSequences ? RNN_RETURN_SEQUENCES : 0);
  }

  /** the bias's shape: [G·U] (GRU with resetAfter: [2, G·U]) */
  protected biasShape(): number[] {
    return [GATES[this.cell] * this.units];
  }

  /** a subclass's bias start beyond the initializer (LSTM's unit forget bias) */
  protected initBias(_bias: Float32Array): void {}

  override getConfig(): LayerConfig {
    const config: LayerConfig = {
      units: this.units, activation: this.activation, recurrentActivation: this.recurrentActivation, useBias: this.useBias,
      returnSequences: this.returnSequences, goBackwards: this.goBackwards, dropout: this.dropout, recurrentDropout: this.recurrentDropout,
      kernelInitializer: this.kernelInitializer, recurrentInitializer: this.recurrentInitializer, biasInitializer: this.biasInitializer,
    };
    for (const name of REGULARIZERS) if (this[name]) config[name] = this[name];
    if (this.features !== undefined) config.features = this.features;
    return config;
  }

  override getState(): LayerConfig {
    return { seed: this.seed, counter: this.counter };
  }

  override setState(state: LayerConfig): void {
    const { seed, counter } = state;
    const ok = (v: unknown) => Number.isInteger(v) && (v as number) >= 0 && (v as number) < 2 ** 32;
    if (!ok(seed) || !ok(counter)) throw new ValueError(`${this}.setState: seed and counter must be integers in [0, 2^32), got ${describe(seed)} and ${describe(counter)}`);
    [this.seed, this.counter] = [seed as number, counter as number];
  }

  override outputShape(inputShape: readonly number[]): number[] {
    if (inputShape.length !== 2) throw new ShapeError(`${this} takes sequences, [steps, features] per sample, but its input is ${shapeText(inputShape)} per sample`);
    if (this.features !== undefined && inputShape[1] !== this.features)
      throw new ShapeError(`${this} was built for ${this.features} features, but its input is ${shapeText(inputShape)} per sample`);
    return this.returnSequences ? [inputShape[0], this.units] : [this.units];
  }

  override build(inputShape: readonly number[]): void {
    this.outputShape(inputShape);
    this.buildForFeatures(inputShape[1]);
  }

  /** allocate and initialize the weights for `features` inputs: once, from this layer's seed */
  buildForFeatures(features: number): void {
    if (!Number.isSafeInteger(features) || features < 1) throw new ValueError(`${this}: features must be a positive integer, got ${describe(features)}`);
    if (this.features !== undefined) {
      if (features !== this.features) throw new ShapeError(`${this} was built for ${this.features} features, not ${features}`);
      return;
    }
    const gu = GATES[this.cell] * this.units, biasShape = this.biasShape();
    [this.kernel, this.dkernel, this.recurrentKernel, this.drecurrentKernel, this.bias, this.dbias] = this.allocating(() => [
      this.buffer('kernel', features, gu), this.buffer('dkernel', features, gu), this.buffer('recurrentKernel', this.units, gu), this.buffer('drecurrentKernel', this.units, gu),
      this.useBias ? this.buffer('bias', ...biasShape) : undefined, this.useBias ? this.buffer('dbias', ...biasShape) : undefined,
    ]);
    const rng = new Rng(this.seed);
    initialize(this.kernel.data, this.kernelInitializer, rng, features, gu);
    initialize(this.recurrentKernel.data, this.recurrentInitializer, rng, this.units, gu);
    if (this.bias) {
      initialize(this.bias.data, this.biasInitializer, rng, gu, gu);
      this.initBias(this.bias.data);
    }
    for (const t of [this.dkernel, this.drecurrentKernel, this.dbias]) if (t) this.backend.kernels.fill(t.ptr, t.size, 0);
    this.regularized = this.listRegularized();
    this.features = features;
  }

  /**
   * `training` draws the dropout masks (a fresh pair per call; Monte Carlo prediction too); at
   * inference no mask applies. `masks`, if given in training, replace the draws (the stream does
   * not move).
   */
  forward(inputs: MatrixLike, training = true, masks?: RecurrentMasks): void {
    const x = (this.inputs = this.stageInputs(inputs));
    if (x.rank !== 3) throw new ShapeError(`${this}.forward: expected sequences [batch, steps, features], got ${x}`);
    this.build(x.shape.slice(1));
    const [n, steps, features] = x.shape, units = this.units, k = this.backend.kernels;
    let mx = 0, mh = 0;
    if (training && masks) [mx, mh] = this.givenMasks(masks, n, features);
    else if (training && (this.dropout > 0 || this.recurrentDropout > 0)) {
      if (this.dropout > 0) mx = this.drawMask('inputMask', 2 * this.counter, n, features, this.dropout);
      if (this.recurrentDropout > 0) mh = this.drawMask('recurrentMask', 2 * this.counter + 1, n, units, this.recurrentDropout);
      this.counter++;
    }
    this.masksUsed[0] = mx;
    this.masksUsed[1] = mh;
    const y = this.returnSequences ? this.ensureOutput(n, steps, units) : this.ensureOutput(n, units);
    const tape = (this.tape = this.buffer('tape', recurrentTapeFloats(this.cell, n, steps, features, units)));
    const work = (this.work = this.buffer('work', recurrentScratchFloats(this.cell, n, steps, features, units) || 1));
    k[KERNELS[this.cell][0]](x.ptr, mx, this.kernel.ptr, this.recurrentKernel.ptr, this.bias?.ptr ?? 0, mh, y.ptr, tape.ptr, work.ptr,
      n, steps, features, units, this.options(), ACTIVATION_CODES[this.activation], ACTIVATION_CODES[this.recurrentActivation]);
    this.tapeFresh = true;
  }

  /** the mask tensors from `masks`, checked: [batch, features] and [batch, units] */
  private givenMasks(masks: RecurrentMasks, n: number, features: number): [number, number] {
    const stageMask = (role: 'inputMask' | 'recurrentMask', v: MatrixLike | undefined, width: number): number => {
      if (v === undefined) return 0;
      const shape = checkInput(v, `${this}.forward ${role}`);
      if (shapeText(shape) !== shapeText([n, width])) throw new ShapeError(`${this}.forward: ${role} is ${shapeText(shape)}, expected [batch, ${role === 'inputMask' ? 'features' : 'units'}] = ${n}×${width}`);
      return (this[role] = this.stageAs(`given ${role}`, v, `${this}.forward ${role}`)).ptr;
    };
    return [stageMask('inputMask', masks.input, features), stageMask('recurrentMask', masks.recurrent, this.units)];
  }

  /** a [rows, cols] mask of 0 or 1/(1 − rate) from the counter RNG (pass `counter` of this layer's stream) */
  private drawMask(role: 'inputMask' | 'recurrentMask', counter: number, rows: number, cols: number, rate: number): number {
    const ones = this.buffer('ones', rows * cols), mask = (this[role] = this.buffer(role, rows, cols)), k = this.backend.kernels;
    k.fill(ones.ptr, rows * cols, 1);
    k.dropoutForward(ones.ptr, mask.ptr, ones.ptr, rows * cols, this.seed, counter >>> 0, dropThreshold(rate), Math.fround(1 / (1 - rate)));
    return mask.ptr;
  }

  backward(dvalues: MatrixLike): void {
    const dv = this.stageDvalues(dvalues), x = this.inputs, k = this.backend.kernels;
    if (!this.tapeFresh) throw new ShapeError(`${this}.backward: one backward per forward (the tape is spent); call forward again`);
    this.tapeFresh = false;
    const [n, steps, features] = x.shape, [mx, mh] = this.masksUsed;
    const dx = this.computeDinputs ? this.ensureDinputs(n, steps, features).ptr : 0;
    k[KERNELS[this.cell][1]](x.ptr, mx, this.kernel.ptr, this.recurrentKernel.ptr, mh, this.tape!.ptr, dv.ptr, dx, this.dkernel.ptr, this.drecurrentKernel.ptr, this.dbias?.ptr ?? 0,
      this.work!.ptr, n, steps, features, this.units, this.options(), ACTIVATION_CODES[this.activation], ACTIVATION_CODES[this.recurrentActivation]);
    for (const [w, dw, l1, l2] of this.regularized) k.regularizationGrad(w.ptr, dw.ptr, w.size, l1, l2);
  }

  /** (value, gradient, l1, l2) of every regularized tensor, listed once the weights exist */
  private listRegularized(): [Tensor, Tensor, number, number][] {
    const all: [Tensor | undefined, Tensor | undefined, number, number][] = [
      [this.kernel, this.dkernel, this.kernelRegularizerL1, this.kernelRegularizerL2],
      [this.recurrentKernel, this.drecurrentKernel, this.recurrentRegularizerL1, this.recurrentRegularizerL2],
      [this.bias, this.dbias, this.biasRegularizerL1, this.biasRegularizerL2],
    ];
    return all.filter((r): r is [Tensor, Tensor, number, number] => r[0] !== undefined && (r[2] > 0 || r[3] > 0));
  }

  /** the L1/L2 penalties (Loss.regularizationLoss adds it) */
  regularizationPenalty(): number {
    return this.regularized.reduce((sum, [w, , l1, l2]) => sum + this.backend.kernels.regularizationPenalty(w.ptr, w.size, l1, l2), 0);
  }

  override parameters(): [Tensor, Tensor][] {
    if (this.features === undefined) return [];
    const p: [Tensor, Tensor][] = [[this.kernel, this.dkernel], [this.recurrentKernel, this.drecurrentKernel]];
    if (this.bias && this.dbias) p.push([this.bias, this.dbias]);
    return p;
  }

  override parameterNames(): string[] {
    return ['kernel', 'recurrentKernel', 'bias'];
  }
}

/** Keras's SimpleRNN: h_t = act(x̃W + h̃R + b) */
export class LayerSimpleRNN extends RecurrentLayer {
  readonly cell = 'simpleRnn';
  constructor(units: number, opts: RecurrentOptions = {}) {
    super(units, opts, { recurrentActivation: 'sigmoid' });
    this.buildDeclared();
  }
}

/** Keras's LSTM: gates i, f, c, o along the last axis of kernel [F, 4U], recurrent kernel [U, 4U], bias [4U] */
export class LayerLSTM extends RecurrentLayer {
  readonly cell = 'lstm';
  readonly unitForgetBias: boolean;
  constructor(units: number, opts: LSTMOptions = {}) {
    super(units, opts, { recurrentActivation: 'sigmoid' });
    this.unitForgetBias = checkFlag('LayerLSTM', 'unitForgetBias', opts.unitForgetBias, true);
    this.buildDeclared();
  }
  protected override initBias(bias: Float32Array): void {
    if (this.unitForgetBias) bias.fill(1, this.units, 2 * this.units);
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), unitForgetBias: this.unitForgetBias };
  }
}

/** Keras's GRU: gates z, r, h along the last axis of kernel [F, 3U], recurrent kernel [U, 3U]; bias [2, 3U] with resetAfter, else [3U] */
export class LayerGRU extends RecurrentLayer {
  readonly cell = 'gru';
  readonly resetAfter: boolean;
  constructor(units: number, opts: GRUOptions = {}) {
    super(units, opts, { recurrentActivation: 'sigmoid' });
    this.resetAfter = checkFlag('LayerGRU', 'resetAfter', opts.resetAfter, true);
    this.buildDeclared();
  }
  protected override options(): number {
    return super.options() | (this.resetAfter ? RNN_RESET_AFTER : 0);
  }
  protected override biasShape(): number[] {
    return this.resetAfter ? [2, 3 * this.units] : [3 * this.units];
  }
  override getConfig(): LayerConfig {
    return { ...super.getConfig(), resetAfter: this.resetAfter };
  }
}

for (const [name, cls] of [['LayerSimpleRNN', LayerSimpleRNN], ['LayerLSTM', LayerLSTM], ['LayerGRU', LayerGRU]] as const)
  registerLayer(name, cls, (c, opts) => {
    const { units, features, ...options } = c as unknown as GRUOptions & LSTMOptions & { units: number; features?: number };
    const layer = new cls(units, { ...options, ...opts });
    if (features !== undefined) layer.buildForFeatures(features);
    return layer;
  });
