/**
 * The normalization kernels (src/backend/kernels/norm.ts): js ≡ wasm bit for bit on random shapes
 * (rows and columns of 1, 2, 3, 5 around the f32x4 and f64x2 widths, 17, 33; data with a large
 * common offset, where a one-pass E[x²] − E[x]² variance would cancel), each kernel's outputs
 * compared with Object.is; and both against a float64 reference written from the equations, to
 * show the bits they agree on are the right ones (1e-5 relative).
 */
import { describe, expect, it, beforeAll } from 'vitest';
import fc from 'fast-check';
import type { Backend } from '../src/index.ts';
import { expectClose, expectSame, getTestBackend, testRng, FUZZ_RUNS, fuzzSeed } from './helpers.ts';

let js: Backend, wasm: Backend;
beforeAll(async () => {
  js = await getTestBackend('js');
  wasm = await getTestBackend('wasm');
});

const shape = fc.record({
  rows: fc.oneof(fc.constantFrom(1, 2, 3, 4, 5, 8, 17), fc.integer({ min: 1, max: 60 })),
  cols: fc.oneof(fc.constantFrom(1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 17, 33), fc.integer({ min: 1, max: 40 })),
  offset: fc.constantFrom(0, 0, 3, -250, 1e4),
  spread: fc.constantFrom(1, 1e-3, 40),
  batchStats: fc.constantFrom(0, 1),
  seed: fc.nat(),
});
type Shape = typeof shape extends fc.Arbitrary<infer T> ? T : never;

const values = (seed: number, n: number, offset = 0, spread = 1) => {
  const r = testRng(seed);
  return Float32Array.from({ length: n }, () => offset + spread * r.normal());
};
const positive = (seed: number, n: number) => values(seed, n).map((v) => Math.abs(v) + 0.05);

/**
 * Run `call` on both backends: `inputs` copied in, `outputs` tensors of the given sizes filled
 * with NaN (so an output a kernel forgets shows), a work block of 6·cols floats; every output
 * returned per backend
 */
function both(inputs: Float32Array[], outputs: number[], cols: number, call: (be: Backend, ptrs: number[], work: number) => void): [Float32Array[], Float32Array[]] {
  return [js, wasm].map((be) => {
    const ins = inputs.map((v) => be.fromArray(v, v.length, 1));
    const outs = outputs.map((n) => {
      const t = be.tensor(n, 1);
      t.data.fill(NaN);
      return t;
    });
    const work = be.tensor(6 * cols, 1);
    work.data.fill(NaN); // the kernels must not read scratch they have not written
    call(be, [...ins, ...outs].map((t) => t.ptr), work.ptr);
    const result = outs.map((t) => t.toFloat32Array());
    ins.forEach((t, i) => expectSame(t.data, inputs[i], `input ${i} untouched`));
    for (const t of [...ins, ...outs, work]) t.dispose();
    return result;
  }) as [Float32Array[], Float32Array[]];
}

const same = ([a, b]: [Float32Array[], Float32Array[]], names: string[], o: Shape) =>
  names.forEach((name, i) => expectSame(b[i], a[i], `${name} ${JSON.stringify(o)}`));

/** float64 references from the equations */
function columnMoments(x: Float32Array, rows: number, cols: number) {
  const mean = new Float64Array(cols), variance = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) mean[c] += x[r * cols + c] / rows;
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) variance[c] += (x[r * cols + c] - mean[c]) ** 2 / rows;
  return { mean, variance };
}

describe('normalization kernels: js ≡ wasm bit for bit, and the equations', () => {
  it('batchNormStats, batchNormInvStd, batchNormMovingUpdate', () => {
    fc.assert(fc.property(shape, (o) => {
      const { rows, cols } = o, x = values(o.seed, rows * cols, o.offset, o.spread);
      const stats = both([x], [cols, cols], cols, (be, [xp, mean, variance], work) => be.kernels.batchNormStats(xp, mean, variance, work, rows, cols));
      same(stats, ['mean', 'variance'], o);
      const ref = columnMoments(x, rows, cols);
      expectClose(stats[0][0], ref.mean, 1e-6, 'mean vs float64', 0);
      // the variance of float32 data around a float64 mean: exact up to the last rounding, even at offset 1e4
      for (let c = 0; c < cols; c++) expect(Math.abs(stats[0][1][c] - ref.variance[c])).toBeLessThanOrEqual(1e-6 * ref.variance[c] + 1e-30);
      const variance = stats[0][1];
      const inv = both([variance], [cols], cols, (be, [v, s]) => be.kernels.batchNormInvStd(v, s, cols, 1e-3));
      same(inv, ['invStd'], o);
      expectClose(inv[0][0], Array.from(variance, (v) => 1 / Math.sqrt(v + Math.fround(1e-3))), 1e-6, 'invStd vs float64', 0);
      const moving = [values(o.seed + 1, cols), positive(o.seed + 2, cols)];
      const upd = both([stats[0][0], variance], [cols, cols], cols, (be, [m, v, mm, mv]) => {
        new Float32Array(be.buffer, mm, cols).set(moving[0]);
        new Float32Array(be.buffer, mv, cols).set(moving[1]);
        be.kernels.batchNormMovingUpdate(m, v, mm, mv, cols, 0.9, 1 - 0.9);
      });
      same(upd, ['movingMean', 'movingVariance'], o);
      expectClose(upd[0][1], Array.from(moving[1], (v, c) => 0.9 * v + 0.1 * variance[c]), 1e-6, 'moving variance vs float64');
    }), { numRuns: FUZZ_RUNS, seed: fuzzSeed(141) });
  });

  it('batchNormApply and batchNormBackward (batch and moving statistics; dx skipped when its pointer is 0)', () => {
    fc.assert(fc.property(shape, (o) => {
      const { rows, cols } = o, x = values(o.seed, rows * cols, o.offset, o.spread), dy = values(o.seed + 1, rows * cols);
      const { mean, variance } = columnMoments(x, rows, cols);
      const m = Float32Array.from(mean), s = Float32Array.from(variance, (v) => 1 / Math.sqrt(v + 1e-3));
      const gamma = values(o.seed + 2, cols), beta = values(o.seed + 3, cols);
      const y = both([x, m, s, gamma, beta], [rows * cols], cols, (be, [xp, mp, sp, g, b, yp]) => be.kernels.batchNormApply(xp, yp, rows, cols, mp, sp, g, b, 0));
      same(y, ['y'], o);
      const back = both([x, dy, m, s, gamma], [rows * cols, cols, cols], cols, (be, [xp, d, mp, sp, g, dx, dg, db], work) =>
        be.kernels.batchNormBackward(xp, d, dx, rows, cols, mp, sp, g, dg, db, work, o.batchStats, 0));
      same(back, ['dx', 'dgamma', 'dbeta'], o);
      const skipped = both([x, dy, m, s, gamma], [cols, cols], cols, (be, [xp, d, mp, sp, g, dg, db], work) =>
        be.kernels.batchNormBackward(xp, d, 0, rows, cols, mp, sp, g, dg, db, work, o.batchStats, 0));
      same(skipped, ['dgamma', 'dbeta'], o);
      expectSame(skipped[1][0], back[1][1], 'dgamma without dx');
      // the equations in float64
      const xhat = Array.from(x, (v, i) => (v - m[i % cols]) * s[i % cols]);
      expectClose(y[0][0], xhat.map((v, i) => v * gamma[i % cols] + beta[i % cols]), 1e-5, 'y vs float64');
      const sdy = new Float64Array(cols), sdx = new Float64Array(cols);
      dy.forEach((d, i) => ((sdy[i % cols] += d), (sdx[i % cols] += d * xhat[i])));
      expectClose(back[0][2], sdy, 1e-6, 'dbeta vs float64', 1e-3);
      const dx = xhat.map((v, i) => { const c = i % cols; return gamma[c] * s[c] * (dy[i] - (o.batchStats ? (sdy[c] + v * sdx[c]) / rows : 0)); });
      // dx cancels (it is exactly 0 for two rows): held to the scale of its terms, γ·invStd·dy
      const scale = Math.max(...dx.map((_, i) => Math.abs(gamma[i % cols] * s[i % cols] * dy[i])));
      back[0][0].forEach((v, i) => expect(Math.abs(v - dx[i]), `dx [${i}] vs float64`).toBeLessThanOrEqual(1e-5 * scale));
    }), { numRuns: FUZZ_RUNS, seed: fuzzSeed(142) });
  });

  it('batchNormApply and batchNormBackward with the ReLU fused: the same bits as the norm followed by reluForward / reluBackward, on both backends', () => {
    fc.assert(fc.property(shape, (o) => {
      const { rows, cols } = o, x = values(o.seed, rows * cols, o.offset, o.spread), dy = values(o.seed + 1, rows * cols);
      const { mean, variance } = columnMoments(x, rows, cols);
      const m = Float32Array.from(mean), s = Float32Array.from(variance, (v) => 1 / Math.sqrt(v + 1e-3));
      const gamma = values(o.seed + 2, cols), beta = values(o.seed + 3, cols), n = rows * cols;
      // fused: apply with relu, backward gated by the fused output
      const fused = both([x, dy, m, s, gamma, beta], [n, n, cols, cols], cols, (be, [xp, d, mp, sp, g, b, yp, dx, dg, db], work) => {
        be.kernels.batchNormApply(xp, yp, rows, cols, mp, sp, g, b, 1);
        be.kernels.batchNormBackward(xp, d, dx, rows, cols, mp, sp, g, dg, db, work, o.batchStats, yp);
      });
      // unfused: apply, reluForward, reluBackward, backward
      const plain = both([x, dy, m, s, gamma, beta], [n, n, cols, cols, n, n], cols, (be, [xp, d, mp, sp, g, b, yp, dx, dg, db, z, dz], work) => {
        be.kernels.batchNormApply(xp, z, rows, cols, mp, sp, g, b, 0);
        be.kernels.reluForward(z, yp, n);
        be.kernels.reluBackward(z, d, dz, n);
        be.kernels.batchNormBackward(xp, dz, dx, rows, cols, mp, sp, g, dg, db, work, o.batchStats, 0);
      });
      same(fused, ['y', 'dx', 'dgamma', 'dbeta'], o);
      for (const side of [0, 1]) ['y', 'dx', 'dgamma', 'dbeta'].forEach((name, i) => expectSame(fused[side][i], plain[side][i], `${name} fused = unfused ${JSON.stringify(o)}`));
    }), { numRuns: FUZZ_RUNS, seed: fuzzSeed(144) });
  });

  it('batchNormFold: the same bits on both backends (with and without a bias), and x·wOut + bOut = batchNormApply(x·w + b)', () => {
    fc.assert(fc.property(shape, (o) => {
      const { rows, cols } = o, w = values(o.seed, rows * cols, 0, o.spread), b = values(o.seed + 1, cols, o.offset);
      const m = values(o.seed + 2, cols, o.offset), s = positive(o.seed + 3, cols), gamma = values(o.seed + 4, cols), beta = values(o.seed + 5, cols);
      const folded = both([w, b, m, s, gamma, beta], [rows * cols, cols], cols, (be, [wp, bp, mp, sp, g, bt, wo, bo]) => be.kernels.batchNormFold(wp, bp, mp, sp, g, bt, wo, bo, rows, cols));
      same(folded, ['wOut', 'bOut'], o);
      const noBias = both([w, m, s, gamma, beta], [rows * cols, cols], cols, (be, [wp, mp, sp, g, bt, wo, bo]) => be.kernels.batchNormFold(wp, 0, mp, sp, g, bt, wo, bo, rows, cols));
      same(noBias, ['wOut (no bias)', 'bOut (no bias)'], o);
      // one input row x: x·wOut + bOut against ((x·w + b − m)·s)·γ + β in float64
      const x = values(o.seed + 6, rows);
      const [wOut, bOut] = folded[0];
      for (let c = 0; c < cols; c++) {
        let z = b[c], zf = bOut[c], scale = Math.abs(b[c] - m[c]);
        for (let r = 0; r < rows; r++) (z += x[r] * w[r * cols + c]), (zf += x[r] * wOut[r * cols + c]), (scale += Math.abs(x[r] * w[r * cols + c]));
        const want = (z - m[c]) * s[c] * gamma[c] + beta[c];
        expect(Math.abs(zf - want), `column ${c} ${JSON.stringify(o)}`).toBeLessThanOrEqual(1e-5 * (Math.abs(s[c] * gamma[c]) * scale + Math.abs(beta[c])));
      }
    }), { numRuns: FUZZ_RUNS, seed: fuzzSeed(143) });
  });

  it('layerNormForward and layerNormBackward', () => {
    fc.assert(fc.property(shape, (o) => {
      const { rows, cols } = o, x = values(o.seed, rows * cols, o.offset, o.spread), dy = values(o.seed + 1, rows * cols);
      const gamma = values(o.seed + 2, cols), beta = values(o.seed + 3, cols);
      const fwd = both([x, gamma, beta], [rows * cols, rows, rows], cols, (be, [xp, g, b, y, mean, inv]) => be.kernels.layerNormForward(xp, y, rows, cols, g, b, mean, inv, 1e-3));
      same(fwd, ['y', 'mean', 'invStd'], o);
      const [, mean, invStd] = fwd[0];
      const back = both([x, dy, mean, invStd, gamma], [rows * cols, cols, cols], cols, (be, [xp, d, mp, sp, g, dx, dg, db], work) =>
        be.kernels.layerNormBackward(xp, d, dx, rows, cols, mp, sp, g, dg, db, work));
      same(back, ['dx', 'dgamma', 'dbeta'], o);
      const skipped = both([x, dy, mean, invStd, gamma], [cols, cols], cols, (be, [xp, d, mp, sp, g, dg, db], work) =>
        be.kernels.layerNormBackward(xp, d, 0, rows, cols, mp, sp, g, dg, db, work));
      same(skipped, ['dgamma', 'dbeta'], o);
      expectSame(skipped[1][0], back[1][1], 'dgamma without dx');
      // the row statistics in float64 (the transposed view: rows become columns)
      const t = Float32Array.from({ length: rows * cols }, (_, i) => x[(i % rows) * cols + Math.floor(i / rows)]);
      const ref = columnMoments(t, cols, rows);
      expectClose(mean, ref.mean, 1e-6, 'row means vs float64', 0);
      expectClose(invStd, Array.from(ref.variance, (v) => 1 / Math.sqrt(v + Math.fround(1e-3))), 1e-5, 'invStd vs float64', 0);
    }), { numRuns: FUZZ_RUNS, seed: fuzzSeed(143) });
  });
});
