/**
 * js ≡ wasm for the dropout family's kernels (src/backend/kernels/dropoutVariants.ts and
 * seluTanh.ts), property based (fast-check), with the harness rules of test/backends.test.ts:
 * inputs copied into fresh tensors at a pointer offset of 0–3 floats with sentinel guards around
 * every buffer; no kernel may write outside its buffers or into its read-only inputs.
 *
 * Every kernel of the section must agree bit for bit (Object.is), noise included: the random bits
 * are integer hashes, and normals and the concrete relaxation use mathf32's float32 log / exp /
 * quantile, built from correctly rounded operations only. The exceptions are the SELU and tanh
 * forward passes (f64 expm1 / tanh, whose JS and AssemblyScript versions may differ in the last f64
 * ulp, rounded once to float32), held to 1 float32 ulp: |a − e| ≤ 1.2e-7 · |e|.
 * Each kernel is also checked against a direct reading of its contract on the js side.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import fc from 'fast-check';
import type { Backend, Kernels } from '../src/index.ts';
import { dropThreshold, streamBits, streamKey } from '../src/backend/random.ts';
import { expf, logf, normalFromBits, uniformOpen } from '../src/backend/mathf32.ts';
import { getTestBackend, expectClose, expectSame, testRng } from './helpers.ts';
import { DROPOUT_FAMILY_KERNELS } from './dropoutFamilyKernels.ts';

const GUARD = 8;
const SENTINEL = Math.fround(-7.25e13);
const RUNS = 60;
const fr = Math.fround;

let js: Backend, wasm: Backend;
beforeAll(async () => {
  js = await getTestBackend('js');
  wasm = await getTestBackend('wasm');
});

type Buf = { data: Float32Array; out?: boolean };
const input = (data: Float32Array): Buf => ({ data });
const output = (n: number): Buf => ({ data: new Float32Array(n).fill(NaN), out: true });

/** run one kernel call on `be` with guarded copies of `bufs`; returns [return value, buffers after] */
function runOn(be: Backend, bufs: Buf[], off: number, call: (k: Kernels, p: number[]) => number | void, what: string): [number | void, Float32Array[]] {
  const tensors = bufs.map((b) => be.tensor(1, off + b.data.length + GUARD));
  const ptrs = tensors.map((t) => t.ptr + off * 4);
  bufs.forEach((b, i) => {
    tensors[i].data.fill(SENTINEL);
    new Float32Array(be.buffer, ptrs[i], b.data.length).set(b.data);
  });
  const ret = call(be.kernels, ptrs);
  const after = bufs.map((b, i) => {
    const all = tensors[i].data, n = b.data.length;
    for (let g = 0; g < off; g++) if (!Object.is(all[g], SENTINEL)) throw new Error(`${what} on ${be.name}: wrote before buffer ${i}`);
    for (let g = 0; g < GUARD; g++) if (!Object.is(all[off + n + g], SENTINEL)) throw new Error(`${what} on ${be.name}: wrote past buffer ${i} (n = ${n})`);
    if (!b.out) for (let j = 0; j < n; j++) if (!Object.is(all[off + j], b.data[j])) throw new Error(`${what} on ${be.name}: modified its input buffer ${i} at [${j}]`);
    return all.slice(off, off + n);
  });
  for (const t of tensors) t.dispose();
  return [ret, after];
}

/** run on both backends; assert the `outputs` buffers (and the return value) are identical; return js's */
function same(bufs: Buf[], off: number, call: (k: Kernels, p: number[]) => number | void, what: string, outputs: number[]): [number | void, Float32Array[]] {
  const [jr, jb] = runOn(js, bufs, off, call, what);
  const [wr, wb] = runOn(wasm, bufs, off, call, what);
  for (const i of outputs) expectSame(wb[i], jb[i], `${what}: buffer ${i}`);
  expect(Object.is(wr, jr), `${what}: return value wasm ${wr} vs js ${jr}`).toBe(true);
  return [jr, jb];
}

const floats = (seed: number, n: number, scale = 1) => {
  const r = testRng(seed);
  return Float32Array.from({ length: n }, () => scale * r.normal());
};
const covered = new Set<keyof Kernels>();
const prop = <T>(name: keyof Kernels, arb: fc.Arbitrary<T>, check: (v: T) => void) => {
  covered.add(name);
  fc.assert(fc.property(arb, check), { numRuns: RUNS });
};

const seedArb = fc.integer({ min: 0, max: 0x7fffffff });
const u32Arb = fc.nat({ max: 0xffffffff });
const offArb = fc.integer({ min: 0, max: 3 });
const lenArb = fc.oneof(fc.constantFrom(1, 2, 3, 4, 5, 8, 15, 16, 17, 1000), fc.integer({ min: 1, max: 70 }));
const dimArb = fc.oneof(fc.constantFrom(1, 2, 3, 4, 5, 8, 16, 17), fc.integer({ min: 1, max: 40 }));
const rateArb = fc.oneof(fc.constantFrom(0, 0.1, 0.5, 0.9), fc.double({ min: 0, max: 0.99, noNaN: true }));
const bitsOf = (seed: number, counter: number, i: number) => streamBits(streamKey(seed >>> 0, counter >>> 0), i);

describe('dropout family kernels: js ≡ wasm, bit for bit', () => {
  it('scale', () =>
    prop('scale', fc.tuple(lenArb, offArb, seedArb, fc.double({ min: -4, max: 4, noNaN: true })), ([n, off, seed, s]) => {
      const x = floats(seed, n);
      const [, [, y]] = same([input(x), output(n)], off, (k, [px, py]) => k.scale(px, py, n, s), `scale(n=${n}, ${s})`, [1]);
      expectSame(y, x.map((v) => v * fr(s)), 'y = x · s');
    }));

  it('exactDropoutForward: every row drops exactly `drop` units', () =>
    prop('exactDropoutForward', fc.tuple(dimArb, dimArb, offArb, seedArb, u32Arb, u32Arb, fc.double({ min: 0, max: 1, noNaN: true })), ([rows, cols, off, seed, key, counter, frac]) => {
      const n = rows * cols, drop = Math.min(cols, Math.round(frac * cols)), scale = fr(1.7);
      const x = floats(seed, n).map((v) => v + 10); // no zeros among the inputs
      const what = `exactDropoutForward(${rows}×${cols}, drop ${drop})`;
      const [, [, mask, y]] = same([input(x), output(n), output(n)], off, (k, [px, pm, py]) => k.exactDropoutForward(px, pm, py, rows, cols, key, counter, drop, scale), what, [1, 2]);
      for (let r = 0; r < rows; r++) expect(mask.subarray(r * cols, (r + 1) * cols).filter((m) => m === 0).length, `${what}: zeros in row ${r}`).toBe(drop);
      expect(mask.every((m) => m === 0 || m === scale)).toBe(true);
      expectSame(y, x.map((v, i) => v * mask[i]), `${what}: y = x · mask`);
    }));

  it('gaussianDropoutForward: noise = 1 + σ · Φ⁻¹(uniformOpen(bits)) of mathf32', () =>
    prop('gaussianDropoutForward', fc.tuple(lenArb, offArb, seedArb, u32Arb, u32Arb, fc.double({ min: 0, max: 3, noNaN: true })), ([n, off, seed, key, counter, sigma]) => {
      const x = floats(seed, n);
      const what = `gaussianDropoutForward(n=${n}, σ=${sigma})`;
      const [, [, noise, y]] = same([input(x), output(n), output(n)], off, (k, [px, pm, py]) => k.gaussianDropoutForward(px, pm, py, n, key, counter, sigma), what, [1, 2]);
      expectSame(noise, Float32Array.from({ length: n }, (_, i) => fr(1 + fr(fr(sigma) * normalFromBits(bitsOf(key, counter, i))))), `${what}: noise`);
      expectSame(y, x.map((v, i) => v * noise[i]), `${what}: y`);
    }));

  it('alphaDropoutForward: kept → a·x + b (mask a), dropped → the constant (mask 0), by the dropout threshold', () =>
    prop('alphaDropoutForward', fc.tuple(lenArb, offArb, seedArb, u32Arb, u32Arb, rateArb), ([n, off, seed, key, counter, rate]) => {
      const x = floats(seed, n), threshold = dropThreshold(rate), [a, b, dropped] = [fr(1.3), fr(0.4), fr(-0.9)];
      const what = `alphaDropoutForward(n=${n}, rate=${rate})`;
      const [, [, mask, y]] = same([input(x), output(n), output(n)], off, (k, [px, pm, py]) => k.alphaDropoutForward(px, pm, py, n, key, counter, threshold, a, b, dropped), what, [1, 2]);
      const keep = (i: number) => bitsOf(key, counter, i) >>> 8 >= threshold;
      expectSame(mask, Float32Array.from({ length: n }, (_, i) => (keep(i) ? a : 0)), `${what}: mask`);
      expectSame(y, Float32Array.from({ length: n }, (_, i) => (keep(i) ? fr(fr(a * x[i]) + b) : dropped)), `${what}: y`);
    }));

  it('concreteDropoutForward: mask = (1 − σ((logit + log u − log(1 − u))/t)) / (1 − p) with mathf32', () =>
    prop('concreteDropoutForward', fc.tuple(lenArb, offArb, seedArb, u32Arb, u32Arb, fc.double({ min: -4, max: 4, noNaN: true }), fc.constantFrom(0.05, 0.1, 0.5, 1)), ([n, off, seed, key, counter, logit, t]) => {
      const x = floats(seed, n), invKeep = 1 + Math.exp(logit);
      const what = `concreteDropoutForward(n=${n}, logit=${logit}, t=${t})`;
      const [, [, mask, y]] = same([input(x), output(n), output(n)], off, (k, [px, pm, py]) => k.concreteDropoutForward(px, pm, py, n, key, counter, logit, 1 / t, invKeep), what, [1, 2]);
      const expected = Float32Array.from({ length: n }, (_, i) => {
        const u = uniformOpen(bitsOf(key, counter, i));
        const s = fr(fr(fr(logit) + fr(logf(u) - logf(fr(1 - u)))) * fr(1 / t));
        return fr(fr(1 - fr(1 / fr(1 + expf(-s)))) * fr(invKeep));
      });
      expectSame(mask, expected, `${what}: mask`);
      expectSame(y, x.map((v, i) => v * mask[i]), `${what}: y`);
      expect(mask.every((m) => m >= 0 && m <= fr(invKeep))).toBe(true);
    }));

  it('concreteDropoutBackward: dinputs = dvalues · mask and the logit gradient sum', () =>
    prop('concreteDropoutBackward', fc.tuple(lenArb, offArb, seedArb, fc.double({ min: 0.01, max: 0.99, noNaN: true })), ([n, off, seed, p]) => {
      const rng = testRng(seed + 1);
      const dv = floats(seed, n), out = floats(seed + 2, n), mask = Float32Array.from({ length: n }, () => rng.uniform(0, 1 / (1 - p)));
      const what = `concreteDropoutBackward(n=${n}, p=${p})`;
      const [ret, [, , , dx]] = same([input(dv), input(mask), input(out), output(n)], off, (k, [a, m, o, d]) => k.concreteDropoutBackward(a, m, o, d, n, p, 1 - p, 10), what, [3]);
      expectSame(dx, dv.map((v, i) => v * mask[i]), `${what}: dinputs`);
      let sum = 0;
      for (let i = 0; i < n; i++) sum += fr(dv[i] * out[i]) * fr(fr(p) - fr(fr(1 - fr(mask[i] * fr(1 - p))) * 10));
      expect(ret).toBe(sum);
    }));

  it('adaptiveImportanceUpdate: the running mean of |x| per column', () =>
    prop('adaptiveImportanceUpdate', fc.tuple(dimArb, dimArb, offArb, seedArb, fc.double({ min: 0, max: 1, noNaN: true })), ([rows, cols, off, seed, a]) => {
      const x = floats(seed, rows * cols), imp = floats(seed + 1, cols).map(Math.abs);
      const what = `adaptiveImportanceUpdate(${rows}×${cols}, a=${a})`;
      const [, [, after]] = same([input(x), { data: imp, out: true }], off, (k, [px, pi]) => k.adaptiveImportanceUpdate(px, pi, rows, cols, a, 1 - a), what, [1]);
      const expected = Float32Array.from(imp, (v, j) => {
        let s = 0;
        for (let r = 0; r < rows; r++) s += Math.abs(x[r * cols + j]);
        return (1 - a) * v + (a * s) / rows;
      });
      expectClose(after, expected, 1e-5, `${what}: importance`);
    }));

  it('adaptiveDropoutRates: rate · (1 − importance / max), its thresholds and scales', () =>
    prop('adaptiveDropoutRates', fc.tuple(lenArb, offArb, seedArb, rateArb, fc.boolean()), ([cols, off, seed, rate, zero]) => {
      const imp = zero ? new Float32Array(cols) : floats(seed, cols).map(Math.abs);
      const what = `adaptiveDropoutRates(${cols}, rate=${rate}${zero ? ', all importance 0' : ''})`;
      const [, [, rates, thresholds, scales]] = same([input(imp), output(cols), output(cols), output(cols)], off, (k, [pi, pr, pt, ps]) => k.adaptiveDropoutRates(pi, pr, pt, ps, cols, rate), what, [1, 2, 3]);
      const max = Math.max(...imp);
      expectSame(rates, Array.from(imp, (v) => (max > 0 ? fr(fr(rate) * fr(1 - fr(v / max))) : fr(rate))), `${what}: rates`);
      expectSame(thresholds, Array.from(rates, (r) => Math.floor(r * 16777216 + 0.5)), `${what}: thresholds`);
      expectSame(scales, Array.from(rates, (r) => fr(1 / fr(1 - r))), `${what}: scales`);
      if (max > 0) expect(rates[imp.indexOf(max)]).toBe(0);
    }));

  it('columnDropoutForward: per-column thresholds and scales', () =>
    prop('columnDropoutForward', fc.tuple(dimArb, dimArb, offArb, seedArb, u32Arb, u32Arb), ([rows, cols, off, seed, key, counter]) => {
      const rng = testRng(seed + 3), x = floats(seed, rows * cols);
      const rates = Array.from({ length: cols }, () => rng.uniform(0, 0.9));
      const thresholds = Float32Array.from(rates, dropThreshold), scales = Float32Array.from(rates, (r) => 1 / (1 - r));
      const what = `columnDropoutForward(${rows}×${cols})`;
      const [, [, , , mask, y]] = same([input(x), input(thresholds), input(scales), output(rows * cols), output(rows * cols)], off,
        (k, [px, pt, ps, pm, py]) => k.columnDropoutForward(px, pt, ps, pm, py, rows, cols, key, counter), what, [3, 4]);
      expectSame(mask, Float32Array.from(x, (_, i) => (bitsOf(key, counter, i) >>> 8 >= thresholds[i % cols] ? scales[i % cols] : 0)), `${what}: mask`);
      expectSame(y, x.map((v, i) => v * mask[i]), `${what}: y`);
    }));

  it('momentsUpdate and momentsStd: Welford over several passes equals the two-pass mean and std', () => {
    covered.add('momentsStd');
    prop('momentsUpdate', fc.tuple(lenArb, offArb, seedArb, fc.integer({ min: 1, max: 6 })), ([n, off, seed, passes]) => {
      const xs = Array.from({ length: passes }, (_, s) => floats(seed + s, n, 3).map((v) => v + 5));
      let state: Float32Array[] = [new Float32Array(n), new Float32Array(n)];
      for (let s = 0; s < passes; s++) {
        const [, [, mean, m2]] = same([input(xs[s]), { data: state[0], out: true }, { data: state[1], out: true }], off, (k, [px, pm, p2]) => k.momentsUpdate(px, pm, p2, n, s + 1), `momentsUpdate pass ${s + 1}`, [1, 2]);
        state = [mean, m2];
      }
      const [, [, std]] = same([input(state[1]), output(n)], off, (k, [p2, ps]) => k.momentsStd(p2, ps, n, passes), 'momentsStd', [1]);
      const mean = Array.from({ length: n }, (_, i) => xs.reduce((s, x) => s + x[i], 0) / passes);
      const sd = mean.map((m, i) => Math.sqrt(xs.reduce((s, x) => s + (x[i] - m) ** 2, 0) / passes));
      expectClose(state[0], mean, 1e-6, 'Welford mean');
      expectClose(std, sd, 1e-4, 'Welford std', 0.01);
    });
  });

  it('seluForward and tanhForward (≤ 1 float32 ulp), seluBackward and tanhBackward (exact)', () => {
    covered.add('seluBackward').add('tanhForward').add('tanhBackward');
    prop('seluForward', fc.tuple(lenArb, offArb, seedArb), ([n, off, seed]) => {
      const x = floats(seed, n, 3), dy = floats(seed + 1, n);
      const selu = (v: number) => (v > 0 ? 1.0507009873554805 * v : 1.0507009873554805 * 1.6732632423543772 * Math.expm1(v));
      const [, [, ys]] = runOn(js, [input(x), output(n)], off, (k, [px, py]) => k.seluForward(px, py, n), 'seluForward');
      const [, [, yw]] = runOn(wasm, [input(x), output(n)], off, (k, [px, py]) => k.seluForward(px, py, n), 'seluForward');
      expectClose(yw, ys, 1.2e-7, 'seluForward wasm vs js', 0);
      expectClose(ys, Array.from(x, selu), 1.2e-7, 'seluForward vs SELU', 0);
      const [, [, yt]] = runOn(js, [input(x), output(n)], off, (k, [px, py]) => k.tanhForward(px, py, n), 'tanhForward');
      const [, [, ytw]] = runOn(wasm, [input(x), output(n)], off, (k, [px, py]) => k.tanhForward(px, py, n), 'tanhForward');
      expectClose(ytw, yt, 1.2e-7, 'tanhForward wasm vs js', 0);
      expectClose(yt, Array.from(x, Math.tanh), 1.2e-7, 'tanhForward vs tanh', 0);
      const [, [, , , dxs]] = same([input(x), input(ys), input(dy), output(n)], off, (k, [px, py, pd, pdx]) => k.seluBackward(px, py, pd, pdx, n), 'seluBackward', [3]);
      expectSame(dxs, Float32Array.from(x, (v, i) => dy[i] * (v > 0 ? fr(1.0507009873554805) : fr(ys[i] + fr(1.0507009873554805 * 1.6732632423543772)))), 'seluBackward');
      const [, [, , dxt]] = same([input(yt), input(dy), output(n)], off, (k, [py, pd, pdx]) => k.tanhBackward(py, pd, pdx, n), 'tanhBackward', [2]);
      expectSame(dxt, Float32Array.from(yt, (v, i) => dy[i] * fr(1 - fr(v * v))), 'tanhBackward');
    });
  });

  it('this file compared every kernel of the dropout family, and both registries have them', () => {
    expect([...covered].sort()).toEqual([...DROPOUT_FAMILY_KERNELS].sort());
    for (const name of DROPOUT_FAMILY_KERNELS) {
      expect(typeof js.kernels[name], `js ${name}`).toBe('function');
      expect(typeof (wasm.kernels as unknown as Record<string, unknown>)[name], `wasm export ${name}`).toBe('function');
    }
  });
});
