/**
 * Issue 3's speed work, checked for correctness (speed itself lives in bench/):
 * - each fused kernel equals the unfused kernels it replaces, on each backend (the fused kernels
 *   repeat their operations in the same order, so the values are the same, not just close);
 * - each fused kernel agrees between the js and wasm backends (1e-5, masks exactly);
 * - the GEMM packing scratch changes speed only: packed and pack-free results are identical;
 * - a fused Model trains exactly as the layer-by-layer Model (`fuse: false`): weights, gradients,
 *   outputs, dropout outputs and counters, losses, to 1e-6 (and bit for bit on the baseline build);
 * - the relaxed-SIMD (FMA) build equals the baseline build to 1e-5 relative (in a child process:
 *   Node 20 validates relaxed SIMD only with --experimental-wasm-relaxed-simd).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  Model, LayerDense, ActivationReLU, LayerDropout, ActivationSoftmax, ActivationLinear, LossCategoricalCrossentropy,
  LossMeanSquaredError, OptimizerAdam, spiralData, sineData, Matrix, type Backend, type BackendName, type Kernels, type Layer,
} from '../src/index.ts';
import { dropThreshold } from '../src/backend/random.ts';
import { backends, freshBackend, getTestBackend, expectClose, expectSame, testRng } from './helpers.ts';
import { FUSED_KERNELS } from './fusedKernels.ts';

const covered = new Set<keyof Kernels>();
const cover = (...names: (keyof Kernels)[]) => names.forEach((n) => covered.add(n));
const RUNS = 40;

function floats(seed: number, n: number): Float32Array {
  const r = testRng(seed);
  return Float32Array.from({ length: n }, () => r.normal());
}

/** values equal elementwise (+0 and −0 count as equal: the fused gate writes +0 where mul gave −0) */
function expectEqualValues(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], e = expected[i];
    if (!(a === e || (Number.isNaN(a) && Number.isNaN(e)))) expect.fail(`${what}: element [${i}] of ${expected.length} differs: ${a} vs ${e}`);
  }
}

/** scratch memory for one kernel run: tensors from arrays, read back by index */
function session(be: Backend) {
  const made: ReturnType<Backend['tensor']>[] = [];
  const put = (d: ArrayLike<number>) => { const t = be.fromArray(d, 1, Math.max(1, d.length)); made.push(t); return t.ptr; };
  const zeros = (n: number) => { const t = be.tensor(1, Math.max(1, n)); t.data.fill(NaN); made.push(t); return t.ptr; };
  const get = (p: number, n: number) => new Float32Array(be.buffer, p, n).slice();
  const done = () => made.forEach((t) => t.dispose());
  return { k: be.kernels, put, zeros, get, done };
}

const dropArgs = (rate: number) => (rate === 0 ? { threshold: 0, scale: 1 } : { threshold: dropThreshold(rate), scale: Math.fround(1 / (1 - rate)) });

// ---- the kernels, fused against unfused ----------------------------------------------------------

/** y = dropout(relu(x·w + b)) both ways */
function denseRelu(be: Backend, m: number, k: number, n: number, rate: number, seed: number) {
  const s = session(be);
  const x = s.put(floats(seed, m * k)), w = s.put(floats(seed + 1, k * n)), b = s.put(floats(seed + 2, n));
  const { threshold, scale } = dropArgs(rate);
  const fused = s.zeros(m * n), z = s.zeros(m * n), r = s.zeros(m * n), mask = s.zeros(m * n), y = s.zeros(m * n);
  s.k.denseReluForward(x, w, b, fused, m, k, n, 11, 5, threshold, scale);
  s.k.gemmNN(x, w, b, z, m, k, n, 0);
  s.k.reluForward(z, r, m * n);
  if (rate > 0) s.k.dropoutForward(r, mask, y, m * n, 11, 5, threshold, scale);
  const out = { fused: s.get(fused, m * n), unfused: s.get(rate > 0 ? y : r, m * n) };
  s.done();
  return out;
}

/** the backward gate and dbiases both ways, from a forward drawn by the unfused kernels */
function gate(be: Backend, rows: number, cols: number, rate: number, seed: number) {
  const s = session(be), size = rows * cols;
  const { threshold, scale } = dropArgs(rate);
  const z = s.put(floats(seed, size)), dy = s.put(floats(seed + 1, size));
  const r = s.zeros(size), mask = s.zeros(size), y = s.zeros(size), da = s.zeros(size), dz = s.zeros(size), db = s.zeros(cols);
  const fdz = s.zeros(size), fdb = s.zeros(cols);
  s.k.reluForward(z, r, size);
  if (rate > 0) s.k.dropoutForward(r, mask, y, size, 3, 9, threshold, scale);
  if (rate > 0) s.k.mul(dy, mask, da, size);
  s.k.reluBackward(z, rate > 0 ? da : dy, dz, size);
  s.k.colSums(dz, db, rows, cols, 0);
  s.k.reluDropoutGate(rate > 0 ? y : r, dy, fdz, fdb, rows, cols, scale);
  const out = { fused: [s.get(fdz, size), s.get(fdb, cols)], unfused: [s.get(dz, size), s.get(db, cols)] };
  s.done();
  return out;
}

/** Dense(k→hd) → ReLU → Dropout → Dense(hd→n) forward and backward, both ways */
function chain(be: Backend, m: number, k: number, hd: number, n: number, rate: number, seed: number) {
  const s = session(be);
  const { threshold, scale } = dropArgs(rate);
  const xs = floats(seed, m * k), w1s = floats(seed + 1, k * hd), b1s = floats(seed + 2, hd), w2s = floats(seed + 3, hd * n), b2s = floats(seed + 4, n), dzs = floats(seed + 5, m * n);
  const x = s.put(xs), w1 = s.put(w1s), b1 = s.put(b1s), w2 = s.put(w2s), b2 = s.put(b2s), dz = s.put(dzs), sc = s.zeros(12 * hd);
  // fused
  const h = s.zeros(m * hd), z = s.zeros(m * n), dw1 = s.zeros(k * hd), db1 = s.zeros(hd), dw2 = s.zeros(hd * n), g = s.zeros(m * hd);
  s.k.denseChainForward(x, w1, b1, h, w2, b2, z, m, k, hd, n, 21, 4, threshold, scale, sc);
  s.k.denseChainBackward(x, h, w2, dz, dw1, db1, dw2, g, m, k, hd, n, scale, sc);
  // unfused, as the layers run them
  const z1 = s.zeros(m * hd), r = s.zeros(m * hd), mask = s.zeros(m * hd), hu = s.zeros(m * hd), zu = s.zeros(m * n);
  const dw2u = s.zeros(hd * n), dhu = s.zeros(m * hd), dau = s.zeros(m * hd), gu = s.zeros(m * hd), dw1u = s.zeros(k * hd), db1u = s.zeros(hd);
  s.k.gemmNN(x, w1, b1, z1, m, k, hd, 0);
  s.k.reluForward(z1, r, m * hd);
  if (rate > 0) s.k.dropoutForward(r, mask, hu, m * hd, 21, 4, threshold, scale);
  const hIn = rate > 0 ? hu : r;
  s.k.gemmNN(hIn, w2, b2, zu, m, hd, n, 0);
  s.k.gemmTN(hIn, dz, dw2u, hd, m, n, 0);
  s.k.gemmNT(dz, w2, dhu, m, n, hd, 0);
  if (rate > 0) s.k.mul(dhu, mask, dau, m * hd);
  s.k.reluBackward(z1, rate > 0 ? dau : dhu, gu, m * hd);
  s.k.gemmTN(x, gu, dw1u, k, m, hd, 0);
  s.k.colSums(gu, db1u, m, hd, 0);
  const names = ['h', 'z', 'dw1', 'db1', 'dw2', 'g'];
  const sizes = [m * hd, m * n, k * hd, hd, hd * n, m * hd];
  const out = {
    names,
    fused: [h, z, dw1, db1, dw2, g].map((p, i) => s.get(p, sizes[i])),
    unfused: [hIn, zu, dw1u, db1u, dw2u, gu].map((p, i) => s.get(p, sizes[i])),
  };
  s.done();
  return out;
}

const rateArb = fc.constantFrom(0, 0.1, 0.5);
const seedArb = fc.integer({ min: 0, max: 1e6 });
const dim = fc.oneof(fc.constantFrom(1, 3, 4, 5, 8, 15, 16, 17, 64, 65), fc.integer({ min: 1, max: 40 }));
/** gemm shapes up to 300k multiply-adds, packed-path sizes included (m ≥ 16, k > 4, n ≥ 4) */
const shapeArb = fc.oneof(
  fc.tuple(dim, dim, dim),
  fc.tuple(fc.integer({ min: 16, max: 70 }), fc.integer({ min: 5, max: 300 }), fc.integer({ min: 4, max: 70 })),
).filter(([m, k, n]) => m * k * n <= 300_000);
const chainArb = fc.tuple(fc.constantFrom(1, 2, 5, 37), fc.integer({ min: 1, max: 4 }), fc.constantFrom(8, 9, 12, 13, 16, 17, 64, 67), fc.integer({ min: 1, max: 3 }));

describe.each(backends())('fused kernels equal the unfused ones on %s', (name) => {
  let be: Backend;
  beforeAll(async () => {
    be = await getTestBackend(name);
  });

  it('denseReluForward = gemmNN → reluForward → dropoutForward', () => {
    cover('denseReluForward');
    fc.assert(fc.property(shapeArb, rateArb, seedArb, ([m, k, n], rate, seed) => {
      const r = denseRelu(be, m, k, n, rate, seed);
      expectSame(r.fused, r.unfused, `denseReluForward(m=${m}, k=${k}, n=${n}, rate=${rate})`);
    }), { numRuns: RUNS });
  });

  it('reluDropoutGate = mul → reluBackward → colSums', () => {
    cover('reluDropoutGate');
    fc.assert(fc.property(fc.tuple(dim, dim), rateArb, seedArb, ([rows, cols], rate, seed) => {
      const r = gate(be, rows, cols, rate, seed);
      expectEqualValues(r.fused[0], r.unfused[0], `reluDropoutGate(${rows}×${cols}, rate=${rate}) dz`);
      expectEqualValues(r.fused[1], r.unfused[1], `reluDropoutGate(${rows}×${cols}, rate=${rate}) db`);
    }), { numRuns: RUNS });
  });

  it('denseChainForward / denseChainBackward = the layers one by one', () => {
    cover('denseChainForward', 'denseChainBackward');
    fc.assert(fc.property(chainArb, rateArb, seedArb, ([m, k, hd, n], rate, seed) => {
      const r = chain(be, m, k, hd, n, rate, seed);
      r.names.forEach((nm, i) => expectEqualValues(r.fused[i], r.unfused[i], `chain(m=${m}, k=${k}, hd=${hd}, n=${n}, rate=${rate}) ${nm}`));
    }), { numRuns: RUNS });
  });
});

describe('fused kernels: js ≡ wasm', () => {
  let js: Backend, wasm: Backend;
  beforeAll(async () => {
    js = await getTestBackend('js');
    wasm = await getTestBackend('wasm');
  });
  const zeroPattern = (a: Float32Array) => Array.from(a, (v) => v === 0);

  it('denseReluForward: the same masks, values within 1e-5', () => {
    fc.assert(fc.property(shapeArb, rateArb, seedArb, ([m, k, n], rate, seed) => {
      const a = denseRelu(js, m, k, n, rate, seed).fused, b = denseRelu(wasm, m, k, n, rate, seed).fused;
      const what = `denseReluForward(m=${m}, k=${k}, n=${n}, rate=${rate})`;
      expectClose(b, a, 1e-5, what);
      // a zero on one side only could come from ReLU where a sum sits at 0 within rounding, never from the mask
      const za = zeroPattern(a), zb = zeroPattern(b);
      const masked = za.filter((z, i) => z !== zb[i] && Math.abs(a[i] || b[i]) > 1e-5).length;
      expect(masked, `${what}: zeros on one side only`).toBe(0);
    }), { numRuns: RUNS });
  });

  it('reluDropoutGate, denseChainForward, denseChainBackward within 1e-5', () => {
    fc.assert(fc.property(fc.tuple(dim, dim), rateArb, seedArb, ([rows, cols], rate, seed) => {
      const a = gate(js, rows, cols, rate, seed).fused, b = gate(wasm, rows, cols, rate, seed).fused;
      expectClose(b[0], a[0], 1e-5, `reluDropoutGate(${rows}×${cols}) dz`);
      // db sums a column of dz: its rounding scales with Σ|dz|, which cancellation can make far larger than the sum
      const scale = Array.from(a[1], (_, j) => Array.from({ length: rows }, (_, r) => Math.abs(a[0][r * cols + j])).reduce((x, y) => x + y, 0));
      a[1].forEach((v, j) => expect(Math.abs(b[1][j] - v), `reluDropoutGate(${rows}×${cols}) db[${j}]`).toBeLessThanOrEqual(1e-5 * Math.max(scale[j], 1e-30)));
    }), { numRuns: RUNS });
    fc.assert(fc.property(chainArb, rateArb, seedArb, ([m, k, hd, n], rate, seed) => {
      const a = chain(js, m, k, hd, n, rate, seed), b = chain(wasm, m, k, hd, n, rate, seed);
      a.names.forEach((nm, i) => expectClose(b.fused[i], a.fused[i], 1e-5, `chain(m=${m}, k=${k}, hd=${hd}, n=${n}, rate=${rate}) ${nm}`));
    }), { numRuns: RUNS });
  });
});

describe('GEMM packing scratch', () => {
  it('the wasm build asks for scratch and the twins need none; packing changes speed, not results', async () => {
    cover('gemmScratchBytes', 'gemmScratch');
    const js = await getTestBackend('js');
    expect(js.kernels.gemmScratchBytes()).toBe(0);
    const be = await freshBackend('wasm', 5); // its own backend: this test swaps the scratch block
    const k = be.kernels, bytes = k.gemmScratchBytes();
    expect(bytes).toBeGreaterThan(64 * 1024);
    const scratch = be.tensor(1, bytes / 4);
    // shapes on the packed path, across its row (64), depth (256) and column (512) blocks and edges
    const shapes: [number, number, number][] = [[16, 5, 4], [17, 9, 13], [64, 256, 512], [70, 300, 520], [129, 513, 11], [33, 1000, 9]];
    for (const [m, kk, n] of shapes)
      for (const form of ['NN', 'TN', 'NT'] as const)
        for (const acc of [0, 1]) {
          const s = session(be);
          const a = s.put(floats(m + kk, m * kk)), b = s.put(floats(n + kk, kk * n)), bias = s.put(floats(7, n)), c0 = floats(9, m * n);
          const run = () => {
            const c = s.put(c0);
            if (form === 'NN') k.gemmNN(a, b, bias, c, m, kk, n, acc);
            else if (form === 'TN') k.gemmTN(a, b, c, m, kk, n, acc);
            else k.gemmNT(a, b, c, m, kk, n, acc);
            return s.get(c, m * n);
          };
          k.gemmScratch(scratch.ptr, bytes);
          const packed = run();
          k.gemmScratch(scratch.ptr, bytes - 4); // too small: the kernels fall back to the direct paths
          const small = run();
          k.gemmScratch(0, 0);
          const direct = run();
          const what = `gemm${form}(m=${m}, k=${kk}, n=${n}, accumulate=${acc})`;
          // gemmNN and gemmTN fall back to tiles that sum in the same order; gemmNT to dot products
          if (form === 'NT') expectClose(packed, direct, 1e-5, `${what}: packed vs pack-free`);
          else expectSame(packed, direct, `${what}: packed vs pack-free`);
          expectSame(small, direct, `${what}: too-small scratch vs pack-free`);
          // and both are right: float64 reference
          const A = floats(m + kk, m * kk), B = floats(n + kk, kk * n), bi = floats(7, n), ref = new Float64Array(m * n);
          for (let i = 0; i < m; i++)
            for (let j = 0; j < n; j++) {
              let sum = (acc ? c0[i * n + j] : 0) + (form === 'NN' ? bi[j] : 0);
              for (let p = 0; p < kk; p++) sum += (form === 'TN' ? A[p * m + i] : A[i * kk + p]) * (form === 'NT' ? B[j * kk + p] : B[p * n + j]);
              ref[i * n + j] = sum;
            }
          expectClose(packed, ref, 2e-5, `${what} vs float64`);
          s.done();
        }
  });
});

// ---- whole models: fused = layer by layer ----------------------------------------------------------

interface Spec {
  name: string;
  layers: (b: Backend) => Layer[];
  loss: 'cce' | 'mse';
  data: () => { X: Matrix; y: Int32Array | Matrix };
  fit: { epochs: number; batchSize?: number; shuffle?: boolean };
}
const l2 = { weightRegularizerL2: 5e-4, biasRegularizerL2: 5e-4 };
const SPECS: Spec[] = [
  {
    name: 'chapter 15 shape (the one-pass chain): Dense(2,64) L2 → ReLU → Dropout(0.1) → Dense(64,3) → Softmax',
    layers: (b) => [new LayerDense(2, 64, { ...l2, backend: b }), new ActivationReLU({ backend: b }), new LayerDropout(0.1, { backend: b }), new LayerDense(64, 3, { backend: b }), new ActivationSoftmax({ backend: b })],
    loss: 'cce', data: () => spiralData(60, 3, 1), fit: { epochs: 12 },
  },
  {
    name: 'MLP shape (GEMM epilogue + gate), minibatches: Dense(20,40) → ReLU → Dropout(0.2) → Dense(40,5) → Softmax',
    layers: (b) => [new LayerDense(20, 40, { backend: b }), new ActivationReLU({ backend: b }), new LayerDropout(0.2, { backend: b }), new LayerDense(40, 5, { backend: b }), new ActivationSoftmax({ backend: b })],
    loss: 'cce',
    data: () => {
      const r = testRng(4), X = new Float32Array(100 * 20).map(() => r.normal());
      return { X: new Matrix(X, 100, 20), y: Int32Array.from({ length: 100 }, (_, i) => (X[i * 20] > 0 ? 1 : 0) + (X[i * 20 + 1] > 0 ? 2 : 0) + (i % 7 === 0 ? 1 : 0)) };
    },
    fit: { epochs: 4, batchSize: 32, shuffle: true },
  },
  {
    name: 'a chain after a fused Dense → ReLU (so the chain computes dinputs): Dense(6,4) → ReLU → Dense(4,16) → ReLU → Dropout(0.25) → Dense(16,2) → Softmax',
    layers: (b) => [new LayerDense(6, 4, { backend: b }), new ActivationReLU({ backend: b }), new LayerDense(4, 16, { ...l2, backend: b }), new ActivationReLU({ backend: b }),
      new LayerDropout(0.25, { backend: b }), new LayerDense(16, 2, { backend: b }), new ActivationSoftmax({ backend: b })],
    loss: 'cce',
    data: () => {
      const r = testRng(8), X = new Float32Array(50 * 6).map(() => r.normal());
      return { X: new Matrix(X, 50, 6), y: Int32Array.from({ length: 50 }, (_, i) => (X[i * 6] + X[i * 6 + 3] > 0 ? 1 : 0)) };
    },
    fit: { epochs: 10 },
  },
  {
    name: 'regression without dropout, MSE (no fused loss): Dense(1,32) → ReLU → Dense(32,32) → ReLU → Dense(32,1) → Linear',
    layers: (b) => [new LayerDense(1, 32, { backend: b }), new ActivationReLU({ backend: b }), new LayerDense(32, 32, { backend: b }), new ActivationReLU({ backend: b }),
      new LayerDense(32, 1, { backend: b }), new ActivationLinear({ backend: b })],
    loss: 'mse', data: () => sineData(64), fit: { epochs: 8 },
  },
];

function train(b: Backend, spec: Spec, fuse: boolean) {
  const layers = spec.layers(b);
  const model = new Model({ backend: b });
  for (const l of layers) model.add(l);
  model.compile({
    loss: spec.loss === 'cce' ? new LossCategoricalCrossentropy({ backend: b }) : new LossMeanSquaredError({ backend: b }),
    optimizer: new OptimizerAdam({ learningRate: 0.01, decay: 1e-3, backend: b }), fuse,
  });
  const data = spec.data();
  const h = model.fit(data.X, data.y, { ...spec.fit });
  const dense = layers.filter((l): l is LayerDense => l instanceof LayerDense);
  const dropout = layers.filter((l): l is LayerDropout => l instanceof LayerDropout);
  return {
    model, layers, losses: h.epochs.map((e) => e.loss),
    params: dense.flatMap((d) => [d.weights, d.biases, d.dweights, d.dbiases].map((t) => t.toFloat32Array())),
    dropoutOutputs: dropout.map((d) => d.output.toFloat32Array()),
    counters: dropout.map((d) => d.counter),
    predict: model.predict(data.X).data,
  };
}

describe.each(backends())('a fused Model trains as the layer-by-layer Model on %s', (name: BackendName) => {
  for (const spec of SPECS)
    it(spec.name, async () => {
      const fused = train(await freshBackend(name, 3), spec, true);
      const plain = train(await freshBackend(name, 3), spec, false);
      // the plan really ran: a fused run does not call its first Dense layer's forward
      expect(fused.layers[0].output, 'the fused model skipped LayerDense.forward').toBeUndefined();
      expect(plain.layers[0].output, 'the unfused model ran LayerDense.forward').toBeDefined();
      expect(fused.counters).toEqual(plain.counters);
      const exact = fused.model.backend.variant !== 'wasm-relaxed-simd';
      const check = (a: ArrayLike<number>, e: ArrayLike<number>, what: string) => {
        expectClose(a, e, 1e-6, what);
        if (exact) expectEqualValues(a, e, `${what} (bit for bit)`);
      };
      check(fused.losses, plain.losses, 'losses per epoch');
      fused.params.forEach((p, i) => check(p, plain.params[i], `dense parameter/gradient tensor ${i} (weights, biases, dweights, dbiases per layer)`));
      fused.dropoutOutputs.forEach((o, i) => check(o, plain.dropoutOutputs[i], `dropout ${i} output`));
      check(fused.predict, plain.predict, 'predict');
      fused.model.dispose();
      plain.model.dispose();
    });

  it('a fused fit allocates nothing after the first epoch', async () => {
    const be = await freshBackend(name, 4);
    for (const spec of SPECS.slice(0, 2)) {
      const { model } = train(be, spec, true);
      const data = spec.data();
      const [high, live] = [be.arena.highWater, be.arena.liveBytes];
      model.fit(data.X, data.y, { ...spec.fit, epochs: 5 });
      expect([be.arena.highWater, be.arena.liveBytes], spec.name).toEqual([high, live]);
      model.dispose();
    }
  });
});

// ---- the relaxed-SIMD build against the baseline build ---------------------------------------------

describe('relaxed SIMD build ≡ baseline build', () => {
  it('GEMM in its three forms, the fused chains and a training step agree to 1e-5 relative; fused = unfused there too', () => {
    const child = fileURLToPath(new URL('./relaxedChild.ts', import.meta.url));
    const relaxedBytes = readFileSync(new URL('../build/nnwasm-relaxed.wasm', import.meta.url));
    // Node 20 validates relaxed SIMD only behind a flag; newer runtimes need none
    const flags = WebAssembly.validate(relaxedBytes) ? [] : ['--experimental-wasm-relaxed-simd'];
    const out = execFileSync(process.execPath, [...flags, '--import', 'tsx', child], { encoding: 'utf8', timeout: 90_000 });
    const report = JSON.parse(out.trim().split('\n').at(-1)!) as { variant: string; cases: [string, number][]; fusedMismatches: [string, number][] };
    expect(report.variant).toBe('wasm-relaxed-simd');
    expect(report.cases.length).toBeGreaterThanOrEqual(40);
    for (const [what, err] of report.cases) expect(err, `${what}: max relative error relaxed vs baseline`).toBeLessThanOrEqual(1e-5);
    // and on the relaxed build, fused training equals layer-by-layer training bit for bit
    expect(report.fusedMismatches.length).toBe(5);
    for (const [what, differ] of report.fusedMismatches) expect(differ, `relaxed build, ${what}: elements where fused and unfused training differ`).toBe(0);
  });
});

describe('coverage', () => {
  it('this file compared every kernel of FUSED_KERNELS', () => {
    expect([...covered].sort()).toEqual([...FUSED_KERNELS].sort());
  });
});
