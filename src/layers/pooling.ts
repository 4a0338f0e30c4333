import { Layer, type LayerConfig, type LayerOptions } from './layer.ts';
import { registerLayer } from './registry.ts';
import { checkPadding, geometry, pair, type Geometry, type Padding } from './convGeometry.ts';
import type { MatrixLike } from '../matrix.ts';
import { ShapeError } from '../errors.ts';
import type { Tensor } from '../tensor.ts';

export interface Pooling2DOptions extends LayerOptions {
  /** default: the pool size (windows side by side) */
  strides?: number | [number, number];
  /** default 'valid'; with 'same', padded positions never win a max and are not counted in a mean */
  padding?: Padding;
}

type WindowArgs = [number, number, number, number, number, number, number, number, number, number, number, number];

/** what max and average pooling share: the window, its geometry, NHWC checks, save/load */
abstract class Pooling2D extends Layer {
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  protected geom?: Geometry;

  constructor(poolSize: number | [number, number], opts: Pooling2DOptions, who: string) {
    super(opts);
    this.poolSize = pair(poolSize, who, 'poolSize');
    this.strides = opts?.strides === undefined ? this.poolSize : pair(opts.strides, who, 'strides');
    this.padding = checkPadding(opts?.padding ?? 'valid', who);
  }

  override getConfig(): LayerConfig {
    return { poolSize: this.poolSize, strides: this.strides, padding: this.padding };
  }

  protected geometryFor(sample: readonly number[]): Geometry {
    return geometry(sample, this.poolSize, this.strides, [1, 1], this.padding, String(this));
  }

  override outputShape(inputShape: readonly number[]): number[] {
    const g = this.geometryFor(inputShape);
    return [g.oh, g.ow, g.c];
  }

  /** the staged images and their geometry; the window's arguments as the kernels take them */
  protected stageImages(inputs: MatrixLike): { x: Tensor; args: WindowArgs } {
    const x = (this.inputs = this.stageInputs(inputs));
    if (x.rank !== 4) throw new ShapeError(`${this}.forward: expected images [batch, height, width, channels], got ${x}`);
    const g = (this.geom = this.geometryFor(x.shape.slice(1)));
    return { x, args: this.windowArgs(x.rows) };
  }

  /** n, h, w, c, ph, pw, sh, sw, padTop, padLeft, oh, ow: the last forward's window, as the kernels take it */
  protected windowArgs(n: number): WindowArgs {
    const g = this.geom!;
    return [n, g.h, g.w, g.c, this.poolSize[0], this.poolSize[1], this.strides[0], this.strides[1], g.padTop, g.padLeft, g.oh, g.ow];
  }
}

/** Keras's MaxPooling2D: the max of each window per channel; backward routes the gradient to the (first) max */
export class LayerMaxPooling2D extends Pooling2D {
  /** the flat input index of each output's max (int32), for backward */
  argmax?: Tensor;

  constructor(poolSize: number | [number, number] = 2, opts: Pooling2DOptions = {}) {
    super(poolSize, opts, 'LayerMaxPooling2D');
  }
  override toString(): string {
    return `LayerMaxPooling2D(${this.poolSize.join('×')})`;
  }
  forward(inputs: MatrixLike): void {
    const { x, args } = this.stageImages(inputs), g = this.geom!;
    const y = this.ensureOutput(x.rows, g.oh, g.ow, g.c);
    this.argmax = this.buffer('argmax', ...y.shape);
    this.backend.kernels.maxPoolForward(x.ptr, y.ptr, this.argmax.ptr, ...args);
  }
  backward(dvalues: MatrixLike): void {
    const dv = this.stageDvalues(dvalues), dx = this.ensureDinputs(...this.inputs.shape);
    this.backend.kernels.maxPoolBackward(dv.ptr, this.argmax!.ptr, dx.ptr, ...this.windowArgs(this.inputs.rows));
  }
}

/** Keras's AveragePooling2D: the mean of each window per channel (padding not counted) */
export class LayerAveragePooling2D extends Pooling2D {
  constructor(poolSize: number | [number, number] = 2, opts: Pooling2DOptions = {}) {
    super(poolSize, opts, 'LayerAveragePooling2D');
  }
  override toString(): string {
    return `LayerAveragePooling2D(${this.poolSize.join('×')})`;
  }
  forward(inputs: MatrixLike): void {
    const { x, args } = this.stageImages(inputs), g = this.geom!;
    this.backend.kernels.avgPoolForward(x.ptr, this.ensureOutput(x.rows, g.oh, g.ow, g.c).ptr, ...args);
  }
  backward(dvalues: MatrixLike): void {
    const dv = this.stageDvalues(dvalues), x = this.inputs;
    this.backend.kernels.avgPoolBackward(dv.ptr, this.ensureDinputs(...x.shape).ptr, ...this.windowArgs(x.rows));
  }
}

/** Keras's GlobalAveragePooling2D: [batch, h, w, c] → [batch, c], the mean over every position */
export class LayerGlobalAveragePooling2D extends Layer {
  override toString(): string {
    return 'LayerGlobalAveragePooling2D';
  }
  override outputShape(inputShape: readonly number[]): number[] {
    if (inputShape.length !== 3) throw new ShapeError(`${this} takes images, [height, width, channels] per sample (NHWC), but its input is ${inputShape.join('×')} per sample`);
    return [inputShape[2]];
  }
  forward(inputs: MatrixLike): void {
    const x = (this.inputs = this.stageInputs(inputs));
    if (x.rank !== 4) throw new ShapeError(`${this}.forward: expected images [batch, height, width, channels], got ${x}`);
    const [n, h, w, c] = x.shape;
    this.backend.kernels.globalAvgPoolForward(x.ptr, this.ensureOutput(n, c).ptr, n, h * w, c);
  }
  backward(dvalues: MatrixLike): void {
    const dv = this.stageDvalues(dvalues), [n, h, w, c] = this.inputs.shape;
    this.backend.kernels.globalAvgPoolBackward(dv.ptr, this.ensureDinputs(...this.inputs.shape).ptr, n, h * w, c);
  }
}

registerLayer('LayerMaxPooling2D', LayerMaxPooling2D, (c, opts) => new LayerMaxPooling2D(c.poolSize as [number, number], { ...opts, strides: c.strides as [number, number], padding: c.padding as Padding }));
registerLayer('LayerAveragePooling2D', LayerAveragePooling2D, (c, opts) => new LayerAveragePooling2D(c.poolSize as [number, number], { ...opts, strides: c.strides as [number, number], padding: c.padding as Padding }));
registerLayer('LayerGlobalAveragePooling2D', LayerGlobalAveragePooling2D, (_, opts) => new LayerGlobalAveragePooling2D(opts));
