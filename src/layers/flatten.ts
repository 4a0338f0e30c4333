import { Layer } from './layer.ts';
import { registerLayer } from './registry.ts';
import type { MatrixLike } from '../matrix.ts';

/**
 * Keras's Flatten: [batch, ...] → [batch, product of the rest], row-major. Tensors are contiguous
 * and row-major, so the output is a view of the input (no copy) and dinputs a view of dvalues.
 */
export class LayerFlatten extends Layer {
  override toString(): string {
    return 'LayerFlatten';
  }
  override outputShape(inputShape: readonly number[]): number[] {
    return [inputShape.reduce((a, b) => a * b, 1)];
  }
  forward(inputs: MatrixLike): void {
    const x = (this.inputs = this.stageInputs(inputs));
    this.output = x.view(x.rows, x.cols);
  }
  backward(dvalues: MatrixLike): void {
    this.dinputs = this.stageDvalues(dvalues).view(...this.inputs.shape);
  }
}

registerLayer('LayerFlatten', LayerFlatten, (_, opts) => new LayerFlatten(opts));
