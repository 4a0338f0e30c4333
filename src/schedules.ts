/**
 * Learning-rate schedules (Keras's `keras.optimizers.schedules`): an optimizer given one as its
 * `learningRate` asks it for the rate of every update, by the number of updates done so far.
 * Each is a pure function of that count, so a saved model resumes on the same rates (the file
 * stores the schedule's class and config).
 */
import { ValueError } from './errors.ts';
import { checkKeys, describe } from './describe.ts';

export type ScheduleConfig = Record<string, number | boolean | number[]>;

export abstract class LearningRateSchedule {
  /** the rate of the update that follows `step` earlier ones (step 0: the first update) */
  abstract at(step: number): number;
  /** the arguments that rebuild it (saved with the model) */
  abstract getConfig(): ScheduleConfig;
  abstract readonly className: string;
  toString(): string {
    return `${this.className}(${Object.entries(this.getConfig()).map(([k, v]) => `${k}: ${Array.isArray(v) ? `[${v.join(', ')}]` : v}`).join(', ')})`;
  }
}

const positive = (who: string, name: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new ValueError(`${who}: ${name} must be a finite number > 0, got ${describe(v)}`);
  return v;
};
const inUnit = (who: string, name: string, v: unknown): number => {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new ValueError(`${who}: ${name} must be a number in [0, 1], got ${describe(v)}`);
  return v;
};
const flag = (who: string, name: string, v: unknown): boolean => {
  if (typeof v !== 'boolean') throw new ValueError(`${who}: ${name} must be a boolean, got ${describe(v)}`);
  return v;
};
const args = <T extends object>(a: T, keys: string[], who: string): T => {
  if (a === null || typeof a !== 'object') throw new ValueError(`${who}: expected { ${keys.join(', ')} }, got ${describe(a)}`);
  checkKeys(a, keys, who);
  return a;
};

export interface ExponentialDecayArgs {
  initialLearningRate: number;
  decaySteps: number;
  decayRate: number;
  /** decay in whole steps of decaySteps updates (the "step decay" schedule); default false */
  staircase?: boolean;
}

/** initialLearningRate · decayRate^(step / decaySteps), the exponent floored with staircase */
export class ExponentialDecay extends LearningRateSchedule {
  readonly className = 'ExponentialDecay';
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly decayRate: number;
  readonly staircase: boolean;
  constructor(a: ExponentialDecayArgs) {
    super();
    const who = 'ExponentialDecay';
    args(a, ['initialLearningRate', 'decaySteps', 'decayRate', 'staircase'], who);
    this.initialLearningRate = positive(who, 'initialLearningRate', a.initialLearningRate);
    this.decaySteps = positive(who, 'decaySteps', a.decaySteps);
    this.decayRate = positive(who, 'decayRate', a.decayRate);
    this.staircase = flag(who, 'staircase', a.staircase ?? false);
  }
  at(step: number): number {
    const p = step / this.decaySteps;
    return this.initialLearningRate * this.decayRate ** (this.staircase ? Math.floor(p) : p);
  }
  getConfig(): ScheduleConfig {
    return { initialLearningRate: this.initialLearningRate, decaySteps: this.decaySteps, decayRate: this.decayRate, staircase: this.staircase };
  }
}

export interface InverseTimeDecayArgs {
  initialLearningRate: number;
  decayRate: number;
  /** default 1: the book's decay, lr / (1 + decay · iterations) */
  decaySteps?: number;
  staircase?: boolean;
}

/**
 * initialLearningRate / (1 + decayRate · step / decaySteps): with decaySteps 1 the book's
 * `decay` option, computed in the same order, so the two give the same rates bit for bit.
 */
export class InverseTimeDecay extends LearningRateSchedule {
  readonly className = 'InverseTimeDecay';
  readonly initialLearningRate: number;
  readonly decayRate: number;
  readonly decaySteps: number;
  readonly staircase: boolean;
  constructor(a: InverseTimeDecayArgs) {
    super();
    const who = 'InverseTimeDecay';
    args(a, ['initialLearningRate', 'decayRate', 'decaySteps', 'staircase'], who);
    this.initialLearningRate = positive(who, 'initialLearningRate', a.initialLearningRate);
    if (typeof a.decayRate !== 'number' || !Number.isFinite(a.decayRate) || a.decayRate < 0) throw new ValueError(`${who}: decayRate must be a finite number ≥ 0, got ${describe(a.decayRate)}`);
    this.decayRate = a.decayRate;
    this.decaySteps = positive(who, 'decaySteps', a.decaySteps ?? 1);
    this.staircase = flag(who, 'staircase', a.staircase ?? false);
  }
  at(step: number): number {
    const p = step / this.decaySteps;
    return this.initialLearningRate * (1 / (1 + this.decayRate * (this.staircase ? Math.floor(p) : p)));
  }
  getConfig(): ScheduleConfig {
    return { initialLearningRate: this.initialLearningRate, decayRate: this.decayRate, decaySteps: this.decaySteps, staircase: this.staircase };
  }
}

export interface CosineDecayArgs {
  initialLearningRate: number;
  decaySteps: number;
  /** the floor, as a fraction of initialLearningRate (default 0) */
  alpha?: number;
}

/** half a cosine from initialLearningRate down to alpha · initialLearningRate over decaySteps, then flat */
export class CosineDecay extends LearningRateSchedule {
  readonly className = 'CosineDecay';
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly alpha: number;
  constructor(a: CosineDecayArgs) {
    super();
    const who = 'CosineDecay';
    args(a, ['initialLearningRate', 'decaySteps', 'alpha'], who);
    this.initialLearningRate = positive(who, 'initialLearningRate', a.initialLearningRate);
    this.decaySteps = positive(who, 'decaySteps', a.decaySteps);
    this.alpha = inUnit(who, 'alpha', a.alpha ?? 0);
  }
  at(step: number): number {
    const cosine = 0.5 * (1 + Math.cos((Math.PI * Math.min(step, this.decaySteps)) / this.decaySteps));
    return this.initialLearningRate * ((1 - this.alpha) * cosine + this.alpha);
  }
  getConfig(): ScheduleConfig {
    return { initialLearningRate: this.initialLearningRate, decaySteps: this.decaySteps, alpha: this.alpha };
  }
}

export interface PiecewiseConstantDecayArgs {
  /** increasing update counts where the rate changes */
  boundaries: number[];
  /** one more value than boundaries: values[i] while step ≤ boundaries[i] (after the previous) */
  values: number[];
}

/** the step schedule: values[0] up to boundaries[0] updates, values[1] up to boundaries[1], … */
export class PiecewiseConstantDecay extends LearningRateSchedule {
  readonly className = 'PiecewiseConstantDecay';
  readonly boundaries: number[];
  readonly values: number[];
  constructor(a: PiecewiseConstantDecayArgs) {
    super();
    const who = 'PiecewiseConstantDecay';
    args(a, ['boundaries', 'values'], who);
    const { boundaries, values } = a;
    if (!Array.isArray(boundaries) || !boundaries.every((b, i) => Number.isFinite(b) && b >= 0 && (i === 0 || b > boundaries[i - 1])))
      throw new ValueError(`${who}: boundaries must be increasing finite numbers ≥ 0, got ${describe(boundaries)}`);
    if (!Array.isArray(values) || values.length !== boundaries.length + 1)
      throw new ValueError(`${who}: values must hold one more entry than boundaries (${boundaries.length + 1}), got ${describe(values)}`);
    values.forEach((v, i) => positive(who, `values[${i}]`, v));
    [this.boundaries, this.values] = [[...boundaries], [...values]];
  }
  at(step: number): number {
    const i = this.boundaries.findIndex((b) => step <= b);
    return this.values[i < 0 ? this.boundaries.length : i];
  }
  getConfig(): ScheduleConfig {
    return { boundaries: [...this.boundaries], values: [...this.values] };
  }
}

/** the schedules by class name, for loading a saved model */
export const SCHEDULES: Record<string, new (config: never) => LearningRateSchedule> = { ExponentialDecay, InverseTimeDecay, CosineDecay, PiecewiseConstantDecay };

/** Keras's schedules by factory name: `nn.schedules.exponentialDecay({ … })` */
export const schedules = {
  exponentialDecay: (a: ExponentialDecayArgs) => new ExponentialDecay(a),
  inverseTimeDecay: (a: InverseTimeDecayArgs) => new InverseTimeDecay(a),
  cosineDecay: (a: CosineDecayArgs) => new CosineDecay(a),
  piecewiseConstantDecay: (a: PiecewiseConstantDecayArgs) => new PiecewiseConstantDecay(a),
};
