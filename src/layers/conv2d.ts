import { Layer, type LayerConfig, type LayerOptions } from './layer.ts';
import { registerLayer } from './registry.ts';
import { checkInitializer, initialize, type InitializerName } from './initializers.ts';
import { checkPadding, geometry, pair, type Geometry, type Padding } from './convGeometry.ts';
import { Rng } from '../backend/random.ts';
import { describe, type MatrixLike } from '../matrix.ts';
import { shapeText, type Tensor } from '../tensor.ts';
import { ShapeError, ValueError } from '../errors.ts';

export interface Conv2DOptions extends LayerOptions {
  /** default 1 */
  strides?: number | [number, number];
  /** default 'valid' */
  padding?: Padding;
  /** default 1; with a dilation above 1 the strides must be 1 (as in Keras) */
  dilationRate?: number | [number, number];
  /** default true */
  useBias?: boolean;
  /** 'relu' runs the ReLU in the convolution's GEMM epilogue (and its gradient in one pass); default 'linear' */
  activation?: 'relu' | 'linear';
  /** default 'glorotUniform', as Keras */
  kernelInitializer?: InitializerName;
  kernelRegularizerL1?: number;
  kernelRegularizerL2?: number;
  biasRegularizerL1?: number;
  biasRegularizerL2?: number;
}

type WindowArgs = [number, number, number, number, number, number, number, number, number, number, number, number, number, number];

const REGULARIZERS = ['kernelRegularizerL1', 'kernelRegularizerL2', 'biasRegularizerL1', 'biasRegularizerL2'] as const;

/**
 * A 2-D convolution over NHWC images, as Keras's Conv2D: kernel HWIO [kh, kw, inChannels,
 * filters], bias [filters]. It runs through the packed GEMM on the image's im2col matrix cols (rows
 * of kh·kw·c values): Y = cols · kernel + bias, dKernel = colsᵀ · dY, dX = col2im(dY · kernelᵀ),
 * each one kernel (conv2dForward, conv2dBackwardKernel, conv2dBackwardInput) that packs the GEMM's
 * panels straight from the image, so cols is never written; a 1×1 stride-1 convolution without
 * padding is a plain GEMM on the image itself. The kernel is allocated when the input's channels
 * are known: at the Model's shape walk, or at the first forward.
 */
export class LayerConv2D extends Layer {
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly dilationRate: [number, number];
  readonly useBias: boolean;
  readonly activation: 'relu' | 'linear';
  readonly kernelInitializer: InitializerName;
  readonly kernelRegularizerL1: number;
  readonly kernelRegularizerL2: number;
  readonly biasRegularizerL1: number;
  readonly biasRegularizerL2: number;
  /** the input channels, once built */
  inChannels?: number;
  kernel!: Tensor;
  dkernel!: Tensor;
  bias?: Tensor;
  dbias?: Tensor;
  private readonly seed: number;
  private geom?: Geometry;
  /** the last forward's window as the conv2d kernels take it (n, h, w, c, kh, kw, sh, sw, dh, dw, padTop, padLeft, oh, ow) */
  private window: WindowArgs = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

  constructor(readonly filters: number, kernelSize: number | [number, number], opts: Conv2DOptions = {}) {
    super(opts);
    const who = 'LayerConv2D';
    if (!Number.isSafeInteger(filters) || filters < 1) throw new ValueError(`${who}: filters must be a positive integer, got ${describe(filters)}`);
    this.kernelSize = pair(kernelSize, who, 'kernelSize');
    const { strides = 1, padding = 'valid', dilationRate = 1, useBias = true, activation = 'linear', kernelInitializer = 'glorotUniform' } = opts;
    this.strides = pair(strides, who, 'strides');
    this.padding = checkPadding(padding, who);
    this.dilationRate = pair(dilationRate, who, 'dilationRate');
    if (this.dilationRate.some((d) => d > 1) && this.strides.some((s) => s > 1))
      throw new ValueError(`${who}: strides above 1 and dilationRate above 1 together are not supported (Keras refuses them too)`);
    if (typeof useBias !== 'boolean') throw new ValueError(`${who}: useBias must be a boolean, got ${describe(useBias)}`);
    if (activation !== 'relu' && activation !== 'linear') throw new ValueError(`${who}: activation must be 'relu' or 'linear', got ${describe(activation)}`);
    [this.useBias, this.activation] = [useBias, activation];
    this.kernelInitializer = checkInitializer(kernelInitializer, who, 'kernelInitializer');
    const reg = REGULARIZERS.map((name) => {
      const v = opts[name] ?? 0;
      if (typeof v !== 'number' || !(v >= 0 && Number.isFinite(v))) throw new ValueError(`${who}: ${name} must be a finite number ≥ 0, got ${describe(v)}`);
      return v;
    });
    [this.kernelRegularizerL1, this.kernelRegularizerL2, this.biasRegularizerL1, this.biasRegularizerL2] = reg;
    if (this.inputShape && this.inputShape.length !== 3) throw new ShapeError(`${who}: inputShape must be [height, width, channels], got ${shapeText(this.inputShape)}`);
    this.seed = this.backend.nextSeed(); // last: a rejected constructor draws no seed
    if (this.inputShape) this.build(this.inputShape);
  }

  override toString(): string {
    return `LayerConv2D(${this.filters}, ${this.kernelSize.join('×')})`;
  }

  override getConfig(): LayerConfig {
    const { filters, kernelSize, strides, padding, dilationRate, useBias, activation, kernelInitializer } = this;
    const config: LayerConfig = { filters, kernelSize, strides, padding, dilationRate, useBias, activation, kernelInitializer };
    for (const name of REGULARIZERS) if (this[name]) config[name] = this[name];
    if (this.inChannels !== undefined) config.inChannels = this.inChannels;
    return config;
  }

  /** the geometry for one sample's input, or a ShapeError naming this layer */
  private geometryFor(sample: readonly number[]): Geometry {
    const g = geometry(sample, this.kernelSize, this.strides, this.dilationRate, this.padding, String(this));
    if (this.inChannels !== undefined && g.c !== this.inChannels)
      throw new ShapeError(`${this} was built for ${this.inChannels} input channels, but its input is ${shapeText(sample)} per sample`);
    return g;
  }

  override outputShape(inputShape: readonly number[]): number[] {
    const g = this.geometryFor(inputShape);
    return [g.oh, g.ow, this.filters];
  }

  override impliedInputShape(): readonly number[] | undefined {
    return this.inputShape;
  }

  override build(inputShape: readonly number[]): void {
    this.buildForChannels(this.geometryFor(inputShape).c);
  }

  /** allocate and initialize the kernel (and bias) for `c` input channels: once, from this layer's seed */
  buildForChannels(c: number): void {
    if (!Number.isSafeInteger(c) || c < 1) throw new ValueError(`${this}: input channels must be a positive integer, got ${describe(c)}`);
    if (this.inChannels !== undefined) {
      if (c !== this.inChannels) throw new ShapeError(`${this} was built for ${this.inChannels} input channels, not ${c}`);
      return;
    }
    const [kh, kw] = this.kernelSize;
    const shape = [kh, kw, c, this.filters];
    [this.kernel, this.dkernel, this.bias, this.dbias] = this.allocating(() => [
      this.buffer('kernel', ...shape), this.buffer('dkernel', ...shape),
      this.useBias ? this.buffer('bias', this.filters) : undefined, this.useBias ? this.buffer('dbias', this.filters) : undefined,
    ]);
    initialize(this.kernel.data, this.kernelInitializer, new Rng(this.seed), kh * kw * c, kh * kw * this.filters);
    const k = this.backend.kernels;
    for (const t of [this.dkernel, this.bias, this.dbias]) if (t) k.fill(t.ptr, t.size, 0);
    this.inChannels = c;
  }

  forward(inputs: MatrixLike): void {
    this.forwardWith(inputs, undefined, undefined, this.activation === 'relu');
  }

  /**
   * forward with another kernel and bias of this layer's shapes (default: its own), and the ReLU
   * on or off: inference with a batch norm folded in (src/inferencePlan.ts) runs through here.
   */
  forwardWith(inputs: MatrixLike, kernel: Tensor | undefined, bias: Tensor | undefined, relu: boolean): void {
    const x = this.prepare(inputs), g = this.geom!, k = this.backend.kernels, w = (kernel ?? this.kernel).ptr, b = (bias ?? this.bias)?.ptr ?? 0;
    const n = x.rows, m = n * g.oh * g.ow, depth = this.kernelSize[0] * this.kernelSize[1] * g.c;
    const y = this.ensureOutput(n, g.oh, g.ow, this.filters);
    if (!this.direct(g)) k.conv2dForward(x.ptr, w, b, y.ptr, ...this.windowArgs(n), this.filters, relu ? 1 : 0);
    else if (relu) k.denseReluForward(x.ptr, w, b, y.ptr, m, depth, this.filters, 0, 0, 0, 1);
    else k.gemmNN(x.ptr, w, b, y.ptr, m, depth, this.filters, 0);
  }

  /**
   * inference's forward with a 2×2 max pooling of strides 2 ('valid') after it, in one pass
   * (conv2dMaxPoolForward; src/inferencePlan.ts plans it): kernel, bias and the ReLU as forwardWith; the
   * pooled images [batch, ⌊oh/2⌋, ⌊ow/2⌋, filters], in a buffer of this layer's, are returned and
   * `output` is left alone. The values are the ones forwardWith and the pooling layer would give.
   */
  forwardMaxPooled(inputs: MatrixLike, kernel: Tensor | undefined, bias: Tensor | undefined, relu: boolean): Tensor {
    const x = this.prepare(inputs), g = this.geom!, n = x.rows, w = (kernel ?? this.kernel).ptr, b = (bias ?? this.bias)?.ptr ?? 0;
    const y = this.buffer('max-pooled output', n, g.oh >> 1, g.ow >> 1, this.filters);
    this.backend.kernels.conv2dMaxPoolForward(x.ptr, w, b, y.ptr, ...this.windowArgs(n), this.filters, relu ? 1 : 0);
    return y;
  }

  /** a forward's start: the inputs staged and checked, the layer built, `geom` set for them */
  private prepare(inputs: MatrixLike): Tensor {
    const x = (this.inputs = this.stageInputs(inputs));
    if (x.rank !== 4) throw new ShapeError(`${this}.forward: expected images [batch, height, width, channels], got ${x}`);
    this.build(x.shape.slice(1));
    this.geom = this.geometryFor(x.shape.slice(1));
    return x;
  }

  /** this.window for n images of the last forward's geometry (filled in place: a step allocates nothing for it) */
  private windowArgs(n: number): WindowArgs {
    const g = this.geom!, a = this.window;
    a[0] = n; a[1] = g.h; a[2] = g.w; a[3] = g.c;
    a[4] = this.kernelSize[0]; a[5] = this.kernelSize[1]; a[6] = this.strides[0]; a[7] = this.strides[1];
    a[8] = this.dilationRate[0]; a[9] = this.dilationRate[1]; a[10] = g.padTop; a[11] = g.padLeft; a[12] = g.oh; a[13] = g.ow;
    return a;
  }

  /** a 1×1, stride-1, unpadded convolution is a GEMM on the image itself: no cols to lay out */
  private direct(g: Geometry): boolean {
    return this.kernelSize[0] === 1 && this.kernelSize[1] === 1 && this.strides[0] === 1 && this.strides[1] === 1 && g.padTop === 0 && g.padLeft === 0;
  }

  backward(dvalues: MatrixLike): void {
    const dv = this.stageDvalues(dvalues), k = this.backend.kernels, x = this.inputs, g = this.geom!;
    const m = dv.size / this.filters, depth = this.kernelSize[0] * this.kernelSize[1] * g.c, direct = this.direct(g);
    let dz = dv;
    if (this.activation === 'relu') {
      dz = this.buffer('dz', ...dv.shape);
      // the ReLU's gradient and the bias's column sums in one pass (db goes to scratch without a bias)
      const db = this.dbias ?? this.buffer('unused dbias', this.filters);
      k.reluDropoutGate(this.output.ptr, dv.ptr, dz.ptr, db.ptr, m, this.filters, 1);
    } else if (this.dbias) k.colSums(dz.ptr, this.dbias.ptr, m, this.filters, 0);
    if (direct) k.gemmTN(x.ptr, dz.ptr, this.dkernel.ptr, depth, m, this.filters, 0);
    else k.conv2dBackwardKernel(x.ptr, dz.ptr, this.dkernel.ptr, ...this.window, this.filters);
    if (this.kernelRegularizerL1 || this.kernelRegularizerL2)
      k.regularizationGrad(this.kernel.ptr, this.dkernel.ptr, this.kernel.size, this.kernelRegularizerL1, this.kernelRegularizerL2);
    if (this.bias && this.dbias && (this.biasRegularizerL1 || this.biasRegularizerL2))
      k.regularizationGrad(this.bias.ptr, this.dbias.ptr, this.bias.size, this.biasRegularizerL1, this.biasRegularizerL2);
    if (!this.computeDinputs) return;
    const dx = this.ensureDinputs(...x.shape);
    if (direct) k.gemmNT(dz.ptr, this.kernel.ptr, dx.ptr, m, this.filters, depth, 0);
    else k.conv2dBackwardInput(dz.ptr, this.kernel.ptr, dx.ptr, ...this.window, this.filters);
  }

  override parameters(): [Tensor, Tensor][] {
    if (this.inChannels === undefined) return [];
    return this.bias && this.dbias ? [[this.kernel, this.dkernel], [this.bias, this.dbias]] : [[this.kernel, this.dkernel]];
  }

  override parameterNames(): string[] {
    return ['kernel', 'bias'];
  }

  /** the L1/L2 penalties of kernel and bias (Loss.regularizationLoss adds it) */
  regularizationPenalty(): number {
    if (this.inChannels === undefined) return 0;
    const k = this.backend.kernels;
    let penalty = 0;
    if (this.kernelRegularizerL1 || this.kernelRegularizerL2) penalty += k.regularizationPenalty(this.kernel.ptr, this.kernel.size, this.kernelRegularizerL1, this.kernelRegularizerL2);
    if (this.bias && (this.biasRegularizerL1 || this.biasRegularizerL2)) penalty += k.regularizationPenalty(this.bias.ptr, this.bias.size, this.biasRegularizerL1, this.biasRegularizerL2);
    return penalty;
  }
}

registerLayer('LayerConv2D', LayerConv2D, (c, opts) => {
  const { filters, kernelSize, inChannels, ...options } = c as unknown as Conv2DOptions & { filters: number; kernelSize: [number, number]; inChannels?: number };
  const layer = new LayerConv2D(filters, kernelSize, { ...options, ...opts });
  if (inChannels !== undefined) layer.buildForChannels(inChannels);
  return layer;
});
