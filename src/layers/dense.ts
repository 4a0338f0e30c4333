import { Layer, type LayerConfig, type LayerOptions } from './layer.ts';
import { checkInitializer, initialize, type InitializerName } from './initializers.ts';
import { Rng } from '../backend/random.ts';
import { Matrix, checkInput, describe, type MatrixLike } from '../matrix.ts';
import { Tensor, shapeText } from '../tensor.ts';
import { ShapeError, ValueError, shapeOf } from '../errors.ts';

export interface DenseOptions extends LayerOptions {
  /** how the weights start: 'book' (default: the book's 0.01·N(0, 1)), or a Keras initializer such as 'glorotUniform' */
  kernelInitializer?: InitializerName;
  weightRegularizerL1?: number;
  weightRegularizerL2?: number;
  biasRegularizerL1?: number;
  biasRegularizerL2?: number;
}

/** The book's Layer_Dense: output = inputs·weights + biases, weights 0.01·N(0, 1), biases 0. */
export class LayerDense extends Layer {
  readonly weights: Tensor;
  readonly biases: Tensor;
  readonly dweights: Tensor;
  readonly dbiases: Tensor;
  readonly weightRegularizerL1: number;
  readonly weightRegularizerL2: number;
  readonly biasRegularizerL1: number;
  readonly biasRegularizerL2: number;
  readonly kernelInitializer: InitializerName;

  constructor(readonly nInputs: number, readonly nNeurons: number, opts: DenseOptions = {}) {
    super(opts);
    for (const [name, v] of [['nInputs', nInputs], ['nNeurons', nNeurons]] as const)
      if (!Number.isSafeInteger(v) || v < 1) throw new ValueError(`LayerDense: ${name} must be a positive integer, got ${describe(v)}`);
    const reg = (name: keyof DenseOptions) => {
      const v = (opts[name] as number | undefined) ?? 0;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new ValueError(`${this}: ${name} must be a finite number ≥ 0, got ${describe(v)}`);
      return v;
    };
    this.weightRegularizerL1 = reg('weightRegularizerL1');
    this.weightRegularizerL2 = reg('weightRegularizerL2');
    this.biasRegularizerL1 = reg('biasRegularizerL1');
    this.biasRegularizerL2 = reg('biasRegularizerL2');
    this.kernelInitializer = checkInitializer(opts.kernelInitializer ?? 'book', String(this), 'kernelInitializer');
    const be = this.backend;
    // every block first, then the seed: a constructor that fails (out of memory) draws no seed
    // and leaves nothing allocated
    let seed: number;
    [this.weights, this.biases, this.dweights, this.dbiases, seed] = this.allocating(() => [
      this.buffer('weights', nInputs, nNeurons), this.buffer('biases', 1, nNeurons),
      this.buffer('dweights', nInputs, nNeurons), this.buffer('dbiases', 1, nNeurons), be.nextSeed(),
    ] as const);
    initialize(this.weights.data, this.kernelInitializer, new Rng(seed), nInputs, nNeurons);
    for (const t of [this.biases, this.dweights, this.dbiases]) be.kernels.fill(t.ptr, t.size, 0);
  }

  override toString(): string {
    return `LayerDense(${this.nInputs}, ${this.nNeurons})`;
  }

  override getConfig() {
    const { nInputs, nNeurons, weightRegularizerL1, weightRegularizerL2, biasRegularizerL1, biasRegularizerL2, kernelInitializer } = this;
    const config: LayerConfig = { nInputs, nNeurons, weightRegularizerL1, weightRegularizerL2, biasRegularizerL1, biasRegularizerL2 };
    if (kernelInitializer !== 'book') config.kernelInitializer = kernelInitializer; // files before it had the book's
    return config;
  }

  /** Dense acts on the last axis, as Keras's does: [..., nInputs] → [..., nNeurons] */
  override outputShape(inputShape: readonly number[]): number[] {
    if (inputShape.at(-1) !== this.nInputs)
      throw new ShapeError(`${this} expects ${this.nInputs} values along the last axis, but its input is ${shapeText(inputShape)} per sample`);
    return [...inputShape.slice(0, -1), this.nNeurons];
  }

  override impliedInputShape(): readonly number[] {
    return this.inputShape ?? [this.nInputs];
  }

  /** on N-D inputs [..., nInputs] every row of the last axis goes through the same weights (one GEMM) */
  forward(inputs: MatrixLike): void {
    this.forwardWith(inputs, this.weights, this.biases, false);
  }

  /** forward with other weights and biases of this layer's shapes, ReLU optionally fused: inference with a batch norm folded in (src/inferencePlan.ts) */
  forwardWith(inputs: MatrixLike, weights: Tensor, biases: Tensor, relu: boolean): void {
    const x = (this.inputs = this.stageInputs(inputs, this.nInputs)), m = x.size / this.nInputs, k = this.backend.kernels;
    const out = this.ensureOutput(...x.shape.slice(0, -1), this.nNeurons);
    if (relu) k.denseReluForward(x.ptr, weights.ptr, biases.ptr, out.ptr, m, this.nInputs, this.nNeurons, 0, 0, 0, 1);
    else k.gemmNN(x.ptr, weights.ptr, biases.ptr, out.ptr, m, this.nInputs, this.nNeurons, 0);
  }

  backward(dvalues: MatrixLike): void {
    const dv = this.stageDvalues(dvalues), k = this.backend.kernels, x = this.inputs, n = x.size / this.nInputs;
    k.gemmTN(x.ptr, dv.ptr, this.dweights.ptr, this.nInputs, n, this.nNeurons, 0);
    k.colSums(dv.ptr, this.dbiases.ptr, n, this.nNeurons, 0);
    if (this.weightRegularizerL1 || this.weightRegularizerL2)
      k.regularizationGrad(this.weights.ptr, this.dweights.ptr, this.weights.size, this.weightRegularizerL1, this.weightRegularizerL2);
    if (this.biasRegularizerL1 || this.biasRegularizerL2)
      k.regularizationGrad(this.biases.ptr, this.dbiases.ptr, this.biases.size, this.biasRegularizerL1, this.biasRegularizerL2);
    if (this.computeDinputs) {
      const dx = this.ensureDinputs(...x.shape);
      k.gemmNT(dv.ptr, this.weights.ptr, dx.ptr, n, this.nNeurons, this.nInputs, 0);
    }
  }

  /** the book's regularization_loss for this layer: L1 and L2 penalties of weights and biases */
  regularizationPenalty(): number {
    const k = this.backend.kernels;
    let penalty = 0;
    if (this.weightRegularizerL1 || this.weightRegularizerL2)
      penalty += k.regularizationPenalty(this.weights.ptr, this.weights.size, this.weightRegularizerL1, this.weightRegularizerL2);
    if (this.biasRegularizerL1 || this.biasRegularizerL2)
      penalty += k.regularizationPenalty(this.biases.ptr, this.biases.size, this.biasRegularizerL1, this.biasRegularizerL2);
    return penalty;
  }

  private params?: [Tensor, Tensor][];
  override parameters(): [Tensor, Tensor][] {
    return (this.params ??= [[this.weights, this.dweights], [this.biases, this.dbiases]]);
  }

  /** copies of the weights (nInputs×nNeurons, row-major) and biases (nNeurons) */
  getParameters(): { weights: Float32Array; biases: Float32Array } {
    this.checkAlive(`${this}.getParameters`);
    return { weights: this.weights.toFloat32Array(), biases: this.biases.toFloat32Array() };
  }

  /**
   * Load given weights (nInputs×nNeurons, or flat in row-major order) and biases (nNeurons, or
   * 1×nNeurons). Both are checked before either is written.
   */
  setParameters(weights: MatrixLike | ArrayLike<number>, biases: MatrixLike | ArrayLike<number>): void {
    this.checkAlive(`${this}.setParameters`);
    const values = (x: MatrixLike | ArrayLike<number>, rows: number, cols: number, what: string): ArrayLike<number> => {
      const who = `${this}.setParameters ${what}`;
      const shape = checkInput(x, who);
      if (shape.length > 2) throw new ShapeError(`${who}: expected ${shapeOf(rows, cols)} values, got ${shapeText(shape)}`);
      const [n, c] = shape;
      const oneD = !(x instanceof Tensor) && !(x instanceof Matrix) && typeof (x as ArrayLike<unknown>)[0] === 'number';
      const [r, cc] = oneD ? [1, n] : [n, c]; // a flat array reads as one row
      const flat = oneD && n === rows * cols;
      if (!flat && (r !== rows || cc !== cols)) throw new ShapeError(`${this}.setParameters: ${what} must be ${shapeOf(rows, cols)}, got ${shapeOf(r, cc)}`);
      if (x instanceof Tensor || x instanceof Matrix) return x.data;
      return flat ? (x as ArrayLike<number>) : Array.prototype.concat(...Array.from(x as ArrayLike<ArrayLike<number>>, (row) => Array.from(row)));
    };
    const w = values(weights, this.nInputs, this.nNeurons, 'weights');
    const b = values(biases, 1, this.nNeurons, 'biases');
    this.weights.data.set(w);
    this.biases.data.set(b);
  }
}
