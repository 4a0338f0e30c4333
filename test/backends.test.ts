/**
 * js ≡ wasm: every kernel of the contract (src/backend/kernels.ts) run on both backends with the
 * same random inputs, property-based (fast-check).
 *
 * Each run copies the inputs into fresh tensors on both backends, at a pointer offset of 0–3 floats
 * (Model.fit hands kernels batch views that are not 64-byte aligned), with sentinel guard floats
 * before and after every buffer; it then checks that
 *   - no kernel writes outside its buffers (guards intact) or into its read-only inputs;
 *   - outputs agree exactly (Object.is: +0/−0 and NaN positions too) for the kernels that do no
 *     rounding that could differ: fill, copy, gatherRows, countNonFinite, mul, relu, dropoutForward
 *     and the accuracy counts; and for regularizationGrad and the optimizer updates, whose sources
 *     promise bit-for-bit agreement;
 *   - outputs agree within 1e-5 relative for the others (GEMM sum order and FMA, transcendental
 *     functions, float64 loss sums), under helpers.ts's closeness rule
 *     |a − e| ≤ 1e-5 · max(|e|, 0.1 · max|e|) per output tensor.
 * Values are drawn from a seeded generator (the seed is part of the counterexample), shapes from
 * mixes of 1, 2, 3, 4, 5, 8, 16, 17 (SIMD tails and tile edges), small ranges and 1000, with the
 * GEMMs' m·k·n bounded so the whole file runs in seconds.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import fc from 'fast-check';
import {
  Model, LayerDense, ActivationReLU, LayerDropout, ActivationSoftmax, ActivationLinear, ActivationSigmoid,
  LossCategoricalCrossentropy, LossMeanSquaredError, OptimizerAdam, OptimizerSGD, spiralData, sineData,
  type Backend, type Kernels, type BackendName,
} from '../src/index.ts';
import { dropThreshold } from '../src/backend/random.ts';
import { getTestBackend, freshBackend, expectClose, expectSame, testRng } from './helpers.ts';
import { DROPOUT_FAMILY_KERNELS } from './dropoutFamilyKernels.ts';
import { FUSED_KERNELS } from './fusedKernels.ts';

const RTOL = 1e-5;
const GUARD = 8;
const SENTINEL = Math.fround(-7.25e13);
const RUNS = 100;

let js: Backend, wasm: Backend;
beforeAll(async () => {
  js = await getTestBackend('js');
  wasm = await getTestBackend('wasm');
});

// ---- running one kernel call on both backends ---------------------------------------------------

interface Buf {
  data: Float32Array | Int32Array;
  /** the kernel may write it (otherwise it must be left untouched) */
  out?: boolean;
}
const input = (data: Float32Array | Int32Array): Buf => ({ data });
const output = (data: Float32Array): Buf => ({ data, out: true });

interface Run {
  ret: number | void;
  /** every buffer after the call, as float32 (int32 buffers as float32 bits are never compared) */
  bufs: Float32Array[];
}

/**
 * Copy `bufs` into tensors on `be`, `off` floats past a 64-byte boundary and surrounded by guard
 * floats, call the kernel with the pointers, check the guards and the read-only buffers, read back.
 */
function runOn(be: Backend, bufs: Buf[], off: number, call: (k: Kernels, p: number[]) => number | void, what: string): Run {
  const tensors = bufs.map((b) => be.tensor(1, off + b.data.length + GUARD));
  const ptrs = tensors.map((t) => t.ptr + off * 4);
  bufs.forEach((b, i) => {
    const t = tensors[i];
    t.data.fill(SENTINEL);
    if (b.data instanceof Int32Array) new Int32Array(be.buffer, ptrs[i], b.data.length).set(b.data);
    else new Float32Array(be.buffer, ptrs[i], b.data.length).set(b.data);
  });
  const ret = call(be.kernels, ptrs);
  const out = bufs.map((b, i) => {
    const all = tensors[i].data, n = b.data.length;
    for (let g = 0; g < off; g++) if (!Object.is(all[g], SENTINEL)) throw new Error(`${what} on ${be.name}: wrote before buffer ${i} (guard ${g - off})`);
    for (let g = 0; g < GUARD; g++) if (!Object.is(all[off + n + g], SENTINEL)) throw new Error(`${what} on ${be.name}: wrote past the end of buffer ${i} (n = ${n}, guard +${g})`);
    if (!b.out) {
      const now = b.data instanceof Int32Array ? new Int32Array(be.buffer, ptrs[i], n) : all.subarray(off, off + n);
      for (let j = 0; j < n; j++) if (!Object.is(now[j], b.data[j])) throw new Error(`${what} on ${be.name}: modified its input buffer ${i} at [${j}]`);
    }
    return all.slice(off, off + n);
  });
  for (const t of tensors) t.dispose();
  return { ret, bufs: out };
}

function onBoth(bufs: Buf[], off: number, call: (k: Kernels, p: number[]) => number | void, what: string): { js: Run; wasm: Run } {
  return { js: runOn(js, bufs, off, call, what), wasm: runOn(wasm, bufs, off, call, what) };
}

/** compare js (the expected side) and wasm: buffers `idx`, exactly or within RTOL */
function compare(r: { js: Run; wasm: Run }, idx: number[], how: 'exact' | 'close', what: string): void {
  for (const i of idx) {
    if (how === 'exact') expectSame(r.wasm.bufs[i], r.js.bufs[i], `${what}, buffer ${i}`);
    else expectClose(r.wasm.bufs[i], r.js.bufs[i], RTOL, `${what}, buffer ${i}`);
  }
}
function compareRet(r: { js: Run; wasm: Run }, how: 'exact' | 'close', what: string): void {
  expect(typeof r.js.ret, `${what}: js return`).toBe('number');
  expect(typeof r.wasm.ret, `${what}: wasm return`).toBe('number');
  if (how === 'exact') expect(r.wasm.ret, `${what}: return value`).toBe(r.js.ret);
  else expectClose([r.wasm.ret as number], [r.js.ret as number], RTOL, `${what}: return value`);
}

// ---- generators ---------------------------------------------------------------------------------

type Dist = 'normal' | 'wide' | 'ties' | 'special';
/** n float32 values from `seed`: normal N(0,1); wide (magnitudes 1e-3..1e3); ties (few distinct small integers); special (±0, ±Inf, NaN among normals) */
function floats(seed: number, n: number, dist: Dist = 'normal'): Float32Array {
  const r = testRng(seed), out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    if (dist === 'normal') out[i] = r.normal();
    else if (dist === 'wide') out[i] = (r.uniform() < 0.5 ? -1 : 1) * 10 ** r.uniform(-3, 3);
    else if (dist === 'ties') out[i] = r.int(3);
    else {
      const u = r.uniform();
      out[i] = u < 0.05 ? NaN : u < 0.1 ? Infinity : u < 0.15 ? -Infinity : u < 0.2 ? -0 : u < 0.25 ? 0 : r.normal();
    }
  }
  return out;
}
const uniformF = (seed: number, n: number, lo: number, hi: number) => {
  const r = testRng(seed);
  return Float32Array.from({ length: n }, () => r.uniform(lo, hi));
};
/** probabilities, with the clipping edges 0, 1e-8, 1e-7, 1 − 6e-8, 1 − 1.2e-7 and 1 among them when `edges` */
function probs(seed: number, n: number, edges: boolean): Float32Array {
  const r = testRng(seed), e = [0, 1e-8, 1e-7, 1 - 6e-8, 1 - 1.2e-7, 1];
  return Float32Array.from({ length: n }, () => (edges && r.uniform() < 0.3 ? e[r.int(e.length)] : r.uniform()));
}
/** float32 class indices (sparse labels) */
const classes = (seed: number, rows: number, cols: number) => {
  const r = testRng(seed);
  return Float32Array.from({ length: rows }, () => r.int(cols));
};
const oneHotOf = (labels: Float32Array, cols: number) => {
  const t = new Float32Array(labels.length * cols);
  labels.forEach((c, r) => (t[r * cols + c] = 1));
  return t;
};
const nanFill = (n: number) => new Float32Array(n).fill(NaN);

const seedArb = fc.integer({ min: 0, max: 0x7fffffff });
const offArb = fc.integer({ min: 0, max: 3 });
/** lengths for elementwise kernels */
const lenArb = fc.oneof(fc.constantFrom(1, 2, 3, 4, 5, 8, 15, 16, 17, 1000), fc.integer({ min: 1, max: 70 }));
/** a matrix dimension: edges, a small range, or 1000 */
const dimArb = fc.oneof({ arbitrary: fc.constantFrom(1, 2, 3, 4, 5, 8, 16, 17), weight: 3 }, { arbitrary: fc.integer({ min: 1, max: 40 }), weight: 3 }, { arbitrary: fc.constant(1000), weight: 1 });
const GEMM_MAX = 120_000;
const gemmShapeArb = fc.tuple(dimArb, dimArb, dimArb).filter(([m, k, n]) => m * k * n <= GEMM_MAX);
/** rows × cols for row-wise kernels, at most 20,000 elements */
const matArb = fc.tuple(dimArb, dimArb).filter(([r, c]) => r * c <= 20_000);

const prop = <T>(arb: fc.Arbitrary<T>, check: (v: T) => void, numRuns = RUNS) => fc.assert(fc.property(arb, check), { numRuns });

/** every kernel this file compares; checked against both registries at the end */
const covered = new Set<keyof Kernels>();
const cover = (...names: (keyof Kernels)[]) => names.forEach((n) => covered.add(n));

// ---- memory -------------------------------------------------------------------------------------

describe('memory kernels (exact)', () => {
  it('fill', () => {
    cover('fill');
    prop(fc.tuple(lenArb, offArb, fc.float({ noNaN: false })), ([n, off, v]) => {
      const r = onBoth([output(nanFill(n))], off, (k, [x]) => k.fill(x, n, v), `fill(n=${n}, ${v})`);
      compare(r, [0], 'exact', 'fill');
      expectSame(r.js.bufs[0], new Float32Array(n).fill(v), 'fill value');
    });
  });

  it('copy', () => {
    cover('copy');
    prop(fc.tuple(lenArb, offArb, seedArb), ([n, off, seed]) => {
      const src = floats(seed, n, 'special');
      const r = onBoth([input(src), output(nanFill(n))], off, (k, [s, d]) => k.copy(s, d, n), `copy(n=${n})`);
      compare(r, [1], 'exact', 'copy');
      expectSame(r.js.bufs[1], src, 'copy = source');
    });
  });

  it('gatherRows', () => {
    cover('gatherRows');
    prop(fc.tuple(dimArb, dimArb, fc.integer({ min: 1, max: 60 }), offArb, seedArb).filter(([s, c]) => s * c <= 20_000), ([srcRows, cols, rows, off, seed]) => {
      const src = floats(seed, srcRows * cols);
      const rng = testRng(seed + 1);
      const idx = Int32Array.from({ length: rows }, () => rng.int(srcRows));
      const r = onBoth([input(src), input(idx), output(nanFill(rows * cols))], off, (k, [s, i, d]) => k.gatherRows(s, i, d, rows, cols), `gatherRows(${srcRows}×${cols} → ${rows})`);
      compare(r, [2], 'exact', 'gatherRows');
      const expected = new Float32Array(rows * cols);
      idx.forEach((from, to) => expected.set(src.subarray(from * cols, from * cols + cols), to * cols));
      expectSame(r.js.bufs[2], expected, 'gatherRows = the indexed rows');
    });
  });

  it('countNonFinite', () => {
    cover('countNonFinite');
    prop(fc.tuple(lenArb, offArb, seedArb, fc.constantFrom<Dist>('special', 'normal')), ([n, off, seed, dist]) => {
      const x = floats(seed, n, dist);
      const r = onBoth([input(x)], off, (k, [p]) => k.countNonFinite(p, n), `countNonFinite(n=${n})`);
      compareRet(r, 'exact', 'countNonFinite');
      expect(r.js.ret).toBe(x.filter((v) => !Number.isFinite(v)).length);
    });
  });

  it('mul, also in place (c aliasing a or b)', () => {
    cover('mul');
    prop(fc.tuple(lenArb, offArb, seedArb, fc.constantFrom('none', 'a', 'b')), ([n, off, seed, alias]) => {
      const a = floats(seed, n, 'special'), b = floats(seed + 1, n, 'wide');
      const call = (k: Kernels, [pa, pb, pc]: number[]) => k.mul(pa, pb, alias === 'a' ? pa : alias === 'b' ? pb : pc, n);
      const bufs = [{ data: a, out: alias === 'a' }, { data: b, out: alias === 'b' }, output(nanFill(n))];
      const r = onBoth(bufs, off, call, `mul(n=${n}, alias ${alias})`);
      const res = alias === 'a' ? 0 : alias === 'b' ? 1 : 2;
      compare(r, [res], 'exact', 'mul');
      expectSame(r.js.bufs[res], a.map((v, i) => v * b[i]), 'mul = a·b');
    });
  });

  it('scaleRows: each row times its weight, in place', () => {
    cover('scaleRows');
    prop(fc.tuple(dimArb, dimArb, offArb, seedArb).filter(([r, c]) => r * c <= 20_000), ([rows, cols, off, seed]) => {
      const x = floats(seed, rows * cols, 'special'), w = floats(seed + 1, rows, 'wide');
      const r = onBoth([{ data: x, out: true }, input(w)], off, (k, [px, pw]) => k.scaleRows(px, pw, rows, cols), `scaleRows(${rows}×${cols})`);
      compare(r, [0], 'exact', 'scaleRows');
      expectSame(r.js.bufs[0], x.map((v, i) => v * w[Math.floor(i / cols)]), 'scaleRows = x · w_row');
    });
  });
});

// ---- GEMM ---------------------------------------------------------------------------------------

/** inputs of the three GEMMs for C m×n with inner dimension k */
function gemmInputs(kind: 'NN' | 'TN' | 'NT', m: number, k: number, n: number, seed: number, dist: Dist) {
  const a = floats(seed, m * k, dist), b = floats(seed + 1, k * n, dist);
  return { a, b, kind };
}

describe('GEMM kernels (≤ 1e-5 relative)', () => {
  const gemmArb = fc.tuple(gemmShapeArb, fc.constantFrom(0, 1), fc.boolean(), offArb, seedArb, fc.constantFrom<Dist>('normal', 'wide', 'ties'));

  for (const kind of ['NN', 'TN', 'NT'] as const) {
    it(`gemm${kind}${kind === 'NN' ? ' (with and without bias)' : ''}, accumulate 0 and 1`, () => {
      cover(`gemm${kind}`);
      prop(gemmArb, ([[m, k, n], acc, withBias, off, seed, dist]) => {
        const { a, b } = gemmInputs(kind, m, k, n, seed, dist);
        const bias = floats(seed + 2, n, dist);
        // accumulate 0 must overwrite C (NaN garbage); accumulate 1 adds into the given C
        const c0 = acc ? floats(seed + 3, m * n, dist) : nanFill(m * n);
        const useBias = kind === 'NN' && withBias;
        const what = `gemm${kind}(m=${m}, k=${k}, n=${n}, accumulate=${acc}${useBias ? ', bias' : ''}, off=${off}, ${dist}, seed ${seed})`;
        const r = onBoth([input(a), input(b), input(bias), output(c0)], off, (K, [pa, pb, pbias, pc]) => {
          if (kind === 'NN') K.gemmNN(pa, pb, useBias ? pbias : 0, pc, m, k, n, acc);
          else if (kind === 'TN') K.gemmTN(pa, pb, pc, m, k, n, acc);
          else K.gemmNT(pa, pb, pc, m, k, n, acc);
        }, what);
        expect(r.js.bufs[3].every(Number.isFinite), `${what}: js output finite`).toBe(true);
        expect(r.wasm.bufs[3].every(Number.isFinite), `${what}: wasm output finite`).toBe(true);
        // float32 sums of k products differ by rounding relative to Σ|a·b| (the condition of the
        // dot product), not to the result: with cancellation the result can be far smaller
        const A = kind === 'TN' ? (i: number, p: number) => a[p * m + i] : (i: number, p: number) => a[i * k + p];
        const B = kind === 'NT' ? (p: number, j: number) => b[j * k + p] : (p: number, j: number) => b[p * n + j];
        for (let i = 0; i < m; i++)
          for (let j = 0; j < n; j++) {
            let scale = (acc ? Math.abs(c0[i * n + j]) : 0) + (useBias ? Math.abs(bias[j]) : 0);
            for (let p = 0; p < k; p++) scale += Math.abs(A(i, p) * B(p, j));
            const diff = Math.abs(r.wasm.bufs[3][i * n + j] - r.js.bufs[3][i * n + j]);
            if (!(diff <= RTOL * scale)) expect.fail(`${what}: C[${i}][${j}] differs by ${diff}, more than ${RTOL} · Σ|a·b| = ${RTOL * scale}`);
          }
      });
    });
  }

  it('degenerate shapes: one row, one column, k = 1, vectors', () => {
    const shapes: [number, number, number][] = [[1, 1, 1], [1, 17, 1], [1, 1000, 1], [1, 5, 33], [33, 5, 1], [1000, 1, 7], [7, 1, 1000], [1, 1000, 9], [9, 1000, 1], [1000, 3, 1], [1, 3, 1000], [2, 2, 2], [3, 3, 3], [4, 4, 4]];
    let seed = 100;
    for (const [m, k, n] of shapes)
      for (const acc of [0, 1])
        for (const kind of ['NN', 'TN', 'NT'] as const) {
          const { a, b } = gemmInputs(kind, m, k, n, seed++, 'normal');
          const bias = floats(seed++, n);
          const c0 = acc ? floats(seed++, m * n) : nanFill(m * n);
          const what = `gemm${kind}(m=${m}, k=${k}, n=${n}, accumulate=${acc})`;
          const r = onBoth([input(a), input(b), input(bias), output(c0)], 0, (K, [pa, pb, pbias, pc]) => {
            if (kind === 'NN') K.gemmNN(pa, pb, pbias, pc, m, k, n, acc);
            else if (kind === 'TN') K.gemmTN(pa, pb, pc, m, k, n, acc);
            else K.gemmNT(pa, pb, pc, m, k, n, acc);
          }, what);
          // an independent float64 reference, to make sure both are right and not just equal
          const ref = new Float64Array(m * n);
          for (let i = 0; i < m; i++)
            for (let j = 0; j < n; j++) {
              let s = acc ? c0[i * n + j] : 0;
              if (kind === 'NN') s += bias[j];
              for (let p = 0; p < k; p++) {
                const av = kind === 'TN' ? a[p * m + i] : a[i * k + p];
                const bv = kind === 'NT' ? b[j * k + p] : b[p * n + j];
                s += av * bv;
              }
              ref[i * n + j] = s;
            }
          compare(r, [3], 'close', what);
          expectClose(r.js.bufs[3], ref, 1e-4, `${what}: js vs float64 reference`);
          expectClose(r.wasm.bufs[3], ref, 1e-4, `${what}: wasm vs float64 reference`);
        }
  });

  it('colSums, accumulate 0 and 1', () => {
    cover('colSums');
    prop(fc.tuple(matArb, fc.constantFrom(0, 1), offArb, seedArb, fc.constantFrom<Dist>('normal', 'wide')), ([[rows, cols], acc, off, seed, dist]) => {
      const x = floats(seed, rows * cols, dist);
      const o0 = acc ? floats(seed + 1, cols, dist) : nanFill(cols);
      const what = `colSums(${rows}×${cols}, accumulate=${acc}, off=${off})`;
      const r = onBoth([input(x), output(o0)], off, (k, [px, po]) => k.colSums(px, po, rows, cols, acc), what);
      expect(r.wasm.bufs[1].every(Number.isFinite), `${what}: finite`).toBe(true);
      // a float32 sum differs by rounding relative to Σ|x| (see the GEMMs), not to the result
      for (let j = 0; j < cols; j++) {
        let scale = acc ? Math.abs(o0[j]) : 0;
        for (let i = 0; i < rows; i++) scale += Math.abs(x[i * cols + j]);
        const diff = Math.abs(r.wasm.bufs[1][j] - r.js.bufs[1][j]);
        if (!(diff <= RTOL * scale)) expect.fail(`${what}: column ${j} differs by ${diff}, more than ${RTOL} · Σ|x| = ${RTOL * scale}`);
      }
    });
  });
});

// ---- activations --------------------------------------------------------------------------------

describe('activation kernels', () => {
  const aliasArb = fc.boolean();

  it('reluForward (exact), also in place', () => {
    cover('reluForward');
    prop(fc.tuple(lenArb, offArb, seedArb, aliasArb), ([n, off, seed, inPlace]) => {
      const x = floats(seed, n, 'special'); // NaN, ±0, ±Inf: x > 0 ? x : 0 gives +0 for NaN and −0
      const r = onBoth([{ data: x, out: inPlace }, output(nanFill(n))], off, (k, [px, py]) => k.reluForward(px, inPlace ? px : py, n), `reluForward(n=${n})`);
      compare(r, [inPlace ? 0 : 1], 'exact', 'reluForward');
    });
  });

  it('reluBackward (exact)', () => {
    cover('reluBackward');
    prop(fc.tuple(lenArb, offArb, seedArb), ([n, off, seed]) => {
      const x = floats(seed, n, 'special'), dy = floats(seed + 1, n, 'wide');
      const r = onBoth([input(x), input(dy), output(nanFill(n))], off, (k, [px, pdy, pdx]) => k.reluBackward(px, pdy, pdx, n), `reluBackward(n=${n})`);
      compare(r, [2], 'exact', 'reluBackward');
    });
  });

  it('sigmoidForward, also in place', () => {
    cover('sigmoidForward');
    prop(fc.tuple(lenArb, offArb, seedArb, aliasArb, fc.constantFrom<Dist>('normal', 'wide')), ([n, off, seed, inPlace, dist]) => {
      const x = floats(seed, n, dist);
      const r = onBoth([{ data: x, out: inPlace }, output(nanFill(n))], off, (k, [px, py]) => k.sigmoidForward(px, inPlace ? px : py, n), `sigmoidForward(n=${n})`);
      compare(r, [inPlace ? 0 : 1], 'close', `sigmoidForward(n=${n}, ${dist})`);
    });
  });

  it('sigmoidBackward', () => {
    cover('sigmoidBackward');
    prop(fc.tuple(lenArb, offArb, seedArb), ([n, off, seed]) => {
      const y = probs(seed, n, true), dy = floats(seed + 1, n, 'wide');
      const r = onBoth([input(y), input(dy), output(nanFill(n))], off, (k, [py, pdy, pdx]) => k.sigmoidBackward(py, pdy, pdx, n), `sigmoidBackward(n=${n})`);
      compare(r, [2], 'close', `sigmoidBackward(n=${n})`);
    });
  });

  it('softmaxForward, also in place', () => {
    cover('softmaxForward');
    prop(fc.tuple(matArb, offArb, seedArb, aliasArb, fc.constantFrom<Dist>('normal', 'wide', 'ties')), ([[rows, cols], off, seed, inPlace, dist]) => {
      const x = floats(seed, rows * cols, dist).map((v) => v * (dist === 'wide' ? 0.05 : 1)); // logits up to ±50
      const what = `softmaxForward(${rows}×${cols}, ${dist}, seed ${seed})`;
      const r = onBoth([{ data: x, out: inPlace }, output(nanFill(rows * cols))], off, (k, [px, py]) => k.softmaxForward(px, inPlace ? px : py, rows, cols), what);
      compare(r, [inPlace ? 0 : 1], 'close', what);
    });
  });

  it('softmaxBackward', () => {
    cover('softmaxBackward');
    prop(fc.tuple(matArb, offArb, seedArb), ([[rows, cols], off, seed]) => {
      const y = probs(seed, rows * cols, false), dy = floats(seed + 1, rows * cols);
      const what = `softmaxBackward(${rows}×${cols}, seed ${seed})`;
      const r = onBoth([input(y), input(dy), output(nanFill(rows * cols))], off, (k, [py, pdy, pdx]) => k.softmaxBackward(py, pdy, pdx, rows, cols), what);
      compare(r, [2], 'close', what);
    });
  });
});

// ---- dropout ------------------------------------------------------------------------------------

describe('dropoutForward (exact)', () => {
  it('same mask and output on both backends for any seed, counter, rate and length, also in place', () => {
    cover('dropoutForward');
    const rateArb = fc.oneof(fc.constantFrom(0, 0.1, 0.5, 0.9, 0.999), fc.double({ min: 0, max: 0.99, noNaN: true }));
    prop(fc.tuple(lenArb, offArb, seedArb, fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffffffff }), rateArb, fc.boolean()), ([n, off, seed, key, counter, rate, inPlace]) => {
      const x = floats(seed, n, 'wide');
      const threshold = dropThreshold(rate), scale = Math.fround(1 / (1 - rate));
      const what = `dropoutForward(n=${n}, seed=${key}, counter=${counter}, rate=${rate})`;
      const r = onBoth([{ data: x, out: inPlace }, output(nanFill(n)), output(nanFill(n))], off, (k, [px, pm, py]) =>
        k.dropoutForward(px, pm, inPlace ? px : py, n, key, counter, threshold, scale), what);
      compare(r, [1, inPlace ? 0 : 2], 'exact', what);
      expect(r.js.bufs[1].every((m) => m === 0 || m === scale), `${what}: mask values`).toBe(true);
    });
  });
});

// ---- losses and accuracy ------------------------------------------------------------------------

describe('loss kernels (≤ 1e-5 relative)', () => {
  const clsArb = fc.tuple(dimArb, fc.oneof(fc.constantFrom(2, 3, 4, 5, 17), fc.integer({ min: 2, max: 40 })), offArb, seedArb, fc.boolean(), fc.boolean()).filter(([r, c]) => r * c <= 20_000);

  it('cceLoss, sparse and one-hot, predictions including the clipping edges', () => {
    cover('cceLoss');
    prop(clsArb, ([rows, cols, off, seed, oneHot, edges]) => {
      const y = probs(seed, rows * cols, edges), lab = classes(seed + 1, rows, cols);
      const labels = oneHot ? oneHotOf(lab, cols) : lab;
      const what = `cceLoss(${rows}×${cols}, ${oneHot ? 'one-hot' : 'sparse'}, ${edges ? 'with edges' : 'interior'}, seed ${seed})`;
      const r = onBoth([input(y), input(labels)], off, (k, [py, pl]) => k.cceLoss(py, pl, rows, cols, +oneHot, 0), what);
      compareRet(r, 'close', what);
      // per-sample weights: each row's loss times its weight; weights of 1 change no bit
      const w = uniformF(seed + 2, rows, 0, 3);
      const rw = onBoth([input(y), input(labels), input(w)], off, (k, [py, pl, pw]) => k.cceLoss(py, pl, rows, cols, +oneHot, pw), `${what} weighted`);
      compareRet(rw, 'close', `${what} weighted`);
      const perRow = Array.from({ length: rows }, (_, i) => onBoth([input(y.subarray(i * cols, i * cols + cols)), input(labels.subarray(oneHot ? i * cols : i, oneHot ? i * cols + cols : i + 1))], 0, (k, [py, pl]) => k.cceLoss(py, pl, 1, cols, +oneHot, 0), what).js.ret!);
      expect(rw.js.ret, `${what}: Σ w_r · loss_r`).toBeCloseTo(perRow.reduce((a, l, i) => a + w[i] * l, 0), 6);
      const ones = onBoth([input(y), input(labels), input(new Float32Array(rows).fill(1))], off, (k, [py, pl, pw]) => k.cceLoss(py, pl, rows, cols, +oneHot, pw), `${what} ones`);
      expect(ones.js.ret).toBe(r.js.ret);
      expect(ones.wasm.ret).toBe(r.wasm.ret);
    });
  });

  it('cceBackward and softmaxCceBackward, sparse and one-hot', () => {
    cover('cceBackward', 'softmaxCceBackward');
    prop(clsArb, ([rows, cols, off, seed, oneHot, fused]) => {
      const y = uniformF(seed, rows * cols, 1e-3, 1), lab = classes(seed + 1, rows, cols);
      const labels = oneHot ? oneHotOf(lab, cols) : lab;
      const name = fused ? 'softmaxCceBackward' : 'cceBackward';
      const what = `${name}(${rows}×${cols}, ${oneHot ? 'one-hot' : 'sparse'}, seed ${seed})`;
      const r = onBoth([input(y), input(labels), output(nanFill(rows * cols))], off, (k, [py, pl, pdx]) => k[name](py, pl, pdx, rows, cols, +oneHot), what);
      compare(r, [2], 'close', what);
    });
  });

  const targetArb = fc.tuple(lenArb, offArb, seedArb, fc.boolean());
  /** an elementwise loss with per-row weights (rows of 5, 3, 2 or 1 elements): Σ_r w_r Σ_j loss, on both backends */
  const checkWeighted = (name: 'bceLoss' | 'mseLoss' | 'maeLoss', y: Float32Array, t: Float32Array, off: number, seed: number, what: string) => {
    const n = y.length, cols = [5, 3, 2, 1].find((c) => n % c === 0)!, rows = n / cols, w = uniformF(seed + 3, rows, 0, 3);
    const r = onBoth([input(y), input(t), input(w)], off, (k, [py, pt, pw]) => k[name](py, pt, n, cols, pw), `${what} weighted ${rows}×${cols}`);
    compareRet(r, 'close', `${what} weighted`);
    const rowLoss = (i: number) => onBoth([input(y.subarray(i * cols, i * cols + cols)), input(t.subarray(i * cols, i * cols + cols))], 0, (k, [py, pt]) => k[name](py, pt, cols, 1, 0), what).js.ret!;
    let expected = 0;
    for (let i = 0; i < rows; i++) expected += w[i] * rowLoss(i);
    expect(Math.abs(r.js.ret! - expected), `${what}: Σ w_r · loss_r`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));
  };

  it('bceLoss, predictions including the clipping edges', () => {
    cover('bceLoss');
    prop(targetArb, ([n, off, seed, edges]) => {
      const y = probs(seed, n, edges), t = probs(seed + 1, n, false).map((v, i) => (i % 3 ? Math.round(v) : v));
      const what = `bceLoss(n=${n}, ${edges ? 'with edges' : 'interior'}, seed ${seed})`;
      const r = onBoth([input(y), input(t)], off, (k, [py, pt]) => k.bceLoss(py, pt, n, 1, 0), what);
      compareRet(r, 'close', what);
      checkWeighted('bceLoss', y, t, off, seed, what);
    });
  });

  it('bceBackward, predictions including the clipping edges', () => {
    cover('bceBackward');
    prop(targetArb, ([n, off, seed, edges]) => {
      const y = probs(seed, n, edges), t = probs(seed + 1, n, false).map((v, i) => (i % 3 ? Math.round(v) : v));
      const what = `bceBackward(n=${n}, ${edges ? 'with edges' : 'interior'}, seed ${seed})`;
      const r = onBoth([input(y), input(t), output(nanFill(n))], off, (k, [py, pt, pdx]) => k.bceBackward(py, pt, pdx, n, 1 / n), what);
      compare(r, [2], 'close', what);
    });
  });

  for (const name of ['mse', 'mae'] as const) {
    it(`${name}Loss and ${name}Backward (including y = t for mae's sign(0) = 0)`, () => {
      cover(`${name}Loss`, `${name}Backward`);
      prop(fc.tuple(lenArb, offArb, seedArb, fc.constantFrom<Dist>('normal', 'wide')), ([n, off, seed, dist]) => {
        const y = floats(seed, n, dist), t = floats(seed + 1, n, dist).map((v, i) => (i % 5 === 0 ? y[i] : v));
        const what = `${name}(n=${n}, ${dist}, seed ${seed})`;
        const r = onBoth([input(y), input(t)], off, (k, [py, pt]) => k[`${name}Loss`](py, pt, n, 1, 0), `${what} loss`);
        compareRet(r, 'close', `${what} loss`);
        checkWeighted(`${name}Loss`, y, t, off, seed, what);
        const g = onBoth([input(y), input(t), output(nanFill(n))], off, (k, [py, pt, pdx]) => k[`${name}Backward`](py, pt, pdx, n, 1 / n), `${what} backward`);
        compare(g, [2], 'close', `${what} backward`);
      });
    });
  }
});

describe('accuracy kernels (exact counts)', () => {
  it('categoricalCorrect, sparse and one-hot, with ties (first maximum wins)', () => {
    cover('categoricalCorrect');
    prop(fc.tuple(dimArb, fc.integer({ min: 2, max: 20 }), offArb, seedArb, fc.boolean()), ([rows, cols, off, seed, oneHot]) => {
      const y = floats(seed, rows * cols, 'ties'), lab = classes(seed + 1, rows, cols);
      const labels = oneHot ? floats(seed + 2, rows * cols, 'ties') : lab; // one-hot side: argmax with ties too
      const what = `categoricalCorrect(${rows}×${cols}, ${oneHot ? 'one-hot' : 'sparse'})`;
      const r = onBoth([input(y), input(labels)], off, (k, [py, pl]) => k.categoricalCorrect(py, pl, rows, cols, +oneHot), what);
      compareRet(r, 'exact', what);
      const argmax = (a: Float32Array, at: number) => {
        let b = 0;
        for (let j = 1; j < cols; j++) if (a[at + j] > a[at + b]) b = j;
        return b;
      };
      let expected = 0;
      for (let i = 0; i < rows; i++) if (argmax(y, i * cols) === (oneHot ? argmax(labels, i * cols) : lab[i])) expected++;
      expect(r.js.ret, `${what}: count`).toBe(expected);
    });
  });

  it('binaryCorrect, with outputs at and around 0.5', () => {
    cover('binaryCorrect');
    prop(fc.tuple(lenArb, offArb, seedArb), ([n, off, seed]) => {
      const rr = testRng(seed);
      const edge = [0.5, Math.fround(0.5 + 2 ** -24), Math.fround(0.5 - 2 ** -25), 0, 1];
      const y = Float32Array.from({ length: n }, () => (rr.uniform() < 0.3 ? edge[rr.int(edge.length)] : rr.uniform()));
      const t = Float32Array.from({ length: n }, () => rr.int(2));
      const r = onBoth([input(y), input(t)], off, (k, [py, pt]) => k.binaryCorrect(py, pt, n), `binaryCorrect(n=${n})`);
      compareRet(r, 'exact', 'binaryCorrect');
    });
  });

  it('binaryCounts: true positives, predicted positives, actual positives (threshold 0.5 on both)', () => {
    cover('binaryCounts');
    prop(fc.tuple(lenArb, offArb, seedArb, fc.constantFrom(0, 1, 2)), ([n, off, seed, which]) => {
      const rr = testRng(seed);
      const edge = [0.5, Math.fround(0.5 + 2 ** -24), 0, 1];
      const y = Float32Array.from({ length: n }, () => (rr.uniform() < 0.3 ? edge[rr.int(edge.length)] : rr.uniform()));
      const t = Float32Array.from({ length: n }, () => rr.int(2));
      const what = `binaryCounts(n=${n}, which ${which})`;
      const r = onBoth([input(y), input(t)], off, (k, [py, pt]) => k.binaryCounts(py, pt, n, which), what);
      compareRet(r, 'exact', what);
      let expected = 0;
      for (let i = 0; i < n; i++) {
        const p = y[i] > 0.5, a = t[i] > 0.5;
        if (which === 0 ? p && a : which === 1 ? p : a) expected++;
      }
      expect(r.js.ret, `${what}: count`).toBe(expected);
    });
  });

  it('topKCorrect, sparse and one-hot: the label scores among the k highest (ties count for the label)', () => {
    cover('topKCorrect');
    prop(fc.tuple(dimArb, fc.integer({ min: 2, max: 20 }), fc.integer({ min: 1, max: 6 }), offArb, seedArb, fc.boolean()), ([rows, cols, k, off, seed, oneHot]) => {
      const y = floats(seed, rows * cols, 'ties'), lab = classes(seed + 1, rows, cols);
      const labels = oneHot ? Float32Array.from({ length: rows * cols }, (_, i) => +(lab[Math.floor(i / cols)] === i % cols)) : lab;
      const what = `topKCorrect(${rows}×${cols}, k ${k}, ${oneHot ? 'one-hot' : 'sparse'})`;
      const r = onBoth([input(y), input(labels)], off, (kk, [py, pl]) => kk.topKCorrect(py, pl, rows, cols, k, +oneHot), what);
      compareRet(r, 'exact', what);
      let expected = 0;
      for (let i = 0; i < rows; i++) {
        const score = y[i * cols + lab[i]];
        if (y.subarray(i * cols, i * cols + cols).filter((v) => v > score).length < k) expected++;
      }
      expect(r.js.ret, `${what}: count`).toBe(expected);
    });
  });

  it('regressionCorrect', () => {
    cover('regressionCorrect');
    prop(fc.tuple(lenArb, offArb, seedArb, fc.constantFrom(0.01, 0.1, 0.5, 1)), ([n, off, seed, precision]) => {
      const y = floats(seed, n), t = floats(seed + 1, n).map((v, i) => y[i] + v * precision);
      const r = onBoth([input(y), input(t)], off, (k, [py, pt]) => k.regressionCorrect(py, pt, n, Math.fround(precision)), `regressionCorrect(n=${n}, precision ${precision})`);
      compareRet(r, 'exact', 'regressionCorrect');
    });
  });

  it('regressionCorrect at the precision boundary: |y − t| is the float32 difference (as NumPy on float32 arrays)', () => {
    // y − t = 1 − 2^-30 exactly, but its float32 rounding is 1: not < precision 1 in float32 arithmetic
    const y = new Float32Array([1, 2, 0.75]), t = new Float32Array([2 ** -30, 1 + 2 ** -29, 0.25]);
    const r = onBoth([input(y), input(t)], 0, (k, [py, pt]) => k.regressionCorrect(py, pt, 3, 1), 'regressionCorrect at the boundary');
    expect(r.js.ret, 'js: only |0.75 − 0.25| < 1').toBe(1);
    compareRet(r, 'exact', 'regressionCorrect at the boundary');
  });
});

// ---- regularization and optimizers --------------------------------------------------------------

// src/backend/js/optim.ts and assembly/optim.ts promise bit-for-bit agreement (every operation is
// a float32 +, −, ×, ÷ or sqrt, rounded once): those outputs are compared exactly. The penalty is a
// float64 sum in a different order on each side: ≤ 1e-5.
describe('regularization and optimizer kernels (exact, the penalty ≤ 1e-5)', () => {
  const lArb = fc.constantFrom(0, 5e-4, 0.01, 0.3);

  it('regularizationPenalty and regularizationGrad', () => {
    cover('regularizationPenalty', 'regularizationGrad');
    prop(fc.tuple(lenArb, offArb, seedArb, lArb, lArb), ([n, off, seed, l1, l2]) => {
      const w = floats(seed, n).map((v, i) => (i % 7 === 3 ? 0 : v)), dw = floats(seed + 1, n, 'wide');
      const what = `regularization(n=${n}, l1=${l1}, l2=${l2})`;
      const p = onBoth([input(w)], off, (k, [pw]) => k.regularizationPenalty(pw, n, l1, l2), `${what} penalty`);
      compareRet(p, 'close', `${what} penalty`);
      const g = onBoth([input(w), output(dw)], off, (k, [pw, pdw]) => k.regularizationGrad(pw, pdw, n, l1, l2), `${what} grad`);
      compare(g, [1], 'exact', `${what} grad`);
    });
  });

  const fr = Math.fround;
  const optArb = fc.tuple(lenArb, offArb, seedArb, fc.constantFrom(1e-3, 0.01, 0.05, 0.5, 1), fc.constantFrom<Dist>('normal', 'wide'));

  it('sgdUpdate and sgdMomentumUpdate', () => {
    cover('sgdUpdate', 'sgdMomentumUpdate');
    prop(fc.tuple(optArb, fc.constantFrom(0.5, 0.9)), ([[n, off, seed, lr, dist], momentum]) => {
      const w = floats(seed, n), dw = floats(seed + 1, n, dist), m = floats(seed + 2, n, dist);
      const a = onBoth([output(w), input(dw)], off, (k, [pw, pdw]) => k.sgdUpdate(pw, pdw, n, fr(lr)), `sgdUpdate(n=${n})`);
      compare(a, [0], 'exact', `sgdUpdate(n=${n}, lr=${lr}) w`);
      const b = onBoth([output(w), input(dw), output(m)], off, (k, [pw, pdw, pm]) => k.sgdMomentumUpdate(pw, pdw, pm, n, fr(lr), fr(momentum)), `sgdMomentumUpdate(n=${n})`);
      compare(b, [0, 2], 'exact', `sgdMomentumUpdate(n=${n}, lr=${lr}, momentum=${momentum}) w, m`);
    });
  });

  it('adagradUpdate and rmspropUpdate', () => {
    cover('adagradUpdate', 'rmspropUpdate');
    prop(fc.tuple(optArb, fc.constantFrom(0.9, 0.99)), ([[n, off, seed, lr, dist], rho]) => {
      const w = floats(seed, n), dw = floats(seed + 1, n, dist), cache = floats(seed + 2, n, dist).map((v) => v * v);
      const eps = fr(1e-7);
      const a = onBoth([output(w), input(dw), output(cache)], off, (k, [pw, pdw, pc]) => k.adagradUpdate(pw, pdw, pc, n, fr(lr), eps), `adagradUpdate(n=${n})`);
      compare(a, [0, 2], 'exact', `adagradUpdate(n=${n}, lr=${lr}) w, cache`);
      const b = onBoth([output(w), input(dw), output(cache)], off, (k, [pw, pdw, pc]) => k.rmspropUpdate(pw, pdw, pc, n, fr(lr), eps, fr(1 - rho)), `rmspropUpdate(n=${n})`);
      compare(b, [0, 2], 'exact', `rmspropUpdate(n=${n}, lr=${lr}, rho=${rho}) w, cache`);
    });
  });

  it('adamUpdate, first and later iterations', () => {
    cover('adamUpdate');
    prop(fc.tuple(optArb, fc.constantFrom(1, 2, 10, 1000)), ([[n, off, seed, lr, dist], t]) => {
      const w = floats(seed, n), dw = floats(seed + 1, n, dist);
      const m = t === 1 ? new Float32Array(n) : floats(seed + 2, n, dist), v = t === 1 ? new Float32Array(n) : floats(seed + 3, n, dist).map((x) => x * x);
      const b1 = 0.9, b2 = 0.999;
      const what = `adamUpdate(n=${n}, lr=${lr}, t=${t}, ${dist}) w, m, v`;
      const r = onBoth([output(w), input(dw), output(m), output(v)], off, (k, [pw, pdw, pm, pv]) =>
        k.adamUpdate(pw, pdw, pm, pv, n, fr(lr), fr(1 - b1), fr(1 - b2), fr(1e-7), fr(1 - b1 ** t), fr(1 - b2 ** t)), what);
      compare(r, [0, 2, 3], 'exact', what);
    });
  });
});

describe('the contract', () => {
  it('both registries implement every kernel, and this file compares every one of them', () => {
    const names = Object.keys(js.kernels).sort();
    expect(names.length).toBeGreaterThanOrEqual(35);
    for (const n of names) expect(typeof (wasm.kernels as unknown as Record<string, unknown>)[n], `wasm export ${n}`).toBe('function');
    cover(...DROPOUT_FAMILY_KERNELS); // compared in test/dropoutVariants.kernels.test.ts
    cover(...FUSED_KERNELS); // compared in test/fusion.test.ts
    cover('im2col', 'col2im', 'conv2dForward', 'conv2dMaxPoolForward', 'conv2dBackwardKernel', 'conv2dBackwardInput', 'maxPoolForward', 'maxPoolBackward', 'avgPoolForward', 'avgPoolBackward', 'globalAvgPoolForward', 'globalAvgPoolBackward', 'dropoutBroadcastForward'); // test/images.kernels.test.ts
    cover('batchNormStats', 'batchNormInvStd', 'batchNormMovingUpdate', 'batchNormApply', 'batchNormFold', 'batchNormBackward', 'layerNormForward', 'layerNormBackward'); // test/norm.kernels.test.ts
    cover('simpleRnnForward', 'simpleRnnBackward', 'lstmForward', 'lstmBackward', 'gruForward', 'gruBackward'); // test/recurrent.kernels.test.ts
    expect([...covered].sort()).toEqual(names);
  });
});

// ---- whole models -------------------------------------------------------------------------------

describe('the same seeded model trains alike on both backends', () => {
  const train = async (name: BackendName) => {
    const be = await freshBackend(name, 1234);
    const data = spiralData(100, 3, 7);
    const model = new Model({ backend: be })
      .add(new LayerDense(2, 16, { backend: be, weightRegularizerL2: 5e-4, biasRegularizerL2: 5e-4 }))
      .add(new ActivationReLU({ backend: be }))
      .add(new LayerDropout(0.1, { backend: be }))
      .add(new LayerDense(16, 3, { backend: be }))
      .add(new ActivationSoftmax({ backend: be }))
      .compile({ loss: new LossCategoricalCrossentropy({ backend: be }), optimizer: new OptimizerAdam({ learningRate: 0.05, decay: 1e-3, backend: be }) });
    const history = model.fit(data.X, data.y, { epochs: 20, batchSize: 64, shuffle: true });
    return { history, predictions: model.predict(data.X).data };
  };

  it('spiral 2→16→3, L2, dropout 0.1, Adam, shuffled mini-batches, 20 epochs: losses within 1e-4', async () => {
    const [a, b] = [await train('js'), await train('wasm')];
    expect(a.history.epochs).toHaveLength(20);
    const loss = (h: typeof a.history) => h.epochs.map((e) => e.loss);
    expectClose(loss(b.history), loss(a.history), 1e-4, 'epoch losses (wasm vs js)', 0);
    expectClose(b.history.epochs.map((e) => e.dataLoss), a.history.epochs.map((e) => e.dataLoss), 1e-4, 'epoch data losses', 0);
    expectClose(b.predictions, a.predictions, 1e-3, 'predictions after training');
    // training happened: the loss went down
    expect(a.history.epochs[19].loss).toBeLessThan(a.history.epochs[0].loss * 0.99);
  });

  it('sine regression 1→8→1 (sigmoid, linear, MSE, SGD with momentum): losses within 1e-4', async () => {
    const run = async (name: BackendName) => {
      const be = await freshBackend(name, 99);
      const { X, y } = sineData(200);
      const model = new Model({ backend: be })
        .add(new LayerDense(1, 8, { backend: be }))
        .add(new ActivationSigmoid({ backend: be }))
        .add(new LayerDense(8, 1, { backend: be }))
        .add(new ActivationLinear({ backend: be }))
        .compile({ loss: new LossMeanSquaredError({ backend: be }), optimizer: new OptimizerSGD({ learningRate: 0.5, momentum: 0.9, backend: be }) });
      return model.fit(X, y, { epochs: 20, batchSize: 50 }).epochs.map((e) => e.loss);
    };
    const [a, b] = [await run('js'), await run('wasm')];
    expectClose(b, a, 1e-4, 'epoch losses (wasm vs js)', 0);
  });
});
