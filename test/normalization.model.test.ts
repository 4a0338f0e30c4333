/**
 * The normalization layers inside Models: batch normalization in an MLP and after a Conv2D (NHWC)
 * trains; its moving statistics move on training steps only (not predict, evaluate, validation,
 * nor Monte Carlo prediction, which keeps it in inference mode while dropout draws), are put back
 * when a step fails, and are saved: save → load → continue training equals training straight
 * through bit for bit. The layers give the same bits on both backends, and reject bad arguments
 * with typed errors naming the argument.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it, beforeAll } from 'vitest';
import {
  Model, LayerDense, LayerDropout, LayerConv2D, LayerFlatten, ActivationReLU, ActivationSoftmax, LayerBatchNormalization, LayerLayerNormalization,
  LossCategoricalCrossentropy, OptimizerAdam, spiralData, ShapeError, ValueError, TrainingDivergedError, Matrix,
  type Backend, type BackendName, type Layer,
} from '../src/index.ts';
import { backends, expectClose, expectSame, freshBackend, getTestBackend, testRng, thrown } from './helpers.ts';

const data = spiralData(60, 3, 1);

/** Dense → BN → ReLU [→ Dropout] → Dense → Softmax, Adam */
function mlp(backend: Backend, dropout = 0, extra: (b: Backend) => Layer[] = () => []): Model {
  const model = new Model({ backend })
    .add(new LayerDense(2, 32, { kernelInitializer: 'glorotUniform', backend }))
    .add(new LayerBatchNormalization({ momentum: 0.9, backend }))
    .add(new ActivationReLU({ backend }));
  for (const l of extra(backend)) model.add(l);
  if (dropout) model.add(new LayerDropout(dropout, { backend }));
  return model.add(new LayerDense(32, 3, { kernelInitializer: 'glorotUniform', backend })).add(new ActivationSoftmax({ backend }))
    .compile({ loss: new LossCategoricalCrossentropy({ backend }), optimizer: new OptimizerAdam({ learningRate: 0.02, backend }) });
}

const norms = (model: Model) => model.layers.filter((l): l is LayerBatchNormalization => l instanceof LayerBatchNormalization);
/** the moving statistics of every batch norm, as copies */
const movingStats = (model: Model) => norms(model).flatMap((l) => [l.movingMean.toFloat32Array(), l.movingVariance.toFloat32Array()]);
const sha256 = (arrays: Float32Array[]) => {
  const h = createHash('sha256');
  for (const a of arrays) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return h.digest('hex');
};
/** parameters and moving statistics, bit for bit */
const fingerprint = (model: Model) => sha256([...model.getParameters().map((p) => p.data), ...movingStats(model)]);

/** 8×8 one-channel images: a horizontal bar (class 0) or a vertical one (class 1) at a random place, plus noise */
function bars(n: number, seed: number): { X: number[][][][]; y: number[] } {
  const rng = testRng(seed), X: number[][][][] = [], y: number[] = [];
  for (let i = 0; i < n; i++) {
    const cls = i % 2, at = 1 + rng.int(6);
    X.push(Array.from({ length: 8 }, (_, r) => Array.from({ length: 8 }, (_, c) => [((cls ? c : r) === at ? 1 : 0) + 0.3 * rng.normal() + 2])));
    y.push(cls);
  }
  return { X, y };
}

describe.each(backends())('normalization layers in a Model on %s', (name: BackendName) => {
  let be: Backend;
  beforeAll(async () => {
    be = await getTestBackend(name);
  });

  it('an MLP with batch normalization after each hidden Dense trains: the loss falls, the moving statistics follow the data', () => {
    const model = new Model({ backend: be });
    for (const [i, o] of [[2, 64], [64, 64]])
      model.add(new LayerDense(i, o, { kernelInitializer: 'glorotUniform', backend: be })).add(new LayerBatchNormalization({ momentum: 0.9, backend: be })).add(new ActivationReLU({ backend: be }));
    model.add(new LayerDense(64, 3, { kernelInitializer: 'glorotUniform', backend: be })).add(new ActivationSoftmax({ backend: be }))
      .compile({ loss: new LossCategoricalCrossentropy({ backend: be }), optimizer: new OptimizerAdam({ learningRate: 0.01, backend: be }) });
    const h = model.fit(data.X, data.y, { epochs: 40, batchSize: 60, shuffle: true });
    expect(h.history.loss.at(-1)!).toBeLessThan(0.75 * h.history.loss[0]); // 1.30 → 0.79 measured
    expect(model.evaluate(data.X, data.y).accuracy).toBeGreaterThan(0.6); // with the moving statistics; 0.75 measured
    const [mean, variance] = movingStats(model);
    expect(mean.some((v) => v !== 0) && variance.some((v) => v !== 1)).toBe(true);
    model.dispose();
  });

  it('batch normalization after a Conv2D (NHWC, per channel over N·H·W) trains', () => {
    const { X, y } = bars(64, 3);
    const model = new Model({ backend: be })
      .add(new LayerConv2D(4, 3, { inputShape: [8, 8, 1], backend: be }))
      .add(new LayerBatchNormalization({ momentum: 0.9, backend: be }))
      .add(new ActivationReLU({ backend: be }))
      .add(new LayerFlatten({ backend: be }))
      .add(new LayerDense(6 * 6 * 4, 2, { kernelInitializer: 'glorotUniform', backend: be }))
      .add(new ActivationSoftmax({ backend: be }))
      .compile({ loss: 'sparseCategoricalCrossentropy', optimizer: new OptimizerAdam({ learningRate: 0.01, backend: be }) });
    const bn = model.layers[1] as LayerBatchNormalization;
    expect(bn.channels).toBe(4); // built at compile from the declared inputShape
    const h = model.fit(X, y, { epochs: 15, batchSize: 16, shuffle: true });
    expect(h.history.loss.at(-1)!).toBeLessThan(0.5 * h.history.loss[0]);
    expect(model.evaluate(X, y).accuracy).toBeGreaterThan(0.9);
    model.dispose();
  });

  it('predict, evaluate and validation leave the moving statistics alone; training steps move them', () => {
    const model = mlp(be);
    model.fit(data.X, data.y, { epochs: 2, batchSize: 60 });
    const before = sha256(movingStats(model));
    model.predict(data.X);
    model.predict(data.X, { batchSize: 7 });
    model.evaluate(data.X, data.y);
    expect(sha256(movingStats(model))).toBe(before);
    // validation runs in inference mode: a fit whose only step is one batch moves the statistics once
    const once = mlp(be);
    once.setParameters(model.getParameters());
    norms(once).forEach((l, i) => (l.movingMean.data.set(norms(model)[i].movingMean.data), l.movingVariance.data.set(norms(model)[i].movingVariance.data)));
    model.fit(data.X, data.y, { epochs: 1, batchSize: 180, validationData: [data.X, data.y] });
    once.fit(data.X, data.y, { epochs: 1, batchSize: 180 });
    expect(sha256(movingStats(model))).toBe(sha256(movingStats(once)));
    expect(sha256(movingStats(model))).not.toBe(before);
    for (const m of [model, once]) m.dispose();
  });

  it('Monte Carlo prediction runs batch normalization in inference mode: without dropout every pass is predict(X), and the statistics stay', () => {
    const model = mlp(be);
    model.fit(data.X, data.y, { epochs: 5, batchSize: 60 });
    const before = sha256(movingStats(model));
    const mc = model.predict(data.X, { mcSamples: 4 });
    // predict folds the batch norms into the Dense before them (src/inferencePlan.ts), the passes do not: equal to rounding (batch statistics would differ by far more)
    expectClose(mc.mean.data, model.predict(data.X).data, 1e-5, 'MC mean = predict');
    expect(mc.std.data.every((s) => s === 0)).toBe(true);
    expect(sha256(movingStats(model))).toBe(before);
    expect(model.layers.every((l) => !l.monteCarloPass)).toBe(true);
    model.dispose();
  });

  it('Monte Carlo prediction with dropout: the masks vary, batch normalization does not move, and the passes are the ones a hand replay in inference mode gives', () => {
    const model = mlp(be, 0.3);
    model.fit(data.X, data.y, { epochs: 5, batchSize: 60 });
    const dropout = model.layers.find((l): l is LayerDropout => l instanceof LayerDropout)!, counter = dropout.counter, before = sha256(movingStats(model));
    const mc = model.predict(data.X, { mcSamples: 5 });
    expect(dropout.counter).toBe(counter + 5);
    expect(sha256(movingStats(model))).toBe(before);
    expect(Math.max(...mc.std.data)).toBeGreaterThan(0.01);
    // the first pass by hand: dropout drawing (training), batch norm at inference
    dropout.counter = counter;
    let t: Matrix | LayerDense['output'] = new Matrix(Float32Array.from(data.X.data), data.X.shape);
    for (const l of model.layers) {
      l.forward(t, !(l instanceof LayerBatchNormalization));
      t = l.output;
    }
    const first = model.layers.at(-1)!.output.toFloat32Array();
    expect(first.some((v, i) => v !== model.predict(data.X).data[i])).toBe(true);
    expect(sha256(movingStats(model))).toBe(before);
    model.dispose();
  });

  it('a failed training step puts the moving statistics back', () => {
    const model = mlp(be);
    model.fit(data.X, data.y, { epochs: 1, batchSize: 60 });
    const before = sha256(movingStats(model));
    const out = model.layers[3] as LayerDense; // after BN → ReLU: weights that overflow float32
    out.setParameters(new Array(32 * 3).fill(3e38), new Array(3).fill(0));
    expect(thrown(() => model.fit(data.X, data.y, { epochs: 1, batchSize: 60 }))).toBeInstanceOf(TrainingDivergedError);
    expect(sha256(movingStats(model))).toBe(before);
    model.dispose();
  });

  it('after a fused Dense → ReLU → Dropout run, as the first layer, and fused with the ReLU after it: fused and layer-by-layer training give the same bits', async () => {
    const build = async (fuse: boolean) => {
      const b = await freshBackend(name, 5);
      return new Model({ backend: b })
        .add(new LayerBatchNormalization({ backend: b })) // first layer: no dinputs
        .add(new LayerDense(2, 16, { backend: b })).add(new ActivationReLU({ backend: b })).add(new LayerDropout(0.2, { backend: b }))
        .add(new LayerBatchNormalization({ momentum: 0.5, backend: b }))
        .add(new LayerDense(16, 12, { backend: b }))
        .add(new LayerBatchNormalization({ momentum: 0.5, backend: b })).add(new ActivationReLU({ backend: b })) // BN → ReLU, one step when fused
        .add(new LayerDense(12, 3, { backend: b })).add(new ActivationSoftmax({ backend: b }))
        .compile({ loss: new LossCategoricalCrossentropy({ backend: b }), optimizer: new OptimizerAdam({ learningRate: 0.01, backend: b }), fuse });
    };
    const [fused, plain] = [await build(true), await build(false)];
    for (const m of [fused, plain]) m.fit(data.X, data.y, { epochs: 5, batchSize: 40, shuffle: true });
    expect(fingerprint(fused)).toBe(fingerprint(plain));
  });

  it('save → load → continue training equals training straight through, bit for bit (moving statistics included)', async () => {
    const build = (b: Backend) => mlp(b, 0.2, (bb) => [new LayerLayerNormalization({ betaRegularizerL2: 1e-4, backend: bb })]);
    const fitOpts = { batchSize: 32, shuffle: true } as const;
    const straight = build(await freshBackend(name, 11));
    straight.fit(data.X, data.y, { epochs: 12, ...fitOpts });
    const first = build(await freshBackend(name, 11));
    first.fit(data.X, data.y, { epochs: 6, ...fitOpts });
    const resumed = Model.load(first.save(), { backend: await freshBackend(name, 0) });
    expect(sha256(movingStats(resumed))).toBe(sha256(movingStats(first)));
    expectSame(resumed.predict(data.X).data, first.predict(data.X).data, 'predictions after load');
    resumed.fit(data.X, data.y, { epochs: 6, ...fitOpts });
    expect(fingerprint(resumed)).toBe(fingerprint(straight));
    // the moving statistics are part of it: without them the resumed run drifts
    const forgetful = Model.load(first.save(), { backend: await freshBackend(name, 0) });
    for (const l of norms(forgetful)) (l.movingMean.data.fill(0), l.movingVariance.data.fill(1));
    forgetful.fit(data.X, data.y, { epochs: 6, ...fitOpts });
    expect(fingerprint(forgetful)).not.toBe(fingerprint(straight));
  });
});

describe('normalization layers: js ≡ wasm bit for bit', () => {
  it('forward (training and inference) and backward of both layers on NHWC and [N, F]', async () => {
    const [js, wasm] = [await getTestBackend('js'), await getTestBackend('wasm')];
    for (const shape of [[3, 4, 5, 6], [9, 7], [2, 5, 17]]) {
      const rng = testRng(shape.length), size = shape.reduce((a, b) => a * b, 1), c = shape.at(-1)!;
      const x = Array.from({ length: size }, (_, i) => 3 * rng.normal() + (i % c) * 10), dy = Array.from({ length: size }, () => rng.normal());
      const gamma = Array.from({ length: c }, () => rng.normal()), beta = Array.from({ length: c }, () => rng.normal());
      const results = [js, wasm].map((backend) => {
        const out: Float32Array[] = [];
        const bn = new LayerBatchNormalization({ momentum: 0.7, backend }), ln = new LayerLayerNormalization({ backend });
        for (const l of [bn, ln]) {
          l.build(shape.slice(1));
          l.gamma!.data.set(gamma);
          l.beta!.data.set(beta);
        }
        const xt = backend.fromArray(x, ...shape), dyt = backend.fromArray(dy, ...shape);
        for (const training of [true, true, false]) {
          bn.forward(xt, training);
          bn.backward(dyt);
          out.push(bn.output.toFloat32Array(), bn.dinputs.toFloat32Array(), bn.dgamma!.toFloat32Array(), bn.dbeta!.toFloat32Array(), bn.movingMean.toFloat32Array(), bn.movingVariance.toFloat32Array());
        }
        ln.forward(xt);
        ln.backward(dyt);
        out.push(ln.output.toFloat32Array(), ln.dinputs.toFloat32Array(), ln.dgamma!.toFloat32Array(), ln.dbeta!.toFloat32Array());
        for (const t of [bn, ln, xt, dyt]) t.dispose();
        return out;
      });
      results[0].forEach((a, i) => expectSame(results[1][i], a, `${shape.join('×')} output ${i}`));
    }
  });
});

describe('normalization layers: arguments and shapes', () => {
  it('constructors reject bad arguments with a ValueError naming the argument', async () => {
    const backend = await getTestBackend('js');
    const cases: [() => unknown, RegExp][] = [
      [() => new LayerBatchNormalization({ axis: 0, backend }), /axis must be -1 or the index of the last axis/],
      [() => new LayerBatchNormalization({ axis: -2, backend }), /axis .*only the last axis is supported/],
      [() => new LayerLayerNormalization({ axis: 1.5, backend }), /LayerLayerNormalization: axis/],
      [() => new LayerBatchNormalization({ momentum: 1.5, backend }), /momentum must be a number in \[0, 1\]/],
      [() => new LayerBatchNormalization({ epsilon: 0, backend }), /epsilon must be a finite number > 0/],
      [() => new LayerLayerNormalization({ epsilon: NaN, backend }), /epsilon/],
      [() => new LayerBatchNormalization({ center: 'yes' as never, backend }), /center must be a boolean/],
      [() => new LayerLayerNormalization({ scale: 1 as never, backend }), /scale must be a boolean/],
      [() => new LayerBatchNormalization({ gammaRegularizerL1: -1, backend }), /gammaRegularizerL1 must be a finite number ≥ 0/],
      [() => new LayerLayerNormalization({ betaRegularizerL2: Infinity, backend }), /betaRegularizerL2/],
    ];
    for (const [make, message] of cases) {
      const e = thrown(make);
      expect(e).toBeInstanceOf(ValueError);
      expect((e as Error).message).toMatch(message);
    }
  });

  it('an axis other than the last: a ValueError naming axis and the shape; a positive last axis works', async () => {
    const backend = await getTestBackend('js');
    const images = new Model({ backend }).add(new LayerConv2D(2, 1, { inputShape: [4, 4, 3], backend })).add(new LayerBatchNormalization({ axis: 1, backend }));
    const e = thrown(() => images.compile({ loss: 'meanSquaredError', optimizer: 'sgd' }));
    expect(e).toBeInstanceOf(ValueError);
    expect((e as Error).message).toMatch(/axis 1 is not the last axis of inputs \[batch, 4, 4, 2\] \(that is -1 or 3\)/);
    const last = new LayerBatchNormalization({ axis: 3, inputShape: [4, 4, 2], backend });
    expect(last.channels).toBe(2);
    last.dispose();
  });

  it('inputs of another width than built, or without a feature axis: a ShapeError with the shapes', async () => {
    const backend = await getTestBackend('js');
    const bn = new LayerBatchNormalization({ backend });
    bn.forward([[1, 2, 3], [4, 5, 6]]);
    expect(bn.channels).toBe(3);
    expect((thrown(() => bn.forward([[1, 2], [3, 4]])) as Error).message).toMatch(/LayerBatchNormalization\(3\).*3 values along the last axis/);
    expect(thrown(() => bn.forward([[1, 2], [3, 4]]))).toBeInstanceOf(ShapeError);
    const flat = backend.fromArray([1, 2, 3], 3);
    expect(thrown(() => new LayerLayerNormalization({ backend }).forward(flat))).toBeInstanceOf(ShapeError);
    const model = new Model({ backend }).add(new LayerDense(2, 4, { backend })).add(new LayerLayerNormalization({ inputShape: [5], backend }));
    expect(thrown(() => model.compile({ loss: 'meanSquaredError', optimizer: 'sgd' }))).toBeInstanceOf(ShapeError);
    for (const t of [bn, flat]) t.dispose();
    model.dispose();
  });

  it('parameters, names and state: gamma and beta trainable (those that exist), the moving statistics state only', async () => {
    const backend = await getTestBackend('js');
    const bn = new LayerBatchNormalization({ inputShape: [5], backend }), ln = new LayerLayerNormalization({ scale: false, inputShape: [5], backend });
    expect(bn.parameterNames()).toEqual(['gamma', 'beta']);
    expect(bn.parameters().map(([p]) => p)).toEqual([bn.gamma, bn.beta]);
    expect(bn.stateTensors()).toEqual([bn.movingMean, bn.movingVariance]);
    expect(Array.from(bn.gamma!.data)).toEqual([1, 1, 1, 1, 1]);
    expect(Array.from(bn.movingVariance.data)).toEqual([1, 1, 1, 1, 1]);
    expect(ln.parameterNames()).toEqual(['beta']);
    expect(ln.gamma).toBeUndefined();
    expect(ln.stateTensors()).toEqual([]);
    expect(bn.getConfig()).toEqual({ axis: -1, epsilon: 1e-3, center: true, scale: true, momentum: 0.99, channels: 5 });
    for (const t of [bn, ln]) t.dispose();
  });
});
