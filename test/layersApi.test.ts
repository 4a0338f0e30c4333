/**
 * The TF.js-style layers API (nn.sequential, nn.layers.*): a TF.js program ported by changing its
 * import trains as TF.js does on the same data; every factory builds the library's own layers
 * (no second implementation); configs are checked key by key; initializers follow their
 * definitions (mean and variance within 3σ).
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nn from '../src/index.ts';
import { loadMnist } from '../examples/lib/mnist.ts';
import { freshBackend, thrown } from './helpers.ts';

describe('a TF.js program, ported by changing its import', () => {
  it('the MLP on MNIST digits trains to the accuracy TF.js reaches on the same data (3 epochs on 2,048 digits)', async () => {
    const { train, test } = loadMnist();
    const n = 2048, X = new nn.Matrix(train.X.data.subarray(0, n * 784), n, 784), y = train.y.subarray(0, n);
    // the program, written once against a library object `lib` with TF.js's API
    const program = async (lib: typeof tf | typeof nn) => {
      const model = lib.sequential({ layers: [
        lib.layers.dense({ inputShape: [784], units: 128, activation: 'relu', kernelInitializer: 'heNormal' }),
        lib.layers.dropout({ rate: 0.2 }),
        lib.layers.dense({ units: 10, activation: 'softmax' }),
      ] } as never) as unknown as { compile(c: object): void; fit(x: unknown, y: unknown, o: object): Promise<{ history: Record<string, number[]> }> };
      model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
      const xs = lib === tf ? tf.tensor2d(X.data, [n, 784]) : X, ys = lib === tf ? tf.tensor1d(Array.from(y)) : y;
      const history = await model.fit(xs, ys, { epochs: 3, batchSize: 128, validationSplit: 0.2 });
      return history.history;
    };
    await nn.useBackend('wasm', { seed: 0 });
    await tf.setBackend('cpu');
    const [ours, theirs] = [await program(nn), await program(tf)];
    expect(ours.val_loss).toHaveLength(3);
    expect(theirs.val_loss).toHaveLength(3);
    const [a, b] = [ours.val_acc.at(-1)!, theirs.val_acc.at(-1)!];
    expect(a, `held-out accuracy: nnwasm ${a}, TF.js ${b}`).toBeGreaterThan(0.85);
    expect(Math.abs(a - b), `nnwasm ${a} vs TF.js ${b}`).toBeLessThan(0.04);
    expect(test.y.length).toBe(2000);
  }, 120_000);
});

describe('nn.layers builds the library\'s layers', () => {
  it('dense with an activation is LayerDense then the activation layer; conv2d with relu fuses it; specs chain their shapes', async () => {
    const backend = await freshBackend('wasm');
    const model = nn.sequential({ backend, layers: [
      nn.layers.conv2d({ inputShape: [10, 10, 3], filters: 4, kernelSize: 3, activation: 'relu', padding: 'same' }),
      nn.layers.maxPooling2d({ poolSize: 2 }),
      nn.layers.conv2d({ filters: 6, kernelSize: [2, 3], strides: 2, activation: 'tanh' }),
      nn.layers.spatialDropout2d({ rate: 0.1 }),
      nn.layers.globalAveragePooling2d(),
      nn.layers.dense({ units: 5, activation: 'selu' }),
      nn.layers.gaussianDropout({ rate: 0.1 }),
      nn.layers.dense({ units: 3 }),
      nn.layers.activation({ activation: 'sigmoid' }),
    ] });
    expect(model.layers.map(String)).toEqual([
      'LayerConv2D(4, 3×3)', 'LayerMaxPooling2D(2×2)', 'LayerConv2D(6, 2×3)', 'ActivationTanh', 'LayerSpatialDropout2D(0.1)',
      'LayerGlobalAveragePooling2D', 'LayerDense(6, 5)', 'ActivationSELU', 'LayerGaussianDropout(0.1)', 'LayerDense(5, 3)', 'ActivationSigmoid',
    ]);
    expect((model.layers[0] as nn.LayerConv2D).activation).toBe('relu');
    expect(model.layers[0].inputShape).toEqual([10, 10, 3]);
    expect((model.layers[6] as nn.LayerDense).kernelInitializer).toBe('glorotUniform'); // Keras's default here; the book class keeps the book's
    model.compile({ loss: 'binaryCrossentropy', optimizer: 'adam' });
    const x = Array.from({ length: 2 }, () => Array.from({ length: 10 }, () => Array.from({ length: 10 }, () => [0.1, -0.2, 0.3])));
    expect(model.predict(x).shape).toEqual([2, 3]);
    model.dispose();
  });

  it('the same seed builds the same weights through either API (one implementation)', async () => {
    const a = await freshBackend('js', 9), b = await freshBackend('js', 9);
    const viaApi = nn.sequential({ backend: a, layers: [nn.layers.dense({ inputDim: 3, units: 4, kernelInitializer: 'book' })] });
    const viaClass = new nn.Model({ backend: b }).add(new nn.LayerDense(3, 4, { backend: b }));
    expect(viaApi.getParameters()).toEqual(viaClass.getParameters());
    const regularized = nn.sequential({ backend: a, layers: [nn.layers.dense({ batchInputShape: [null, 3], units: 2, kernelRegularizer: nn.regularizers.l2({ l2: 0.5 }), biasRegularizer: nn.regularizers.l1l2({ l1: 0.1, l2: 0.2 }) })] });
    const d = regularized.layers[0] as nn.LayerDense;
    expect([d.weightRegularizerL1, d.weightRegularizerL2, d.biasRegularizerL1, d.biasRegularizerL2]).toEqual([0, 0.5, 0.1, 0.2]);
    expect(nn.sequential({ backend: a, layers: [nn.layers.dense({ inputShape: [3], units: 2, kernelInitializer: nn.initializers.heUniform() })] }).layers[0]).toMatchObject({ kernelInitializer: 'heUniform' });
  });

  it('the dropout family beyond TF.js has factories too: exact, scheduled, concrete (linked to the next Dense) and adaptive', async () => {
    const backend = await freshBackend('js');
    const model = nn.sequential({ backend, layers: [
      nn.layers.dense({ inputShape: [4], units: 6, activation: 'relu' }),
      nn.layers.exactDropout({ rate: 0.5 }),
      nn.layers.scheduledDropout({ rate: 0.3, rampEpochs: 2 }),
      nn.layers.adaptiveDropout({ rate: 0.4, adaptationRate: 0.1 }),
      nn.layers.concreteDropout({ initRate: 0.2, temperature: 0.5 }),
      nn.layers.dense({ units: 2, activation: 'softmax' }),
    ] });
    expect(model.layers.map(String)).toEqual([
      'LayerDense(4, 6)', 'ActivationReLU', 'LayerExactDropout(0.5)', 'LayerScheduledDropout(0.3)', 'LayerAdaptiveDropout(0.4)', 'LayerConcreteDropout(initRate 0.2)', 'LayerDense(6, 2)', 'ActivationSoftmax',
    ]);
    expect(model.layers[3]).toMatchObject({ finalRate: 0.3, rampEpochs: 2 });
    expect(model.layers[4]).toMatchObject({ rate: 0.4, adaptationRate: 0.1 });
    expect(model.layers[5]).toMatchObject({ initRate: 0.2, temperature: 0.5 });
    model.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: 'adam' });
    expect((model.layers[5] as nn.LayerConcreteDropout).dense).toBe(model.layers[6]);
    const x = Array.from({ length: 32 }, (_, i) => [i % 2, (i >> 1) % 2, 0.5, -0.5]), y = x.map((r) => r[0]);
    const history = await model.fit(x, y, { epochs: 3, batchSize: 8 });
    expect(history.history.loss.every(Number.isFinite)).toBe(true);
    expect((model.layers[3] as nn.LayerScheduledDropout).rate).toBeCloseTo(0.3); // the ramp reached its final rate at epoch 3
    expect(thrown(() => nn.layers.exactDropout({ rate: 1.5 }).build([4], backend))).toBeInstanceOf(nn.ValueError);
    expect((thrown(() => nn.layers.concreteDropout({ dense: 'none' } as never)) as Error).message).toMatch(/unknown option 'dense'/);
    model.dispose();
  });

  it('configs are checked: unknown keys listed, a first layer without inputShape, bad activations, initializers and shapes', async () => {
    const backend = await freshBackend('js');
    const cases: [string, () => unknown, RegExp][] = [
      ['unknown key', () => nn.layers.dense({ units: 3, inputShape: [2], activaton: 'relu' } as never), /unknown option 'activaton'; the options are units, activation/],
      ['no input shape', () => nn.sequential({ backend, layers: [nn.layers.dense({ units: 3 })] }), /first layer \(Dense\) needs inputShape/],
      ['activation', () => nn.layers.dense({ units: 3, activation: 'gelu' as never }), /activation must be one of relu/],
      ['initializer', () => nn.layers.conv2d({ filters: 2, kernelSize: 3, kernelInitializer: 'identity' as never }), /kernelInitializer must be one of/],
      ['dataFormat', () => nn.layers.maxPooling2d({ dataFormat: 'channelsFirst' as never }), /channelsLast/],
      ['useBias false', () => nn.layers.dense({ units: 3, useBias: false } as never), /useBias false/],
      ['shapes', () => nn.sequential({ backend, layers: [nn.layers.dense({ inputShape: [4], units: 3 }), nn.layers.conv2d({ filters: 2, kernelSize: 3 })] }), /sequential: Conv2D after 1 layers: LayerConv2D\(2, 3×3\) takes images/],
      ['sequential key', () => nn.sequential({ backend, layerz: [] } as never), /unknown option 'layerz'/],
      ['batchNormalization initializer', () => nn.layers.batchNormalization({ gammaInitializer: 'zeros' as never }), /layers.batchNormalization: gammaInitializer: only 'ones'/],
      ['batchNormalization key', () => nn.layers.batchNormalization({ renorm: true } as never), /unknown option 'renorm'; the options are axis, epsilon/],
      ['layerNormalization axis', () => nn.sequential({ backend, layers: [nn.layers.layerNormalization({ inputShape: [3, 4], axis: 1 })] }), /axis/],
    ];
    for (const [what, call, message] of cases) {
      const [live, seeds] = [backend.arena.liveBytes, backend.seedsDrawn];
      const e = thrown(call);
      expect([backend.arena.liveBytes, backend.seedsDrawn], `${what}: nothing kept, no seed drawn`).toEqual([live, seeds]);
      expect(e, what).toBeInstanceOf(nn.NnwasmError);
      expect((e as Error).message, what).toMatch(message);
    }
  });
});

describe('initializers follow their definitions (Keras 3): mean and variance within 3σ', () => {
  it.each([
    ['glorotUniform', 0, 2 / (100 + 50)], ['glorotNormal', 0, 2 / (100 + 50)], ['heNormal', 0, 2 / 100], ['heUniform', 0, 2 / 100],
    ['lecunNormal', 0, 1 / 100], ['lecunUniform', 0, 1 / 100], ['randomNormal', 0, 0.05 ** 2], ['randomUniform', 0, 0.1 ** 2 / 12], ['book', 0, 1e-4],
  ] as const)('%s: mean %f, variance %f', async (name, mean, variance) => {
    const backend = await freshBackend('js', 3);
    const w = new nn.LayerDense(100, 50, { kernelInitializer: name, backend }).weights.data, n = w.length;
    const m = w.reduce((a, b) => a + b, 0) / n, v = w.reduce((a, b) => a + (b - m) ** 2, 0) / n;
    // the mean of n draws has σ √(var/n); the sample variance about σ² √(2/n) (a little more for the uniforms' and truncations' kurtosis, well inside)
    expect(Math.abs(m - mean)).toBeLessThan(3 * Math.sqrt(variance / n));
    expect(Math.abs(v - variance)).toBeLessThan(3 * variance * Math.sqrt(2 / n));
  });
  it('zeros and ones', async () => {
    const backend = await freshBackend('js');
    expect(new Set(new nn.LayerDense(3, 4, { kernelInitializer: 'zeros', backend }).weights.data)).toEqual(new Set([0]));
    expect(new Set(new nn.LayerDense(3, 4, { kernelInitializer: 'ones', backend }).weights.data)).toEqual(new Set([1]));
  });
});
