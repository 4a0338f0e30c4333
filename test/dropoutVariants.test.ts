/**
 * The dropout family's layers: the statistics of each noise, each variant's own rules (exact
 * counts, schedules, per-unit rates, the learned rate), reproducibility and identity across
 * backends, bad input, save/load configs, and flat memory in training.
 *
 * Statistical bounds are 3σ of the ideal process (or the χ² / KS quantile named). The draws are a
 * fixed function of the seeds used, so these tests cannot flake; they can fail if a noise has the
 * wrong rate, mean, variance or shape.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import {
  Model, LayerDense, LayerDropout, LayerExactDropout, LayerGaussianDropout, LayerAlphaDropout, LayerScheduledDropout,
  LayerConcreteDropout, LayerAdaptiveDropout, ActivationSELU, ActivationReLU, ActivationSoftmax, ActivationSigmoid,
  LossCategoricalCrossentropy, LossBinaryCrossentropy, OptimizerAdam, OptimizerSGD, ShapeError, ValueError, NnwasmError,
  ALPHA_PRIME, spiralData, type Backend, type BackendName, type Layer, type StochasticLayer, type Tensor,
} from '../src/index.ts';
import { createLayer, layerName } from '../src/layers/registry.ts';
import { backends, getTestBackend, freshBackend, expectClose, expectSame, testRng } from './helpers.ts';

const N = 1000;
const fr = Math.fround;
/** fraction of `values` satisfying `pred` */
const fraction = (values: ArrayLike<number>, pred: (v: number) => boolean) => {
  let k = 0;
  for (let i = 0; i < values.length; i++) if (pred(values[i])) k++;
  return k / values.length;
};
const moments = (v: ArrayLike<number>) => {
  let s = 0, s2 = 0, s4 = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  const mean = s / v.length;
  for (let i = 0; i < v.length; i++) (s2 += (v[i] - mean) ** 2), (s4 += (v[i] - mean) ** 4);
  return { mean, variance: s2 / v.length, m4: s4 / v.length };
};

describe.each(backends())('the dropout family on the %s backend', (name) => {
  let be: Backend;
  let ones: Tensor;
  beforeAll(async () => {
    be = await getTestBackend(name);
    ones = be.tensor(N, N);
    ones.data.fill(1);
  });

  describe('LayerDropout scaling down (the 2014 paper, MXDL\'s scale-down)', () => {
    it('training masks are 0 or 1 at the keep rate; inference multiplies by 1 − rate', () => {
      const d = new LayerDropout(0.3, { backend: be, scaling: 'down' });
      d.forward(ones, true);
      const mask = d.binaryMask.data;
      expect(mask.every((m) => m === 0 || m === 1)).toBe(true);
      const p = 0.7, sigma = Math.sqrt((p * (1 - p)) / mask.length);
      expect(Math.abs(fraction(mask, (m) => m === 1) - p)).toBeLessThanOrEqual(3 * sigma);
      const x = be.fromArray(Float32Array.from({ length: 12 }, (_, i) => i - 5.5), 3, 4);
      d.forward(x, false);
      expectSame(d.output.data, x.data.map((v) => v * fr(0.7)), 'inference output = x · (1 − rate)');
      expect(d.output).not.toBe(x);
      for (const t of [d, x]) t.dispose();
    });

    it('both scalings give the same expected output: E[training output] = inference output, 3σ over 10^6 units', () => {
      const v = 2.5, x = be.tensor(N, N);
      x.data.fill(v);
      for (const scaling of ['up', 'down'] as const) {
        const rate = 0.4, d = new LayerDropout(rate, { backend: be, scaling });
        d.forward(x, true);
        const mean = moments(d.output.data).mean;
        d.forward(x, false);
        const inference = d.output.data[0];
        const kept = scaling === 'up' ? fr(v * fr(1 / (1 - rate))) : v; // the value of a kept unit
        const sigma = kept * Math.sqrt((rate * (1 - rate)) / (N * N));
        expect(Math.abs(mean - inference), `${scaling}: mean training output ${mean} vs inference ${inference}`).toBeLessThanOrEqual(3 * sigma);
        expect(inference).toBeCloseTo(scaling === 'up' ? v : v * (1 - rate), 6);
        d.dispose();
      }
      x.dispose();
    });

    it('with the same seed, the two scalings draw the same masks: outputs differ by the factor 1/(1 − rate) exactly', async () => {
      const masks = await Promise.all((['up', 'down'] as const).map(async (scaling) => {
        const b = await freshBackend(name, 77);
        const d = new LayerDropout(0.25, { backend: b, scaling });
        const x = b.fromArray(Float32Array.from({ length: 600 }, (_, i) => Math.sin(i)), 20, 30);
        d.forward(x, true);
        return d.binaryMask.toFloat32Array();
      }));
      expectSame(masks[0], masks[1].map((m) => m * fr(1 / 0.75)), 'inverted mask = scale-down mask / (1 − rate)');
    });
  });

  describe('LayerExactDropout (neuralthreads\' dropout states)', () => {
    for (const [rate, cols, dropped] of [[1 / 3, 3, 1], [2 / 5, 5, 2], [0.5, 512, 256], [0.1, 7, 1], [0.9, 10, 9]] as const) {
      it(`rate ${rate.toFixed(3)} over ${cols} units: every sample drops exactly ${dropped}; kept units are 1/(1 − rate)`, () => {
        const rows = Math.ceil(20_000 / cols), d = new LayerExactDropout(rate, { backend: be });
        const x = be.tensor(rows, cols);
        x.data.fill(1);
        d.forward(x, true);
        const m = d.binaryMask.data, scale = fr(1 / (1 - rate));
        expect(d.droppedOf(cols)).toBe(dropped);
        for (let r = 0; r < rows; r++) {
          let zeros = 0;
          for (let j = 0; j < cols; j++) {
            const v = m[r * cols + j];
            if (v === 0) zeros++;
            else if (v !== scale) expect.unreachable(`mask value ${v}`);
          }
          if (zeros !== dropped) expect.unreachable(`row ${r} dropped ${zeros}, expected ${dropped}`);
        }
        for (const t of [d, x]) t.dispose();
      });
    }

    it('the dropped subset is uniform: 2 of 5 over 10^5 samples, χ² of the 10 subsets (9 dof) < 27.9 (p = 0.001), each unit within 3σ of 2/5', () => {
      const rows = 100_000, cols = 5, d = new LayerExactDropout(0.4, { backend: be });
      const x = be.tensor(rows, cols);
      x.data.fill(1);
      d.forward(x, true);
      const m = d.binaryMask.data, counts = new Map<number, number>(), perUnit = new Array(cols).fill(0);
      for (let r = 0; r < rows; r++) {
        let key = 0;
        for (let j = 0; j < cols; j++) if (m[r * cols + j] === 0) (key |= 1 << j), perUnit[j]++;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      expect(counts.size).toBe(10);
      const expected = rows / 10;
      const chi2 = [...counts.values()].reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
      expect(chi2).toBeLessThan(27.88);
      const sigma = Math.sqrt(rows * 0.4 * 0.6);
      for (const c of perUnit) expect(Math.abs(c - rows * 0.4)).toBeLessThanOrEqual(3 * sigma);
      for (const t of [d, x]) t.dispose();
    });

    it('consecutive passes shuffle the state again (the same sample draws a new subset)', () => {
      const d = new LayerExactDropout(0.5, { backend: be });
      const x = be.tensor(1000, 8);
      x.data.fill(1);
      d.forward(x, true);
      const first = d.binaryMask.toFloat32Array();
      d.forward(x, true);
      const second = d.binaryMask.data;
      let sameRows = 0;
      for (let r = 0; r < 1000; r++) if (first.subarray(r * 8, r * 8 + 8).every((v, j) => v === second[r * 8 + j])) sameRows++;
      // C(8, 4) = 70 states: the same state twice in a row has probability 1/70 (≈ 14 ± 3·3.7 of 1000)
      expect(sameRows).toBeLessThan(14 + 3 * 3.7);
      expect(sameRows).toBeGreaterThan(14 - 3 * 3.7);
      for (const t of [d, x]) t.dispose();
    });
  });

  describe('LayerGaussianDropout', () => {
    for (const rate of [0.1, 0.5, 0.8]) {
      it(`rate ${rate}: 10^6 noise values have mean 1 and variance rate/(1 − rate) = ${(rate / (1 - rate)).toFixed(3)} (3σ), and are normal (KS, 1%)`, () => {
        const d = new LayerGaussianDropout(rate, { backend: be });
        d.forward(ones, true);
        const noise = d.noise.data, n = noise.length, v = rate / (1 - rate);
        expectSame(d.output.data, noise, 'output = inputs (ones) · noise');
        const { mean, variance } = moments(noise);
        expect(Math.abs(mean - 1), `mean ${mean}`).toBeLessThanOrEqual(3 * Math.sqrt(v / n));
        expect(Math.abs(variance - v), `variance ${variance}`).toBeLessThanOrEqual(3 * v * Math.sqrt(2 / n));
        // Kolmogorov–Smirnov on a 10^5 subsample, against N(1, v) through the normal CDF's erf
        const sample = Float64Array.from({ length: 100_000 }, (_, i) => (noise[i * 10] - 1) / Math.sqrt(v)).sort();
        let ks = 0;
        sample.forEach((z, i) => {
          const p = 0.5 * (1 + erf(z / Math.SQRT2));
          ks = Math.max(ks, Math.abs(p - i / sample.length), Math.abs(p - (i + 1) / sample.length));
        });
        expect(ks, 'KS distance').toBeLessThan(1.63 / Math.sqrt(sample.length));
        d.dispose();
      });
    }

    it('rate 0 gives noise 1 exactly; inference passes inputs through', () => {
      const d = new LayerGaussianDropout(0, { backend: be });
      d.forward(ones, true);
      expect(d.noise.data.every((m) => m === 1)).toBe(true);
      const x = be.fromArray([1, 2, 3, 4], 2, 2);
      d.forward(x, false);
      expect(d.output).toBe(x);
      for (const t of [d, x]) t.dispose();
    });
  });

  describe('LayerAlphaDropout and SELU', () => {
    const rng = testRng(31);
    let gauss: Tensor;
    beforeAll(() => {
      gauss = be.fromArray(Float32Array.from({ length: N * N }, () => rng.normal()), N, N);
    });

    for (const rate of [0.05, 0.1, 0.3]) {
      it(`rate ${rate}: keeps mean 0 and variance 1 of standard-normal inputs (3σ, from the output's own fourth moment); drops at the rate`, () => {
        const d = new LayerAlphaDropout(rate, { backend: be });
        d.forward(gauss, true);
        const { mean, variance, m4 } = moments(d.output.data), n = N * N;
        expect(Math.abs(mean), `mean ${mean}`).toBeLessThanOrEqual(3 / Math.sqrt(n));
        expect(Math.abs(variance - 1), `variance ${variance}`).toBeLessThanOrEqual(3 * Math.sqrt((m4 - 1) / n));
        const dropped = fraction(d.mask.data, (m) => m === 0);
        expect(Math.abs(dropped - rate)).toBeLessThanOrEqual(3 * Math.sqrt((rate * (1 - rate)) / n));
        // dropped units hold a·α′ + b
        const i = d.mask.data.indexOf(0);
        expect(d.output.data[i]).toBe(d.dropped);
        expect(d.dropped).toBeCloseTo(d.a * ALPHA_PRIME + d.b, 6);
        // while plain dropout at the same rate would inflate the variance to 1/(1 − rate)
        const plain = new LayerDropout(rate, { backend: be });
        plain.forward(gauss, true);
        expect(moments(plain.output.data).variance).toBeGreaterThan(1 + 0.9 * (1 / (1 - rate) - 1));
        for (const t of [d, plain]) t.dispose();
      });
    }

    it('SELU maps N(0, 1) to mean 0, variance 1 (its fixed point), and alpha dropout after it keeps them (3σ)', () => {
      const selu = new ActivationSELU({ backend: be });
      selu.forward(gauss);
      const s = moments(selu.output.data), n = N * N;
      // the fixed point is exact for λ, α: E = 0, Var = 1 (Klambauer et al., eq. 14)
      expect(Math.abs(s.mean)).toBeLessThanOrEqual(3 * Math.sqrt(1 / n) * 1.1);
      expect(Math.abs(s.variance - 1)).toBeLessThanOrEqual(3 * Math.sqrt((s.m4 - 1) / n));
      const d = new LayerAlphaDropout(0.1, { backend: be });
      d.forward(selu.output, true);
      const a = moments(d.output.data);
      expect(Math.abs(a.mean)).toBeLessThanOrEqual(3 * Math.sqrt(1 / n) * 1.5);
      expect(Math.abs(a.variance - 1)).toBeLessThanOrEqual(3 * Math.sqrt((a.m4 - 1) / n) * 1.5);
      for (const t of [selu, d]) t.dispose();
    });

    it('SELU values: λx above 0, λα(eˣ − 1) below, saturating at −λα', () => {
      const selu = new ActivationSELU({ backend: be });
      selu.forward([[1, -1, 0, -30]]);
      expectClose(selu.output.data, [1.0507009873554805, 1.0507009873554805 * 1.6732632423543772 * (Math.exp(-1) - 1), 0, ALPHA_PRIME], 1e-6, 'selu');
      selu.dispose();
    });
  });

  describe('LayerScheduledDropout (curriculum dropout)', () => {
    it('the linear ramp is the seed\'s CurriculumDropout: final · min(1, (epoch − 1) / ramp), advanced by Model.fit', () => {
      const d = new LayerScheduledDropout(0.5, { backend: be });
      expect(d.rate).toBe(0);
      const model = new Model({ backend: be })
        .add(new LayerDense(2, 16, { backend: be })).add(new ActivationReLU({ backend: be })).add(d)
        .add(new LayerDense(16, 3, { backend: be })).add(new ActivationSoftmax({ backend: be }))
        .compile({ loss: new LossCategoricalCrossentropy({ backend: be }), optimizer: new OptimizerAdam({ backend: be }) });
      const data = spiralData(200, 3);
      const rates: number[] = [], kept: number[] = [];
      model.fit(data.X, data.y, { epochs: 5, onEpochEnd: () => void (rates.push(d.rate), kept.push(fraction(d.binaryMask.data, (m) => m !== 0))) });
      expect(rates).toEqual([1, 2, 3, 4, 5].map((epoch) => 0.5 * ((epoch - 1) / 5)));
      // the masks of each epoch dropped at that epoch's rate (9600 units per step)
      rates.forEach((r, i) => expect(Math.abs(kept[i] - (1 - r))).toBeLessThanOrEqual(3 * Math.sqrt((r * (1 - r)) / 9600) + 1e-12));
      // rampEpochs: the final rate is reached after that many epochs and kept
      const short = new LayerScheduledDropout(0.5, { backend: be, rampEpochs: 2 });
      expect([1, 2, 3, 10].map((e) => (short.onEpochBegin(e, 10), short.rate))).toEqual([0, 0.25, 0.5, 0.5]);
      model.dispose();
      short.dispose();
    });

    it('a schedule function sets every rate; a rate outside [0, 1) is a ValueError that keeps the current rate', () => {
      const d = new LayerScheduledDropout((epoch) => (epoch <= 3 ? 0.1 : epoch === 6 ? 1 : 0.3), { backend: be });
      expect(d.rate).toBe(0.1);
      d.onEpochBegin(4, 6);
      expect(d.rate).toBe(0.3);
      expect(() => d.onEpochBegin(6, 6)).toThrow(ValueError);
      expect(() => d.onEpochBegin(6, 6)).toThrow(/gave 1 for epoch 6 of 6/);
      expect(d.rate).toBe(0.3);
      expect(() => d.getConfig()).toThrow(NnwasmError);
      d.dispose();
    });
  });

  describe('LayerAdaptiveDropout', () => {
    /** columns with mean |x| = c_j: x = ±c_j */
    const columns = (c: number[], rows: number) => be.fromArray(Float32Array.from({ length: rows * c.length }, (_, i) => (i % 3 ? 1 : -1) * c[i % c.length]), rows, c.length);

    it('starts with importance 1 (no unit dropped), then drops unit j at rate · (1 − importance_j / max) as importance tracks mean |x|', () => {
      const c = [4, 2, 1, 0.5], rate = 0.6, d = new LayerAdaptiveDropout(rate, { backend: be, adaptationRate: 0.2 });
      const x = columns(c, 2000);
      d.forward(x, true);
      expect(Array.from(d.importance!.data)).toEqual([1, 1, 1, 1]);
      expect(d.binaryMask.data.every((m) => m === 1)).toBe(true);
      for (let step = 0; step < 60; step++) {
        d.forward(x, true);
        d.backward(x);
      }
      // importance_j → c_j geometrically (0.8^60 ≈ 1.5e-6 of the start is left)
      expectClose(d.importance!.data, c, 1e-4, 'importance');
      d.forward(x, true);
      const expectedRates = c.map((v) => rate * (1 - v / 4));
      expectClose(d.unitRates!.data, expectedRates, 1e-5, 'unit rates', 0.01);
      const m = d.binaryMask.data;
      expectedRates.forEach((r, j) => {
        let kept = 0;
        for (let row = 0; row < 2000; row++) if (m[row * 4 + j] !== 0) kept++;
        expect(Math.abs(kept / 2000 - (1 - r)), `unit ${j}`).toBeLessThanOrEqual(3 * Math.sqrt((r * (1 - r)) / 2000) + 1e-12);
        const rj = d.unitRates!.data[j];
        if (rj > 0) expect(m.find((v, i) => i % 4 === j && v !== 0)).toBe(fr(1 / fr(1 - rj)));
      });
      for (const t of [d, x]) t.dispose();
    });

    it('forward alone (evaluation, Monte Carlo) leaves the importance as it was; a different width is a ShapeError that changes nothing', () => {
      const d = new LayerAdaptiveDropout(0.5, { backend: be });
      const x = columns([1, 2, 3], 10);
      d.forward(x, true);
      d.backward(x);
      const before = d.importance!.toFloat32Array();
      for (let i = 0; i < 5; i++) d.forward(x, true);
      d.forward(x, false);
      expectSame(d.importance!.data, before, 'importance after forward passes');
      const counter = d.counter, output = d.output;
      expect(() => d.forward([[1, 2, 3, 4]], true)).toThrow(ShapeError);
      expect(d.counter).toBe(counter);
      expect(d.output).toBe(output);
      expectSame(d.importance!.data, before, 'importance after the rejected call');
      for (const t of [d, x]) t.dispose();
    });
  });

  describe('LayerConcreteDropout', () => {
    it('P(z > ½) is exactly p: the "mostly dropped" fraction of 10^6 relaxed draws is within 3σ of the rate', () => {
      const d = new LayerConcreteDropout({ backend: be, initRate: 0.2, temperature: 0.1 });
      d.forward(ones, true);
      const keepScale = 1 / (1 - d.rate);
      const mostlyDropped = fraction(d.mask.data, (m) => m < 0.5 * keepScale);
      expect(Math.abs(mostlyDropped - 0.2)).toBeLessThanOrEqual(3 * Math.sqrt((0.2 * 0.8) / (N * N)));
      // the relaxation at t = 0.1 is nearly binary: 90% of the masks within 5% of 0 or 1/(1 − p)
      expect(fraction(d.mask.data, (m) => m < 0.05 * keepScale || m > 0.95 * keepScale)).toBeGreaterThan(0.9);
      d.dispose();
    });

    it('its rate is a parameter the optimizers update: with the entropy term alone, SGD moves p monotonically from 0.1 to ½', () => {
      const d = new LayerConcreteDropout({ backend: be, initRate: 0.1, dropoutRegularizer: 0.01 });
      const x = be.tensor(4, 50);
      x.data.fill(1);
      const zero = be.zeros(4, 50), optimizer = new OptimizerSGD({ backend: be, learningRate: 1 });
      expect(d.parameters()).toEqual([[d.logit, d.dlogit]]);
      const rates = [d.rate];
      for (let step = 0; step < 200; step++) {
        d.forward(x, true);
        d.backward(zero);
        optimizer.preUpdateParams();
        optimizer.updateParams(d);
        optimizer.postUpdateParams();
        rates.push(d.rate);
      }
      expect(rates.every((r, i) => i === 0 || r >= rates[i - 1])).toBe(true);
      expect(Math.abs(rates.at(-1)! - 0.5)).toBeLessThan(0.01);
      for (const t of [d, x, zero, optimizer]) t.dispose();
    });

    it('in a Model: compile links the next Dense, fit trains the rate and reports the regularizer in reg_loss; dense \'none\' links nothing', () => {
      const make = (dense: 'next' | 'none') => {
        const d = new LayerConcreteDropout({ backend: be, dense, weightRegularizer: 1e-3, dropoutRegularizer: 1e-3 });
        const model = new Model({ backend: be })
          .add(new LayerDense(2, 32, { backend: be })).add(new ActivationReLU({ backend: be })).add(d)
          .add(new LayerDense(32, 3, { backend: be })).add(new ActivationSoftmax({ backend: be }))
          .compile({ loss: new LossCategoricalCrossentropy({ backend: be }), optimizer: new OptimizerAdam({ backend: be, learningRate: 0.02 }) });
        return { d, model };
      };
      const data = spiralData(100, 3);
      const { d, model } = make('next');
      expect(d.dense).toBe(model.layers[3]);
      // the first step's reg_loss is measured before any update: the regularizer at the initial p and W
      const p0 = d.rate, w0 = (model.layers[3] as LayerDense).weights.data.reduce((s, v) => s + v * v, 0);
      const history = model.fit(data.X, data.y, { epochs: 30 });
      expect(d.rate).not.toBeCloseTo(0.1, 3);
      const expected = (1e-3 * w0) / (1 - p0) + 1e-3 * 32 * (p0 * Math.log(p0) + (1 - p0) * Math.log(1 - p0));
      expectClose([history.epochs[0].regLoss], [expected], 1e-5, 'reg_loss is the concrete regularizer', 0);
      const none = make('none');
      expect(none.d.dense).toBeUndefined();
      for (const m of [model, none.model]) m.dispose();
    });
  });

  it('a training step allocates nothing: every variant keeps the arena\'s live bytes after the first epoch', () => {
    const data = spiralData(100, 2);
    for (const make of variants(be)) {
      const model = new Model({ backend: be })
        .add(new LayerDense(2, 16, { backend: be })).add(new ActivationReLU({ backend: be })).add(make())
        .add(new LayerDense(16, 1, { backend: be })).add(new ActivationSigmoid({ backend: be }))
        .compile({ loss: new LossBinaryCrossentropy({ backend: be }), optimizer: new OptimizerSGD({ backend: be }) });
      const y = Float32Array.from(data.y);
      model.fit(data.X, y, { epochs: 1, batchSize: 50, shuffle: true });
      const live = be.arena.liveBytes;
      model.fit(data.X, y, { epochs: 4, batchSize: 50, shuffle: true });
      expect(be.arena.liveBytes, `${model.layers[2]}`).toBe(live);
      model.predict(data.X, { mcSamples: 3 });
      const afterMc = be.arena.liveBytes;
      model.predict(data.X, { mcSamples: 5 });
      expect(be.arena.liveBytes, `${model.layers[2]} Monte Carlo`).toBe(afterMc);
      model.dispose();
    }
  });
});

/** one of every stochastic layer of the family (and LayerDropout's scale-down), for whole-family tests */
function variants(be: Backend): (() => Layer)[] {
  return [
    () => new LayerDropout(0.3, { backend: be, scaling: 'down' }),
    () => new LayerExactDropout(0.3, { backend: be }),
    () => new LayerGaussianDropout(0.3, { backend: be }),
    () => new LayerAlphaDropout(0.3, { backend: be }),
    () => {
      const d = new LayerScheduledDropout(0.3, { backend: be, rampEpochs: 1 });
      d.onEpochBegin(2, 2); // at its final rate
      return d;
    },
    () => new LayerConcreteDropout({ backend: be }),
    () => new LayerAdaptiveDropout(0.3, { backend: be, adaptationRate: 0.5 }),
  ];
}

/** erf by Abramowitz–Stegun 7.1.26's refinement (Numerical Recipes' erfc, 1.2e-7) */
function erf(x: number): number {
  const z = Math.abs(x), t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? 1 - r : r - 1;
}

describe('seeds and backends', () => {
  /** the outputs of three training passes of every variant, built in order on a fresh backend */
  const draws = async (name: BackendName, seed: number) => {
    const be = await freshBackend(name, seed);
    const x = be.fromArray(Float32Array.from({ length: 33 * 31 }, (_, i) => Math.cos(i)), 33, 31); // SIMD bodies and tails
    return variants(be).map((make) => {
      const layer = make() as StochasticLayer | LayerDropout;
      return [0, 1, 2].map(() => {
        layer.forward(x, true);
        layer.backward(x);
        return layer.output.toFloat32Array();
      });
    });
  };

  it('the js and wasm backends draw identical noise and outputs for every variant (bit for bit)', async () => {
    const [j, w] = [await draws('js', 5), await draws('wasm', 5)];
    j.forEach((passes, v) => passes.forEach((out, p) => expectSame(w[v][p], out, `variant ${v}, pass ${p}`)));
  });

  it('a seed fixes every draw; another seed changes them', async () => {
    const [a, b, c] = [await draws('wasm', 9), await draws('wasm', 9), await draws('wasm', 10)];
    a.forEach((passes, v) => passes.forEach((out, p) => expectSame(b[v][p], out, `variant ${v}, pass ${p}`)));
    a.forEach((passes, v) => expect(passes[2].filter((x, i) => x !== c[v][2][i]).length, `variant ${v}`).toBeGreaterThan(10));
  });
});

describe('bad input is a typed error that names the layer and changes nothing', () => {
  let be: Backend;
  beforeAll(async () => {
    be = await getTestBackend('js');
  });

  it('rates outside [0, 1) and bad options', () => {
    for (const rate of [-0.1, 1, 1.5, NaN, '0.5' as unknown as number, undefined as unknown as number]) {
      for (const make of [
        () => new LayerExactDropout(rate, { backend: be }), () => new LayerGaussianDropout(rate, { backend: be }),
        () => new LayerAlphaDropout(rate, { backend: be }), () => new LayerScheduledDropout(rate, { backend: be }),
      ]) expect(make).toThrow(ValueError);
      if (rate !== undefined) expect(() => new LayerAdaptiveDropout(rate, { backend: be })).toThrow(/LayerAdaptiveDropout: rate must be a number in \[0, 1\)/);
    }
    expect(() => new LayerDropout(0.5, { backend: be, scaling: 'sideways' as 'up' })).toThrow(/scaling must be 'up' or 'down'/);
    expect(() => new LayerScheduledDropout(0.5, { backend: be, rampEpochs: 0 })).toThrow(/rampEpochs must be a positive integer/);
    expect(() => new LayerScheduledDropout(() => 0.1, { backend: be, rampEpochs: 3 })).toThrow(ValueError);
    expect(() => new LayerScheduledDropout(() => -1, { backend: be })).toThrow(/the schedule gave -1 for epoch 1 of 1/);
    expect(() => new LayerScheduledDropout('linear' as unknown as number, { backend: be })).toThrow(ValueError);
    expect(() => new LayerAdaptiveDropout(0.5, { backend: be, adaptationRate: 2 })).toThrow(/adaptationRate must be a number in \[0, 1\]/);
    for (const opts of [{ initRate: 0 }, { initRate: 1 }, { temperature: 0 }, { temperature: Infinity }, { weightRegularizer: -1 }, { dropoutRegularizer: NaN }, { dense: 'previous' as 'next' }])
      expect(() => new LayerConcreteDropout({ backend: be, ...opts }), JSON.stringify(opts)).toThrow(ValueError);
  });

  it('exact-count dropout refuses more than 2^21 units per sample (its selection sampling stays exact below), changing nothing', () => {
    const d = new LayerExactDropout(0.5, { backend: be });
    d.forward([[1, 2, 3, 4]], true);
    const [output, counter] = [d.output, d.counter];
    const wide = be.tensor(1, 2 ** 21 + 1);
    expect(() => d.forward(wide, true)).toThrow(ShapeError);
    expect(() => d.forward(wide, true)).toThrow(/LayerExactDropout\(0.5\).forward: inputs are 1×2097153; at most 2097152 units per sample/);
    expect([d.output, d.counter]).toEqual([output, counter]);
    for (const t of [d, wide]) t.dispose();
  });

  it('setState rejects bad seeds, counters, epochs and importance without changing the layer', () => {
    const d = new LayerScheduledDropout(0.4, { backend: be });
    d.onEpochBegin(3, 5);
    const state = d.getState();
    expect(() => d.setState({ ...state, counter: -1 })).toThrow(ValueError);
    expect(() => d.setState({ ...state, epoch: 0 })).toThrow(ValueError);
    expect(d.getState()).toEqual(state);
    const a = new LayerAdaptiveDropout(0.5, { backend: be });
    expect(() => a.setState({ seed: 1, counter: 2, importance: [1, -1] })).toThrow(/importance must be null or a non-empty array/);
    expect(a.counter).toBe(0);
    for (const t of [d, a]) t.dispose();
  });
});

describe('save and load: every new layer registers, and its config and state rebuild it', () => {
  it('createLayer(name, getConfig()) gives the same layer; setState(getState()) restores the draws', async () => {
    const be = await getTestBackend('js');
    const x = be.fromArray(Float32Array.from({ length: 40 }, (_, i) => Math.sin(i)), 5, 8);
    const layers: Layer[] = [...variants(be).map((make) => make()), new ActivationSELU({ backend: be })];
    for (const layer of layers) {
      layer.forward(x, true);
      layer.backward(x);
      const copy = createLayer(layerName(layer), JSON.parse(JSON.stringify(layer.getConfig())), { backend: be });
      expect(String(copy)).toBe(String(layer));
      expect(copy.getConfig()).toEqual(layer.getConfig());
      copy.setState(JSON.parse(JSON.stringify(layer.getState())));
      for (const [[p], [q]] of layer.parameters().map((pq, i) => [pq, copy.parameters()[i]])) q.data.set(p.data);
      layer.forward(x, true);
      copy.forward(x, true);
      expectSame(copy.output.data, layer.output.data, `${layer}: the next draw after a restore`);
    }
    for (const l of layers) l.dispose();
  });
});
