/**
 * Monte Carlo dropout at prediction: model.predict(X, { mcSamples: N }) runs N forward passes with
 * dropout on and returns the per-output mean and (population) standard deviation, accumulated by
 * the momentsUpdate / momentsStd kernels. Checked against the same N passes replayed by hand and
 * summarized in float64, on both backends.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import {
  Model, LayerDense, LayerDropout, LayerGaussianDropout, LayerAdaptiveDropout, ActivationReLU, ActivationSoftmax,
  LossCategoricalCrossentropy, OptimizerAdam, ValueError, spiralData, type Backend, type Matrix,
} from '../src/index.ts';
import { backends, getTestBackend, freshBackend, expectClose, expectSame } from './helpers.ts';

const build = (be: Backend, middle: () => LayerDropout | LayerGaussianDropout | LayerAdaptiveDropout | ActivationReLU) =>
  new Model({ backend: be })
    .add(new LayerDense(2, 32, { backend: be })).add(new ActivationReLU({ backend: be })).add(middle())
    .add(new LayerDense(32, 3, { backend: be })).add(new ActivationSoftmax({ backend: be }))
    .compile({ loss: new LossCategoricalCrossentropy({ backend: be }), optimizer: new OptimizerAdam({ backend: be, learningRate: 0.02 }) });

describe.each(backends())('Model.predict with mcSamples on the %s backend', (name) => {
  let be: Backend;
  const data = spiralData(100, 3);
  beforeAll(async () => {
    be = await getTestBackend(name);
  });

  it('mean and std are those of the N stochastic passes (replayed by hand, summarized in float64)', () => {
    const model = build(be, () => new LayerDropout(0.3, { backend: be }));
    model.fit(data.X, data.y, { epochs: 20 });
    const dropout = model.layers[2] as LayerDropout, counter = dropout.counter, N = 25;
    const mc = model.predict(data.X, { mcSamples: N });
    expect(mc.samples).toBe(N);
    expect(dropout.counter).toBe(counter + N);
    // replay: the same counters give the same masks
    dropout.counter = counter;
    const passes: Float32Array[] = [];
    for (let s = 0; s < N; s++) {
      let t: Parameters<LayerDense['forward']>[0] = data.X;
      for (const layer of model.layers) {
        layer.forward(t, true);
        t = layer.output;
      }
      passes.push(model.layers.at(-1)!.output.toFloat32Array());
    }
    const n = passes[0].length;
    const mean = Array.from({ length: n }, (_, i) => passes.reduce((s, p) => s + p[i], 0) / N);
    const std = mean.map((m, i) => Math.sqrt(passes.reduce((s, p) => s + (p[i] - m) ** 2, 0) / N));
    expectClose(mc.mean.data, mean, 1e-5, 'mean');
    expectClose(mc.std.data, std, 1e-3, 'std', 0.05);
    expect(Math.max(...mc.std.data)).toBeGreaterThan(0.01); // dropout made the passes differ
    // the mean prediction is still a distribution per row
    for (let r = 0; r < mc.mean.rows; r++) expect(mc.mean.row(r).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    model.dispose();
  });

  it('without stochastic layers every pass is the same: std exactly 0, mean exactly predict(X)', () => {
    const model = build(be, () => new ActivationReLU({ backend: be }));
    model.fit(data.X, data.y, { epochs: 5 });
    const mc = model.predict(data.X, { mcSamples: 7 });
    expect(mc.std.data.every((s) => s === 0)).toBe(true);
    expectSame(mc.mean.data, model.predict(data.X).data, 'mean = predict');
    model.dispose();
  });

  it('mcSamples 1 is one stochastic pass: std 0, mean a dropout pass (not the deterministic prediction)', () => {
    const model = build(be, () => new LayerGaussianDropout(0.5, { backend: be }));
    model.fit(data.X, data.y, { epochs: 5 });
    const mc = model.predict(data.X, { mcSamples: 1 });
    expect(mc.std.data.every((s) => s === 0)).toBe(true);
    const plain: Matrix = model.predict(data.X);
    expect(mc.mean.data.some((v, i) => v !== plain.data[i])).toBe(true);
    model.dispose();
  });

  it('Monte Carlo passes leave adaptive dropout\'s importance alone (they never run backward)', () => {
    const model = build(be, () => new LayerAdaptiveDropout(0.5, { backend: be, adaptationRate: 0.3 }));
    model.fit(data.X, data.y, { epochs: 3 });
    const adaptive = model.layers[2] as LayerAdaptiveDropout, before = adaptive.importance!.toFloat32Array();
    model.predict(data.X, { mcSamples: 10 });
    expectSame(adaptive.importance!.data, before, 'importance');
    model.dispose();
  });

  it('a model whose outputs overflow gets a ValueError, as predict without mcSamples', () => {
    const model = build(be, () => new LayerDropout(0.3, { backend: be }));
    const dense = model.layers[0] as LayerDense;
    dense.setParameters(new Float32Array(64).fill(3e38), new Float32Array(32).fill(3e38));
    expect(() => model.predict(data.X)).toThrow(ValueError);
    expect(() => model.predict(data.X, { mcSamples: 3 })).toThrow(/Monte Carlo mean or std holds NaN or Infinity/);
    model.dispose();
  });

  it('bad mcSamples is a ValueError that changes nothing', () => {
    const model = build(be, () => new LayerDropout(0.3, { backend: be }));
    const dropout = model.layers[2] as LayerDropout;
    for (const bad of [0, -1, 1.5, NaN, Infinity, 2 ** 24 + 1, '3' as unknown as number]) {
      expect(() => model.predict(data.X, { mcSamples: bad }), String(bad)).toThrow(ValueError);
      expect(() => model.predict(data.X, { mcSamples: bad })).toThrow(/Model.predict: mcSamples must be an integer in \[1, 2\^24\]/);
    }
    expect(() => model.predict(data.X, 5 as unknown as { mcSamples: number })).toThrow(/options must be an object/);
    expect(dropout.counter).toBe(0);
    model.dispose();
  });
});

it('the js and wasm backends give the same Monte Carlo mean and std after training (same masks; float sums drift, as the whole-model runs of backends.test.ts: 1e-4)', async () => {
  const run = async (name: 'js' | 'wasm') => {
    const be = await freshBackend(name, 3);
    const model = build(be, () => new LayerDropout(0.2, { backend: be }));
    const data = spiralData(50, 3);
    model.fit(data.X, data.y, { epochs: 10 });
    return model.predict(data.X, { mcSamples: 20 });
  };
  const [j, w] = [await run('js'), await run('wasm')];
  expectClose(w.mean.data, j.mean.data, 1e-4, 'mean');
  expectClose(w.std.data, j.std.data, 1e-3, 'std', 0.05);
});
