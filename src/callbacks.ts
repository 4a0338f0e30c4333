/**
 * Keras's built-in callbacks (`nn.callbacks.earlyStopping({ … })`, TF.js's names and defaults):
 * objects with fit's hooks that also see the model they train. fit hands each its model and
 * params before onTrainBegin, where each checks that the quantity it watches will be in the
 * epoch's logs, so a misspelt monitor fails before the first step.
 */
import type { Optimizer } from './optimizers/optimizer.ts';
import type { FitCallbacks, Logs } from './fitOptions.ts';
import { NnwasmError, ValueError } from './errors.ts';
import { checkKeys, describe } from './describe.ts';

/** what a callback may use of the model it trains */
export interface TrainedModel {
  stopTraining: boolean;
  readonly optimizer?: Optimizer;
  /** a copy of the weights (parameters and layer state) in the model's own memory, named by `role` */
  weightCopy(role: string): { take(): void; putBack(): void };
}

/** what fit tells its callbacks: the run's size and the keys every epoch's logs will hold */
export interface CallbackParams {
  epochs: number;
  steps: number;
  samples: number;
  metrics: string[];
}

/** a callback that sees its model: subclass it for your own (hooks as in FitCallbacks) */
export abstract class Callback implements FitCallbacks {
  model?: TrainedModel;
  params?: CallbackParams;
  onTrainBegin?(logs?: Logs): unknown;
  onTrainEnd?(logs?: Logs): unknown;
  onEpochBegin?(epoch: number, logs?: Logs): unknown;
  onEpochEnd?(epoch: number, logs?: Logs): unknown;
  onBatchBegin?(batch: number, logs?: Logs): unknown;
  onBatchEnd?(batch: number, logs?: Logs): unknown;
  setModel(model: TrainedModel): void {
    this.model = model;
  }
  setParams(params: CallbackParams): void {
    this.params = params;
  }
  protected trained(): TrainedModel {
    if (!this.model) throw new NnwasmError(`${this.constructor.name}: not attached to a model (pass it in fit's callbacks)`);
    return this.model;
  }
  /** the watched value from an epoch's logs (fit checked at onTrainBegin that it will be there) */
  protected monitored(monitor: string, logs: Logs | undefined): number {
    const v = logs?.[monitor];
    if (typeof v !== 'number') throw new ValueError(`${this.constructor.name}: the epoch's logs have no ${monitor} (they have ${Object.keys(logs ?? {}).join(', ')})`);
    return v;
  }
  protected checkMonitor(monitor: string): void {
    const keys = this.params?.metrics;
    if (keys && !keys.includes(monitor))
      throw new ValueError(`${this.constructor.name}: monitor '${monitor}' is not among this fit's epoch logs (${keys.join(', ')})${monitor.startsWith('val_') ? '; validation metrics need validationData or validationSplit' : ''}`);
  }
}

type Mode = 'auto' | 'min' | 'max';
/** 'auto' watches accuracies, precision and recall rising and everything else falling, as Keras */
const rising = (monitor: string, mode: Mode) => (mode === 'auto' ? /(acc|accuracy|precision|recall)$/i.test(monitor) : mode === 'max');

const number = (who: string, name: string, v: unknown, ok: (v: number) => boolean, want: string): number => {
  if (typeof v !== 'number' || !ok(v)) throw new ValueError(`${who}: ${name} must be ${want}, got ${describe(v)}`);
  return v;
};
const mode = (who: string, v: unknown): Mode => {
  if (v !== 'auto' && v !== 'min' && v !== 'max') throw new ValueError(`${who}: mode must be 'auto', 'min' or 'max', got ${describe(v)}`);
  return v;
};
const argsOf = <T extends object>(a: T | undefined, keys: string[], who: string): Partial<T> => {
  if (a === undefined) return {};
  if (a === null || typeof a !== 'object') throw new ValueError(`${who}: expected { ${keys.join(', ')} }, got ${describe(a)}`);
  checkKeys(a, keys, who);
  return a;
};

export interface EarlyStoppingArgs {
  /** default 'val_loss' */
  monitor?: string;
  /** a change smaller than this is no improvement (default 0) */
  minDelta?: number;
  /** epochs without improvement before stopping (default 0: the first one stops) */
  patience?: number;
  mode?: Mode;
  /** stop unless the monitored value beats this (default: no baseline) */
  baseline?: number;
  /** when training ends, put back the weights of the best epoch (default false) */
  restoreBestWeights?: boolean;
}

/** stop when the monitored quantity has stopped improving for `patience` epochs */
export class EarlyStopping extends Callback {
  readonly monitor: string;
  readonly minDelta: number;
  readonly patience: number;
  readonly mode: Mode;
  readonly baseline?: number;
  readonly restoreBestWeights: boolean;
  /** the best epoch so far (0-based, as fit's callbacks count), and the epoch training stopped on (−1: it did not) */
  bestEpoch = -1;
  stoppedEpoch = -1;
  private best = NaN;
  private wait = 0;
  private copy?: { take(): void; putBack(): void };

  constructor(args?: EarlyStoppingArgs) {
    super();
    const who = 'EarlyStopping';
    const a = argsOf(args, ['monitor', 'minDelta', 'patience', 'mode', 'baseline', 'restoreBestWeights'], who);
    this.monitor = a.monitor ?? 'val_loss';
    if (typeof this.monitor !== 'string') throw new ValueError(`${who}: monitor must be a key of the epoch logs, got ${describe(this.monitor)}`);
    this.minDelta = Math.abs(number(who, 'minDelta', a.minDelta ?? 0, Number.isFinite, 'a finite number'));
    this.patience = number(who, 'patience', a.patience ?? 0, (v) => Number.isInteger(v) && v >= 0, 'an integer ≥ 0');
    this.mode = mode(who, a.mode ?? 'auto');
    if (a.baseline !== undefined) this.baseline = number(who, 'baseline', a.baseline, Number.isFinite, 'a finite number');
    if (typeof (a.restoreBestWeights ?? false) !== 'boolean') throw new ValueError(`${who}: restoreBestWeights must be a boolean, got ${describe(a.restoreBestWeights)}`);
    this.restoreBestWeights = a.restoreBestWeights ?? false;
  }

  /** `current` beats `reference` by more than minDelta in the watched direction */
  private improves(current: number, reference: number): boolean {
    return Number.isNaN(reference) || (rising(this.monitor, this.mode) ? current - this.minDelta > reference : current + this.minDelta < reference);
  }

  override onTrainBegin(): void {
    this.checkMonitor(this.monitor);
    [this.best, this.wait, this.bestEpoch, this.stoppedEpoch] = [NaN, 0, -1, -1];
    this.copy = this.restoreBestWeights ? this.trained().weightCopy('early stopping best') : undefined;
  }

  override onEpochEnd(epoch: number, logs?: Logs): void {
    const current = this.monitored(this.monitor, logs);
    this.wait++;
    if (this.improves(current, this.best)) {
      [this.best, this.bestEpoch] = [current, epoch];
      this.copy?.take();
      if (this.baseline === undefined || this.improves(current, this.baseline)) this.wait = 0;
      return;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      this.trained().stopTraining = true;
    }
  }

  /** with restoreBestWeights, the best epoch's weights go back (whether training stopped early or ran out of epochs) */
  override onTrainEnd(): void {
    if (this.copy && this.bestEpoch >= 0) this.copy.putBack();
  }

  /** restoreBestWeights put weights back at the end of this fit */
  get restored(): boolean {
    return !!this.copy && this.bestEpoch >= 0;
  }
}

/** the learning rate a callback sets: the optimizer's, which must not follow a schedule */
function settableRate(c: Callback): Optimizer {
  const optimizer = c.model?.optimizer;
  if (!optimizer) throw new NnwasmError(`${c.constructor.name}: the model has no optimizer (compile it first)`);
  if (optimizer.schedule) throw new ValueError(`${c.constructor.name}: the optimizer's learning rate follows ${optimizer.schedule}; a callback cannot set it as well`);
  return optimizer;
}

/** at the start of every epoch, the learning rate becomes schedule(epoch, the current rate) */
export class LearningRateScheduler extends Callback {
  constructor(readonly schedule: (epoch: number, lr: number) => number) {
    super();
    if (typeof schedule !== 'function') throw new ValueError(`LearningRateScheduler: expected a function (epoch, lr) => lr, got ${describe(schedule)}`);
  }
  override onTrainBegin(): void {
    settableRate(this);
  }
  override onEpochBegin(epoch: number): void {
    const optimizer = settableRate(this), lr = this.schedule(epoch, optimizer.learningRate);
    number('LearningRateScheduler', `schedule(${epoch}, ${optimizer.learningRate})`, lr, (v) => Number.isFinite(v) && v > 0, 'a finite number > 0');
    optimizer.learningRate = lr;
  }
  override onEpochEnd(_epoch: number, logs?: Logs): void {
    if (logs) logs.learning_rate = settableRate(this).learningRate;
  }
}

export interface ReduceLROnPlateauArgs {
  /** default 'val_loss' */
  monitor?: string;
  /** the new rate is factor · the old (default 0.1; must be < 1) */
  factor?: number;
  /** epochs without improvement before reducing (default 10) */
  patience?: number;
  mode?: Mode;
  /** a change smaller than this is no improvement (default 1e-4) */
  minDelta?: number;
  /** epochs to wait after a reduction before counting again (default 0) */
  cooldown?: number;
  /** the rate never goes below this (default 0) */
  minLr?: number;
}

/** multiply the learning rate by `factor` when the monitored quantity has stopped improving */
export class ReduceLROnPlateau extends Callback {
  readonly monitor: string;
  readonly factor: number;
  readonly patience: number;
  readonly mode: Mode;
  readonly minDelta: number;
  readonly cooldown: number;
  readonly minLr: number;
  private best = NaN;
  private wait = 0;
  private cooling = 0;

  constructor(args?: ReduceLROnPlateauArgs) {
    super();
    const who = 'ReduceLROnPlateau';
    const a = argsOf(args, ['monitor', 'factor', 'patience', 'mode', 'minDelta', 'cooldown', 'minLr'], who);
    this.monitor = a.monitor ?? 'val_loss';
    if (typeof this.monitor !== 'string') throw new ValueError(`${who}: monitor must be a key of the epoch logs, got ${describe(this.monitor)}`);
    this.factor = number(who, 'factor', a.factor ?? 0.1, (v) => v > 0 && v < 1, 'a number in (0, 1)');
    const count = (v: number) => Number.isInteger(v) && v >= 0;
    this.patience = number(who, 'patience', a.patience ?? 10, count, 'an integer ≥ 0');
    this.mode = mode(who, a.mode ?? 'auto');
    this.minDelta = Math.abs(number(who, 'minDelta', a.minDelta ?? 1e-4, Number.isFinite, 'a finite number'));
    this.cooldown = number(who, 'cooldown', a.cooldown ?? 0, count, 'an integer ≥ 0');
    this.minLr = number(who, 'minLr', a.minLr ?? 0, (v) => Number.isFinite(v) && v >= 0, 'a finite number ≥ 0');
  }

  override onTrainBegin(): void {
    this.checkMonitor(this.monitor);
    settableRate(this);
    [this.best, this.wait, this.cooling] = [NaN, 0, 0];
  }

  override onEpochEnd(_epoch: number, logs?: Logs): void {
    const optimizer = settableRate(this), current = this.monitored(this.monitor, logs);
    if (logs) logs.learning_rate = optimizer.learningRate;
    if (this.cooling > 0) [this.cooling, this.wait] = [this.cooling - 1, 0];
    const better = Number.isNaN(this.best) || (rising(this.monitor, this.mode) ? current > this.best + this.minDelta : current < this.best - this.minDelta);
    if (better) [this.best, this.wait] = [current, 0];
    else if (this.cooling === 0 && ++this.wait >= this.patience && optimizer.learningRate > this.minLr) {
      optimizer.learningRate = Math.max(optimizer.learningRate * this.factor, this.minLr);
      [this.cooling, this.wait] = [this.cooldown, 0];
    }
  }
}

/** TF.js's factories: `callbacks: [nn.callbacks.earlyStopping({ patience: 3 })]` */
export const callbacks = {
  earlyStopping: (args?: EarlyStoppingArgs) => new EarlyStopping(args),
  learningRateScheduler: (schedule: (epoch: number, lr: number) => number) => new LearningRateScheduler(schedule),
  reduceLROnPlateau: (args?: ReduceLROnPlateauArgs) => new ReduceLROnPlateau(args),
};
