/**
 * Gradient checks through time (central differences; the method and tolerance of
 * test/gradcheck.test.ts) for LayerSimpleRNN, LayerLSTM and LayerGRU (reset after and before): the
 * objective L = Σ output ⊙ R (+ the L1/L2 penalties), with and without returnSequences and
 * goBackwards, with both dropouts as fixed masks, and for every activation the cells offer
 * (tanh and sigmoid are the NumPy parity test's; relu, hardSigmoid and linear only here).
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { LayerSimpleRNN, LayerLSTM, LayerGRU, type Backend, type RecurrentLayer, type RecurrentOptions } from '../src/index.ts';
import { backends, getTestBackend, testRng } from './helpers.ts';
import { numericGrad, expectGrad, dot, normals, awayFromZero } from './gradient.ts';

type Make = (be: Backend, opts: RecurrentOptions) => RecurrentLayer;
const CELLS: [string, Make][] = [
  ['SimpleRNN', (be, o) => new LayerSimpleRNN(3, { ...o, backend: be })],
  ['LSTM', (be, o) => new LayerLSTM(3, { ...o, backend: be })],
  ['GRU reset after', (be, o) => new LayerGRU(3, { ...o, backend: be })],
  ['GRU reset before', (be, o) => new LayerGRU(3, { ...o, resetAfter: false, backend: be })],
];
/** (name, options, fixed masks?, piecewise-linear activations: kinks within the differences' reach) */
const VARIANTS: [string, RecurrentOptions, boolean, boolean?][] = [
  ['last output', {}, false],
  ['returnSequences, goBackwards, both masks', { returnSequences: true, goBackwards: true, dropout: 0.3, recurrentDropout: 0.4 }, true],
  ['no bias, masks, L1/L2 on all three', { useBias: false, dropout: 0.2, kernelRegularizerL1: 0.01, kernelRegularizerL2: 0.02, recurrentRegularizerL1: 0.03, recurrentRegularizerL2: 0.01 }, true],
  ['relu / hardSigmoid, bias L2', { returnSequences: true, activation: 'relu', recurrentActivation: 'hardSigmoid', biasRegularizerL2: 0.05 }, false, true],
  ['linear / sigmoid', { activation: 'linear', recurrentDropout: 0.3 }, true],
];

describe.each(backends())('recurrent layers: gradient checks through time on %s', (name) => {
  let be: Backend;
  beforeAll(async () => {
    be = await getTestBackend(name);
  });

  const cases = CELLS.flatMap(([cell, make]) => VARIANTS.map(([variant, opts, masked, kinked]) => [`${cell}, ${variant}`, make, opts, masked, kinked ?? false] as const));
  it.each(cases)('%s', (what, make, opts, masked, kinked) => {
    const rng = testRng(what.length * 31 + 3), [n, steps, features] = [2, 4, 3];
    const layer = make(be, opts);
    layer.build([steps, features]);
    // weights of a trained scale, biases away from 0: every gate in its sensitive range
    // (≥ 0.1 from 0: the kink of |w| under L1 stays out of the differences' reach)
    layer.kernel.data.set(awayFromZero(rng, layer.kernel.size, 0.1, 0.8));
    layer.recurrentKernel.data.set(awayFromZero(rng, layer.recurrentKernel.size, 0.1, 0.8));
    layer.bias?.data.set(awayFromZero(rng, layer.bias.size, 0.1, 0.5));
    const x = be.fromArray(normals(rng, n * steps * features), n, steps, features);
    const keep = (k: number, rate: number) => Float32Array.from({ length: k }, (_, i) => (i % 3 === 1 ? 0 : 1 / (1 - rate)));
    const masks = masked ? { input: opts.dropout ? keep(n * features, opts.dropout) : undefined, recurrent: opts.recurrentDropout ? keep(n * 3, opts.recurrentDropout) : undefined } : undefined;
    const run = () => layer.forward(x, true, masks && { input: masks.input && be.fromArray(masks.input, n, features), recurrent: masks.recurrent && be.fromArray(masks.recurrent, n, 3) });
    run();
    const R = normals(testRng(99), layer.output.size);
    const objective = () => {
      run();
      return dot(layer.output.data, R) + layer.regularizationPenalty();
    };
    run();
    layer.backward(be.fromArray(R, ...layer.output.shape));
    const analytic = layer.parameters().map(([, g]) => g.toFloat32Array()), dinputs = layer.dinputs.toFloat32Array();
    /**
     * ReLU and the hard sigmoid are piecewise linear, so central differences are exact except
     * where a kink lies within the step (an output of 0.01 is not rare): steps of 1e-2 and
     * 5e-3 then disagree, and such elements (at most two fifths) are left out; everywhere else
     * the check is as strict.
     */
    const check = (a: Float32Array, view: () => Float32Array, label: string) => {
      const g = numericGrad(view, objective, 1e-2);
      if (!kinked) return expectGrad(a, g, label);
      const half = numericGrad(view, objective, 5e-3), scale = Math.max(...Array.from(g, Math.abs));
      const smooth = Array.from(g.keys()).filter((i) => Math.abs(g[i] - half[i]) <= 2e-3 * scale);
      expect(smooth.length, `${label}: elements away from kinks`).toBeGreaterThanOrEqual(0.6 * g.length);
      expectGrad(smooth.map((i) => a[i]), smooth.map((i) => g[i]), label);
    };
    layer.parameters().forEach(([p], i) => check(analytic[i], () => p.data, `${what} d${layer.parameterNames()[i]}`));
    check(dinputs, () => x.data, `${what} dinputs`);
    layer.dispose();
  });
});
