/**
 * LayerDropout's seeded masks: the keep rate and scale, output = inputs × mask, backward =
 * dvalues × mask, inference pass-through, reproducibility by seed, identity across backends, and
 * no correlation between neighbouring elements or consecutive passes.
 *
 * Every statistical bound below is 3σ (or the χ² quantile named) for the *ideal* Bernoulli
 * process; the masks are deterministic for the fixed seeds used, so the tests cannot flake.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { LayerDropout, type Backend, type BackendName } from '../src/index.ts';
import { dropThreshold, streamBits, streamKey } from '../src/backend/random.ts';
import { backends, getTestBackend, freshBackend, expectSame, testRng } from './helpers.ts';

const N = 1000;

describe.each(backends())('LayerDropout on the %s backend', (name) => {
  let be: Backend;
  let ones: ReturnType<Backend['tensor']>;
  beforeAll(async () => {
    be = await getTestBackend(name);
    ones = be.tensor(N, N);
    ones.data.fill(1);
  });

  for (const rate of [0.1, 0.5, 0.9]) {
    it(`rate ${rate}: the kept fraction of 10^6 draws is within 3σ of ${1 - rate}; kept values are exactly fround(1/(1 − rate))`, () => {
      const d = new LayerDropout(rate, { backend: be });
      d.forward(ones, true);
      const out = d.output.data, mask = d.binaryMask.data, scale = Math.fround(1 / (1 - rate));
      expect(out.length).toBe(N * N);
      let kept = 0;
      for (let i = 0; i < out.length; i++) {
        if (out[i] === scale) kept++;
        else if (out[i] !== 0) expect.unreachable(`output[${i}] = ${out[i]}: neither 0 nor ${scale}`);
        if (mask[i] !== out[i]) expect.unreachable(`binaryMask[${i}] = ${mask[i]} but output ${out[i]} (inputs are 1)`);
      }
      const p = 1 - rate, sigma = Math.sqrt((p * (1 - p)) / (N * N));
      expect(Math.abs(kept / (N * N) - p), `kept fraction ${kept / (N * N)}`).toBeLessThanOrEqual(3 * sigma);
      d.dispose();
    });
  }

  it('the mask is the documented function of (seed, counter, index): (bits >>> 8) ≥ round(rate·2^24)', () => {
    const rate = 0.3, d = new LayerDropout(rate, { backend: be });
    const threshold = dropThreshold(rate), scale = Math.fround(1 / (1 - rate));
    for (let pass = 0; pass < 3; pass++) {
      const counter = d.counter;
      d.forward(ones, true);
      const key = streamKey(d.seed, counter);
      const expected = Float32Array.from({ length: 4099 }, (_, i) => ((streamBits(key, i) >>> 8) >= threshold ? scale : 0));
      expectSame(d.binaryMask.data.subarray(0, 4099), expected, `pass ${pass} mask`);
      expect(d.counter).toBe(counter + 1);
    }
    d.dispose();
  });

  it('output = inputs × mask and backward = dvalues × mask, exactly', () => {
    const rng = testRng(5), rows = 37, cols = 29;
    const x = Array.from({ length: rows }, () => Array.from({ length: cols }, () => rng.normal() * 10));
    const dv = Array.from({ length: rows }, () => Array.from({ length: cols }, () => rng.normal()));
    const d = new LayerDropout(0.4, { backend: be });
    d.forward(x, true);
    const mask = d.binaryMask.toFloat32Array(), out = d.output.toFloat32Array();
    expect(mask.some((m) => m === 0) && mask.some((m) => m !== 0)).toBe(true);
    expectSame(out, Float32Array.from(x.flat(), (v, i) => Math.fround(v) * mask[i]), 'output');
    d.backward(dv);
    expectSame(d.dinputs.data, Float32Array.from(dv.flat(), (v, i) => Math.fround(v) * mask[i]), 'dinputs');
    d.dispose();
  });

  it('consecutive forward passes draw different masks', () => {
    const d = new LayerDropout(0.5, { backend: be });
    const x = be.tensor(64, 64);
    x.data.fill(1);
    d.forward(x, true);
    const first = d.binaryMask.toFloat32Array();
    d.forward(x, true);
    const second = d.binaryMask.toFloat32Array();
    const differ = first.filter((v, i) => v !== second[i]).length;
    // independent masks at rate 0.5 differ in half the places: 2048 ± 3·32
    expect(differ).toBeGreaterThan(2048 - 96);
    expect(differ).toBeLessThan(2048 + 96);
    x.dispose();
    d.dispose();
  });

  it('two layers on one backend draw different masks', () => {
    const a = new LayerDropout(0.5, { backend: be }), b = new LayerDropout(0.5, { backend: be });
    expect(a.seed).not.toBe(b.seed);
    const x = be.tensor(16, 64);
    x.data.fill(1);
    a.forward(x, true);
    b.forward(x, true);
    const ma = a.binaryMask.data, mb = b.binaryMask.data;
    expect(ma.filter((v, i) => v !== mb[i]).length).toBeGreaterThan(400);
    for (const t of [a, b, x]) t.dispose();
  });

  it('inference (training = false) passes inputs through unchanged', () => {
    const d = new LayerDropout(0.7, { backend: be });
    const rng = testRng(8), x = be.tensor(10, 13);
    x.data.set(Float32Array.from({ length: 130 }, () => rng.normal()));
    const before = x.toFloat32Array();
    d.forward(x, false);
    expect(d.output).toBe(x);
    expectSame(d.output.data, before, 'inference output');
    const arr = Array.from({ length: 3 }, (_, r) => [r, -r, 0.5 * r]);
    d.forward(arr, false);
    expectSame(d.output.data, arr.flat(), 'inference output from an array');
    d.dispose();
    x.dispose();
  });

  it('rate 0 keeps everything, at scale 1', () => {
    const d = new LayerDropout(0, { backend: be });
    const rng = testRng(9), x = be.tensor(100, 100);
    x.data.set(Float32Array.from({ length: 10000 }, () => rng.normal()));
    d.forward(x, true);
    expect(d.binaryMask.data.every((m) => m === 1)).toBe(true);
    expectSame(d.output.data, x.data, 'rate-0 output');
    d.dispose();
    x.dispose();
  });

  describe('no correlation between neighbours (one 1000×1000 mask)', () => {
    for (const rate of [0.1, 0.5, 0.9]) {
      it(`rate ${rate}: (kept, kept) pairs at lags 1, 4 (a SIMD width) and 1000 (the next row) occur at (1 − rate)²; column counts pass χ²`, () => {
        const d = new LayerDropout(rate, { backend: be });
        d.forward(ones, true);
        const m = d.binaryMask.data, p = 1 - rate;
        const kept = (i: number) => m[i] !== 0;
        for (const lag of [1, 4, N]) {
          let both = 0;
          const pairs = N * N - lag;
          for (let i = 0; i < pairs; i++) if (kept(i) && kept(i + lag)) both++;
          // Σ X_i X_{i+lag}: overlapping pairs share an element, so besides the pairs' own variance
          // q(1 − q), q = p², neighbouring pairs covary by p³ − p⁴ (two such neighbours per pair)
          const q = p * p;
          const variance = (pairs * q * (1 - q) + 2 * (pairs - lag) * (p ** 3 - p ** 4)) / (pairs * pairs);
          expect(Math.abs(both / pairs - q), `lag ${lag}: (kept, kept) fraction ${both / pairs} vs ${q}`).toBeLessThanOrEqual(3 * Math.sqrt(variance));
        }
        // per position: the kept count of each column (1000 rows) is Binomial(1000, p); the χ² of
        // the 1000 column counts has 1000 degrees of freedom (mean 1000, sd 44.7): require ±4 sd
        let chi2 = 0;
        const expected = N * p;
        for (let c = 0; c < N; c++) {
          let k = 0;
          for (let r = 0; r < N; r++) if (kept(r * N + c)) k++;
          chi2 += (k - expected) ** 2 / (expected * (1 - p));
        }
        expect(chi2, 'χ² of the column counts').toBeGreaterThan(1000 - 4 * 44.72);
        expect(chi2, 'χ² of the column counts').toBeLessThan(1000 + 4 * 44.72);
        d.dispose();
      });
    }

    it('consecutive passes are independent at the same position (both kept ≈ (1 − rate)²)', () => {
      const rate = 0.5, p = 0.5, d = new LayerDropout(rate, { backend: be });
      d.forward(ones, true);
      const first = d.binaryMask.toFloat32Array();
      d.forward(ones, true);
      const second = d.binaryMask.data;
      let both = 0;
      for (let i = 0; i < first.length; i++) if (first[i] !== 0 && second[i] !== 0) both++;
      const q = p * p, sigma = Math.sqrt((q * (1 - q)) / first.length);
      expect(Math.abs(both / first.length - q)).toBeLessThanOrEqual(3 * sigma);
      d.dispose();
    });
  });
});

describe('masks are fixed by the seed', () => {
  /** the masks of three forward passes of the first layer built on a fresh backend */
  const masks = async (name: BackendName, seed: number, rate = 0.5) => {
    const be = await freshBackend(name, seed);
    const d = new LayerDropout(rate, { backend: be });
    const x = be.tensor(33, 31); // 1023 elements: SIMD body and a scalar tail
    x.data.fill(1);
    const out: Float32Array[] = [];
    for (let i = 0; i < 3; i++) {
      d.forward(x, true);
      out.push(d.binaryMask.toFloat32Array());
    }
    return out;
  };

  it.each(backends())('the same seed reproduces the same sequence of masks (%s)', async (name) => {
    const [a, b] = [await masks(name, 42), await masks(name, 42)];
    for (let i = 0; i < 3; i++) expectSame(b[i], a[i], `pass ${i}`);
    // and a different seed gives different masks
    const c = await masks(name, 43);
    expect(c[0].filter((v, i) => v !== a[0][i]).length).toBeGreaterThan(300);
  });

  it('the js and wasm backends draw identical masks for the same seed', async () => {
    for (const rate of [0.1, 0.5, 0.9]) {
      const [j, w] = [await masks('js', 7, rate), await masks('wasm', 7, rate)];
      for (let i = 0; i < 3; i++) expectSame(w[i], j[i], `rate ${rate}, pass ${i}`);
    }
  });
});
