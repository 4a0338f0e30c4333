/**
 * The recurrent layers and temporal dropout in use: the dropout masks' statistics (one per
 * sequence and pass, shared by every step, the rate within 3σ, none at inference, drawn in Monte
 * Carlo prediction), shapes and the errors that name them, Dense per step after returnSequences,
 * the orthogonal initializer, the layers API, and a model that learns the waves task.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import * as nn from '../src/index.ts';
import { LayerSimpleRNN, LayerLSTM, LayerGRU, LayerTemporalDropout, Model, ShapeError, ValueError, type Backend } from '../src/index.ts';
import { backends, getTestBackend, freshBackend, testRng, thrown, expectSame, expectClose } from './helpers.ts';

const sigmas = (dropped: number, total: number, rate: number) => Math.abs(dropped - rate * total) / Math.sqrt(total * rate * (1 - rate));

describe.each(backends())('recurrent layers on %s', (name) => {
  let be: Backend;
  beforeAll(async () => {
    be = await getTestBackend(name);
  });
  const seqs = (n: number, t: number, f: number, seed = 1) => {
    const rng = testRng(seed);
    return be.fromArray(Float32Array.from({ length: n * t * f }, () => rng.uniform(0.5, 1.5)), n, t, f);
  };

  it('masks: one per sequence, the same at every step, fresh each pass, the rate within 3σ', () => {
    // a linear SimpleRNN with W = I, R = 0, no bias outputs x_t ⊙ m_x at every step
    const f = 64, layer = new LayerSimpleRNN(f, { activation: 'linear', useBias: false, returnSequences: true, dropout: 0.3, recurrentDropout: 0.2, backend: be });
    layer.build([5, f]);
    layer.kernel.data.fill(0);
    for (let i = 0; i < f; i++) layer.kernel.data[i * f + i] = 1;
    layer.recurrentKernel.data.fill(0);
    const x = seqs(50, 5, f);
    layer.forward(x, true);
    const m1 = layer.inputMask!.toFloat32Array(), y = layer.output.data, xs = x.data, scale = Math.fround(1 / 0.7);
    expect(layer.inputMask!.shape).toEqual([50, f]);
    expect(layer.recurrentMask!.shape).toEqual([50, f]);
    for (let n = 0; n < 50; n++)
      for (let t = 0; t < 5; t++)
        for (let k = 0; k < f; k++) expect(y[(n * 5 + t) * f + k]).toBeCloseTo(xs[(n * 5 + t) * f + k] * m1[n * f + k], 5);
    expect(new Set(m1)).toEqual(new Set([0, scale]));
    expect(sigmas(m1.filter((v) => v === 0).length, m1.length, 0.3)).toBeLessThan(3);
    const mh = layer.recurrentMask!.toFloat32Array();
    expect(sigmas(mh.filter((v) => v === 0).length, mh.length, 0.2)).toBeLessThan(3);
    layer.forward(x, true);
    expect(Array.from(layer.inputMask!.data)).not.toEqual(Array.from(m1));
    // inference: no mask, y = x
    layer.forward(x, false);
    expectSame(layer.output.data, x.data, 'inference output');
    layer.dispose();
  });

  it('temporal dropout: mask (N, 1, F) shared by every step, the rate within 3σ, identity at inference', () => {
    const layer = new LayerTemporalDropout(0.4, { backend: be }), x = seqs(40, 6, 25);
    layer.forward(x, true);
    const m = layer.mask.data;
    let dropped = 0;
    for (let n = 0; n < 40; n++)
      for (let k = 0; k < 25; k++) {
        const first = m[n * 150 + k];
        for (let t = 1; t < 6; t++) expect(m[(n * 6 + t) * 25 + k]).toBe(first);
        if (first === 0) dropped++;
      }
    expect(sigmas(dropped, 1000, 0.4)).toBeLessThan(3);
    layer.forward(x, false);
    expect(layer.output).toBe(x);
    expect(thrown(() => layer.forward([[1, 2]], true))).toBeInstanceOf(ShapeError);
  });

  it('shapes: output [N, U] or [N, T, U]; errors name the layer and the shapes', () => {
    const lstm = new LayerLSTM(5, { backend: be });
    expect(lstm.outputShape([7, 3])).toEqual([5]);
    expect(new LayerGRU(5, { returnSequences: true, backend: be }).outputShape([7, 3])).toEqual([7, 5]);
    const flat = thrown(() => lstm.forward([[1, 2, 3]]));
    expect(flat).toBeInstanceOf(ShapeError);
    expect(String(flat)).toMatch(/LayerLSTM\(5\).*\[batch, steps, features\]/);
    lstm.forward(seqs(2, 4, 3));
    const other = thrown(() => lstm.forward(seqs(2, 4, 6)));
    expect(String(other)).toMatch(/LayerLSTM\(5\) was built for 3 features/);
    expect(thrown(() => new LayerLSTM(0, { backend: be }))).toBeInstanceOf(ValueError);
    expect(String(thrown(() => new LayerGRU(3, { dropout: 1, backend: be })))).toMatch(/LayerGRU: dropout must be a number in \[0, 1\)/);
    expect(String(thrown(() => new LayerSimpleRNN(3, { activation: 'softmax' as never, backend: be })))).toMatch(/activation must be one of linear, tanh/);
    expect(String(thrown(() => new LayerLSTM(3, { inputShape: [4], backend: be })))).toMatch(/inputShape must be \[steps, features\]/);
    lstm.backward(be.zeros(2, 5));
    expect(String(thrown(() => lstm.backward(be.zeros(2, 5))))).toMatch(/one backward per forward/);
    const masked = new LayerLSTM(2, { dropout: 0.5, backend: be });
    expect(String(thrown(() => masked.forward(seqs(2, 3, 4), true, { input: [[1, 1, 1]] })))).toMatch(/inputMask is 1×3, expected \[batch, features\] = 2×4/);
  });

  it('the orthogonal initializer: the recurrent kernel [U, 4U] has orthonormal rows', () => {
    const layer = new LayerLSTM(6, { inputShape: [3, 2], backend: be }), r = layer.recurrentKernel.data;
    for (let i = 0; i < 6; i++)
      for (let j = 0; j < 6; j++) {
        let d = 0;
        for (let k = 0; k < 24; k++) d += r[i * 24 + k] * r[j * 24 + k];
        expect(d).toBeCloseTo(i === j ? 1 : 0, 5);
      }
    // LSTM's unit forget bias: the f gate's slice starts at 1
    expect(Array.from(layer.bias!.data)).toEqual([...Array(6).fill(0), ...Array(6).fill(1), ...Array(12).fill(0)]);
  });

  it('Dense after returnSequences acts on every step (Keras\'s TimeDistributed(Dense)); the layers API builds it', () => {
    const model = nn.sequential({
      backend: be,
      layers: [nn.layers.gru({ inputShape: [4, 3], units: 5, returnSequences: true }), nn.layers.temporalDropout({ rate: 0.2 }), nn.layers.dense({ units: 2 })],
    });
    model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    const out = model.predict(seqs(3, 4, 3));
    expect(out.shape).toEqual([3, 4, 2]);
    expect(String(thrown(() => nn.layers.lstm({ units: 3, recurrentDropuot: 0.2 } as never)))).toMatch(/recurrentDropuot/);
    expect(String(thrown(() => nn.layers.simpleRNN({ units: 3, recurrentActivation: 'sigmoid' })))).toMatch(/recurrentActivation/);
    expect(model.layers[0]).toBeInstanceOf(LayerGRU);
    model.dispose();
  });

  it('Monte Carlo prediction draws the masks; plain prediction does not', async () => {
    const b = await freshBackend(name, 3);
    const model = new Model({ backend: b }).add(new LayerLSTM(8, { dropout: 0.3, recurrentDropout: 0.3, inputShape: [6, 2], backend: b })).add(new nn.LayerDense(8, 1, { backend: b }));
    model.compile({ loss: new nn.LossMeanSquaredError({ backend: b }), optimizer: new nn.OptimizerAdam({ backend: b }) });
    const x = nn.Matrix.from(Array.from({ length: 4 }, (_, n) => Array.from({ length: 6 }, (_, t) => [Math.sin(n + t), Math.cos(n * t)])));
    const a = Float32Array.from(model.predict(x).data), again = Float32Array.from(model.predict(x).data);
    expectSame(again, a, 'plain predictions');
    const mc = model.predict(x, { mcSamples: 20 }) as nn.McPrediction;
    expect(Math.max(...mc.std.data)).toBeGreaterThan(1e-3);
    model.dispose();
  });
});

describe.runIf(backends().includes('wasm'))('recurrent layers: js and wasm', () => {
  it('draw the same masks from the same seed, bit for bit, and give the same outputs to 1e-5', async () => {
    const run = async (name: 'js' | 'wasm') => {
      const b = await freshBackend(name, 21), rng = testRng(4);
      const gru = new LayerGRU(12, { dropout: 0.3, recurrentDropout: 0.25, returnSequences: true, inputShape: [9, 7], backend: b });
      const x = b.fromArray(Float32Array.from({ length: 5 * 9 * 7 }, () => rng.normal()), 5, 9, 7);
      gru.forward(x, true);
      gru.forward(x, true); // the second pass's masks
      return { mx: gru.inputMask!.toFloat32Array(), mh: gru.recurrentMask!.toFloat32Array(), y: gru.output.toFloat32Array() };
    };
    const [a, b] = [await run('js'), await run('wasm')];
    expectSame(b.mx, a.mx, 'input masks');
    expectSame(b.mh, a.mh, 'recurrent masks');
    expectClose(b.y, a.y, 1e-5, 'outputs');
  });
});

describe('the waves task trains', () => {
  it('LSTM(16, dropout 0.2, recurrentDropout 0.2) → Dense(3) beats chance after 4 epochs of 600 sequences', async () => {
    const backend = await freshBackend(backends().includes('wasm') ? 'wasm' : 'js', 0);
    const train = nn.wavesData({ samples: 600, seed: 1 }), test = nn.wavesData({ samples: 300, seed: 2 });
    const model = nn.sequential({
      backend,
      layers: [nn.layers.lstm({ inputShape: [50, 1], units: 16, dropout: 0.2, recurrentDropout: 0.2 }), nn.layers.dense({ units: 3, activation: 'softmax' })],
    });
    model.compile({ optimizer: new nn.OptimizerAdam({ learningRate: 0.01, backend }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const history = await model.fit(train.X, train.y, { epochs: 4, batchSize: 32, verbose: 0 });
    const loss = history.history.loss as number[];
    expect(loss.at(-1)!).toBeLessThan(loss[0]);
    expect(model.evaluate(test.X, test.y).accuracy).toBeGreaterThan(0.45);
    model.dispose();
  });
});
