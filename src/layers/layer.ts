import type { Backend } from '../backend/backend.ts';
import { backendFrom } from '../backend/create.ts';
import { Tensor } from '../tensor.ts';
import { checkInput, stage, type MatrixLike } from '../matrix.ts';
import { DisposedError, ShapeError, shapeOf } from '../errors.ts';

/** a JSON value: what a saved model's header can hold */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
/** a layer's constructor arguments or non-tensor state, as saved (see src/layers/registry.ts) */
export type LayerConfig = { [key: string]: Json };

export interface LayerOptions {
  /** the backend to live on (default: the one set by useBackend / setBackend) */
  backend?: Backend;
}

/**
 * The nnfs layer shape: forward(inputs, training) fills `output`, backward(dvalues) fills
 * `dinputs` (and a trainable layer's parameter gradients). Buffers are allocated for the first
 * batch size seen and reused afterwards.
 */
export abstract class Layer {
  readonly backend: Backend;
  inputs!: Tensor;
  output!: Tensor;
  dinputs!: Tensor;
  /** every tensor this layer allocated, by role; output/dinputs may instead alias other tensors */
  private readonly buffers = new Map<string, Tensor>();
  /** set by dispose(): the tensors are gone, so every later forward/backward must refuse */
  private disposedFlag = false;
  /**
   * The Model this layer was added to. A layer belongs to one model: a model sets flags on its
   * layers at compile (the first Dense skips dinputs) and disposes them with itself.
   */
  model?: object;

  constructor(opts: LayerOptions = {}) {
    this.backend = backendFrom(opts, new.target.name);
  }

  /** e.g. "LayerDense(2, 512)": how errors name this layer */
  abstract toString(): string;
  abstract forward(inputs: MatrixLike, training?: boolean): void;
  abstract backward(dvalues: MatrixLike): void;

  /**
   * The constructor arguments that rebuild this layer (JSON, backend excluded), for save/load
   * through the registry (src/layers/registry.ts). Override when the constructor takes arguments.
   */
  getConfig(): LayerConfig {
    return {};
  }

  /** non-tensor state a resumed run needs (e.g. a dropout layer's seed and pass counter) */
  getState(): LayerConfig {
    return {};
  }

  /** restore what getState() returned (Model.load calls it on a freshly built layer) */
  setState(_state: LayerConfig): void {}

  /** Model.compile calls this with the model's layers and this layer's index (e.g. to link the next Dense) */
  onCompile?(layers: readonly Layer[], index: number): void;

  /** Model.fit calls this before every epoch (1-based) of `epochs` (scheduled dropout advances here) */
  onEpochBegin?(epoch: number, epochs: number): void;

  /** trainable layers list (value, gradient) pairs; optimizers update them */
  parameters(): [Tensor, Tensor][] {
    return [];
  }

  /** names of the parameters(), in order, for messages ("weights" has the gradient "dweights") */
  parameterNames(): string[] {
    return ['weights', 'biases'];
  }

  /** dispose() was called: the layer's tensors are gone and it refuses every call */
  get disposed(): boolean {
    return this.disposedFlag;
  }

  /** a DisposedError naming `who` if this layer was disposed */
  checkAlive(who: string): void {
    if (this.disposedFlag) throw new DisposedError(`${who}: ${this} was disposed`);
  }

  /**
   * Run a constructor's allocations: on any error (an OutOfMemoryError, say) every tensor
   * allocated so far is freed, so a failed constructor leaves nothing behind.
   */
  protected allocating<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  /** a tensor of this layer's own for `role`, reused whenever it has room */
  protected buffer(role: string, rows: number, cols: number): Tensor {
    const t = this.backend.ensure(this.buffers.get(role), rows, cols);
    this.buffers.set(role, t);
    return t;
  }

  /** user data copied into this layer's `role` buffer (checked first); a Tensor passes through */
  protected stageAs(role: string, x: MatrixLike, who: string, cols?: number): Tensor {
    this.checkAlive(who);
    if (x instanceof Tensor) return stage(this.backend, x, undefined, who, cols);
    const t = stage(this.backend, x, this.buffers.get(role), who, cols);
    this.buffers.set(role, t);
    return t;
  }

  /** `cols`: the width this layer needs (named with the shapes in the error) */
  protected stageInputs(x: MatrixLike, cols?: number): Tensor {
    return this.stageAs('staged inputs', x, `${this}.forward inputs`, cols);
  }

  /** dvalues must have the shape of `output` */
  protected stageDvalues(x: MatrixLike): Tensor {
    this.checkAlive(`${this}.backward`);
    if (!this.output) throw new ShapeError(`${this}.backward: call forward first`);
    const [rows, cols] = checkInput(x, `${this}.backward dvalues`);
    if (rows !== this.output.rows || cols !== this.output.cols)
      throw new ShapeError(`${this}.backward: dvalues are ${shapeOf(rows, cols)} but the output was ${this.output}`);
    return this.stageAs('staged dvalues', x, `${this}.backward dvalues`);
  }

  protected ensureOutput(rows: number, cols: number): Tensor {
    return (this.output = this.buffer('output', rows, cols));
  }
  protected ensureDinputs(rows: number, cols: number): Tensor {
    return (this.dinputs = this.buffer('dinputs', rows, cols));
  }

  /** release every tensor this layer allocated (parameters included); the layer is unusable after */
  dispose(): void {
    this.disposedFlag = true;
    for (const t of this.buffers.values()) t.dispose();
    this.buffers.clear();
  }
}
