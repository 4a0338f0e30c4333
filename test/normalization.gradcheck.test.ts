/**
 * Gradient checks by central differences (the method and tolerance of test/gradcheck.test.ts) for
 * LayerBatchNormalization and LayerLayerNormalization on [N, C], NHWC images and [N, T, F]: in
 * training, batch normalization's output depends on every row of its channel through the batch's
 * mean and variance, and dinputs must carry that; at inference its statistics are constants. The
 * objective is L = Σ output ⊙ R (+ the L1/L2 penalty of gamma and beta). Also what a batch of one
 * does to batch normalization in training (Keras allows it): the variance is 0, the output beta.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { LayerBatchNormalization, LayerLayerNormalization, type Backend, type Tensor, type FeatureNormalization } from '../src/index.ts';
import { backends, expectSame, getTestBackend, testRng } from './helpers.ts';
import { numericGrad, expectGrad, dot, normals, awayFromZero, uniforms } from './gradient.ts';

describe.each(backends())('normalization layers: gradient checks on %s', (name) => {
  let be: Backend;
  beforeAll(async () => {
    be = await getTestBackend(name);
  });

  /** dinputs and each parameter gradient of `layer` on x, forward in `training` mode, against Σ output⊙R (+ penalty) */
  const check = (layer: FeatureNormalization, x: Tensor, training: boolean, what: string) => {
    const run = () => (layer instanceof LayerBatchNormalization ? layer.forward(x, training) : layer.forward(x));
    run();
    const R = be.fromArray(normals(testRng(99), layer.output.size), ...layer.output.shape);
    const objective = () => {
      run();
      return dot(layer.output.data, R.data) + layer.regularizationPenalty();
    };
    run();
    layer.backward(R);
    const analytic = layer.parameters().map(([, g]) => g.toFloat32Array());
    const dinputs = layer.dinputs.toFloat32Array();
    layer.parameters().forEach(([p], i) => expectGrad(analytic[i], numericGrad(() => p.data, objective, 1e-2), `${what} d${layer.parameterNames()[i]}`));
    expectGrad(dinputs, numericGrad(() => x.data, objective, 1e-2), `${what} dinputs`);
    R.dispose();
  };

  /** gamma and beta set to random values away from 0 (the kink of |w|) */
  const randomize = (layer: FeatureNormalization, seed: number) => {
    const rng = testRng(seed);
    layer.gamma?.data.set(awayFromZero(rng, layer.gamma.size, 0.3, 1.5));
    layer.beta?.data.set(awayFromZero(rng, layer.beta.size, 0.1, 1));
  };

  const shapes: [string, number[]][] = [['[N, C]', [6, 3]], ['NHWC', [2, 3, 4, 5]], ['[N, T, F]', [2, 4, 6]]];

  it.each(shapes)('LayerBatchNormalization %s, training (batch statistics), L1/L2 on gamma and beta', (what, shape) => {
    const bn = new LayerBatchNormalization({ gammaRegularizerL1: 0.01, gammaRegularizerL2: 0.02, betaRegularizerL1: 0.03, betaRegularizerL2: 0.04, backend: be });
    const rng = testRng(4), size = shape.reduce((a, b) => a * b, 1);
    // channels of different means and spreads, as after a Dense layer
    const x = be.fromArray(normals(rng, size).map((v, i) => 2 * v * (1 + (i % shape.at(-1)!)) + (i % shape.at(-1)!) - 1), ...shape);
    bn.build(shape.slice(1));
    randomize(bn, 5);
    check(bn, x, true, `BatchNormalization ${what}`);
    for (const t of [bn, x]) t.dispose();
  });

  it.each(shapes)('LayerBatchNormalization %s, inference (moving statistics are constants)', (what, shape) => {
    const bn = new LayerBatchNormalization({ backend: be });
    const rng = testRng(6), size = shape.reduce((a, b) => a * b, 1), c = shape.at(-1)!;
    const x = be.fromArray(normals(rng, size), ...shape);
    bn.build(shape.slice(1));
    randomize(bn, 7);
    bn.movingMean.data.set(normals(rng, c));
    bn.movingVariance.data.set(uniforms(rng, c, 0.2, 3));
    check(bn, x, false, `BatchNormalization ${what} inference`);
    for (const t of [bn, x]) t.dispose();
  });

  it('LayerBatchNormalization without gamma and beta (center and scale false): dinputs only', () => {
    const bn = new LayerBatchNormalization({ center: false, scale: false, backend: be });
    const x = be.fromArray(normals(testRng(8), 5 * 4), 5, 4);
    bn.build([4]);
    expect(bn.parameters()).toEqual([]);
    expect(bn.parameterNames()).toEqual([]);
    check(bn, x, true, 'BatchNormalization no center, no scale');
    for (const t of [bn, x]) t.dispose();
  });

  const lnShapes: [string, number[]][] = [...shapes, ['N = 1', [1, 7]], ['N = 1 NHWC', [1, 2, 2, 3]]];
  it.each(lnShapes)('LayerLayerNormalization %s, L1/L2 on gamma and beta', (what, shape) => {
    const ln = new LayerLayerNormalization({ gammaRegularizerL1: 0.01, gammaRegularizerL2: 0.02, betaRegularizerL1: 0.03, betaRegularizerL2: 0.04, backend: be });
    const size = shape.reduce((a, b) => a * b, 1);
    const x = be.fromArray(normals(testRng(9), size).map((v, i) => 3 * v + (i % 5) - 2), ...shape);
    ln.build(shape.slice(1));
    randomize(ln, 10);
    check(ln, x, true, `LayerNormalization ${what}`);
    for (const t of [ln, x]) t.dispose();
  });

  it('LayerLayerNormalization with scale only, and with center only', () => {
    for (const opts of [{ center: false }, { scale: false }]) {
      const ln = new LayerLayerNormalization({ ...opts, backend: be });
      const x = be.fromArray(normals(testRng(11), 3 * 6), 3, 6);
      ln.build([6]);
      randomize(ln, 12);
      expect(ln.parameterNames()).toEqual(opts.center === false ? ['gamma'] : ['beta']);
      check(ln, x, true, `LayerNormalization ${JSON.stringify(opts)}`);
      for (const t of [ln, x]) t.dispose();
    }
  });

  it('LayerBatchNormalization on a batch of one in training: variance 0, output = beta, no input gradient, the moving variance decays', () => {
    const bn = new LayerBatchNormalization({ momentum: 0.9, backend: be });
    bn.build([3]);
    randomize(bn, 13);
    const x = be.fromArray([0.5, -2, 7], 1, 3), dy = be.fromArray([1, -2, 3], 1, 3);
    bn.forward(x, true);
    expectSame(bn.output.data, bn.beta!.data, 'output = beta');
    bn.backward(dy);
    expect(Array.from(bn.dinputs.data, (v) => v === 0), 'dinputs (±0)').toEqual([true, true, true]);
    expect(Array.from(bn.dgamma!.data, (v) => v === 0), 'dgamma (x̂ = 0)').toEqual([true, true, true]);
    expectSame(bn.dbeta!.data, dy.data, 'dbeta = dy');
    expectSame(bn.movingMean.data, Float32Array.from([0.5, -2, 7], (v) => Math.fround(v * Math.fround(0.1))), 'moving mean');
    expectSame(bn.movingVariance.data, Float32Array.from([0.9, 0.9, 0.9]), 'moving variance');
    for (const t of [bn, x, dy]) t.dispose();
  });
});
