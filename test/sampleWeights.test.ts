/**
 * fit's sampleWeight and classWeight (Keras's sample_weight, class_weight): the loss is
 * Σ w · loss / rows, measured against per-sample losses; weights of 1 change no bit; weights of 2
 * at half the learning rate train SGD to the same bits; classWeight is the sampleWeight of each
 * sample's class; shuffled batches carry their samples' weights; validationSplit keeps the
 * held-out weights; bad weights are refused before anything changes.
 */
import { describe, expect, it } from 'vitest';
import {
  Model, LayerDense, ActivationReLU, ActivationSoftmax, ActivationSigmoid, OptimizerSGD, LossCategoricalCrossentropy, LossBinaryCrossentropy, LossMeanSquaredError,
  Matrix, Rng, spiralData, ShapeError, ValueError, type Backend,
} from '../src/index.ts';
import { backends, freshBackend, thrown } from './helpers.ts';

const data = spiralData(20, 3, 0); // 60 rows, classes 0, 1, 2
const net = (backend: Backend, lr = 0.5) => new Model({ backend })
  .add(new LayerDense(2, 8, { backend })).add(new ActivationReLU({ backend })).add(new LayerDense(8, 3, { backend })).add(new ActivationSoftmax({ backend }))
  .compile({ loss: new LossCategoricalCrossentropy({ backend }), optimizer: new OptimizerSGD({ learningRate: lr, backend }) });
const bits = (m: Model) => m.getParameters().map((p) => Array.from(new Uint32Array(p.data.buffer, p.data.byteOffset, p.data.length)));
const weightsOf = (seed: number, n: number) => {
  const r = new Rng(seed);
  return Float32Array.from({ length: n }, () => Math.fround(r.uniform() * 3));
};
const rowsOf = (X: Matrix, idx: number[]) => new Matrix(Float32Array.from(idx.flatMap((i) => Array.from(X.data.subarray(i * X.cols, i * X.cols + X.cols)))), idx.length, X.cols);

describe.each(backends())('sample and class weights on %s', (name) => {
  it("evaluate's weighted loss is Σ w · loss / rows of the per-sample losses; fit's first loss is the same", async () => {
    const backend = await freshBackend(name, 1);
    const m = net(backend);
    const w = weightsOf(5, 60);
    const perSample = Array.from({ length: 60 }, (_, i) => m.evaluate(rowsOf(data.X, [i]), [data.y[i]]).loss);
    const expected = perSample.reduce((a, l, i) => a + w[i] * l, 0) / 60;
    const e = m.evaluate(data.X, data.y, { sampleWeight: w });
    expect(e.loss).toBeCloseTo(expected, 6);
    expect(e.accuracy).toBe(m.evaluate(data.X, data.y).accuracy); // unweighted
    const h = m.fit(data.X, data.y, { sampleWeight: w }); // one step: its loss is measured before the update
    expect(h.epochs[0].dataLoss).toBeCloseTo(expected, 6);
    // binary cross-entropy and MSE weigh each sample's mean over its outputs
    const bin = new Model({ backend }).add(new LayerDense(2, 2, { backend })).add(new ActivationSigmoid({ backend }))
      .compile({ loss: new LossBinaryCrossentropy({ backend }), optimizer: new OptimizerSGD({ backend }) });
    const t = Array.from({ length: 60 }, (_, i) => [i % 2, (i >> 1) % 2]);
    const one = (i: number) => bin.evaluate(rowsOf(data.X, [i]), [t[i]]).loss;
    expect(bin.evaluate(data.X, t, { sampleWeight: w }).loss).toBeCloseTo(Array.from({ length: 60 }, (_, i) => w[i] * one(i)).reduce((a, b) => a + b) / 60, 6);
  });

  it('weights of 1 change no bit; weights of 2 at half the learning rate train SGD to the same bits', async () => {
    const runs = await Promise.all([[undefined, 0.5], [new Float32Array(60).fill(1), 0.5], [new Float32Array(60).fill(2), 0.25]].map(async ([sampleWeight, lr]) => {
      const m = net(await freshBackend(name, 2), lr as number);
      const h = m.fit(data.X, data.y, { epochs: 3, batchSize: 20, sampleWeight: sampleWeight as Float32Array | undefined });
      return { bits: bits(m), loss: h.epochs[0].dataLoss };
    }));
    expect(runs[1].bits).toEqual(runs[0].bits);
    expect(runs[2].bits).toEqual(runs[0].bits);
    expect(runs[2].loss).toBe(2 * runs[0].loss);
  });

  it('classWeight is the sampleWeight of each sample’s class, also through shuffled batches and fused softmax', async () => {
    const classWeight = { 0: 2, 1: 0.5, 2: 1 };
    const a = net(await freshBackend(name, 3)), b = net(await freshBackend(name, 3));
    a.fit(data.X, data.y, { epochs: 3, batchSize: 16, shuffle: true, classWeight });
    b.fit(data.X, data.y, { epochs: 3, batchSize: 16, shuffle: true, sampleWeight: Array.from(data.y, (c) => classWeight[c as 0 | 1 | 2]) });
    expect(bits(a)).toEqual(bits(b));
    const c = net(await freshBackend(name, 3));
    c.fit(data.X, data.y, { epochs: 3, batchSize: 16, shuffle: true, classWeight: [2, 0.5, 1] }); // the array form
    expect(bits(c)).toEqual(bits(a));
  });

  it('a shuffled batch carries its own samples’ weights: the same as the permuted data in order', async () => {
    const w = weightsOf(9, 60);
    const shuffled = net(await freshBackend(name, 4));
    const order = new Int32Array(60), perms: number[][] = [];
    const rng = new Rng(shuffled.shuffleRng.seed, shuffled.shuffleRng.stream);
    for (let e = 0; e < 2; e++) (rng.permutation(order), perms.push(Array.from(order)));
    shuffled.fit(data.X, data.y, { epochs: 2, batchSize: 16, shuffle: true, sampleWeight: w });
    const inOrder = net(await freshBackend(name, 4));
    for (const p of perms)
      inOrder.fit(rowsOf(data.X, p), p.map((i) => data.y[i]), { epochs: 1, batchSize: 16, sampleWeight: p.map((i) => w[i]) });
    expect(bits(inOrder)).toEqual(bits(shuffled));
  });

  it("validationSplit holds out the samples' weights with them; classWeight weighs training only", async () => {
    const m = net(await freshBackend(name, 6));
    const w = weightsOf(3, 60);
    const h = m.fit(data.X, data.y, { epochs: 1, validationSplit: 0.25, sampleWeight: w, classWeight: [5, 1, 1] });
    const tail = Array.from({ length: 15 }, (_, i) => 45 + i);
    expect(h.epochs[0].valLoss).toBe(m.evaluate(rowsOf(data.X, tail), tail.map((i) => data.y[i]), { sampleWeight: tail.map((i) => w[i]) }).loss);
  });

  it('bad weights are refused, naming the option, before any weight changes', async () => {
    const backend = await freshBackend(name, 7);
    const m = net(backend);
    const before = bits(m);
    const cases: [Record<string, unknown>, unknown, RegExp][] = [
      [{ sampleWeight: new Float32Array(59) }, ShapeError, /sampleWeight has 59 weights for 60 samples/],
      [{ sampleWeight: [1, -1, ...new Array(58).fill(1)] }, ValueError, /sampleWeight\[1\] must be a finite number ≥ 0, got -1/],
      [{ sampleWeight: 3 }, ValueError, /sampleWeight must be an array of numbers/],
      [{ classWeight: { 0: 1, 1: 2 } }, ValueError, /classWeight must weigh each class 0..2 once \(missing 2\)/],
      [{ classWeight: { 0: 1, 1: 2, 2: 1, 3: 1 } }, ValueError, /\(no class 3\)/],
      [{ classWeight: { a: 1 } }, ValueError, /classWeight's keys must be class indices/],
      [{ classWeight: [1, NaN, 1] }, ValueError, /classWeight\[1\] must be a finite number ≥ 0, got NaN/],
    ];
    for (const [opts, type, message] of cases) {
      const e = thrown(() => m.fit(data.X, data.y, opts));
      expect(e, JSON.stringify(opts)).toBeInstanceOf(type as never);
      expect((e as Error).message).toMatch(message);
    }
    const reg = new Model({ backend }).add(new LayerDense(2, 1, { backend })).compile({ loss: new LossMeanSquaredError({ backend }), optimizer: new OptimizerSGD({ backend }) });
    expect((thrown(() => reg.fit(data.X, Array.from(data.y), { classWeight: [1, 2] })) as Error).message).toMatch(/classWeight weighs classes: it needs a categorical cross-entropy/);
    expect(bits(m)).toEqual(before);
  });
});
