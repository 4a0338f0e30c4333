/**
 * TF.js layers-model interchange with TF.js itself as the judge: what nnwasm exports, TF.js loads
 * (tf.io.fromMemory) and predicts the same to 1e-5; what TF.js saves (tf.io.withSaveHandler),
 * nnwasm imports and predicts the same; import → train → export carries the trained weights;
 * malformed files are FormatErrors naming the layer and field, and leave nothing allocated.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nn from '../src/index.ts';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportTfjsLayers, importTfjsLayers, type TfjsArtifacts } from '../src/io/tfjs.ts';
import { loadTfjsLayers, saveTfjsLayers } from '../src/io/node.ts';
import { expectClose, freshBackend, thrown } from './helpers.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** TF.js's model from nnwasm's export, as tf.loadLayersModel reads it from memory */
const intoTfjs = ({ modelJSON, weightData }: TfjsArtifacts) =>
  tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJSON.modelTopology, weightSpecs: modelJSON.weightsManifest[0].weights, weightData, trainingConfig: modelJSON.trainingConfig as never }));

/** TF.js's artifacts of `model`, as its own save handler receives them */
async function fromTfjs(model: tf.LayersModel, includeOptimizer = false): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => ((saved = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })), { includeOptimizer });
  return saved!;
}

const inputs = (n: number, shape: number[], seed: number) => {
  const size = shape.reduce((a, b) => a * b, 1), rng = new nn.Rng(seed);
  return { data: Float32Array.from({ length: n * size }, () => rng.uniform() * 2 - 1), shape: [n, ...shape] };
};

describe('nnwasm → TF.js: tf.loadLayersModel reads the export and predicts the same', () => {
  it('an MLP (Dense + ReLU folded, Dropout, softmax), trained a little, with its trainingConfig', async () => {
    const backend = await freshBackend('wasm', 3);
    const model = nn.sequential({ backend, layers: [
      nn.layers.dense({ inputShape: [6], units: 16, activation: 'relu', kernelRegularizer: nn.regularizers.l2({ l2: 1e-3 }) }),
      nn.layers.dropout({ rate: 0.2 }),
      nn.layers.dense({ units: 3, activation: 'softmax' }),
    ] });
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const x = inputs(32, [6], 1);
    await model.fit(new nn.Matrix(x.data, 32, 6), Array.from({ length: 32 }, (_, i) => i % 3), { epochs: 2, batchSize: 8 });
    const artifacts = exportTfjsLayers(model);
    expect(artifacts.modelJSON.modelTopology.config.layers.map((l) => l.class_name)).toEqual(['Dense', 'Dropout', 'Dense']);
    expect(artifacts.modelJSON.trainingConfig?.loss).toBe('sparse_categorical_crossentropy');
    const theirs = await intoTfjs(artifacts);
    const want = model.predict(new nn.Matrix(x.data, 32, 6)).data;
    expectClose((theirs.predict(tf.tensor2d(x.data, [32, 6])) as tf.Tensor).dataSync(), want, 1e-5, 'TF.js on the export');
    expect(theirs.optimizer?.getClassName()).toBe('Adam');
    model.dispose();
  });

  it("a CNN: Conv2D (relu fused, and tanh as a layer), pooling, SpatialDropout2D, Flatten, Dense", async () => {
    const backend = await freshBackend('wasm', 4);
    const model = nn.sequential({ backend, layers: [
      nn.layers.conv2d({ inputShape: [9, 9, 2], filters: 4, kernelSize: 3, activation: 'relu', padding: 'same' }),
      nn.layers.maxPooling2d({ poolSize: 2 }),
      nn.layers.conv2d({ filters: 5, kernelSize: [2, 3], strides: [1, 2], activation: 'tanh' }),
      nn.layers.spatialDropout2d({ rate: 0.3 }),
      nn.layers.averagePooling2d({ poolSize: 1 }),
      nn.layers.flatten(),
      nn.layers.dense({ units: 4, activation: 'sigmoid' }),
    ] });
    model.compile({ loss: 'binaryCrossentropy', optimizer: 'adam' });
    const x = inputs(5, [9, 9, 2], 2);
    const artifacts = exportTfjsLayers(model);
    // TF.js has no SpatialDropout2D: Keras's Dropout with noise_shape (batch, 1, 1, channels) is the same layer
    expect(artifacts.modelJSON.modelTopology.config.layers.map((l) => l.class_name)).toEqual(['Conv2D', 'MaxPooling2D', 'Conv2D', 'Dropout', 'AveragePooling2D', 'Flatten', 'Dense']);
    expect(artifacts.modelJSON.modelTopology.config.layers[3].config).toMatchObject({ rate: 0.3, noise_shape: [null, 1, 1, 5] });
    const back = importTfjsLayers(artifacts, { backend });
    expect(back.layers.map(String)).toEqual(model.layers.map(String));
    back.dispose();
    const theirs = await intoTfjs(artifacts);
    const mine = model.predict(new nn.Matrix(x.data, x.shape)).data;
    expectClose((theirs.predict(tf.tensor(x.data, x.shape)) as tf.Tensor).dataSync(), mine, 1e-5, 'TF.js on the CNN export');
    model.dispose();
  });

  it('normalization: BatchNormalization after a Conv2D and a Dense (moving statistics trained), LayerNormalization', async () => {
    const backend = await freshBackend('wasm', 11);
    const model = nn.sequential({ backend, layers: [
      nn.layers.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3 }),
      nn.layers.batchNormalization({ momentum: 0.5 }),
      nn.layers.activation({ activation: 'relu' }),
      nn.layers.flatten(),
      nn.layers.dense({ units: 8 }),
      nn.layers.layerNormalization({ epsilon: 1e-4 }),
      nn.layers.batchNormalization({ center: false }),
      nn.layers.dense({ units: 2, activation: 'softmax' }),
    ] });
    model.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: 'adam' });
    const x = inputs(16, [6, 6, 2], 12);
    await model.fit(new nn.Matrix(x.data, x.shape), Array.from({ length: 16 }, (_, i) => i % 2), { epochs: 3, batchSize: 8 });
    const artifacts = exportTfjsLayers(model);
    const specs = artifacts.modelJSON.weightsManifest[0].weights.map((w) => `${w.name} ${JSON.stringify(w.shape)}`);
    expect(specs.filter((w) => w.startsWith('batch_normalization_1/'))).toEqual(['batch_normalization_1/gamma [3]', 'batch_normalization_1/beta [3]', 'batch_normalization_1/moving_mean [3]', 'batch_normalization_1/moving_variance [3]']);
    expect(specs.filter((w) => w.startsWith('batch_normalization_2/'))).toEqual(['batch_normalization_2/gamma [8]', 'batch_normalization_2/moving_mean [8]', 'batch_normalization_2/moving_variance [8]']);
    const theirs = await intoTfjs(artifacts);
    expectClose((theirs.predict(tf.tensor(x.data, x.shape)) as tf.Tensor).dataSync(), model.predict(new nn.Matrix(x.data, x.shape)).data, 1e-5, 'TF.js on the normalized network');
    const back = importTfjsLayers(artifacts, { backend });
    expectClose(back.predict(new nn.Matrix(x.data, x.shape)).data, model.predict(new nn.Matrix(x.data, x.shape)).data, 0, 'nnwasm → TF.js format → nnwasm');
    back.dispose();
    model.dispose();
  });

  it('sequences: LSTM (backwards, sequences) → temporal dropout → GRU (reset before) → SimpleRNN → Dense, trained', async () => {
    const backend = await freshBackend('wasm', 13);
    const model = nn.sequential({ backend, layers: [
      nn.layers.lstm({ inputShape: [7, 3], units: 6, returnSequences: true, goBackwards: true, dropout: 0.2, recurrentDropout: 0.1 }),
      nn.layers.temporalDropout({ rate: 0.3 }),
      nn.layers.gru({ units: 5, resetAfter: false, returnSequences: true, kernelRegularizer: nn.regularizers.l2({ l2: 1e-3 }) }),
      nn.layers.simpleRNN({ units: 4 }),
      nn.layers.dense({ units: 2, activation: 'softmax' }),
    ] });
    model.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: 'adam' });
    const x = inputs(16, [7, 3], 14);
    await model.fit(new nn.Matrix(x.data, x.shape), Array.from({ length: 16 }, (_, i) => i % 2), { epochs: 2, batchSize: 8 });
    const artifacts = exportTfjsLayers(model);
    const layers = artifacts.modelJSON.modelTopology.config.layers;
    expect(layers.map((l) => l.class_name)).toEqual(['LSTM', 'Dropout', 'GRU', 'SimpleRNN', 'Dense']);
    expect(layers[1].config.noise_shape).toEqual([null, 1, 6]);
    expect(artifacts.modelJSON.weightsManifest[0].weights.filter((w) => w.name.startsWith('lstm')).map((w) => w.shape)).toEqual([[3, 24], [6, 24], [24]]);
    const theirs = await intoTfjs(artifacts);
    const want = model.predict(new nn.Matrix(x.data, x.shape)).data;
    expectClose((theirs.predict(tf.tensor(x.data, x.shape)) as tf.Tensor).dataSync(), want, 1e-5, 'TF.js on the recurrent network');
    const back = importTfjsLayers(artifacts, { backend });
    expect(back.layers.map(String)).toEqual(model.layers.map(String));
    expectClose(back.predict(new nn.Matrix(x.data, x.shape)).data, want, 0, 'nnwasm → TF.js format → nnwasm');
    back.dispose();
    model.dispose();
  });

  it('layers with no Keras class are left out with a warning naming them; a scale-down Dropout is refused', async () => {
    const backend = await freshBackend('js');
    const warnings: string[] = [];
    const model = new nn.Model({ backend })
      .add(new nn.LayerDense(3, 4, { backend }))
      .add(new nn.LayerExactDropout(0.5, { backend }))
      .add(new nn.ActivationReLU({ backend }))
      .add(new nn.LayerDense(4, 2, { backend }));
    const { modelJSON } = exportTfjsLayers(model, { onWarning: (m) => warnings.push(m) });
    expect(modelJSON.modelTopology.config.layers.map((l) => [l.class_name, l.config.activation ?? null])).toEqual([['Dense', 'linear'], ['Activation', 'relu'], ['Dense', 'linear']]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/layer 1 LayerExactDropout\(0.5\) has no Keras class/);
    const down = new nn.Model({ backend }).add(new nn.LayerDense(3, 4, { backend })).add(new nn.LayerDropout(0.5, { backend, scaling: 'down' }));
    expect((thrown(() => exportTfjsLayers(down)) as Error).message).toMatch(/layer 1 LayerDropout\(0.5, scaling down\) scales by 1 − rate at inference.*scaling 'up'/);
  });
});

describe('TF.js → nnwasm: importTfjsLayers reads what TF.js saves', () => {
  it('an MLP and a CNN built in TF.js predict the same in nnwasm; the trainingConfig compiles the model', async () => {
    const backend = await freshBackend('wasm', 5);
    const mlp = tf.sequential({ layers: [
      tf.layers.dense({ inputShape: [5], units: 8, activation: 'relu' }),
      tf.layers.dropout({ rate: 0.1 }),
      tf.layers.dense({ units: 3, activation: 'softmax' }),
    ] });
    mlp.compile({ optimizer: tf.train.adam(0.01), loss: 'sparseCategoricalCrossentropy' });
    const cnn = tf.sequential({ layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 3, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 4, kernelSize: 2, padding: 'same', activation: 'tanh' }),
      tf.layers.batchNormalization({ movingMeanInitializer: 'randomNormal', movingVarianceInitializer: tf.initializers.constant({ value: 2 }), gammaInitializer: 'randomUniform', betaInitializer: 'randomNormal' }),
      tf.layers.layerNormalization({ betaInitializer: 'randomNormal' }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: 2 }),
    ] });
    for (const [theirs, shape] of [[mlp, [5]], [cnn, [8, 8, 1]]] as const) {
      const a = await fromTfjs(theirs, theirs === mlp);
      const model = importTfjsLayers({ modelJSON: a, weightData: a.weightData as ArrayBuffer }, { backend });
      const x = inputs(6, [...shape], 7);
      if (theirs === mlp) expect(model.optimizer).toBeInstanceOf(nn.OptimizerAdam);
      else {
        expect(model.loss, 'no trainingConfig, no compile').toBeUndefined();
        model.compile({ loss: 'meanSquaredError', optimizer: 'sgd' }); // as every nnwasm model before predict
      }
      const want = (theirs.predict(tf.tensor(x.data, x.shape)) as tf.Tensor).dataSync();
      expectClose(model.predict(new nn.Matrix(x.data, x.shape)).data, want, 1e-5, `nnwasm on TF.js's ${theirs === mlp ? 'MLP' : 'CNN'}`);
      model.dispose();
    }
  });

  it('recurrent layers built and trained in TF.js (LSTM, GRU, SimpleRNN; backwards, sequences) predict the same in nnwasm', async () => {
    const backend = await freshBackend('wasm', 6);
    const theirs = tf.sequential({ layers: [
      // TF.js's LSTM and GRU gate with its hard sigmoid, clip(0.2·x + 0.5, 0, 1), by default
      tf.layers.lstm({ inputShape: [6, 4], units: 5, returnSequences: true, biasInitializer: 'randomNormal' }),
      tf.layers.gru({ units: 4, returnSequences: true, goBackwards: true, biasInitializer: 'randomNormal' }),
      tf.layers.simpleRNN({ units: 3, activation: 'relu' }),
      tf.layers.dense({ units: 2 }),
    ] });
    theirs.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
    const train = inputs(16, [6, 4], 9);
    await theirs.fit(tf.tensor(train.data, train.shape), tf.randomNormal([16, 2], 0, 1, 'float32', 3), { epochs: 1, batchSize: 8 }); // trained in TF.js
    const a = await fromTfjs(theirs);
    const model = importTfjsLayers({ modelJSON: a, weightData: a.weightData as ArrayBuffer }, { backend });
    expect(model.layers.slice(0, 3).map(String)).toEqual(['LayerLSTM(5)', 'LayerGRU(4)', 'LayerSimpleRNN(3)']);
    model.compile({ loss: 'meanSquaredError', optimizer: 'sgd' });
    const x = inputs(5, [6, 4], 8);
    const want = (theirs.predict(tf.tensor(x.data, x.shape)) as tf.Tensor).dataSync();
    expectClose(model.predict(new nn.Matrix(x.data, x.shape)).data, want, 1e-5, "nnwasm on TF.js's recurrent network");
    model.dispose();
  });

  it('import → train one epoch → export: TF.js sees the trained weights', async () => {
    const backend = await freshBackend('wasm', 6);
    const theirs = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 6, activation: 'tanh' }), tf.layers.dense({ units: 1 })] });
    theirs.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
    const a = await fromTfjs(theirs, true);
    const model = importTfjsLayers({ modelJSON: a, weightData: a.weightData as ArrayBuffer }, { backend });
    const x = inputs(64, [4], 9), y = Array.from({ length: 64 }, (_, i) => [x.data[i * 4] * 0.5]);
    const before = model.getParameters().map((p) => p.data.slice());
    await model.fit(new nn.Matrix(x.data, 64, 4), y, { epochs: 1, batchSize: 16 });
    const after = model.getParameters();
    expect(after.some((p, i) => p.data.some((v, j) => v !== before[i][j])), 'training moved the weights').toBe(true);
    const back = await intoTfjs(exportTfjsLayers(model));
    const kernels = back.getWeights().map((w) => w.dataSync());
    kernels.forEach((k, i) => expect(Array.from(k)).toEqual(Array.from(after[i].data)));
    model.dispose();
  });
});

describe('malformed files are typed errors naming the layer and field; nothing is half-built', () => {
  it('wrong lengths, unknown classes, disagreeing shapes, a functional model', async () => {
    const backend = await freshBackend('wasm');
    const source = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2, name: 'first' }), tf.layers.dense({ units: 2, name: 'second' })] });
    const a = await fromTfjs(source);
    const json = () => JSON.parse(JSON.stringify({ modelTopology: a.modelTopology, weightSpecs: a.weightSpecs }));
    const data = a.weightData as ArrayBuffer;
    const cases: [string, () => unknown, RegExp][] = [
      ['short data', () => importTfjsLayers({ modelJSON: json(), weightData: data.slice(4) }, { backend }), /weight 'second\/bias' \[2\] ends at byte 56, but weightData holds 52 bytes/],
      ['long data', () => importTfjsLayers({ modelJSON: json(), weightData: new Uint8Array(60) }, { backend }), /accounts for 56 bytes of weights, weightData holds 60/],
      ['unknown class', () => { const j = json(); j.modelTopology.config.layers[1].class_name = 'Conv3D'; return importTfjsLayers({ modelJSON: j, weightData: data }, { backend }); }, /layer 1 Conv3D 'second': class Conv3D has no nnwasm layer/],
      ['shape', () => { const j = json(); j.modelTopology.config.layers[1].config.units = 3; return importTfjsLayers({ modelJSON: j, weightData: data }, { backend }); }, /layer 1 Dense 'second': weight 'second\/kernel' has shape \[2,2\], the layer needs \[2,3\]/],
      ['missing weight', () => { const j = json(); j.weightSpecs[0].name = 'other/kernel'; return importTfjsLayers({ modelJSON: j, weightData: data }, { backend }); }, /layer 0 Dense 'first': weight 'first\/kernel' \(float32 \[3,2\]\) is not in the manifest/],
      ['functional', () => { const j = json(); j.modelTopology.class_name = 'Functional'; return importTfjsLayers({ modelJSON: j, weightData: data }, { backend }); }, /only Sequential models import/],
      ['no input shape', () => { const j = json(); delete j.modelTopology.config.layers[0].config.batch_input_shape; return importTfjsLayers({ modelJSON: j, weightData: data }, { backend }); }, /batch_input_shape must be/],
      ['activation', () => { const j = json(); j.modelTopology.config.layers[1].config.activation = 'gelu'; return importTfjsLayers({ modelJSON: j, weightData: data }, { backend }); }, /layer 1 Dense 'second': activation 'gelu' is not one nnwasm has \(relu, softmax/],
    ];
    for (const [what, call, message] of cases) {
      const [live, seeds] = [backend.arena.liveBytes, backend.seedsDrawn];
      const e = thrown(call);
      expect(e, what).toBeInstanceOf(nn.FormatError);
      expect((e as Error).message, what).toMatch(message);
      expect([backend.arena.liveBytes, backend.seedsDrawn], `${what}: nothing kept`).toEqual([live, seeds]);
    }
  });
});

describe('folders: nnwasm/node writes model.json + weights.bin and reads the converter\'s shards', () => {
  it("a converter-style sharded folder written by TF.js imports and predicts TF.js's prediction", async () => {
    const backend = await freshBackend('wasm');
    const dir = new URL('./fixtures/tfjs-sharded/', import.meta.url).pathname;
    const { input, prediction } = JSON.parse(readFileSync(`${dir}expected.json`, 'utf8'));
    const model = await loadTfjsLayers(dir, { backend });
    expect(model.layers.map(String)).toEqual(['LayerConv2D(3, 3×3)', 'LayerMaxPooling2D(2×2)', 'LayerFlatten', 'LayerDense(12, 4)', 'ActivationSoftmax']);
    model.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: 'adam' });
    expectClose(model.predict(new nn.Matrix(Float32Array.from(input.values), input.shape)).data, prediction.flat(), 1e-5, 'the sharded fixture');
    model.dispose();
  });

  it('saveTfjsLayers then loadTfjsLayers gives the same model; a missing shard is an error naming the file', async () => {
    const backend = await freshBackend('wasm', 8);
    const model = nn.sequential({ backend, layers: [nn.layers.dense({ inputShape: [3], units: 5, activation: 'tanh' }), nn.layers.dense({ units: 2 })] });
    model.compile({ loss: 'meanSquaredError', optimizer: new nn.OptimizerSGD({ learningRate: 0.05, backend }) });
    const dir = mkdtempSync(join(tmpdir(), 'nnwasm-tfjs-'));
    try {
      await saveTfjsLayers(model, dir);
      expect(readdirSync(dir).sort()).toEqual(['model.json', 'weights.bin']);
      const back = await loadTfjsLayers(join(dir, 'model.json'), { backend });
      expect(back.optimizer).toBeInstanceOf(nn.OptimizerSGD);
      back.getParameters().forEach((p, i) => expect(Array.from(p.data)).toEqual(Array.from(model.getParameters()[i].data)));
      back.dispose();
      rmSync(join(dir, 'weights.bin'));
      await expect(loadTfjsLayers(dir, { backend })).rejects.toThrow(/loadTfjsLayers: cannot read .*weights\.bin/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      model.dispose();
    }
  });
});
