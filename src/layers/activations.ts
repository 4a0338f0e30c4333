import { Layer } from './layer.ts';
import type { MatrixLike } from '../matrix.ts';

/** ReLU: output = max(0, inputs); the gradient passes where inputs > 0. */
export class ActivationReLU extends Layer {
  override toString() {
    return 'ActivationReLU';
  }
  forward(inputs: MatrixLike): void {
    const x = (this.inputs = this.stageInputs(inputs));
    this.backend.kernels.reluForward(x.ptr, this.ensureOutput(...x.shape).ptr, x.size);
  }
  backward(dvalues: MatrixLike): void {
    const dv = this.stageDvalues(dvalues);
    this.backend.kernels.reluBackward(this.inputs.ptr, dv.ptr, this.ensureDinputs(...dv.shape).ptr, dv.size);
  }
}

/** Softmax over the last axis (Keras's default); backward through the full Jacobian (the fused loss path is faster). */
export class ActivationSoftmax extends Layer {
  override toString() {
    return 'ActivationSoftmax';
  }
  forward(inputs: MatrixLike): void {
    const x = (this.inputs = this.stageInputs(inputs)), last = x.shape.at(-1)!;
    this.backend.kernels.softmaxForward(x.ptr, this.ensureOutput(...x.shape).ptr, x.size / last, last);
  }
  backward(dvalues: MatrixLike): void {
    const dv = this.stageDvalues(dvalues), last = dv.shape.at(-1)!;
    this.backend.kernels.softmaxBackward(this.output.ptr, dv.ptr, this.ensureDinputs(...dv.shape).ptr, dv.size / last, last);
  }
}

/** Sigmoid: 1 / (1 + e^-x); backward dvalues · (1 - output) · output. */
export class ActivationSigmoid extends Layer {
  override toString() {
    return 'ActivationSigmoid';
  }
  forward(inputs: MatrixLike): void {
    const x = (this.inputs = this.stageInputs(inputs));
    this.backend.kernels.sigmoidForward(x.ptr, this.ensureOutput(...x.shape).ptr, x.size);
  }
  backward(dvalues: MatrixLike): void {
    const dv = this.stageDvalues(dvalues);
    this.backend.kernels.sigmoidBackward(this.output.ptr, dv.ptr, this.ensureDinputs(...dv.shape).ptr, dv.size);
  }
}

/** Identity, for regression outputs. output and dinputs alias their sources: no copy is needed. */
export class ActivationLinear extends Layer {
  override toString() {
    return 'ActivationLinear';
  }
  forward(inputs: MatrixLike): void {
    this.output = this.inputs = this.stageInputs(inputs);
  }
  backward(dvalues: MatrixLike): void {
    this.dinputs = this.stageDvalues(dvalues);
  }
}
