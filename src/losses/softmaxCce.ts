import { LossCategoricalCrossentropy } from './loss.ts';
import type { Layer } from '../layers/layer.ts';
import { ActivationSoftmax } from '../layers/activations.ts';
import type { Backend } from '../backend/backend.ts';
import type { Tensor } from '../tensor.ts';
import type { LabelsLike, MatrixLike } from '../matrix.ts';

/**
 * Softmax and categorical cross-entropy together, for the fast gradient (y - t) / samples
 * instead of the Jacobian. forward() returns the mean loss; `output` holds the probabilities.
 */
export class ActivationSoftmaxLossCategoricalCrossentropy {
  readonly activation: ActivationSoftmax;
  readonly loss: LossCategoricalCrossentropy;
  dinputs!: Tensor;
  private dinputsBuf?: Tensor;

  constructor(opts: { backend?: Backend } = {}) {
    this.activation = new ActivationSoftmax(opts);
    this.loss = new LossCategoricalCrossentropy({ backend: this.activation.backend });
  }
  toString() {
    return 'ActivationSoftmaxLossCategoricalCrossentropy';
  }
  get output(): Tensor {
    return this.activation.output;
  }
  get backend(): Backend {
    return this.activation.backend;
  }

  forward(inputs: MatrixLike, y: LabelsLike): number {
    this.activation.forward(inputs);
    return this.loss.calculate(this.activation.output, y);
  }

  backward(dvalues: MatrixLike, y: LabelsLike): void {
    const [dv, labels] = this.loss.stagePair(dvalues, y, 'backward');
    softmaxCceBackwardStaged(this, dv, labels);
  }

  regularizationLoss(layer: Layer): number {
    return this.loss.regularizationLoss(layer);
  }

  dispose(): void {
    this.activation.dispose();
    this.loss.dispose();
    this.dinputsBuf?.dispose();
  }
}

/** Model's path, for outputs and labels it validated itself (see lossOfStaged); not exported from the package */
export function softmaxCceBackwardStaged(f: ActivationSoftmaxLossCategoricalCrossentropy, dv: Tensor, labels: Tensor, weights?: Tensor): void {
  const dx = (f.dinputs = f['dinputsBuf'] = f.backend.ensure(f['dinputsBuf'], ...dv.shape));
  f.backend.kernels.softmaxCceBackward(dv.ptr, labels.ptr, dx.ptr, dv.rows, dv.cols, +(labels.cols === dv.cols && dv.cols > 1));
  if (weights) f.backend.kernels.scaleRows(dx.ptr, weights.ptr, dv.rows, dv.cols); // see backwardStaged
}
