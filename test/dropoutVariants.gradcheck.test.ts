/**
 * Gradient checks for the dropout family and the SELU / tanh activations, on every backend, with
 * the method and tolerance of test/gradcheck.test.ts (central differences, GRAD_RTOL = 2e-3 per
 * tensor and per element).
 *
 * A stochastic layer is a deterministic function once its draw is fixed, so the objective
 * L = Σ output ⊙ R rewinds the layer's pass counter before every forward: each evaluation redraws
 * the same mask (the noise is a function of seed, counter and index only). The numeric gradients
 * are taken before backward runs, because LayerAdaptiveDropout's backward moves its importance.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import {
  LayerDense, LayerDropout, LayerExactDropout, LayerGaussianDropout, LayerAlphaDropout, LayerScheduledDropout,
  LayerConcreteDropout, LayerAdaptiveDropout, ActivationSELU, ActivationTanh, StochasticLayer, type Backend, type Tensor,
} from '../src/index.ts';
import { backends, getTestBackend, expectClose, testRng } from './helpers.ts';
import { numericGrad, expectGrad, dot, normals, awayFromZero } from './gradient.ts';


describe.each(backends())('dropout family gradient checks on the %s backend', (name) => {
  let be: Backend;
  beforeAll(async () => {
    be = await getTestBackend(name);
  });
  const tensor = (values: Float32Array, rows: number, cols: number): Tensor => be.fromArray(values, rows, cols);

  /** dinputs of a stochastic layer against Σ output⊙R with its draw held fixed; returns the layer */
  const checkStochastic = <L extends StochasticLayer>(layer: L, X: Tensor, what: string, rounds = 1): L => {
    const R = tensor(normals(testRng(5), X.size), X.rows, X.cols);
    for (let round = 0; round < rounds; round++) {
      const counter = layer.counter;
      const objective = () => {
        layer.counter = counter;
        layer.forward(X, true);
        return dot(layer.output.data, R.data);
      };
      const numeric = numericGrad(() => X.data, objective, 1e-2);
      objective();
      layer.backward(R);
      expectGrad(layer.dinputs.toFloat32Array(), numeric, `${what} dinputs (round ${round})`);
    }
    return layer;
  };

  it('LayerExactDropout', () => {
    const d = checkStochastic(new LayerExactDropout(0.4, { backend: be }), tensor(normals(testRng(1), 30), 5, 6), 'ExactDropout');
    expect(d.binaryMask.data.filter((m) => m === 0).length).toBe(5 * 2); // 2 of 6 per row: the check saw real dropping
    d.dispose();
  });

  it('LayerGaussianDropout', () => {
    checkStochastic(new LayerGaussianDropout(0.3, { backend: be }), tensor(normals(testRng(2), 30), 5, 6), 'GaussianDropout').dispose();
  });

  it('LayerAlphaDropout (dropped units are constant: zero gradient there)', () => {
    const d = checkStochastic(new LayerAlphaDropout(0.3, { backend: be }), tensor(normals(testRng(3), 30), 5, 6), 'AlphaDropout');
    expect(d.mask.data.some((m) => m === 0) && d.mask.data.some((m) => m !== 0)).toBe(true);
    d.dispose();
  });

  it('LayerScheduledDropout at its epoch-3 rate', () => {
    const d = new LayerScheduledDropout(0.5, { backend: be, rampEpochs: 4 });
    d.onEpochBegin(3, 10);
    expect(d.rate).toBe(0.25);
    checkStochastic(d, tensor(normals(testRng(4), 30), 5, 6), 'ScheduledDropout').dispose();
  });

  it('LayerAdaptiveDropout, over three steps as its importance moves', () => {
    const X = tensor(normals(testRng(6), 40), 5, 8);
    const d = checkStochastic(new LayerAdaptiveDropout(0.6, { backend: be, adaptationRate: 0.5 }), X, 'AdaptiveDropout', 3);
    expect(d.unitRates!.data.some((r) => r > 0.05)).toBe(true); // units were dropped at their own rates
    d.dispose();
  });

  it('LayerDropout scaling down: training with the 0/1 mask, and inference (× keep) with its backward', () => {
    const X = tensor(normals(testRng(7), 24), 4, 6);
    checkStochasticDropout(new LayerDropout(0.4, { backend: be, scaling: 'down' }), X);
  });

  /** LayerDropout is not a StochasticLayer: rewind its counter the same way, then check inference */
  const checkStochasticDropout = (d: LayerDropout, X: Tensor) => {
    const R = tensor(normals(testRng(8), X.size), X.rows, X.cols);
    for (const training of [true, false]) {
      const counter = d.counter;
      const objective = () => {
        d.counter = counter;
        d.forward(X, training);
        return dot(d.output.data, R.data);
      };
      const numeric = numericGrad(() => X.data, objective, 1e-2);
      objective();
      d.backward(R);
      expectGrad(d.dinputs.toFloat32Array(), numeric, `LayerDropout scaling down, training=${training}`);
    }
    expect(d.binaryMask.data.every((m) => m === 0 || m === 1)).toBe(true);
    d.dispose();
  };

  it('every stochastic layer: backward after an inference pass is the identity (inference passes inputs through)', () => {
    const X = tensor(normals(testRng(9), 12), 3, 4), R = tensor(normals(testRng(10), 12), 3, 4);
    for (const d of [new LayerGaussianDropout(0.5, { backend: be }), new LayerConcreteDropout({ backend: be, dropoutRegularizer: 0 })]) {
      d.forward(X, true); // a training pass first: its mask must not leak into the inference gradient
      d.forward(X, false);
      expect(d.output).toBe(X);
      d.backward(R);
      expectClose(d.dinputs.data, R.data, 0, `${d} inference backward`);
      d.dispose();
    }
  });

  describe('LayerConcreteDropout', () => {
    /** a concrete layer feeding a Dense(6, 3), with regularizers large enough to matter */
    const setup = (seed: number) => {
      const rng = testRng(seed);
      const dense = new LayerDense(6, 3, { backend: be });
      dense.setParameters(normals(rng, 18), new Float32Array(3));
      const d = new LayerConcreteDropout({ backend: be, initRate: 0.3, temperature: 0.25, weightRegularizer: 0.05, dropoutRegularizer: 0.02, dense });
      const X = tensor(normals(rng, 30), 5, 6), R = tensor(normals(rng, 30), 5, 6);
      return { d, dense, X, R };
    };

    it('dinputs and dlogit match Σ output⊙R + the regularizer (data and regularizer terms together)', () => {
      const { d, dense, X, R } = setup(11);
      const counter = d.counter;
      const objective = () => {
        d.counter = counter;
        d.forward(X, true);
        return dot(d.output.data, R.data) + d.regularizationPenalty();
      };
      const dX = numericGrad(() => X.data, objective, 1e-2);
      const dLogit = numericGrad(() => d.logit.data, objective, 2e-3);
      objective();
      dense.dweights.data.fill(0);
      d.backward(R);
      expectGrad(d.dinputs.toFloat32Array(), dX, 'concrete dinputs');
      expectGrad(d.dlogit.toFloat32Array(), dLogit, 'concrete dlogit');
      d.dispose();
      dense.dispose();
    });

    it('the regularizer alone: dlogit and the increment of the Dense layer\'s dweights are its derivatives', () => {
      const { d, dense, X } = setup(12);
      d.forward(X, true);
      const penalty = () => d.regularizationPenalty();
      const dLogit = numericGrad(() => d.logit.data, penalty, 1e-3);
      const dW = numericGrad(() => dense.weights.data, penalty, 1e-2);
      dense.dweights.data.fill(0);
      d.backward(tensor(new Float32Array(30), 5, 6)); // dvalues 0: only the regularizer's gradient is left
      expectClose(d.dlogit.data, dLogit, 1e-4, 'regularizer dlogit');
      expectClose(dense.dweights.data, dW, 1e-4, 'regularizer dweights (2 λ_w W / (1 − p))');
      // and the closed form of the penalty: λ_w ΣW²/(1 − p) + λ_d K (p log p + (1 − p) log(1 − p))
      const p = d.rate, w2 = dense.weights.data.reduce((s, v) => s + v * v, 0);
      expectClose([d.regularizationPenalty()], [(0.05 * w2) / (1 - p) + 0.02 * 6 * (p * Math.log(p) + (1 - p) * Math.log(1 - p))], 1e-6, 'penalty');
      d.dispose();
      dense.dispose();
    });
  });

  it('ActivationSELU (inputs ≥ 0.1 away from the kink at 0)', () => {
    const X = tensor(awayFromZero(testRng(13), 24, 0.1, 2), 4, 6);
    checkActivation(new ActivationSELU({ backend: be }), X, 'SELU');
  });

  it('ActivationTanh', () => {
    checkActivation(new ActivationTanh({ backend: be }), tensor(normals(testRng(14), 24), 4, 6), 'tanh');
  });

  const checkActivation = (layer: ActivationSELU | ActivationTanh, X: Tensor, what: string) => {
    const R = tensor(normals(testRng(15), X.size), X.rows, X.cols);
    const objective = () => {
      layer.forward(X);
      return dot(layer.output.data, R.data);
    };
    const numeric = numericGrad(() => X.data, objective, 1e-2);
    objective();
    layer.backward(R);
    expectGrad(layer.dinputs.toFloat32Array(), numeric, `${what} dinputs`);
    layer.dispose();
  };
});
