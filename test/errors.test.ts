/**
 * Bad input gets an Error of the right class (ShapeError, ValueError, TrainingDivergedError) whose
 * message names the layer / loss / model method and the shapes or values involved, and a rejected
 * call changes nothing: parameters, the state a later backward() relies on, and allocated memory
 * are as they were before the call.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import {
  LayerDense, LayerDropout, ActivationReLU, ActivationSoftmax, ActivationLinear, Model,
  LossCategoricalCrossentropy, LossBinaryCrossentropy, LossMeanSquaredError, OptimizerSGD, spiralData,
  ShapeError, ValueError, TrainingDivergedError, NnwasmError, type Backend,
} from '../src/index.ts';
import { backends, getTestBackend, expectSame } from './helpers.ts';

/** run f, expect it to throw an instance of `cls`, return the error */
function thrown<E extends Error>(f: () => unknown, cls: new (...args: never[]) => E): E {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a throw').toBeInstanceOf(cls);
  return err as E;
}

describe.each(backends())('errors on the %s backend', (name) => {
  let be: Backend;
  beforeAll(async () => {
    be = await getTestBackend(name);
  });

  const X4x2 = [[1, 2], [3, -4], [0.5, 6], [-7, 8]];
  const D4x4 = [[1, 0, 0, 2], [0, 1, 0, 0], [0, 3, 1, 0], [0, 0, 0, 1]];
  /** a LayerDense(2, 4) after forward(X4x2), backward(D4x4), with its gradients */
  const trained = () => {
    const d = new LayerDense(2, 4, { backend: be });
    d.forward(X4x2);
    d.backward(D4x4);
    return { d, dweights: d.dweights.toFloat32Array(), output: d.output.toFloat32Array() };
  };

  describe('LayerDense', () => {
    it('forward with the wrong number of columns: ShapeError naming the layer and both shapes', () => {
      const d = new LayerDense(2, 4, { backend: be });
      const e = thrown(() => d.forward([[1, 2, 3, 4, 5], [1, 2, 3, 4, 5], [1, 2, 3, 4, 5]]), ShapeError);
      expect(e.message).toContain('LayerDense(2, 4)');
      expect(e.message).toContain('3×5');
      // the other shape: what the layer expected (3×2 inputs) or its weights (2×4)
      expect(e.message).toMatch(/3×2|2×4/);
      d.dispose();
    });

    it('the same for a Tensor input', () => {
      const d = new LayerDense(2, 4, { backend: be });
      const t = be.tensor(3, 5);
      t.data.fill(1);
      const e = thrown(() => d.forward(t), ShapeError);
      expect(e.message).toContain('LayerDense(2, 4)');
      expect(e.message).toContain('3×5');
      t.dispose();
      d.dispose();
    });

    it('a rejected forward (wrong columns) leaves the layer as it was: backward gives the same gradients', () => {
      const { d, dweights, output } = trained();
      thrown(() => d.forward([[1, 2, 3, 4, 5], [1, 2, 3, 4, 5], [1, 2, 3, 4, 5]]), ShapeError);
      expect(d.inputs.shape).toEqual([4, 2]);
      expectSame(d.inputs.data, X4x2.flat(), 'inputs kept');
      expectSame(d.output.data, output, 'output kept');
      d.backward(D4x4);
      expectSame(d.dweights.data, dweights, 'dweights after the rejected forward');
      d.dispose();
    });

    it('NaN and Infinity in inputs: ValueError naming the layer, the row and the column', () => {
      const d = new LayerDense(2, 4, { backend: be });
      const a = thrown(() => d.forward([[1, 2], [3, NaN], [5, 6]]), ValueError);
      expect(a.message).toContain('LayerDense(2, 4)');
      expect(a.message).toMatch(/NaN at row 1, column 1/);
      const b = thrown(() => d.forward([[1, 2], [3, 4], [-Infinity, 6]]), ValueError);
      expect(b.message).toMatch(/-Infinity at row 2, column 0/);
      const c = thrown(() => d.forward([[Infinity, 2]]), ValueError);
      expect(c.message).toMatch(/Infinity at row 0, column 0/);
      d.dispose();
    });

    it('a rejected forward (NaN in inputs) leaves the layer as it was: backward gives the same gradients', () => {
      const { d, dweights } = trained();
      thrown(() => d.forward([[1, 2], [3, 4], [5, NaN], [7, 8]]), ValueError);
      expectSame(d.inputs.data, X4x2.flat(), 'inputs kept');
      d.backward(D4x4);
      expectSame(d.dweights.data, dweights, 'dweights after the rejected forward');
      d.dispose();
    });

    it('setParameters with the wrong shape: ShapeError, parameters unchanged, no memory kept', () => {
      const d = new LayerDense(2, 4, { backend: be });
      d.setParameters([[1, 2, 3, 4], [5, 6, 7, 8]], [0.1, 0.2, 0.3, 0.4]);
      const before = d.getParameters();
      const live = be.arena.liveBytes;
      const cases: [string, () => void, RegExp][] = [
        ['weights 4×2', () => d.setParameters([[1, 2], [3, 4], [5, 6], [7, 8]], [9, 9, 9, 9]), /weights must be 2×4, got 4×2/],
        ['weights of 7 values', () => d.setParameters(new Float32Array(7), [9, 9, 9, 9]), /weights must be 2×4/],
        ['biases of 3 values (weights fine)', () => d.setParameters(new Float32Array(8).fill(9), [9, 9, 9]), /biases must be 1×4, got 1×3/],
        ['biases 2×4 (weights fine)', () => d.setParameters(new Float32Array(8).fill(9), [[9, 9, 9, 9], [9, 9, 9, 9]]), /biases must be 1×4, got 2×4/],
      ];
      for (const [what, f, msg] of cases) {
        const e = thrown(f, ShapeError);
        expect(e.message, what).toContain('LayerDense(2, 4).setParameters');
        expect(e.message, what).toMatch(msg);
        const now = d.getParameters();
        expectSame(now.weights, before.weights, `${what}: weights`);
        expectSame(now.biases, before.biases, `${what}: biases`);
        expect(be.arena.liveBytes, `${what}: bytes still allocated`).toBe(live);
      }
      d.dispose();
    });

    it('constructor arguments are checked', () => {
      expect(thrown(() => new LayerDense(0, 4, { backend: be }), ValueError).message).toMatch(/nInputs must be a positive integer, got 0/);
      expect(thrown(() => new LayerDense(2, 1.5, { backend: be }), ValueError).message).toMatch(/nNeurons must be a positive integer, got 1.5/);
      expect(thrown(() => new LayerDense(2, 4, { backend: be, weightRegularizerL2: -1 }), ValueError).message).toMatch(/LayerDense\(2, 4\): weightRegularizerL2 .* got -1/);
    });

    it('backward with dvalues of the wrong shape: ShapeError naming both shapes', () => {
      const { d } = trained();
      const e = thrown(() => d.backward([[1, 2, 3, 4]]), ShapeError);
      expect(e.message).toContain('LayerDense(2, 4).backward');
      expect(e.message).toContain('1×4');
      expect(e.message).toContain('4×4');
      d.dispose();
    });
  });

  describe('LayerDropout', () => {
    it.each([-0.1, 1, NaN, '0.5', 1.5, Infinity])('rate %s is rejected with a ValueError', (rate) => {
      const e = thrown(() => new LayerDropout(rate as number, { backend: be }), ValueError);
      expect(e.message).toContain('LayerDropout');
      expect(e.message).toContain('[0, 1)');
      expect(e.message).toContain(String(rate));
    });

    it('the string "0.5" is rejected, not coerced', () => {
      // a distinct check: the message must not look like a valid rate was refused
      const e = thrown(() => new LayerDropout('0.5' as unknown as number, { backend: be }), ValueError);
      expect(e.message).toMatch(/string|"0\.5"|'0\.5'/);
    });

    it('a mask of the wrong shape: ShapeError, and the layer keeps its last forward pass', () => {
      const d = new LayerDropout(0.5, { backend: be });
      d.forward([[1, 2], [3, 4]], true, [[2, 0], [0, 2]]);
      const e = thrown(() => d.forward([[1, 2, 3]], true, [[2, 0]]), ShapeError);
      expect(e.message).toContain('LayerDropout(0.5)');
      expect(e.message).toContain('1×2');
      expect(e.message).toContain('1×3');
      d.backward([[1, 1], [1, 1]]);
      expectSame(d.dinputs.data, [2, 0, 0, 2], 'dinputs with the last good mask');
      d.dispose();
    });
  });

  describe('labels', () => {
    const P = [[0.2, 0.3, 0.5], [0.1, 0.1, 0.8], [0.6, 0.2, 0.2]];

    it.each([[3, 1], [-1, 0], [1.5, 2]])('LossCategoricalCrossentropy.calculate: label %s at row %s of 3 classes', (bad, row) => {
      const loss = new LossCategoricalCrossentropy({ backend: be });
      const labels = [0, 1, 2];
      labels[row] = bad;
      const e = thrown(() => loss.calculate(P, labels), ValueError);
      expect(e.message).toContain('LossCategoricalCrossentropy.calculate');
      expect(e.message).toContain(`label ${bad} at row ${row}`);
      expect(e.message).toContain('3 classes');
      // and the loss still works on good labels afterwards
      expect(loss.calculate(P, [2, 2, 0])).toBeCloseTo(-(Math.log(0.5) + Math.log(0.8) + Math.log(0.6)) / 3, 5);
      loss.dispose();
    });

    it('LossCategoricalCrossentropy: labels that match neither n indices nor n×classes one-hot rows', () => {
      const loss = new LossCategoricalCrossentropy({ backend: be });
      const e = thrown(() => loss.calculate(P, [0, 1]), ShapeError);
      expect(e.message).toContain('2×1');
      expect(e.message).toContain('3×3');
      expect(thrown(() => loss.calculate(P, [[1, 0], [0, 1], [1, 0]]), ShapeError).message).toContain('3×2');
      loss.dispose();
    });

    it('LossBinaryCrossentropy: targets outside [0, 1]', () => {
      const loss = new LossBinaryCrossentropy({ backend: be });
      const a = thrown(() => loss.calculate([[0.5, 0.5], [0.5, 0.5]], [[0, 1], [1.5, 0]]), ValueError);
      expect(a.message).toContain('LossBinaryCrossentropy.calculate');
      expect(a.message).toMatch(/1\.5 at row 1, column 0 is outside \[0, 1\]/);
      const b = thrown(() => loss.calculate([[0.5], [0.5]], [[1], [-0.5]]), ValueError);
      expect(b.message).toMatch(/-0\.5 at row 1, column 0/);
      thrown(() => loss.backward([[0.5], [0.5]], [[2], [0]]), ValueError);
      loss.dispose();
    });

    it('NaN in predictions or labels names the row and column', () => {
      const loss = new LossMeanSquaredError({ backend: be });
      expect(thrown(() => loss.calculate([[1, 2], [3, NaN]], [[1, 2], [3, 4]]), ValueError).message).toMatch(/predictions: NaN at row 1, column 1/);
      expect(thrown(() => loss.calculate([[1, 2], [3, 4]], [[1, Infinity], [3, 4]]), ValueError).message).toMatch(/Infinity at row 0, column 1/);
      loss.dispose();
    });
  });

  describe('Model', () => {
    const data = spiralData(20, 3, 1);
    const build = (lr = 0.1) =>
      new Model({ backend: be })
        .add(new LayerDense(2, 8, { backend: be }))
        .add(new ActivationReLU({ backend: be }))
        .add(new LayerDense(8, 3, { backend: be }))
        .add(new ActivationSoftmax({ backend: be }))
        .compile({ loss: new LossCategoricalCrossentropy({ backend: be }), optimizer: new OptimizerSGD({ learningRate: lr, backend: be }) });
    const weightsOf = (m: Model) => m.layers.filter((l): l is LayerDense => l instanceof LayerDense).flatMap((l) => [l.weights.toFloat32Array(), l.biases.toFloat32Array()]);
    const expectUnchanged = (m: Model, before: Float32Array[], what: string) => weightsOf(m).forEach((w, i) => expectSame(w, before[i], `${what}: parameter tensor ${i}`));

    it.each([[3, 5], [-1, 0], [1.5, 59]])('fit with label %s at row %s: ValueError, no step taken', (bad, row) => {
      const m = build();
      const before = weightsOf(m);
      const y = Array.from(data.y);
      y[row] = bad;
      const e = thrown(() => m.fit(data.X, y, { epochs: 2 }), ValueError);
      expect(e.message).toContain('Model.fit');
      expect(e.message).toContain(`label ${bad} at row ${row}`);
      expect(e.message).toContain('3 classes');
      expectUnchanged(m, before, 'after the rejected fit');
      m.dispose();
    });

    it('fit with NaN or Infinity in X: ValueError naming the row and column, no step taken', () => {
      const m = build();
      const before = weightsOf(m);
      const X = data.X.toArray();
      X[17][1] = NaN;
      expect(thrown(() => m.fit(X, data.y), ValueError).message).toMatch(/Model\.fit X.*NaN at row 17, column 1/);
      X[17][1] = 0;
      X[4][0] = -Infinity;
      expect(thrown(() => m.fit(X, data.y), ValueError).message).toMatch(/-Infinity at row 4, column 0/);
      expectUnchanged(m, before, 'after the rejected fits');
      m.dispose();
    });

    it('fit with X and y of different sample counts: ShapeError naming both counts', () => {
      const m = build();
      const before = weightsOf(m);
      const e = thrown(() => m.fit(data.X, Array.from(data.y).slice(1)), ShapeError);
      expect(e.message).toContain('Model.fit');
      expect(e.message).toContain('60 samples');
      expect(e.message).toContain('59 labels');
      expect(e.message, 'no made-up shape like 59×0').not.toMatch(/×0\b/);
      const v = thrown(() => m.fit(data.X, data.y, { validationData: [data.X, Array.from(data.y).slice(0, 10)] }), ShapeError);
      expect(v.message).toContain('60 samples');
      expect(v.message).toContain('10 labels');
      expectUnchanged(m, before, 'after the rejected fits');
      m.dispose();
    });

    it('fit with X of the wrong width names X\'s shape and the first layer', () => {
      const m = build();
      const e = thrown(() => m.fit([[1, 2, 3]], [0]), ShapeError);
      expect(e.message).toContain('1×3');
      expect(e.message).toContain('LayerDense(2, 8)');
      m.dispose();
    });

    it('compile with mismatched layer widths: ShapeError naming both layers', () => {
      const m = new Model({ backend: be }).add(new LayerDense(2, 8, { backend: be })).add(new ActivationReLU({ backend: be })).add(new LayerDense(7, 3, { backend: be }));
      const e = thrown(() => m.compile({ loss: new LossCategoricalCrossentropy({ backend: be }), optimizer: new OptimizerSGD({ backend: be }) }), ShapeError);
      expect(e.message).toContain('Model.compile');
      expect(e.message).toContain('LayerDense(7, 3)');
      expect(e.message).toContain('LayerDense(2, 8)');
      expect(e.message).toMatch(/\b7\b[^]*\b8\b/);
      m.dispose();
    });

    it('methods before compile throw an NnwasmError that says to compile', () => {
      const m = new Model({ backend: be }).add(new LayerDense(2, 3, { backend: be }));
      expect(thrown(() => m.fit([[1, 2]], [0]), NnwasmError).message).toMatch(/compile/);
      expect(thrown(() => m.predict([[1, 2]]), NnwasmError).message).toMatch(/compile/);
      m.dispose();
    });

    it('divergence (SGD lr 1e30): TrainingDivergedError, and the weights are the finite ones of the last completed epoch', () => {
      const m = build(1e30);
      let last: Float32Array[] = weightsOf(m);
      let completed = 0;
      const e = thrown(() => m.fit(data.X, data.y, { epochs: 50, onEpochEnd: (l) => void ((last = weightsOf(m)), (completed = l.epoch)) }), TrainingDivergedError);
      expect(e.message).toMatch(/training diverged at epoch \d+, step \d+/);
      expect(e.epoch).toBe(completed + 1);
      const now = weightsOf(m);
      for (const w of now) expect(w.every(Number.isFinite), 'weights finite').toBe(true);
      now.forEach((w, i) => expectSame(w, last[i], `parameter tensor ${i} = the last good one`));
      m.dispose();
    });

    it('an update that overflows although the gradients are finite (SGD lr 1e30, MSE, targets 1e9): TrainingDivergedError, weights finite', () => {
      for (const epochs of [1, 2]) {
        const d = new LayerDense(1, 1, { backend: be });
        const m = new Model({ backend: be }).add(d).add(new ActivationLinear({ backend: be }))
          .compile({ loss: new LossMeanSquaredError({ backend: be }), optimizer: new OptimizerSGD({ learningRate: 1e30, backend: be }) });
        const e = thrown(() => m.fit([[1], [2]], [[1e9], [2e9]], { epochs }), TrainingDivergedError);
        expect(e.message, `epochs ${epochs}`).toMatch(/diverged/);
        expect([...d.weights.data, ...d.biases.data].every(Number.isFinite), `epochs ${epochs}: weights and biases finite`).toBe(true);
        m.dispose();
      }
    });
  });
});
