import type { LayerConfig, LayerOptions } from './layer.ts';
import { StochasticLayer, checkRate } from './stochastic.ts';
import { registerLayer } from './registry.ts';
import type { Tensor } from '../tensor.ts';
import { describe } from '../matrix.ts';
import { NnwasmError, ValueError } from '../errors.ts';
import { dropThreshold } from '../backend/random.ts';

/** the dropout rate for `epoch` (1-based) of a fit of `epochs` epochs; must be in [0, 1) */
export type DropoutSchedule = (epoch: number, epochs: number) => number;

export interface ScheduledDropoutOptions extends LayerOptions {
  /** with a number schedule: the epochs the linear ramp takes (default: the fit's epochs) */
  rampEpochs?: number;
}

/**
 * Scheduled (curriculum) dropout: inverted dropout whose rate changes every epoch. Model.fit calls
 * onEpochBegin(epoch, epochs); in a hand-written loop, call it yourself. The schedule is either
 *  - a number, the final rate, reached by the seed's linear ramp (its CurriculumDropout):
 *    rate = final · min(1, (epoch − 1) / rampEpochs), 0 in the first epoch; or
 *  - a function (epoch, epochs) → rate, checked every epoch (a rate outside [0, 1) is a
 *    ValueError and leaves the current rate in place).
 * Epochs count from 1 in every fit call, so a second fit starts the ramp again.
 */
export class LayerScheduledDropout extends StochasticLayer {
  /** the rate of the current epoch */
  rate = 0;
  readonly finalRate?: number;
  readonly rampEpochs?: number;
  private readonly schedule: DropoutSchedule;
  private threshold = 0;
  private scale = 1;
  private epoch = 1;
  private epochs = 1;

  constructor(schedule: number | DropoutSchedule, opts: ScheduledDropoutOptions = {}) {
    super(opts);
    const { rampEpochs } = opts;
    if (rampEpochs !== undefined && !(Number.isInteger(rampEpochs) && rampEpochs >= 1))
      throw new ValueError(`LayerScheduledDropout: rampEpochs must be a positive integer, got ${describe(rampEpochs)}`);
    if (typeof schedule === 'number') {
      const final = checkRate(schedule, 'LayerScheduledDropout', 'the final rate');
      [this.finalRate, this.rampEpochs] = [final, rampEpochs];
      this.schedule = (epoch, epochs) => final * Math.min(1, (epoch - 1) / (rampEpochs ?? epochs));
    } else if (typeof schedule === 'function') {
      if (rampEpochs !== undefined) throw new ValueError('LayerScheduledDropout: rampEpochs applies to the linear ramp; a schedule function sets every rate itself');
      this.schedule = schedule;
    } else {
      throw new ValueError(`LayerScheduledDropout: the schedule must be a final rate in [0, 1) or a function (epoch, epochs) => rate, got ${describe(schedule)}`);
    }
    this.onEpochBegin(1, 1);
    this.drawSeed();
  }

  override toString(): string {
    return `LayerScheduledDropout(${this.finalRate ?? 'schedule'})`;
  }

  /** set the rate for `epoch` (1-based) of `epochs` from the schedule */
  override onEpochBegin(epoch: number, epochs: number): void {
    const rate = this.schedule(epoch, epochs);
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1))
      throw new ValueError(`${this}: the schedule gave ${describe(rate)} for epoch ${epoch} of ${epochs}; rates must be numbers in [0, 1)`);
    [this.rate, this.epoch, this.epochs] = [rate, epoch, epochs];
    this.threshold = dropThreshold(rate);
    this.scale = Math.fround(1 / (1 - rate));
  }

  /** the last mask, already scaled: 0 or 1/(1 − rate) */
  get binaryMask(): Tensor {
    return this.mask;
  }

  protected draw(x: Tensor, mask: Tensor, out: Tensor, counter: number): void {
    this.backend.kernels.dropoutForward(x.ptr, mask.ptr, out.ptr, x.size, this.seed, counter, this.threshold, this.scale);
  }

  override getConfig(): LayerConfig {
    if (this.finalRate === undefined)
      throw new NnwasmError(`${this}: a schedule function cannot be saved; use a final rate (the linear ramp) for a model you save`);
    const config: LayerConfig = { finalRate: this.finalRate };
    if (this.rampEpochs !== undefined) config.rampEpochs = this.rampEpochs;
    return config;
  }

  override getState(): LayerConfig {
    return { ...super.getState(), epoch: this.epoch, epochs: this.epochs };
  }

  override setState(state: LayerConfig): void {
    const { epoch, epochs } = state;
    if (!Number.isInteger(epoch) || !Number.isInteger(epochs) || (epoch as number) < 1 || (epochs as number) < 1)
      throw new ValueError(`${this}.setState: epoch and epochs must be positive integers, got ${describe(epoch)} and ${describe(epochs)}`);
    const before = this.getState();
    super.setState(state);
    try {
      this.onEpochBegin(epoch as number, epochs as number);
    } catch (e) {
      super.setState(before);
      throw e;
    }
  }
}

registerLayer('LayerScheduledDropout', LayerScheduledDropout, (c, opts) =>
  new LayerScheduledDropout(c.finalRate as number, { ...opts, rampEpochs: c.rampEpochs as number | undefined }));
