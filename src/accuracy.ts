import type { Kernels } from './backend/kernels.ts';
import type { Tensor } from './tensor.ts';

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
  constructor(readonly precisionDivisor = 250) {}
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
