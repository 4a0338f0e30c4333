import type { Backend } from '../backend/backend.ts';
import { backendFrom } from '../backend/create.ts';
import type { Kernels } from '../backend/kernels.ts';
import type { Tensor } from '../tensor.ts';
import { Layer } from '../layers/layer.ts';
import { DisposedError, ValueError } from '../errors.ts';
import { describe } from '../describe.ts';
import { LearningRateSchedule } from '../schedules.ts';

export interface OptimizerOptions {
  /** a number, or a schedule (`nn.schedules.exponentialDecay({ … })`) asked for every update's rate */
  learningRate?: number | LearningRateSchedule;
  /** learning-rate decay: lr_t = lr / (1 + decay · iterations) (with a number as learningRate) */
  decay?: number;
  backend?: Backend;
}

const fr = Math.fround;

/**
 * The book's optimizer protocol: preUpdateParams() decays the learning rate, updateParams(layer)
 * runs one fused kernel per parameter tensor, postUpdateParams() counts the iteration.
 * Per-parameter state (momentums, caches) is allocated on a parameter's first update.
 */
export abstract class Optimizer {
  readonly backend: Backend;
  readonly decay: number;
  /** the schedule given as learningRate, if one was */
  readonly schedule?: LearningRateSchedule;
  /** the rate of the next update (after decay or the schedule) */
  currentLearningRate: number;
  private baseRate: number;
  iterations = 0;
  /** state tensors per parameter tensor, in the order the subclass names them */
  protected readonly state = new Map<Tensor, Tensor[]>();
  protected abstract readonly slots: number;
  private disposedFlag = false;
  /** the Model this optimizer was compiled into (an optimizer's state belongs to one model) */
  model?: object;

  constructor(opts: OptimizerOptions, defaultLearningRate: number) {
    this.backend = backendFrom(opts, new.target.name);
    const lr = opts.learningRate ?? defaultLearningRate;
    if (lr instanceof LearningRateSchedule) this.schedule = lr;
    this.baseRate = this.schedule ? this.schedule.at(0) : this.check('learningRate', lr as number, 0, Infinity, true);
    this.decay = this.check('decay', opts.decay ?? 0, 0, Infinity);
    if (this.schedule && this.decay) throw new ValueError(`${new.target.name}: give a schedule or decay, not both (InverseTimeDecay is the decay as a schedule)`);
    this.currentLearningRate = this.baseRate;
  }

  /**
   * The learning rate before decay; with a schedule, the schedule's rate for the next update.
   * Callbacks (LearningRateScheduler, ReduceLROnPlateau) set it between steps; a scheduled rate
   * cannot be set.
   */
  get learningRate(): number {
    return this.schedule ? this.schedule.at(this.iterations) : this.baseRate;
  }
  set learningRate(v: number) {
    if (this.schedule) throw new ValueError(`${this}: the learning rate follows ${this.schedule}; it cannot be set`);
    this.baseRate = this.check('learningRate', v, 0, Infinity, true);
    // what the next update uses, and what a file saved now must hold (Model.load checks it)
    this.currentLearningRate = this.learningRateAfter(this.iterations);
  }

  abstract toString(): string;
  protected abstract update(k: Kernels, param: Tensor, grad: Tensor, state: Tensor[], lr: number): void;

  protected check(name: string, v: number, lo: number, hi: number, openLo = false): number {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || (openLo && v === lo) || v > hi)
      throw new ValueError(`${this}: ${name} must be a number in ${openLo ? '(' : '['}${lo}, ${hi}${hi === Infinity ? ')' : ']'}, got ${describe(v)}`);
    return v;
  }

  preUpdateParams(): void {
    if (this.schedule) this.currentLearningRate = this.schedule.at(this.iterations);
    else if (this.decay) this.currentLearningRate = this.baseRate * (1 / (1 + this.decay * this.iterations));
  }

  /** the learning rate preUpdateParams() gave for the last of `iterations` updates (what a saved file must hold) */
  learningRateAfter(iterations: number): number {
    const last = Math.max(0, iterations - 1);
    if (this.schedule) return this.schedule.at(last);
    return this.decay ? this.baseRate * (1 / (1 + this.decay * last)) : this.baseRate;
  }

  updateParams(layer: Layer): void {
    if (this.disposedFlag) throw new DisposedError(`${this}.updateParams: the optimizer was disposed`);
    if (!(layer instanceof Layer)) throw new ValueError(`${this}.updateParams: expected a layer, got ${describe(layer)}`);
    if (layer.backend !== this.backend) throw new ValueError(`${this}.updateParams: ${layer} lives on backend ${layer.backend?.variant}, the optimizer on ${this.backend.variant}`);
    layer.checkAlive(`${this}.updateParams`);
    const lr = fr(this.currentLearningRate);
    for (const [param, grad] of layer.parameters()) this.update(this.backend.kernels, param, grad, this.stateFor(param), lr);
  }

  /** the state tensors of a parameter, created (zeroed) on first use */
  stateFor(param: Tensor): Tensor[] {
    if (this.disposedFlag) throw new DisposedError(`${this}: the optimizer was disposed`);
    let s = this.state.get(param);
    if (s) return s;
    const made: Tensor[] = [];
    try {
      for (let i = 0; i < this.slots; i++) made.push(this.backend.zeros(param.rows, param.cols));
    } catch (e) {
      for (const t of made) t.dispose(); // all or nothing: a failed call keeps no block
      throw e;
    }
    this.state.set(param, made);
    return made;
  }

  postUpdateParams(): void {
    this.iterations++;
  }


  /** dispose() was called: the state is gone and the optimizer refuses every update */
  get disposed(): boolean {
    return this.disposedFlag;
  }

  dispose(): void {
    this.disposedFlag = true;
    for (const s of this.state.values()) for (const t of s) t.dispose();
    this.state.clear();
  }
}

/** SGD with optional momentum (book defaults: lr 1, decay 0, momentum 0). */
export class OptimizerSGD extends Optimizer {
  readonly momentum: number;
  protected readonly slots: number;
  constructor(opts: OptimizerOptions & { momentum?: number } = {}) {
    super(opts, 1);
    this.momentum = this.check('momentum', opts.momentum ?? 0, 0, 1);
    this.slots = this.momentum ? 1 : 0;
  }
  override toString() {
    return 'OptimizerSGD';
  }
  protected update(k: Kernels, p: Tensor, g: Tensor, [m]: Tensor[], lr: number) {
    if (this.momentum) k.sgdMomentumUpdate(p.ptr, g.ptr, m.ptr, p.size, lr, fr(this.momentum));
    else k.sgdUpdate(p.ptr, g.ptr, p.size, lr);
  }
}

/** Adagrad (book defaults: lr 1, decay 0, epsilon 1e-7). */
export class OptimizerAdagrad extends Optimizer {
  readonly epsilon: number;
  protected readonly slots = 1;
  constructor(opts: OptimizerOptions & { epsilon?: number } = {}) {
    super(opts, 1);
    this.epsilon = this.check('epsilon', opts.epsilon ?? 1e-7, 0, Infinity, true);
  }
  override toString() {
    return 'OptimizerAdagrad';
  }
  protected update(k: Kernels, p: Tensor, g: Tensor, [cache]: Tensor[], lr: number) {
    k.adagradUpdate(p.ptr, g.ptr, cache.ptr, p.size, lr, fr(this.epsilon));
  }
}

/** RMSprop (book defaults: lr 0.001, decay 0, epsilon 1e-7, rho 0.9). */
export class OptimizerRMSprop extends Optimizer {
  readonly epsilon: number;
  readonly rho: number;
  protected readonly slots = 1;
  constructor(opts: OptimizerOptions & { epsilon?: number; rho?: number } = {}) {
    super(opts, 0.001);
    this.epsilon = this.check('epsilon', opts.epsilon ?? 1e-7, 0, Infinity, true);
    this.rho = this.check('rho', opts.rho ?? 0.9, 0, 1);
  }
  override toString() {
    return 'OptimizerRMSprop';
  }
  protected update(k: Kernels, p: Tensor, g: Tensor, [cache]: Tensor[], lr: number) {
    k.rmspropUpdate(p.ptr, g.ptr, cache.ptr, p.size, lr, fr(this.epsilon), fr(1 - this.rho));
  }
}

/** Adam (book defaults: lr 0.001, decay 0, epsilon 1e-7, beta1 0.9, beta2 0.999). */
export class OptimizerAdam extends Optimizer {
  readonly epsilon: number;
  readonly beta1: number;
  readonly beta2: number;
  protected readonly slots = 2;
  constructor(opts: OptimizerOptions & { epsilon?: number; beta1?: number; beta2?: number } = {}) {
    super(opts, 0.001);
    this.epsilon = this.check('epsilon', opts.epsilon ?? 1e-7, 0, Infinity, true);
    this.beta1 = this.check('beta1', opts.beta1 ?? 0.9, 0, 1);
    this.beta2 = this.check('beta2', opts.beta2 ?? 0.999, 0, 1);
  }
  override toString() {
    return 'OptimizerAdam';
  }
  protected update(k: Kernels, p: Tensor, g: Tensor, [m, v]: Tensor[], lr: number) {
    const t = this.iterations + 1;
    k.adamUpdate(p.ptr, g.ptr, m.ptr, v.ptr, p.size, lr, fr(1 - this.beta1), fr(1 - this.beta2), fr(this.epsilon), fr(1 - this.beta1 ** t), fr(1 - this.beta2 ** t));
  }
}
