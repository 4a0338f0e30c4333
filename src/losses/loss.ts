import type { Backend } from '../backend/backend.ts';
import { backendFrom } from '../backend/create.ts';
import type { Kernels } from '../backend/kernels.ts';
import type { Tensor } from '../tensor.ts';
import type { Layer } from '../layers/layer.ts';
import { shapeOfInput, stage, type LabelsLike, type MatrixLike } from '../matrix.ts';
import { stageLabels, type LabelKind } from './labels.ts';
import { ShapeError, shapeOf } from '../errors.ts';

/**
 * The book's Loss: calculate() is the mean sample loss, backward() fills `dinputs`,
 * regularizationLoss(layer) the L1/L2 penalty of a trainable layer. Subclasses supply two kernels
 * calls: the summed loss and its gradient (already divided by samples, as the book does).
 */
export abstract class Loss {
  readonly backend: Backend;
  dinputs!: Tensor;
  private outputBuf?: Tensor;
  private labelBuf?: Tensor;
  private dinputsBuf?: Tensor;
  /** 'classes' for cross-entropy over classes; 'targets' for elementwise targets */
  protected abstract readonly labelKind: LabelKind;
  /** allowed target values, for binary cross-entropy */
  protected readonly targetRange?: [number, number];

  constructor(opts: { backend?: Backend } = {}) {
    this.backend = backendFrom(opts, new.target.name);
  }

  abstract toString(): string;
  /** Σ sample losses × outputs per sample (the kernels' raw sum) */
  protected abstract lossSum(k: Kernels, out: Tensor, y: Tensor): number;
  protected abstract gradient(k: Kernels, out: Tensor, y: Tensor, dx: Tensor): void;
  /** what lossSum is divided by to get the book's mean */
  protected divisor(out: Tensor): number {
    return this.labelKind === 'classes' ? out.rows : out.size;
  }

  /** validate predictions and labels and put them on the backend (Tensors pass through) */
  stagePair(output: MatrixLike, y: LabelsLike, who: string): [Tensor, Tensor] {
    const out = stage(this.backend, output, this.outputBuf, `${this}.${who} predictions`);
    if (out !== output) this.outputBuf = out;
    const labels = stageLabels(this.backend, y, out.rows, out.cols, this.labelKind, this.labelBuf, `${this}.${who}`, this.targetRange);
    if (labels !== y) this.labelBuf = labels;
    return [out, labels];
  }

  /** the mean data loss of `output` against `y` */
  calculate(output: MatrixLike, y: LabelsLike): number {
    const [out, labels] = this.stagePair(output, y, 'calculate');
    return this.lossSum(this.backend.kernels, out, labels) / this.divisor(out);
  }

  backward(dvalues: MatrixLike, y: LabelsLike): void {
    const [dv, labels] = this.stagePair(dvalues, y, 'backward');
    this.dinputs = this.dinputsBuf = this.backend.ensure(this.dinputsBuf, dv.rows, dv.cols);
    this.gradient(this.backend.kernels, dv, labels, this.dinputs);
  }

  /** the L1/L2 penalty of a layer (0 for layers without regularized parameters) */
  regularizationLoss(layer: Layer): number {
    return (layer as Layer & { regularizationPenalty?: () => number }).regularizationPenalty?.() ?? 0;
  }

  dispose(): void {
    for (const t of [this.outputBuf, this.labelBuf, this.dinputsBuf]) t?.dispose();
  }
}

export class LossCategoricalCrossentropy extends Loss {
  protected readonly labelKind = 'classes' as const;
  override toString() {
    return 'LossCategoricalCrossentropy';
  }
  protected lossSum(k: Kernels, out: Tensor, y: Tensor) {
    return k.cceLoss(out.ptr, y.ptr, out.rows, out.cols, +(y.cols === out.cols && out.cols > 1));
  }
  protected gradient(k: Kernels, out: Tensor, y: Tensor, dx: Tensor) {
    k.cceBackward(out.ptr, y.ptr, dx.ptr, out.rows, out.cols, +(y.cols === out.cols && out.cols > 1));
  }
}

export class LossBinaryCrossentropy extends Loss {
  protected readonly labelKind = 'targets' as const;
  protected override readonly targetRange: [number, number] = [0, 1];
  override toString() {
    return 'LossBinaryCrossentropy';
  }
  protected lossSum(k: Kernels, out: Tensor, y: Tensor) {
    return k.bceLoss(out.ptr, y.ptr, out.size);
  }
  protected gradient(k: Kernels, out: Tensor, y: Tensor, dx: Tensor) {
    k.bceBackward(out.ptr, y.ptr, dx.ptr, out.size, 1 / out.size);
  }
}

export class LossMeanSquaredError extends Loss {
  protected readonly labelKind = 'targets' as const;
  override toString() {
    return 'LossMeanSquaredError';
  }
  protected lossSum(k: Kernels, out: Tensor, y: Tensor) {
    return k.mseLoss(out.ptr, y.ptr, out.size);
  }
  protected gradient(k: Kernels, out: Tensor, y: Tensor, dx: Tensor) {
    k.mseBackward(out.ptr, y.ptr, dx.ptr, out.size, 1 / out.size);
  }
}

export class LossMeanAbsoluteError extends Loss {
  protected readonly labelKind = 'targets' as const;
  override toString() {
    return 'LossMeanAbsoluteError';
  }
  protected lossSum(k: Kernels, out: Tensor, y: Tensor) {
    return k.maeLoss(out.ptr, y.ptr, out.size);
  }
  protected gradient(k: Kernels, out: Tensor, y: Tensor, dx: Tensor) {
    k.maeBackward(out.ptr, y.ptr, dx.ptr, out.size, 1 / out.size);
  }
}

/** The labels' count must fit the samples: used by Model before training starts. */
export function checkLabelRows(who: string, xRows: number, y: LabelsLike): void {
  const [rows, cols] = shapeOfInput(y);
  if (xRows !== rows) throw new ShapeError(`${who}: X has ${xRows} samples but y has ${rows} (${cols === 1 ? `${rows} labels` : shapeOf(rows, cols)})`);
}
