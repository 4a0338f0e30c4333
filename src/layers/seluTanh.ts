import { Layer } from './layer.ts';
import { registerLayer } from './registry.ts';
import type { MatrixLike } from '../matrix.ts';

/** SELU's constants (Klambauer et al., 2017): the fixed point mean 0, variance 1 */
export const SELU_LAMBDA = 1.0507009873554804934193349852946;
export const SELU_ALPHA = 1.6732632423543772848170429916717;

/** SELU: λx for x > 0, λα(eˣ − 1) otherwise; with LayerAlphaDropout, a self-normalizing network. */
export class ActivationSELU extends Layer {
  override toString() {
    return 'ActivationSELU';
  }
  forward(inputs: MatrixLike): void {
    const x = (this.inputs = this.stageInputs(inputs));
    this.backend.kernels.seluForward(x.ptr, this.ensureOutput(...x.shape).ptr, x.size);
  }
  backward(dvalues: MatrixLike): void {
    const dv = this.stageDvalues(dvalues);
    this.backend.kernels.seluBackward(this.inputs.ptr, this.output.ptr, dv.ptr, this.ensureDinputs(...dv.shape).ptr, dv.size);
  }
}

/** tanh; backward dvalues · (1 − output²). */
export class ActivationTanh extends Layer {
  override toString() {
    return 'ActivationTanh';
  }
  forward(inputs: MatrixLike): void {
    const x = (this.inputs = this.stageInputs(inputs));
    this.backend.kernels.tanhForward(x.ptr, this.ensureOutput(...x.shape).ptr, x.size);
  }
  backward(dvalues: MatrixLike): void {
    const dv = this.stageDvalues(dvalues);
    this.backend.kernels.tanhBackward(this.output.ptr, dv.ptr, this.ensureDinputs(...dv.shape).ptr, dv.size);
  }
}

registerLayer('ActivationSELU', ActivationSELU, (_, opts) => new ActivationSELU(opts));
registerLayer('ActivationTanh', ActivationTanh, (_, opts) => new ActivationTanh(opts));
