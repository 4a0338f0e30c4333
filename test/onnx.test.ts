/**
 * ONNX export judged by onnxruntime-web (its wasm build, in Node): every exported model runs there
 * and predicts what nnwasm predicts to 1e-5; onnx-proto (protobufjs) decodes the hand-written
 * encoding field by field.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import * as ort from 'onnxruntime-web';
import onnxProto from 'onnx-proto';
import * as nn from '../src/index.ts';
import { exportOnnx } from '../src/io/onnx.ts';
import { expectClose, freshBackend, thrown } from './helpers.ts';

const { onnx } = onnxProto as unknown as { onnx: { ModelProto: { decode(b: Uint8Array): { toJSON(): Record<string, unknown> } } } };

beforeAll(() => {
  ort.env.wasm.numThreads = 1;
});

const inputs = (n: number, shape: number[], seed: number) => {
  const rng = new nn.Rng(seed), size = shape.reduce((a, b) => a * b, 1);
  return new nn.Matrix(Float32Array.from({ length: n * size }, () => rng.uniform() * 2 - 1), [n, ...shape]);
};

/** ONNX Runtime's output for x on the exported bytes */
async function runOnnx(bytes: Uint8Array, x: nn.Matrix): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ input: new ort.Tensor('float32', x.data, [...x.shape]) });
  return out.output.data as Float32Array;
}

async function trained(layers: nn.LayerSpec[], shape: number[], seed: number, labels = 3) {
  const backend = await freshBackend('wasm', seed);
  const model = nn.sequential({ backend, layers });
  model.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: 'adam' });
  const x = inputs(16, shape, seed);
  await model.fit(x, Array.from({ length: 16 }, (_, i) => i % labels), { epochs: 2, batchSize: 8 });
  return { model, x };
}

describe('exportOnnx: ONNX Runtime predicts what nnwasm predicts', () => {
  it('an MLP (Gemm, Relu, Selu, Tanh, dropout left out, Softmax); the book classes with a scale-down dropout (a Mul)', async () => {
    const { model, x } = await trained([
      nn.layers.dense({ inputShape: [5], units: 12, activation: 'relu' }),
      nn.layers.dropout({ rate: 0.3 }),
      nn.layers.dense({ units: 8, activation: 'selu' }),
      nn.layers.alphaDropout({ rate: 0.1 }),
      nn.layers.dense({ units: 6, activation: 'tanh' }),
      nn.layers.dense({ units: 3, activation: 'softmax' }),
    ], [5], 1);
    expectClose(await runOnnx(exportOnnx(model), x), model.predict(x).data, 1e-5, 'ONNX Runtime on the MLP');
    model.dispose();
    const backend = await freshBackend('js', 7);
    const book = new nn.Model({ backend })
      .add(new nn.LayerDense(5, 16, { backend })).add(new nn.ActivationReLU({ backend }))
      .add(new nn.LayerDropout(0.4, { backend, scaling: 'down' }))
      .add(new nn.LayerDense(16, 2, { backend })).add(new nn.ActivationSigmoid({ backend }))
      .compile({ loss: 'binaryCrossentropy', optimizer: 'adam' });
    expectClose(await runOnnx(exportOnnx(book), x), book.predict(x).data, 1e-5, 'ONNX Runtime on the scale-down dropout');
    book.dispose();
  });

  it("the seeds' CNN shape: Conv (valid and same, strides, dilation), MaxPool, AveragePool, Flatten after NCHW, Dense", async () => {
    const { model, x } = await trained([
      nn.layers.conv2d({ inputShape: [12, 11, 2], filters: 4, kernelSize: 3, activation: 'relu' }),
      nn.layers.maxPooling2d({ poolSize: 2 }),
      nn.layers.spatialDropout2d({ rate: 0.25 }),
      nn.layers.conv2d({ filters: 5, kernelSize: [2, 3], strides: [2, 1], padding: 'same' }),
      nn.layers.averagePooling2d({ poolSize: 2, padding: 'same' }),
      nn.layers.conv2d({ filters: 3, kernelSize: 2, dilationRate: 2, padding: 'same', activation: 'sigmoid' }),
      nn.layers.flatten(),
      nn.layers.dense({ units: 3, activation: 'softmax' }),
    ], [12, 11, 2], 2);
    expectClose(await runOnnx(exportOnnx(model), x), model.predict(x).data, 1e-5, 'ONNX Runtime on the CNN');
    model.dispose();
  });

  it('normalization: BatchNormalization on images and on [N, C], LayerNormalization, GlobalAveragePool', async () => {
    const { model, x } = await trained([
      nn.layers.conv2d({ inputShape: [7, 7, 3], filters: 4, kernelSize: 3 }),
      nn.layers.batchNormalization({ momentum: 0.5 }),
      nn.layers.activation({ activation: 'relu' }),
      nn.layers.globalAveragePooling2d(),
      nn.layers.dense({ units: 6 }),
      nn.layers.batchNormalization({ momentum: 0.5, center: false }),
      nn.layers.layerNormalization({ epsilon: 1e-4 }),
      nn.layers.dense({ units: 3, activation: 'softmax' }),
    ], [7, 7, 3], 3);
    // predict folds the batch norms into the layers before them; ONNX Runtime runs them as written: equal to rounding
    const bytes = exportOnnx(model);
    expectClose(await runOnnx(bytes, x), model.predict(x).data, 1e-5, 'ONNX Runtime on the normalized network');
    expect(() => exportOnnx(model, { opset: 16 })).toThrow(/LayerNormalization.*needs opset 17/);
    model.dispose();
  });

  it('sequences: BatchNormalization on [N, T, F] (transposed to the channel axis ONNX normalizes, and back) after a per-step Dense', async () => {
    const backend = await freshBackend('wasm', 6);
    const model = nn.sequential({ backend, layers: [nn.layers.dense({ inputShape: [4, 5], units: 6 }), nn.layers.batchNormalization({ momentum: 0.5 }), nn.layers.dense({ units: 3 })] });
    model.compile({ loss: 'meanSquaredError', optimizer: 'adam' });
    const x = inputs(16, [4, 5], 6);
    await model.fit(x, inputs(16, [4, 3], 7), { epochs: 2, batchSize: 8 });
    expectClose(await runOnnx(exportOnnx(model), x), model.predict(x).data, 1e-5, 'ONNX Runtime on batch norm over [N, T, F]');
    model.dispose();
  });

  it('recurrent: LSTM (backwards, sequences) → GRU (reset after) → GRU (reset before, hard sigmoid, backwards) → SimpleRNN (relu) → Dense, as ONNX LSTM / GRU / RNN', async () => {
    const { model, x } = await trained([
      nn.layers.lstm({ inputShape: [6, 3], units: 5, returnSequences: true, goBackwards: true, dropout: 0.2, recurrentDropout: 0.2 }),
      nn.layers.gru({ units: 4, returnSequences: true }),
      nn.layers.gru({ units: 4, resetAfter: false, recurrentActivation: 'hardSigmoid', returnSequences: true, goBackwards: true }),
      nn.layers.temporalDropout({ rate: 0.3 }),
      nn.layers.simpleRNN({ units: 3, activation: 'relu', returnSequences: true }),
      nn.layers.lstm({ units: 4 }),
      nn.layers.dense({ units: 3, activation: 'softmax' }),
    ], [6, 3], 8);
    expectClose(await runOnnx(exportOnnx(model), x), model.predict(x).data, 1e-5, 'ONNX Runtime on the recurrent network');
    model.dispose();
    const backend = await freshBackend('js');
    const linear = nn.sequential({ backend, layers: [nn.layers.simpleRNN({ inputShape: [2, 2], units: 2, activation: 'linear' })] });
    expect(String(thrown(() => exportOnnx(linear)))).toMatch(/layer 0: LayerSimpleRNN\(2\)'s linear activation has no ONNX counterpart/);
  });

  it('images out (no Flatten): the output goes back to NHWC', async () => {
    const backend = await freshBackend('wasm', 4);
    const model = nn.sequential({ backend, layers: [nn.layers.conv2d({ inputShape: [5, 5, 2], filters: 3, kernelSize: 2 }), nn.layers.maxPooling2d({ poolSize: 2 })] });
    model.compile({ loss: 'meanSquaredError', optimizer: 'sgd' });
    const x = inputs(3, [5, 5, 2], 5);
    expectClose(await runOnnx(exportOnnx(model), x), model.predict(x).data, 1e-5, 'NHWC output');
    model.dispose();
  });
});

describe('the hand-written protobuf', () => {
  it('onnx-proto decodes every field as meant; bad options are ValueErrors', async () => {
    const backend = await freshBackend('js', 6);
    const model = nn.sequential({ backend, layers: [nn.layers.dense({ inputShape: [3], units: 2, activation: 'relu' })] });
    const bytes = exportOnnx(model, { name: 'tiny', opset: 13 });
    const m = onnx.ModelProto.decode(bytes).toJSON() as Record<string, any>;
    expect(m.irVersion).toBe('8');
    expect(m.producerName).toBe('nnwasm');
    expect(m.opsetImport).toEqual([{ domain: '', version: '13' }]);
    expect(m.graph.name).toBe('tiny');
    expect(m.graph.node.map((n: { opType: string }) => n.opType)).toEqual(['Gemm', 'Relu', 'Identity']);
    expect(m.graph.node[0].input).toEqual(['input', 'weights_1', 'biases_2']);
    expect(m.graph.node.at(-1).output).toEqual(['output']);
    expect(m.graph.initializer.map((t: { name: string; dims: string[]; dataType: number }) => [t.name, t.dims, t.dataType])).toEqual([['weights_1', ['3', '2'], 1], ['biases_2', ['2'], 1]]);
    const raw = Buffer.from(m.graph.initializer[0].rawData, 'base64');
    expect(Array.from(new Float32Array(raw.buffer, raw.byteOffset, 6))).toEqual(Array.from((model.layers[0] as nn.LayerDense).weights.data));
    expect(m.graph.input[0]).toEqual({ name: 'input', type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'N' }, { dimValue: '3' }] } } } });
    expect(m.graph.output[0].type.tensorType.shape.dim).toEqual([{ dimParam: 'N' }, { dimValue: '2' }]);
    expect((thrown(() => exportOnnx(model, { opset: 9 })) as Error).message).toMatch(/opset must be an integer from 13 to 21/);
    model.dispose();
  });
});
