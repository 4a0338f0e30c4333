/**
 * Parity with the book: every layer, loss and optimizer against float64 reference values computed
 * by the book's NumPy code (scripts/make_fixtures.py -> test/fixtures/nnfs.json), on both backends.
 *
 * Tolerance (read from the fixture's meta.tolerance; rtol 1e-5, floor 0.1):
 *
 *   |actual_i - expected_i| <= rtol * max(|expected_i|, floor * max_j |expected_j|)
 *
 * i.e. 1e-5 relative per element, with an absolute floor of 1e-6 times the largest magnitude in the
 * same tensor. Why the floor: the library computes in float32 (unit roundoff 6e-8) and gradients
 * are sums over samples with cancellation (dbiases = Σ (p - y) / n, dweights = Xᵀ·dvalues), so an
 * element much smaller than its tensor carries an absolute error of a few 1e-8 × the tensor's
 * scale; a pure relative test on it would measure rounding, not semantics. The fixture generator
 * replays every case in float32 NumPy and refuses fixtures where float32 arithmetic alone would use
 * more than a tenth of this tolerance (its worst case is meta.tolerance.float32SelfCheckWorst), so a
 * failure here is a semantic difference, not float32 noise. Blocks whose key ends in "Clipped"
 * (clip-boundary losses, with outliers like 1/(21·1e-7) next to O(1) values) are compared
 * elementwise (floor 0). Scalars are compared relative to themselves.
 */
import { readFileSync } from 'node:fs';
import { describe, it, expect, beforeAll } from 'vitest';
import {
  createBackend,
  type Backend,
  Tensor,
  LayerDense,
  LayerDropout,
  ActivationReLU,
  ActivationSoftmax,
  ActivationSigmoid,
  ActivationLinear,
  LossCategoricalCrossentropy,
  LossBinaryCrossentropy,
  LossMeanSquaredError,
  LossMeanAbsoluteError,
  ActivationSoftmaxLossCategoricalCrossentropy,
  OptimizerSGD,
  OptimizerAdagrad,
  OptimizerRMSprop,
  OptimizerAdam,
  type Loss,
  type Optimizer,
} from '../src/index.ts';

// ---- fixture types ----------------------------------------------------------------------------

type Mat = number[][];
type Vec = number[];
interface DenseHp {
  nInputs: number;
  nNeurons: number;
  weightRegularizerL1: number;
  weightRegularizerL2: number;
  biasRegularizerL1: number;
  biasRegularizerL2: number;
}
interface Params {
  weights: Mat;
  biases: Mat;
}
interface Grads {
  dweights: Mat;
  dbiases: Mat;
  dinputs: Mat;
}
interface CceCase {
  hyperparameters: { dense1: DenseHp; dense2: DenseHp; dropout: { rate: number } };
  inputs: { X: Mat; ySparse: Vec; yOneHot: Mat; dense1: Params; dense2: Params; dropout: { mask: Mat; binaryMask: Mat } };
  expected: {
    forward: { dense1Output: Mat; reluOutput: Mat; dropoutOutput: Mat; dense2Output: Mat; softmaxOutput: Mat };
    loss: { dataLossSparse: number; dataLossOneHot: number; regularizationLossDense1: number; regularizationLossDense2: number; totalLoss: number };
    backward: {
      lossActivationDinputs: Mat;
      lossActivationDinputsOneHot: Mat;
      dense2: Grads;
      dropoutDinputs: Mat;
      reluDinputs: Mat;
      dense1: Grads;
    };
    separatePath: Record<'sparse' | 'oneHot', { lossDinputs: Mat; softmaxDinputs: Mat }>;
  };
}
interface NetCase {
  hyperparameters: { dense1: DenseHp; dense2: DenseHp };
  inputs: { X: Mat; y: Mat; dense1: Params; dense2: Params };
  expected: {
    forward: Record<string, Mat>;
    loss: { dataLoss: number; regularizationLossDense1?: number; regularizationLossDense2?: number; totalLoss?: number };
    backward: Record<string, Mat> & { dense1: Grads; dense2: Grads };
  };
}
interface OptStep {
  weights: Mat;
  biases: Mat;
  currentLearningRate: number;
  iterations: number;
}
interface OptimizersCase {
  inputs: { weights: Mat; biases: Mat; dweights: Mat; dbiases: Mat };
  steps: number;
  optimizers: Record<'sgd' | 'sgdMomentum' | 'adagrad' | 'rmsprop' | 'adam', { hyperparameters: Record<string, number>; afterStep: OptStep[] }>;
}
interface TrainCase {
  hyperparameters: { dense1: DenseHp; dense2: DenseHp; optimizer: Record<string, number | string> };
  inputs: { X: Mat; ySparse: Vec; dense1: Params; dense2: Params };
  steps: number;
  afterStep: { dataLoss: number; regularizationLoss: number; currentLearningRate: number; iterations: number; dense1: Params; dense2: Params }[];
}
interface LossBlock {
  dataLoss: number;
  dinputs?: Mat;
}
interface UnitsCase {
  inputs: {
    reluInputs: Mat;
    dvalues: Mat;
    logits: Mat;
    probs: Mat;
    probsClipped: Mat;
    binaryTargets: Mat;
    regressionPredictions: Mat;
    regressionTargets: Mat;
    ySparse: Vec;
    yOneHot: Mat;
    cceProbs: Mat;
    cceProbsClipped: Mat;
  };
  expected: Record<'relu' | 'softmax' | 'sigmoid' | 'linear', { output: Mat; dinputs: Mat }> &
    Record<
      | 'binaryCrossentropy'
      | 'binaryCrossentropyClipped'
      | 'meanSquaredError'
      | 'meanAbsoluteError'
      | 'meanAbsoluteErrorTrueGradient'
      | 'categoricalCrossentropySparse'
      | 'categoricalCrossentropyOneHot'
      | 'categoricalCrossentropySparseClipped'
      | 'categoricalCrossentropyOneHotClipped',
      LossBlock
    >;
}
interface Fixtures {
  meta: { tolerance: { rtol: number; floor: number; floorZeroForKeysEndingWith: string } };
  cases: {
    dense_relu_dropout_softmax_cce: CceCase;
    sigmoid_bce: NetCase;
    linear_mse: NetCase;
    linear_mae: NetCase;
    linear_mae_true_gradient: NetCase;
    optimizers: OptimizersCase;
    optimizers_train: TrainCase;
    units: UnitsCase;
  };
}

const fixtures: Fixtures = JSON.parse(readFileSync(new URL('./fixtures/nnfs.json', import.meta.url), 'utf8'));
const { rtol: RTOL, floor: FLOOR } = fixtures.meta.tolerance;
const C = fixtures.cases;

// ---- comparison ------------------------------------------------------------------------------

type Actual = Tensor | Float32Array | Mat | number;
type Expected = Mat | Vec | number;

function flatten(x: Actual | Expected): { values: number[]; shape: number[] } {
  if (typeof x === 'number') return { values: [x], shape: [] };
  if (x instanceof Tensor) return { values: Array.from(x.data), shape: [x.rows, x.cols] };
  if (x instanceof Float32Array) return { values: Array.from(x), shape: [x.length] };
  if (x.length > 0 && Array.isArray(x[0])) {
    const m = x as Mat;
    return { values: m.flat(), shape: [m.length, m[0].length] };
  }
  return { values: x as Vec, shape: [x.length] };
}

/**
 * Soft-asserts (every tensor of a case is reported, not just the first failure) that `actual`
 * matches `expected` under the tolerance rule above; the message names the tensor, the backend,
 * the worst element and the max normalized error (1 = at the tolerance).
 */
function expectClose(label: string, actual: Actual, expected: Expected, floor = FLOOR): void {
  const a = flatten(actual), e = flatten(expected);
  if (e.shape.length === 2 && a.shape.length === 2)
    expect.soft(a.shape, `${label}: shape`).toEqual(e.shape);
  expect.soft(a.values.length, `${label}: element count`).toBe(e.values.length);
  if (a.values.length !== e.values.length) return;
  const m = e.values.reduce((s, v) => Math.max(s, Math.abs(v)), 0);
  let worst = 0, at = -1;
  for (let i = 0; i < e.values.length; i++) {
    const tol = RTOL * Math.max(Math.abs(e.values[i]), floor * m);
    const err = Math.abs(a.values[i] - e.values[i]);
    // NaN and ±Infinity must fail: compare with !(<=)
    const r = err === 0 ? 0 : !(err <= tol) && tol === 0 ? Infinity : err / tol;
    if (!(r <= worst)) (worst = Number.isNaN(r) ? Infinity : r), (at = i);
  }
  const detail = at < 0 ? '' : ` worst at flat index ${at}: actual ${a.values[at]}, expected ${e.values[at]}, |diff| ${Math.abs(a.values[at] - e.values[at]).toExponential(3)}`;
  expect.soft(worst, `${label}: max normalized error ${worst.toPrecision(3)} (tolerance 1)${detail}`).toBeLessThanOrEqual(1);
}

const flat = (m: Mat): number[] => m.flat();
const regs = (hp: DenseHp) => ({
  weightRegularizerL1: hp.weightRegularizerL1,
  weightRegularizerL2: hp.weightRegularizerL2,
  biasRegularizerL1: hp.biasRegularizerL1,
  biasRegularizerL2: hp.biasRegularizerL2,
});

// ---- the cases, on both backends ---------------------------------------------------------------

describe.each(['js', 'wasm'] as const)('parity with the nnfs book (%s backend)', (backendName) => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await createBackend(backendName, { seed: 0 });
  });
  const L = (s: string) => `[${backendName}] ${s}`;

  function dense(hp: DenseHp, p: Params): LayerDense {
    const d = new LayerDense(hp.nInputs, hp.nNeurons, { ...regs(hp), backend });
    d.setParameters(p.weights, p.biases);
    return d;
  }

  it('dense → ReLU → dropout → dense → softmax + CCE: forward, losses, every gradient', () => {
    const c = C.dense_relu_dropout_softmax_cce, hp = c.hyperparameters, I = c.inputs, E = c.expected;
    const dense1 = dense(hp.dense1, I.dense1);
    const relu = new ActivationReLU({ backend });
    const dropout = new LayerDropout(hp.dropout.rate, { backend });
    const dense2 = dense(hp.dense2, I.dense2);
    const lossActivation = new ActivationSoftmaxLossCategoricalCrossentropy({ backend });

    dense1.forward(I.X);
    expectClose(L('dense1.output'), dense1.output, E.forward.dense1Output);
    relu.forward(dense1.output);
    expectClose(L('relu.output'), relu.output, E.forward.reluOutput);
    dropout.forward(relu.output, true, I.dropout.binaryMask);
    expectClose(L('dropout.binaryMask'), dropout.binaryMask, I.dropout.binaryMask);
    expectClose(L('dropout.output'), dropout.output, E.forward.dropoutOutput);
    dense2.forward(dropout.output);
    expectClose(L('dense2.output'), dense2.output, E.forward.dense2Output);
    const dataLoss = lossActivation.forward(dense2.output, I.ySparse);
    expectClose(L('softmax output'), lossActivation.output, E.forward.softmaxOutput);
    expectClose(L('data loss (sparse labels)'), dataLoss, E.loss.dataLossSparse);
    const reg1 = lossActivation.loss.regularizationLoss(dense1);
    const reg2 = lossActivation.loss.regularizationLoss(dense2);
    expectClose(L('regularization loss dense1 (L1+L2 on weights and biases)'), reg1, E.loss.regularizationLossDense1);
    expectClose(L('regularization loss dense2 (none)'), reg2, E.loss.regularizationLossDense2);
    expectClose(L('total loss'), dataLoss + reg1 + reg2, E.loss.totalLoss);

    lossActivation.backward(lossActivation.output, I.ySparse);
    expectClose(L('softmax+CCE dinputs (sparse)'), lossActivation.dinputs, E.backward.lossActivationDinputs);
    dense2.backward(lossActivation.dinputs);
    expectClose(L('dense2.dweights'), dense2.dweights, E.backward.dense2.dweights);
    expectClose(L('dense2.dbiases'), dense2.dbiases, E.backward.dense2.dbiases);
    expectClose(L('dense2.dinputs'), dense2.dinputs, E.backward.dense2.dinputs);
    dropout.backward(dense2.dinputs);
    expectClose(L('dropout.dinputs'), dropout.dinputs, E.backward.dropoutDinputs);
    relu.backward(dropout.dinputs);
    expectClose(L('relu.dinputs'), relu.dinputs, E.backward.reluDinputs);
    dense1.backward(relu.dinputs);
    expectClose(L('dense1.dweights (with L1/L2 terms)'), dense1.dweights, E.backward.dense1.dweights);
    expectClose(L('dense1.dbiases (with L1/L2 terms)'), dense1.dbiases, E.backward.dense1.dbiases);
    expectClose(L('dense1.dinputs'), dense1.dinputs, E.backward.dense1.dinputs);

    // one-hot labels through the combined object
    const lossActivationOneHot = new ActivationSoftmaxLossCategoricalCrossentropy({ backend });
    expectClose(L('data loss (one-hot labels)'), lossActivationOneHot.forward(dense2.output, I.yOneHot), E.loss.dataLossOneHot);
    lossActivationOneHot.backward(lossActivationOneHot.output, I.yOneHot);
    expectClose(L('softmax+CCE dinputs (one-hot)'), lossActivationOneHot.dinputs, E.backward.lossActivationDinputsOneHot);

    // the separate path: Activation_Softmax.backward(Loss_CategoricalCrossentropy.backward(...))
    for (const [kind, y] of [['sparse', I.ySparse], ['oneHot', I.yOneHot]] as const) {
      const softmax = new ActivationSoftmax({ backend });
      const loss = new LossCategoricalCrossentropy({ backend });
      softmax.forward(dense2.output);
      loss.backward(softmax.output, y);
      expectClose(L(`CCE.backward dinputs (${kind})`), loss.dinputs, E.separatePath[kind].lossDinputs);
      softmax.backward(loss.dinputs);
      expectClose(L(`softmax Jacobian backward dinputs (${kind})`), softmax.dinputs, E.separatePath[kind].softmaxDinputs);
      // the book's point: the separate path equals the combined gradient
      expectClose(L(`separate path = combined (${kind})`), softmax.dinputs, E.backward.lossActivationDinputs);
    }
  });

  function regressionOrBinary(
    c: NetCase,
    makeActivation: () => ActivationSigmoid | ActivationLinear,
    loss: Loss,
    names: { out: string; act: string },
  ): void {
    const hp = c.hyperparameters, I = c.inputs, E = c.expected;
    const dense1 = dense(hp.dense1, I.dense1);
    const relu = new ActivationReLU({ backend });
    const dense2 = dense(hp.dense2, I.dense2);
    const act = makeActivation();

    dense1.forward(I.X);
    expectClose(L('dense1.output'), dense1.output, E.forward.dense1Output);
    relu.forward(dense1.output);
    expectClose(L('relu.output'), relu.output, E.forward.reluOutput);
    dense2.forward(relu.output);
    expectClose(L('dense2.output'), dense2.output, E.forward.dense2Output);
    act.forward(dense2.output);
    expectClose(L(`${act}.output`), act.output, E.forward[names.out]);
    const dataLoss = loss.calculate(act.output, I.y);
    expectClose(L(`${loss} data loss`), dataLoss, E.loss.dataLoss);
    if (E.loss.regularizationLossDense1 !== undefined) {
      const reg1 = loss.regularizationLoss(dense1), reg2 = loss.regularizationLoss(dense2);
      expectClose(L('regularization loss dense1 (L2)'), reg1, E.loss.regularizationLossDense1);
      expectClose(L('regularization loss dense2 (none)'), reg2, E.loss.regularizationLossDense2!);
      expectClose(L('total loss'), dataLoss + reg1 + reg2, E.loss.totalLoss!);
    }

    loss.backward(act.output, I.y);
    expectClose(L(`${loss}.dinputs`), loss.dinputs, E.backward.lossDinputs);
    act.backward(loss.dinputs);
    expectClose(L(`${act}.dinputs`), act.dinputs, E.backward[names.act]);
    dense2.backward(act.dinputs);
    expectClose(L('dense2.dweights'), dense2.dweights, E.backward.dense2.dweights);
    expectClose(L('dense2.dbiases'), dense2.dbiases, E.backward.dense2.dbiases);
    expectClose(L('dense2.dinputs'), dense2.dinputs, E.backward.dense2.dinputs);
    relu.backward(dense2.dinputs);
    expectClose(L('relu.dinputs'), relu.dinputs, E.backward.reluDinputs);
    dense1.backward(relu.dinputs);
    expectClose(L('dense1.dweights'), dense1.dweights, E.backward.dense1.dweights);
    expectClose(L('dense1.dbiases'), dense1.dbiases, E.backward.dense1.dbiases);
    expectClose(L('dense1.dinputs'), dense1.dinputs, E.backward.dense1.dinputs);
  }

  it('chapter 16: dense → ReLU → dense → sigmoid + binary cross-entropy (L2 on dense1)', () => {
    regressionOrBinary(C.sigmoid_bce, () => new ActivationSigmoid({ backend }), new LossBinaryCrossentropy({ backend }), {
      out: 'sigmoidOutput',
      act: 'sigmoidDinputs',
    });
  });

  it('chapter 17: dense → ReLU → dense → linear + mean squared error', () => {
    regressionOrBinary(C.linear_mse, () => new ActivationLinear({ backend }), new LossMeanSquaredError({ backend }), {
      out: 'linearOutput',
      act: 'linearDinputs',
    });
  });

  // nnwasm uses the true MAE derivative, sign(y_pred - y_true) / outputs / samples; the book prints
  // the opposite sign (an erratum that would climb the loss). The fixture holds both.
  it('chapter 17: dense → ReLU → dense → linear + mean absolute error (the true gradient)', () => {
    regressionOrBinary(C.linear_mae_true_gradient, () => new ActivationLinear({ backend }), new LossMeanAbsoluteError({ backend }), {
      out: 'linearOutput',
      act: 'linearDinputs',
    });
  });

  describe('optimizers on fixed gradients (the same dweights/dbiases at every step)', () => {
    const c = C.optimizers;
    const makers: Record<keyof OptimizersCase['optimizers'], (hp: Record<string, number>) => Optimizer> = {
      sgd: (hp) => new OptimizerSGD({ ...hp, backend }),
      sgdMomentum: (hp) => new OptimizerSGD({ ...hp, backend }),
      adagrad: (hp) => new OptimizerAdagrad({ ...hp, backend }),
      rmsprop: (hp) => new OptimizerRMSprop({ ...hp, backend }),
      adam: (hp) => new OptimizerAdam({ ...hp, backend }),
    };
    it.each(Object.keys(makers) as (keyof OptimizersCase['optimizers'])[])('%s', (name) => {
      const { hyperparameters, afterStep } = c.optimizers[name];
      const optimizer = makers[name](hyperparameters);
      const layer = new LayerDense(c.inputs.weights.length, c.inputs.weights[0].length, { backend });
      layer.setParameters(c.inputs.weights, c.inputs.biases);
      expect(afterStep.length).toBe(c.steps);
      for (let s = 0; s < c.steps; s++) {
        layer.dweights.data.set(flat(c.inputs.dweights));
        layer.dbiases.data.set(flat(c.inputs.dbiases));
        optimizer.preUpdateParams();
        optimizer.updateParams(layer);
        optimizer.postUpdateParams();
        const e = afterStep[s];
        expectClose(L(`${name} step ${s + 1} currentLearningRate`), optimizer.currentLearningRate, e.currentLearningRate);
        expect.soft(optimizer.iterations, L(`${name} step ${s + 1} iterations`)).toBe(e.iterations);
        expectClose(L(`${name} step ${s + 1} weights`), layer.weights, e.weights);
        expectClose(L(`${name} step ${s + 1} biases`), layer.biases, e.biases);
      }
    });
  });

  it('a 3-step Adam training loop (dense → ReLU → dense, softmax + CCE, L2 on dense1)', () => {
    const c = C.optimizers_train, hp = c.hyperparameters, I = c.inputs;
    const dense1 = dense(hp.dense1, I.dense1);
    const relu = new ActivationReLU({ backend });
    const dense2 = dense(hp.dense2, I.dense2);
    const lossActivation = new ActivationSoftmaxLossCategoricalCrossentropy({ backend });
    const o = hp.optimizer;
    expect(o.type).toBe('adam');
    const optimizer = new OptimizerAdam({
      learningRate: o.learningRate as number,
      decay: o.decay as number,
      epsilon: o.epsilon as number,
      beta1: o.beta1 as number,
      beta2: o.beta2 as number,
      backend,
    });
    expect(c.afterStep.length).toBe(c.steps);
    for (let s = 0; s < c.steps; s++) {
      const e = c.afterStep[s];
      dense1.forward(I.X);
      relu.forward(dense1.output);
      dense2.forward(relu.output);
      const dataLoss = lossActivation.forward(dense2.output, I.ySparse);
      const reg = lossActivation.loss.regularizationLoss(dense1) + lossActivation.loss.regularizationLoss(dense2);
      expectClose(L(`step ${s + 1} data loss`), dataLoss, e.dataLoss);
      expectClose(L(`step ${s + 1} regularization loss`), reg, e.regularizationLoss);
      lossActivation.backward(lossActivation.output, I.ySparse);
      dense2.backward(lossActivation.dinputs);
      relu.backward(dense2.dinputs);
      dense1.backward(relu.dinputs);
      optimizer.preUpdateParams();
      optimizer.updateParams(dense1);
      optimizer.updateParams(dense2);
      optimizer.postUpdateParams();
      expectClose(L(`step ${s + 1} currentLearningRate`), optimizer.currentLearningRate, e.currentLearningRate);
      expect.soft(optimizer.iterations, L(`step ${s + 1} iterations`)).toBe(e.iterations);
      expectClose(L(`step ${s + 1} dense1.weights`), dense1.weights, e.dense1.weights);
      expectClose(L(`step ${s + 1} dense1.biases`), dense1.biases, e.dense1.biases);
      expectClose(L(`step ${s + 1} dense2.weights`), dense2.weights, e.dense2.weights);
      expectClose(L(`step ${s + 1} dense2.biases`), dense2.biases, e.dense2.biases);
    }
  });

  describe('standalone activations and losses (7×3: several outputs per sample)', () => {
    const I = C.units.inputs, E = C.units.expected;

    it('ReLU (exact 0 and -0 inputs get a zero gradient), softmax (Jacobian), sigmoid, linear', () => {
      const layers = {
        relu: [new ActivationReLU({ backend }), I.reluInputs],
        softmax: [new ActivationSoftmax({ backend }), I.logits],
        sigmoid: [new ActivationSigmoid({ backend }), I.logits],
        linear: [new ActivationLinear({ backend }), I.logits],
      } as const;
      for (const [name, [layer, x]] of Object.entries(layers) as [keyof typeof layers, (typeof layers)[keyof typeof layers]][]) {
        layer.forward(x);
        expectClose(L(`${name} output`), layer.output, E[name].output);
        layer.backward(I.dvalues);
        expectClose(L(`${name} dinputs`), layer.dinputs, E[name].dinputs);
      }
    });

    const lossCase = (key: keyof UnitsCase['expected'], make: () => Loss, pred: Mat, y: Mat | Vec, withBackward: boolean) => {
      const e = E[key] as LossBlock;
      const floor = key.endsWith(fixtures.meta.tolerance.floorZeroForKeysEndingWith) ? 0 : FLOOR;
      const loss = make();
      expectClose(L(`${key} data loss`), loss.calculate(pred, y), e.dataLoss, floor);
      if (withBackward) {
        loss.backward(pred, y);
        expectClose(L(`${key} dinputs`), loss.dinputs, e.dinputs!, floor);
      }
    };
    it('binary cross-entropy (gradient divided by outputs and samples)', () =>
      lossCase('binaryCrossentropy', () => new LossBinaryCrossentropy({ backend }), I.probs, I.binaryTargets, true));
    it('binary cross-entropy at the clip bounds (predictions exactly 0 and 1)', () =>
      lossCase('binaryCrossentropyClipped', () => new LossBinaryCrossentropy({ backend }), I.probsClipped, I.binaryTargets, true));
    it('mean squared error', () =>
      lossCase('meanSquaredError', () => new LossMeanSquaredError({ backend }), I.regressionPredictions, I.regressionTargets, true));
    it('mean absolute error (the true gradient, not the book erratum)', () =>
      lossCase('meanAbsoluteErrorTrueGradient', () => new LossMeanAbsoluteError({ backend }), I.regressionPredictions, I.regressionTargets, true));
    it('categorical cross-entropy, sparse and one-hot labels', () => {
      lossCase('categoricalCrossentropySparse', () => new LossCategoricalCrossentropy({ backend }), I.cceProbs, I.ySparse, true);
      lossCase('categoricalCrossentropyOneHot', () => new LossCategoricalCrossentropy({ backend }), I.cceProbs, I.yOneHot, true);
    });
    it('categorical cross-entropy loss with a 0 confidence (clipped to 1e-7)', () => {
      lossCase('categoricalCrossentropySparseClipped', () => new LossCategoricalCrossentropy({ backend }), I.cceProbsClipped, I.ySparse, false);
      lossCase('categoricalCrossentropyOneHotClipped', () => new LossCategoricalCrossentropy({ backend }), I.cceProbsClipped, I.yOneHot, false);
    });
  });
});
