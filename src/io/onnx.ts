/**
 * ONNX export, for inference (onnxruntime-web and every other ONNX runtime): `exportOnnx(model)`
 * gives the bytes of a ModelProto whose graph computes what `model.predict` computes. The input
 * stays NHWC as nnwasm's; the graph transposes to ONNX's NCHW before the first convolution or
 * pooling and back before anything that acts on the last axis (Flatten, Dense, Softmax, layer
 * norm), so weights keep their order. Conv2D kernels are re-laid HWIO → OIHW; dropout is left out
 * (the identity at inference) except scale-down dropout, a Mul by 1 − rate. Recurrent layers:
 * src/io/onnxRecurrent.ts.
 */
import type { Layer } from '../layers/layer.ts';
import type { ModelBase } from '../modelBase.ts';
import { LayerDense } from '../layers/dense.ts';
import { LayerConv2D } from '../layers/conv2d.ts';
import { LayerMaxPooling2D, LayerAveragePooling2D, LayerGlobalAveragePooling2D } from '../layers/pooling.ts';
import { LayerFlatten } from '../layers/flatten.ts';
import { LayerDropout } from '../layers/dropout.ts';
import { LayerBatchNormalization } from '../layers/batchNormalization.ts';
import { LayerLayerNormalization } from '../layers/layerNormalization.ts';
import { ActivationReLU, ActivationSigmoid, ActivationSoftmax, ActivationLinear } from '../layers/activations.ts';
import { ActivationSELU, ActivationTanh, SELU_ALPHA, SELU_LAMBDA } from '../layers/seluTanh.ts';
import { StochasticLayer } from '../layers/stochastic.ts';
import { axis, type Padding } from '../layers/convGeometry.ts';
import { encode, type Field, type Message } from './protobuf.ts';
import { RecurrentLayer } from '../layers/recurrent.ts';
import { emitRecurrent } from './onnxRecurrent.ts';

import { ValueError } from '../errors.ts';

export interface OnnxExportOptions {
  /** the default opset's version (default 17, the first with LayerNormalization; at least 13) */
  opset?: number;
  /** the graph's name (default 'nnwasm') */
  name?: string;
}

const FLOAT = 1, INT64 = 7;
export type Attr = [string, 'int' | 'float', number] | [string, 'ints', number[]] | [string, 'string', string] | [string, 'strings', string[]];
export type OnnxGraph = Graph;

/** the graph as it is built: nodes, initializers, and where the current value is and how it is laid out */
class Graph {
  nodes: Message[] = [];
  inits: Message[] = [];
  private count = 0;
  constructor(public value: string, public shape: number[], public layout: 'nhwc' | 'nchw') {}

  fresh(prefix: string): string {
    return `${prefix}_${++this.count}`;
  }

  /** a float32 (or int64) initializer named after `prefix` */
  constant(prefix: string, dims: number[], values: ArrayLike<number>, dtype: 'float' | 'int64' = 'float'): string {
    const name = this.fresh(prefix), type = dtype === 'float' ? FLOAT : INT64;
    const raw = type === FLOAT ? new Uint8Array(Float32Array.from(values).buffer) : new Uint8Array(BigInt64Array.from(Array.from(values, BigInt)).buffer);
    this.inits.push([[1, 'varint', dims], [2, 'varint', type], [8, 'string', name], [9, 'bytes', raw]]);
    return name;
  }

  /** a node on the current value (plus `extra` inputs); its output becomes the current value */
  node(op: string, extra: string[] = [], attrs: Attr[] = []): void {
    this.value = this.nodeOutputs(op, extra, attrs, 1)[0];
  }

  /** a node on the current value with `count` outputs, returned (the current value stays: pick one) */
  nodeOutputs(op: string, extra: string[], attrs: Attr[], count: number): string[] {
    const name = this.fresh(op.toLowerCase()), outs = count === 1 ? [name] : Array.from({ length: count }, (_, i) => `${name}_out${i}`);
    const attributes = attrs.map((a): Message => {
      const key: Field = [1, 'string', a[0]];
      if (a[1] === 'ints') return [key, [8, 'varint', a[2]], [20, 'varint', 7]];
      if (a[1] === 'string') return [key, [4, 'string', a[2]], [20, 'varint', 3]]; // `s` is bytes: a string's UTF-8 on the wire
      if (a[1] === 'strings') return [key, [9, 'string', a[2]], [20, 'varint', 8]];
      return a[1] === 'int' ? [key, [3, 'varint', a[2]], [20, 'varint', 2]] : [key, [2, 'float', a[2]], [20, 'varint', 1]];
    });
    this.nodes.push([[1, 'string', [this.value, ...extra]], [2, 'string', outs], [3, 'string', name], [4, 'string', op], [5, 'messages', attributes]]);
    return outs;
  }

  /** images to NCHW (before a convolution or pooling) */
  channelsFirst(): void {
    if (this.layout === 'nchw' || this.shape.length !== 4) return;
    this.node('Transpose', [], [['perm', 'ints', [0, 3, 1, 2]]]);
    this.layout = 'nchw';
  }

  /** back to channels last (before anything that acts on the last axis, and at the output) */
  channelsLast(): void {
    if (this.layout !== 'nchw') return;
    this.node('Transpose', [], [['perm', 'ints', [0, 2, 3, 1]]]);
    this.layout = 'nhwc';
  }
}

/** a window's ONNX attributes: kernel_shape, strides, dilations and pads [top, left, bottom, right] as TensorFlow pads */
function window(sample: readonly number[], size: [number, number], strides: [number, number], dilation: [number, number], padding: Padding): Attr[] {
  const [rows, cols] = [0, 1].map((i) => {
    const a = axis(sample[i], size[i], strides[i], dilation[i], padding), extent = (size[i] - 1) * dilation[i] + 1;
    return [a.before, Math.max((a.out - 1) * strides[i] + extent - sample[i] - a.before, 0)];
  });
  return [['kernel_shape', 'ints', size], ['strides', 'ints', strides], ['pads', 'ints', [rows[0], cols[0], rows[1], cols[1]]], ...(dilation[0] * dilation[1] > 1 ? [['dilations', 'ints', dilation] as Attr] : [])];
}

/** HWIO [kh, kw, cin, cout] → OIHW [cout, cin, kh, kw] */
function oihw(k: Float32Array, kh: number, kw: number, cin: number, cout: number): Float32Array {
  const out = new Float32Array(k.length);
  for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let i = 0; i < cin; i++) for (let o = 0; o < cout; o++)
    out[((o * cin + i) * kh + y) * kw + x] = k[((y * kw + x) * cin + i) * cout + o];
  return out;
}

const ELEMENTWISE: [new (...a: never[]) => Layer, string, Attr[]][] = [
  [ActivationReLU, 'Relu', []], [ActivationSigmoid, 'Sigmoid', []], [ActivationTanh, 'Tanh', []],
  [ActivationSELU, 'Selu', [['alpha', 'float', SELU_ALPHA], ['gamma', 'float', SELU_LAMBDA]]],
];

/** one layer's nodes on the graph; `sample` is its input shape per sample */
function emit(g: Graph, layer: Layer, sample: readonly number[], opset: number, where: string): void {
  const elementwise = ELEMENTWISE.find(([cls]) => layer instanceof cls);
  if (elementwise) return g.node(elementwise[1], [], elementwise[2]);
  if (layer instanceof ActivationLinear) return;
  if (layer instanceof ActivationSoftmax) return (g.channelsLast(), g.node('Softmax', [], [['axis', 'int', -1]]));
  if (layer instanceof LayerDropout && layer.scaling === 'down') return g.node('Mul', [g.constant('keep', [], [1 - layer.rate])]);
  if (layer instanceof StochasticLayer || layer instanceof LayerDropout) return; // inverted dropout: the identity at inference
  if (layer instanceof LayerDense) {
    g.channelsLast();
    const [w, b] = [g.constant('weights', [layer.nInputs, layer.nNeurons], layer.weights.data), g.constant('biases', [layer.nNeurons], layer.biases.data)];
    if (sample.length === 1) return g.node('Gemm', [w, b]);
    g.node('MatMul', [w]);
    return g.node('Add', [b]);
  }
  if (layer instanceof LayerConv2D) {
    g.channelsFirst();
    const [kh, kw] = layer.kernelSize, cin = sample[2];
    const inputs = [g.constant('kernel', [layer.filters, cin, kh, kw], oihw(layer.kernel.data, kh, kw, cin, layer.filters)), ...(layer.bias ? [g.constant('bias', [layer.filters], layer.bias.data)] : [])];
    g.node('Conv', inputs, window(sample, layer.kernelSize, layer.strides, layer.dilationRate, layer.padding));
    if (layer.activation === 'relu') g.node('Relu');
    return;
  }
  if (layer instanceof LayerMaxPooling2D || layer instanceof LayerAveragePooling2D) {
    g.channelsFirst();
    return g.node(layer instanceof LayerMaxPooling2D ? 'MaxPool' : 'AveragePool', [], window(sample, layer.poolSize, layer.strides, [1, 1], layer.padding));
  }
  if (layer instanceof LayerGlobalAveragePooling2D) {
    g.channelsFirst();
    g.node('GlobalAveragePool');
    g.node('Flatten', [], [['axis', 'int', 1]]);
    g.layout = 'nhwc'; // [N, C]: no layout left to undo
    return;
  }
  if (layer instanceof LayerFlatten) return (g.channelsLast(), g.node('Flatten', [], [['axis', 'int', 1]]));
  if (layer instanceof LayerBatchNormalization) {
    const c = layer.channels!, ones = new Float32Array(c).fill(1);
    const params = [layer.gamma?.data ?? ones, layer.beta?.data ?? new Float32Array(c), layer.movingMean.data, layer.movingVariance.data];
    const normalize = () => g.node('BatchNormalization', params.map((p, i) => g.constant(['gamma', 'beta', 'mean', 'variance'][i], [c], p)), [['epsilon', 'float', layer.epsilon]]);
    if (sample.length === 1 || (sample.length === 3 && (g.channelsFirst(), true))) return normalize();
    if (sample.length === 2) { // sequences [N, T, F]: ONNX's channel axis is 1
      g.node('Transpose', [], [['perm', 'ints', [0, 2, 1]]]);
      normalize();
      return g.node('Transpose', [], [['perm', 'ints', [0, 2, 1]]]);
    }
    throw new ValueError(`${where}: ${layer} on inputs of ${sample.length + 1} axes: ONNX export covers batch norm on [N, C], [N, T, C] and images`);
  }
  if (layer instanceof RecurrentLayer) return (g.channelsLast(), emitRecurrent(g, layer, sample, where));
  if (layer instanceof LayerLayerNormalization) {
    if (opset < 17) throw new ValueError(`${where}: ${layer} needs opset 17 (ONNX's LayerNormalization), got opset ${opset}`);
    const c = layer.channels!;
    g.channelsLast();
    return g.node('LayerNormalization', [g.constant('gamma', [c], layer.gamma?.data ?? new Float32Array(c).fill(1)), g.constant('beta', [c], layer.beta?.data ?? new Float32Array(c))],
      [['axis', 'int', -1], ['epsilon', 'float', layer.epsilon]]);
  }
  throw new ValueError(`${where}: ${layer} has no ONNX form in the export yet`);
}

const valueInfo = (name: string, dims: (number | 'N')[]): Message => [
  [1, 'string', name],
  [2, 'message', [[1, 'message', [[1, 'varint', FLOAT], [2, 'message', dims.map((d): Message => (d === 'N' ? [[2, 'string', 'N']] : [[1, 'varint', d]])).map((d) => [1, 'message', d] as const)]]]]],
];

/**
 * The ONNX ModelProto of `model` for inference: input `input` [N, ...one sample's shape] (NHWC
 * for images, as nnwasm), output `output`; float32 weights as initializers. A layer with no ONNX
 * form is a ValueError naming it.
 */
export function exportOnnx(model: ModelBase, opts: OnnxExportOptions = {}): Uint8Array {
  const who = 'exportOnnx';
  const { opset = 17, name = 'nnwasm' } = opts;
  if (!Number.isInteger(opset) || opset < 13 || opset > 21) throw new ValueError(`${who}: opset must be an integer from 13 to 21, got ${opset}`);
  const { input, inputs, output } = model.sampleShapes(who);
  const g = new Graph('input', [0, ...input], 'nhwc');
  model.layers.forEach((layer, i) => {
    g.shape = [0, ...inputs[i]];
    emit(g, layer, inputs[i], opset, `${who}: layer ${i}`);
  });
  g.shape = [0, ...output];
  g.channelsLast();
  g.node('Identity');
  g.nodes.at(-1)![1] = [2, 'string', 'output'];
  const graph: Message = [
    [1, 'messages', g.nodes], [2, 'string', name], [5, 'messages', g.inits],
    [11, 'messages', [valueInfo('input', ['N', ...input])]], [12, 'messages', [valueInfo('output', ['N', ...output])]],
  ];
  return encode([[1, 'varint', 8], [2, 'string', 'nnwasm'], [7, 'message', graph], [8, 'messages', [[[1, 'string', ''], [2, 'varint', opset]]]]]);
}
