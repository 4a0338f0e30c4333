/**
 * Gradient checks by central differences for every layer, activation and loss, on every backend.
 *
 * Method. A layer is checked through the scalar objective L = Σ (output ⊙ R) for a fixed random R
 * (so backward(R) must return ∂L/∂·); a loss is checked through its own value (calculate(), or the
 * fused softmax+CCE's forward()). Each input or parameter element x_i is set to fround(x_i ± h) in
 * its float32 storage (a tensor's `data` view), L is evaluated in float64 on the JS side from the
 * float32 forward output, and the numeric derivative is (L+ − L−) / (x+ − x−) with the step that
 * was actually stored.
 *
 * Precision. Forward passes run in float32, so L carries a relative rounding error of ~1e-7 and
 * the difference quotient an absolute error of ~1e-7·|L|/h; central differences add O(h²)
 * truncation for curved functions. With h = 1e-2 (1e-3 for the losses, whose curvature 1/p² is
 * larger), small well-conditioned shapes and inputs kept away from kinks (ReLU at 0, |t − y| = 0
 * for MAE, |w| = 0 for L1) and from the cross-entropies' clipping range, the observed errors are
 * 1e-7..5e-5 per tensor (2-norm) and at most ~4e-4 per element (the composed network). The
 * assertions (GRAD_RTOL = 2e-3, i.e. ~5× the worst observed error) are:
 *   - per tensor: ‖g_analytic − g_numeric‖₂ ≤ 2e-3 · ‖g_numeric‖₂, and
 *   - per element: |a_i − n_i| ≤ 2e-3 · max(|n_i|, 0.1 · max|n|)   (helpers.ts's closeness rule).
 * The first block below shows that these tolerances reject gradients that are off by 1%, have
 * one wrong sign, or are transposed: the check can fail.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import {
  LayerDense, ActivationReLU, ActivationSigmoid, ActivationSoftmax, ActivationLinear, LayerDropout,
  LossCategoricalCrossentropy, LossBinaryCrossentropy, LossMeanSquaredError, LossMeanAbsoluteError,
  ActivationSoftmaxLossCategoricalCrossentropy, type Backend, type Tensor,
} from '../src/index.ts';
import { backends, getTestBackend, expectClose, testRng } from './helpers.ts';
import { numericGrad, gradOk, expectGrad, dot, normals, uniforms, awayFromZero } from './gradient.ts';


describe('the gradient check itself', () => {
  // f(x) = Σ sin(x_i) · c_i, gradient c_i cos(x_i): checks the checker, without the library
  const rng = testRng(7);
  const x = normals(rng, 12), c = normals(rng, 12);
  const f = () => dot(Array.from(x, Math.sin), c);
  const numeric = numericGrad(() => x, f, 1e-2);
  const exact = Float32Array.from(x, (v, i) => c[i] * Math.cos(v));

  it('accepts the exact gradient', () => {
    expect(gradOk(exact, numeric)).toBe(true);
  });
  it('rejects a gradient scaled by 1.01', () => {
    expect(gradOk(exact.map((v) => v * 1.01), numeric)).toBe(false);
  });
  it('rejects a gradient with one element of the wrong sign', () => {
    const i = exact.reduce((best, v, j) => (Math.abs(v) > Math.abs(exact[best]) ? j : best), 0);
    const wrong = exact.slice();
    wrong[(i + 1) % wrong.length] *= -1; // not the largest one: the norm check alone might miss it
    expect(gradOk(wrong, numeric)).toBe(false);
  });
  it('rejects a transposed (3×4 read as 4×3) gradient', () => {
    const t = new Float32Array(12);
    for (let r = 0; r < 3; r++) for (let k = 0; k < 4; k++) t[k * 3 + r] = exact[r * 4 + k];
    expect(gradOk(t, numeric)).toBe(false);
  });
});

describe.each(backends())('gradient checks on the %s backend', (name) => {
  let be: Backend;
  beforeAll(async () => {
    be = await getTestBackend(name);
  });
  const tensor = (values: Float32Array, rows: number, cols: number): Tensor => be.fromArray(values, rows, cols);

  describe('LayerDense with L1 and L2 on weights and biases', () => {
    const reg = { weightRegularizerL1: 0.03, weightRegularizerL2: 0.05, biasRegularizerL1: 0.07, biasRegularizerL2: 0.11 };
    const setup = (seed: number) => {
      const rng = testRng(seed);
      const layer = new LayerDense(3, 4, { backend: be, ...reg });
      // no weight or bias within 0.1 of 0, where |w| has its kink (h is 1e-2)
      layer.setParameters(awayFromZero(rng, 12, 0.1, 1), awayFromZero(rng, 4, 0.1, 1));
      const X = tensor(normals(rng, 15), 5, 3);
      const R = tensor(normals(rng, 20), 5, 4);
      return { layer, X, R };
    };

    it('dweights, dbiases and dinputs match the derivatives of Σ output⊙R + the penalty', () => {
      const { layer, X, R } = setup(1);
      const objective = () => {
        layer.forward(X);
        return dot(layer.output.data, R.data) + layer.regularizationPenalty();
      };
      layer.forward(X);
      layer.backward(R);
      const dweights = layer.dweights.toFloat32Array(), dbiases = layer.dbiases.toFloat32Array(), dinputs = layer.dinputs.toFloat32Array();
      expectGrad(dweights, numericGrad(() => layer.weights.data, objective, 1e-2), 'dweights');
      expectGrad(dbiases, numericGrad(() => layer.biases.data, objective, 1e-2), 'dbiases');
      expectGrad(dinputs, numericGrad(() => X.data, objective, 1e-2), 'dinputs');
      layer.dispose();
    });

    it('the regularization gradient alone is the derivative of the penalty', () => {
      const { layer, X } = setup(2);
      layer.forward(X);
      layer.backward(tensor(new Float32Array(20), 5, 4)); // dvalues 0: only the penalty's gradient is left
      const dweights = layer.dweights.toFloat32Array(), dbiases = layer.dbiases.toFloat32Array();
      const penalty = () => layer.regularizationPenalty();
      // the penalty is piecewise quadratic and summed in float64: its central differences are
      // accurate to ~1e-7, so this check can be much tighter than GRAD_RTOL
      expectClose(dweights, numericGrad(() => layer.weights.data, penalty, 1e-2), 1e-5, 'weight regularization gradient');
      expectClose(dbiases, numericGrad(() => layer.biases.data, penalty, 1e-2), 1e-5, 'bias regularization gradient');
      // and its closed form: l1·sign(w) + 2·l2·w
      const w = layer.weights.data;
      expectClose(dweights, Array.from(w, (v) => reg.weightRegularizerL1 * Math.sign(v) + 2 * reg.weightRegularizerL2 * v), 1e-6, 'l1·sign(w) + 2·l2·w');
      layer.dispose();
    });

    it('the penalty is l1·Σ|w| + l2·Σw² over weights plus the same over biases', () => {
      const { layer } = setup(3);
      const { weights, biases } = layer.getParameters();
      const sum = (a: Float32Array, f: (v: number) => number) => a.reduce((s, v) => s + f(v), 0);
      const expected =
        reg.weightRegularizerL1 * sum(weights, Math.abs) + reg.weightRegularizerL2 * sum(weights, (v) => v * v) +
        reg.biasRegularizerL1 * sum(biases, Math.abs) + reg.biasRegularizerL2 * sum(biases, (v) => v * v);
      expectClose([layer.regularizationPenalty()], [expected], 1e-6, 'regularizationPenalty');
      layer.dispose();
    });

    it('the L1 derivative at w = 0 is +l1 (the book\'s convention)', () => {
      const { layer, X } = setup(4);
      const w = layer.getParameters().weights;
      w[5] = 0;
      layer.setParameters(w, new Float32Array([0, -0.5, 0.5, 0]));
      layer.forward(X);
      layer.backward(tensor(new Float32Array(20), 5, 4));
      expect(layer.dweights.data[5]).toBe(Math.fround(reg.weightRegularizerL1));
      expect(layer.dbiases.data[0]).toBe(Math.fround(reg.biasRegularizerL1));
      expect(layer.dbiases.data[3]).toBe(Math.fround(reg.biasRegularizerL1));
      layer.dispose();
    });
  });

  /** check dinputs of a parameterless layer against Σ output⊙R */
  const checkActivation = (make: () => { forward(x: Tensor): void; backward(d: Tensor): void; output: Tensor; dinputs: Tensor; dispose(): void }, X: Tensor, h: number, what: string) => {
    const layer = make();
    const rng = testRng(99);
    layer.forward(X);
    const R = tensor(normals(rng, layer.output.size), layer.output.rows, layer.output.cols);
    layer.backward(R);
    const dinputs = layer.dinputs.toFloat32Array();
    const objective = () => {
      layer.forward(X);
      return dot(layer.output.data, R.data);
    };
    expectGrad(dinputs, numericGrad(() => X.data, objective, h), `${what} dinputs`);
    layer.dispose();
  };

  it('ActivationReLU (inputs at least 0.1 away from the kink at 0)', () => {
    const X = tensor(awayFromZero(testRng(10), 24, 0.1, 2), 4, 6);
    checkActivation(() => new ActivationReLU({ backend: be }), X, 1e-2, 'ReLU');
    // both branches were exercised
    expect(X.data.some((v) => v < 0) && X.data.some((v) => v > 0)).toBe(true);
  });

  it('ActivationSigmoid', () => {
    checkActivation(() => new ActivationSigmoid({ backend: be }), tensor(uniforms(testRng(11), 24, -3, 3), 4, 6), 1e-2, 'Sigmoid');
  });

  it('ActivationSoftmax (backward through the Jacobian)', () => {
    checkActivation(() => new ActivationSoftmax({ backend: be }), tensor(normals(testRng(12), 20), 4, 5), 1e-2, 'Softmax');
  });

  it('ActivationLinear', () => {
    checkActivation(() => new ActivationLinear({ backend: be }), tensor(normals(testRng(13), 12), 3, 4), 1e-2, 'Linear');
  });

  it('LayerDropout with a fixed mask', () => {
    const rng = testRng(14);
    const X = tensor(normals(rng, 24), 4, 6);
    const scale = Math.fround(1 / (1 - 0.4));
    const mask = Float32Array.from({ length: 24 }, () => (rng.uniform() < 0.4 ? 0 : scale));
    expect(mask.includes(0) && mask.includes(scale)).toBe(true);
    const maskRows = Array.from({ length: 4 }, (_, r) => Array.from(mask.subarray(r * 6, r * 6 + 6)));
    checkActivation(() => {
      const d = new LayerDropout(0.4, { backend: be });
      return { forward: (x: Tensor) => d.forward(x, true, maskRows), backward: (dv: Tensor) => d.backward(dv), get output() { return d.output; }, get dinputs() { return d.dinputs; }, dispose: () => d.dispose() };
    }, X, 1e-2, 'Dropout');
  });

  describe('losses (the objective is the mean loss itself)', () => {
    const probs = (seed: number, n: number) => uniforms(testRng(seed), n, 0.05, 0.95);
    const sparse = [0, 2, 1, 3, 3, 0];
    const oneHot = sparse.map((c) => [0, 1, 2, 3].map((j) => (j === c ? 1 : 0)));

    for (const [kind, labels] of [['sparse', sparse], ['one-hot', oneHot]] as const) {
      it(`LossCategoricalCrossentropy, ${kind} labels`, () => {
        const loss = new LossCategoricalCrossentropy({ backend: be });
        const P = tensor(probs(20, 24), 6, 4);
        loss.backward(P, labels);
        const analytic = loss.dinputs.toFloat32Array();
        expectGrad(analytic, numericGrad(() => P.data, () => loss.calculate(P, labels), 1e-3), `CCE (${kind}) dinputs`);
        loss.dispose();
      });

      it(`ActivationSoftmaxLossCategoricalCrossentropy, ${kind} labels (gradient w.r.t. the logits)`, () => {
        const fused = new ActivationSoftmaxLossCategoricalCrossentropy({ backend: be });
        const Z = tensor(normals(testRng(21), 24), 6, 4);
        fused.forward(Z, labels);
        fused.backward(fused.output, labels);
        const analytic = fused.dinputs.toFloat32Array();
        expectGrad(analytic, numericGrad(() => Z.data, () => fused.forward(Z, labels), 1e-2), `softmax+CCE (${kind}) dinputs`);
        fused.dispose();
      });
    }

    it('LossBinaryCrossentropy (0/1 and fractional targets)', () => {
      const loss = new LossBinaryCrossentropy({ backend: be });
      const P = tensor(probs(22, 15), 5, 3);
      const rng = testRng(23);
      const T = Array.from({ length: 5 }, (_, r) => Array.from({ length: 3 }, () => (r < 3 ? (rng.uniform() < 0.5 ? 0 : 1) : rng.uniform())));
      loss.backward(P, T);
      const analytic = loss.dinputs.toFloat32Array();
      expectGrad(analytic, numericGrad(() => P.data, () => loss.calculate(P, T), 1e-3), 'BCE dinputs');
      loss.dispose();
    });

    it('LossMeanSquaredError', () => {
      const loss = new LossMeanSquaredError({ backend: be });
      const rng = testRng(24);
      const P = tensor(normals(rng, 12), 4, 3);
      const T = tensor(normals(rng, 12), 4, 3);
      loss.backward(P, T);
      const analytic = loss.dinputs.toFloat32Array();
      expectGrad(analytic, numericGrad(() => P.data, () => loss.calculate(P, T), 1e-2), 'MSE dinputs');
      loss.dispose();
    });

    it('LossMeanAbsoluteError (|t − y| ≥ 0.1, away from the kink)', () => {
      const loss = new LossMeanAbsoluteError({ backend: be });
      const rng = testRng(25);
      const t = normals(rng, 12);
      const gap = awayFromZero(rng, 12, 0.1, 1);
      const P = tensor(t.map((v, i) => v + gap[i]), 4, 3);
      const T = tensor(t, 4, 3);
      loss.backward(P, T);
      const analytic = loss.dinputs.toFloat32Array();
      expectGrad(analytic, numericGrad(() => P.data, () => loss.calculate(P, T), 1e-3), 'MAE dinputs');
      loss.dispose();
    });
  });

  it('a composed network: Dense(3,5) → Sigmoid → Dense(5,4) → Softmax+CCE, with regularization', () => {
    const rng = testRng(30);
    const d1 = new LayerDense(3, 5, { backend: be, weightRegularizerL2: 0.01, biasRegularizerL1: 0.02 });
    const act = new ActivationSigmoid({ backend: be });
    const d2 = new LayerDense(5, 4, { backend: be, weightRegularizerL1: 0.01 });
    const head = new ActivationSoftmaxLossCategoricalCrossentropy({ backend: be });
    d1.setParameters(awayFromZero(rng, 15, 0.2, 1), awayFromZero(rng, 5, 0.2, 1));
    d2.setParameters(awayFromZero(rng, 20, 0.2, 1), awayFromZero(rng, 4, 0.2, 1));
    const X = tensor(normals(rng, 18), 6, 3);
    const y = [0, 1, 2, 3, 1, 2];
    const objective = () => {
      d1.forward(X);
      act.forward(d1.output);
      d2.forward(act.output);
      return head.forward(d2.output, y) + d1.regularizationPenalty() + d2.regularizationPenalty();
    };
    objective();
    head.backward(head.output, y);
    d2.backward(head.dinputs);
    act.backward(d2.dinputs);
    d1.backward(act.dinputs);
    const g = { w1: d1.dweights.toFloat32Array(), b1: d1.dbiases.toFloat32Array(), w2: d2.dweights.toFloat32Array(), x: d1.dinputs.toFloat32Array() };
    expectGrad(g.w1, numericGrad(() => d1.weights.data, objective, 1e-2), 'first layer dweights');
    expectGrad(g.b1, numericGrad(() => d1.biases.data, objective, 1e-2), 'first layer dbiases');
    expectGrad(g.w2, numericGrad(() => d2.weights.data, objective, 1e-2), 'second layer dweights');
    expectGrad(g.x, numericGrad(() => X.data, objective, 1e-2), 'network dinputs');
    for (const l of [d1, act, d2, head]) l.dispose();
  });
});
