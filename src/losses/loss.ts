import type { Backend } from '../backend/backend.ts';
import { backendFrom } from '../backend/create.ts';
import type { Kernels } from '../backend/kernels.ts';
import type { Tensor } from '../tensor.ts';
import { Layer } from '../layers/layer.ts';
import { describe, shapeOfInput, stage, type LabelsLike, type MatrixLike } from '../matrix.ts';
import { stageLabels, type LabelKind } from './labels.ts';
import { DisposedError, ShapeError, ValueError, shapeOf } from '../errors.ts';

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
  private disposedFlag = false;
  /** the Model this loss was compiled into (its buffers belong to one model) */
  model?: object;
  /** 'classes' for cross-entropy over classes; 'targets' for elementwise targets */
  abstract readonly labelKind: LabelKind;
  /** allowed target values, for binary cross-entropy */
  readonly targetRange?: [number, number];

  constructor(opts: { backend?: Backend } = {}) {
    this.backend = backendFrom(opts, new.target.name);
  }

  abstract toString(): string;
  /** Σ sample losses × outputs per sample (the kernels' raw sum); each sample's times its weight when `w` is a weights pointer (0: none) */
  protected abstract lossSum(k: Kernels, out: Tensor, y: Tensor, w: number): number;
  protected abstract gradient(k: Kernels, out: Tensor, y: Tensor, dx: Tensor): void;
  /** what lossSum is divided by to get the book's mean */
  protected divisor(out: Tensor): number {
    return this.labelKind === 'classes' ? out.rows : out.size;
  }

  /** validate predictions and labels and put them on the backend (Tensors pass through) */
  stagePair(output: MatrixLike, y: LabelsLike, who: string): [Tensor, Tensor] {
    if (this.disposedFlag) throw new DisposedError(`${this}.${who}: the loss was disposed`);
    const out = stage(this.backend, output, this.outputBuf, `${this}.${who} predictions`);
    if (out !== output) this.outputBuf = out;
    const labels = stageLabels(this.backend, y, out.rows, out.cols, this.labelKind, this.labelBuf, `${this}.${who}`, this.targetRange);
    if (labels !== y) this.labelBuf = labels;
    return [out, labels];
  }

  /** the mean data loss of `output` against `y` */
  calculate(output: MatrixLike, y: LabelsLike): number {
    const [out, labels] = this.stagePair(output, y, 'calculate');
    return lossOfStaged(this, out, labels);
  }

  backward(dvalues: MatrixLike, y: LabelsLike): void {
    const [dv, labels] = this.stagePair(dvalues, y, 'backward');
    backwardStaged(this, dv, labels);
  }

  /** dispose() was called: the loss refuses every later call */
  get disposed(): boolean {
    return this.disposedFlag;
  }

  /** the L1/L2 penalty of a layer (0 for layers without regularized parameters) */
  regularizationLoss(layer: Layer): number {
    if (!(layer instanceof Layer)) throw new ValueError(`${this}.regularizationLoss: expected a layer, got ${describe(layer)}`);
    layer.checkAlive(`${this}.regularizationLoss`);
    return (layer as Layer & { regularizationPenalty?: () => number }).regularizationPenalty?.() ?? 0;
  }

  dispose(): void {
    this.disposedFlag = true;
    for (const t of [this.outputBuf, this.labelBuf, this.dinputsBuf]) t?.dispose();
  }
}

/**
 * Model's path to a loss, for predictions and labels it staged and validated itself (once per
 * fit, not once per step). Not exported from the package: what users call goes through stagePair.
 */
export function lossOfStaged(loss: Loss, out: Tensor, labels: Tensor, weights?: Tensor): number {
  return loss['lossSum'](loss.backend.kernels, out, labels, weights ? weights.ptr : 0) / loss['divisor'](out);
}

/** the raw loss sum and what the mean divides it by, for losses summed over several batches */
export function lossSumOfStaged(loss: Loss, out: Tensor, labels: Tensor, weights?: Tensor): { sum: number; divisor: number } {
  return { sum: loss['lossSum'](loss.backend.kernels, out, labels, weights ? weights.ptr : 0), divisor: loss['divisor'](out) };
}

/**
 * backward on staged tensors (see lossOfStaged): fills loss.dinputs. With per-sample `weights`
 * (one per row) the loss is Σ w_r · loss_r / rows, as Keras's sample_weight with its default
 * reduction: each row's gradient is scaled by its weight.
 */
export function backwardStaged(loss: Loss, dv: Tensor, labels: Tensor, weights?: Tensor): void {
  loss.dinputs = loss['dinputsBuf'] = loss.backend.ensure(loss['dinputsBuf'], ...dv.shape);
  loss['gradient'](loss.backend.kernels, dv, labels, loss.dinputs);
  if (weights) loss.backend.kernels.scaleRows(loss.dinputs.ptr, weights.ptr, dv.rows, dv.cols);
}

export class LossCategoricalCrossentropy extends Loss {
  readonly labelKind = 'classes' as const;
  override toString() {
    return 'LossCategoricalCrossentropy';
  }
  protected lossSum(k: Kernels, out: Tensor, y: Tensor, w: number) {
    return k.cceLoss(out.ptr, y.ptr, out.rows, out.cols, +(y.cols === out.cols && out.cols > 1), w);
  }
  protected gradient(k: Kernels, out: Tensor, y: Tensor, dx: Tensor) {
    k.cceBackward(out.ptr, y.ptr, dx.ptr, out.rows, out.cols, +(y.cols === out.cols && out.cols > 1));
  }
}

export class LossBinaryCrossentropy extends Loss {
  readonly labelKind = 'targets' as const;
  override readonly targetRange: [number, number] = [0, 1];
  override toString() {
    return 'LossBinaryCrossentropy';
  }
  protected lossSum(k: Kernels, out: Tensor, y: Tensor, w: number) {
    return k.bceLoss(out.ptr, y.ptr, out.size, out.cols, w);
  }
  protected gradient(k: Kernels, out: Tensor, y: Tensor, dx: Tensor) {
    k.bceBackward(out.ptr, y.ptr, dx.ptr, out.size, 1 / out.size);
  }
}

export class LossMeanSquaredError extends Loss {
  readonly labelKind = 'targets' as const;
  override toString() {
    return 'LossMeanSquaredError';
  }
  protected lossSum(k: Kernels, out: Tensor, y: Tensor, w: number) {
    return k.mseLoss(out.ptr, y.ptr, out.size, out.cols, w);
  }
  protected gradient(k: Kernels, out: Tensor, y: Tensor, dx: Tensor) {
    k.mseBackward(out.ptr, y.ptr, dx.ptr, out.size, 1 / out.size);
  }
}

export class LossMeanAbsoluteError extends Loss {
  readonly labelKind = 'targets' as const;
  override toString() {
    return 'LossMeanAbsoluteError';
  }
  protected lossSum(k: Kernels, out: Tensor, y: Tensor, w: number) {
    return k.maeLoss(out.ptr, y.ptr, out.size, out.cols, w);
  }
  protected gradient(k: Kernels, out: Tensor, y: Tensor, dx: Tensor) {
    k.maeBackward(out.ptr, y.ptr, dx.ptr, out.size, 1 / out.size);
  }
}

/** The labels' count must fit the samples: used by Model before training starts. */
export function checkLabelRows(who: string, xRows: number, y: LabelsLike): void {
  if (y === undefined || y === null) throw new ValueError(`${who}: y (the labels) is missing: pass class indices, one-hot rows or targets, one per sample of X`);
  const shape = shapeOfInput(y, `${who} y`);
  const [rows, cols] = [shape[0], shape.slice(1).reduce((a, b) => a * b, 1)];
  if (xRows !== rows) throw new ShapeError(`${who}: X has ${xRows} samples but y has ${rows} (${cols === 1 ? `${rows} labels` : shapeOf(rows, cols)})`);
}
