import type { Backend } from '../backend/backend.ts';
import { backendFrom } from '../backend/create.ts';
import { Tensor, checkShape, shapeText } from '../tensor.ts';
import { checkInput, stage, type MatrixLike } from '../matrix.ts';
import { DisposedError, ShapeError } from '../errors.ts';

/** a JSON value: what a saved model's header can hold */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
/** a layer's constructor arguments or non-tensor state, as saved (see src/layers/registry.ts) */
export type LayerConfig = { [key: string]: Json };

export interface LayerOptions {
  /** the backend to live on (default: the one set by useBackend / setBackend) */
  backend?: Backend;
  /**
   * the shape of one sample this layer takes, batch excluded (Keras's `inputShape`, e.g.
   * [28, 28, 1]): given to the first layer of a Model, it lets compile check every layer's shapes
   * before any data arrives. Without it the Model learns the shape from the first batch.
   */
  inputShape?: readonly number[];
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

  /**
   * Whether backward fills `dinputs`. Model turns it off for its first layer, whose input
   * gradient nobody reads; layers that can skip the work (a GEMM for Dense) honour it.
   */
  computeDinputs = true;

  /**
   * Set by Model.predict({ mcSamples }) for the duration of its passes, which call forward with
   * `training` true so that the dropout family draws its noise. A layer whose training mode is
   * more than noise reads it and runs as at inference instead: batch normalization keeps its
   * moving statistics (Monte Carlo dropout samples the dropout masks, not the batch's statistics,
   * and a prediction must not move the model's state).
   */
  monteCarloPass = false;

  /** the per-sample input shape declared with the `inputShape` option, if any */
  readonly inputShape?: readonly number[];

  constructor(opts: LayerOptions = {}) {
    this.backend = backendFrom(opts, new.target.name);
    if (opts?.inputShape !== undefined) this.inputShape = checkShape(opts.inputShape, `${new.target.name}: inputShape`);
  }

  /**
   * The shape of one sample's output for one sample's input of `inputShape` (the batch dimension
   * excluded); a ShapeError naming this layer and the shape when the input does not fit. Model's
   * compile walks it through the layers. The default keeps the shape (activations, dropout).
   */
  outputShape(inputShape: readonly number[]): number[] {
    return [...inputShape];
  }

  /**
   * Called with one sample's input shape before the layer first runs (by Model's shape walk, or
   * by the layer's own forward): a layer whose parameters depend on its input (Conv2D's input
   * channels) allocates them here. Called again with other shapes, it must accept them or throw
   * a ShapeError; by default there is nothing to build.
   */
  build(_inputShape: readonly number[]): void {}

  /** the per-sample input shape this layer implies without data (LayerDense: [nInputs]), if any */
  impliedInputShape(): readonly number[] | undefined {
    return this.inputShape;
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

  /**
   * Non-trainable tensors that are part of the layer's state (batch normalization's running
   * statistics): saved and loaded with the model, restored when a training step fails, never
   * touched by an optimizer.
   */
  stateTensors(): Tensor[] {
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

  /** a tensor of this layer's own for `role`, of shape `dims`, reused whenever it has room */
  protected buffer(role: string, ...dims: number[]): Tensor {
    const t = this.backend.ensure(this.buffers.get(role), ...dims);
    this.buffers.set(role, t);
    return t;
  }

  /** user data copied into this layer's `role` buffer (checked first); a Tensor passes through */
  protected stageAs(role: string, x: MatrixLike, who: string, lastDim?: number): Tensor {
    this.checkAlive(who);
    if (x instanceof Tensor) return stage(this.backend, x, undefined, who, lastDim);
    const t = stage(this.backend, x, this.buffers.get(role), who, lastDim);
    this.buffers.set(role, t);
    return t;
  }

  /** `lastDim`: the values this layer needs along the last axis (named with the shapes in the error) */
  protected stageInputs(x: MatrixLike, lastDim?: number): Tensor {
    return this.stageAs('staged inputs', x, `${this}.forward inputs`, lastDim);
  }

  /** dvalues must have the shape of `output` */
  protected stageDvalues(x: MatrixLike): Tensor {
    this.checkAlive(`${this}.backward`);
    if (!this.output) throw new ShapeError(`${this}.backward: call forward first`);
    const shape = checkInput(x, `${this}.backward dvalues`);
    if (shapeText(shape) !== shapeText(this.output.shape))
      throw new ShapeError(`${this}.backward: dvalues are ${shapeText(shape)} but the output was ${this.output}`);
    return this.stageAs('staged dvalues', x, `${this}.backward dvalues`);
  }

  protected ensureOutput(...dims: number[]): Tensor {
    return (this.output = this.buffer('output', ...dims));
  }
  protected ensureDinputs(...dims: number[]): Tensor {
    return (this.dinputs = this.buffer('dinputs', ...dims));
  }

  /** release every tensor this layer allocated (parameters included); the layer is unusable after */
  dispose(): void {
    this.disposedFlag = true;
    for (const t of this.buffers.values()) t.dispose();
    this.buffers.clear();
  }
}
