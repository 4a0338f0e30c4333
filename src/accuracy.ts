import type { Kernels } from './backend/kernels.ts';
import type { Tensor } from './tensor.ts';
import { type Loss, LossBinaryCrossentropy, LossCategoricalCrossentropy } from './losses/loss.ts';
import { ValueError } from './errors.ts';
import { describe } from './describe.ts';

/** The book's Accuracy classes: the share of correct predictions, on tensors already validated. */
export interface Accuracy {
  readonly name: string;
  /** called once with the training labels before fitting (regression sets its precision here) */
  init?(y: Tensor, k: Kernels): void;
  /** correct predictions in `out` against `y`, and how many were judged */
  correct(k: Kernels, out: Tensor, y: Tensor): [number, number];
}

/** argmax of the output equals the class (sparse or one-hot labels) */
export class AccuracyCategorical implements Accuracy {
  readonly name = 'categorical';
  correct(k: Kernels, out: Tensor, y: Tensor): [number, number] {
    return [k.categoricalCorrect(out.ptr, y.ptr, out.rows, out.cols, +(y.cols === out.cols && out.cols > 1)), out.rows];
  }
}

/** (output > 0.5) equals the 0/1 target, per output */
export class AccuracyBinary implements Accuracy {
  readonly name = 'binary';
  correct(k: Kernels, out: Tensor, y: Tensor): [number, number] {
    return [k.binaryCorrect(out.ptr, y.ptr, out.size), out.size];
  }
}

/** |output - target| < precision, with precision = std(targets) / precisionDivisor (book: 250) */
export class AccuracyRegression implements Accuracy {
  readonly name = 'regression';
  precision = NaN;
  constructor(readonly precisionDivisor = 250) {
    if (typeof precisionDivisor !== 'number' || !(precisionDivisor > 0 && Number.isFinite(precisionDivisor)))
      throw new ValueError(`AccuracyRegression: precisionDivisor must be a finite number > 0, got ${describe(precisionDivisor)}`);
  }
  init(y: Tensor): void {
    const d = y.data;
    let mean = 0, sq = 0;
    for (const v of d) mean += v;
    mean /= d.length;
    for (const v of d) sq += (v - mean) ** 2;
    this.precision = Math.sqrt(sq / d.length) / this.precisionDivisor;
  }
  correct(k: Kernels, out: Tensor, y: Tensor): [number, number] {
    return [k.regressionCorrect(out.ptr, y.ptr, out.size, Math.fround(this.precision)), out.size];
  }
}

const NAMED = { categorical: AccuracyCategorical, binary: AccuracyBinary, regression: AccuracyRegression } as const;
export type AccuracyName = keyof typeof NAMED;

/**
 * compile's `accuracy` option: a name, an Accuracy object, or nothing (categorical for
 * categorical cross-entropy, binary for binary cross-entropy, regression otherwise).
 */
export function accuracyFor(choice: unknown, loss: Loss): Accuracy {
  const name = choice ?? (loss instanceof LossCategoricalCrossentropy ? 'categorical' : loss instanceof LossBinaryCrossentropy ? 'binary' : 'regression');
  if (typeof name === 'string' && Object.hasOwn(NAMED, name)) return new NAMED[name as AccuracyName]();
  if (typeof name === 'object' && name !== null && typeof (name as Accuracy).correct === 'function') return name as Accuracy;
  throw new ValueError(`Model.compile: accuracy must be 'categorical', 'binary', 'regression' or an Accuracy object, got ${describe(choice)}`);
}
