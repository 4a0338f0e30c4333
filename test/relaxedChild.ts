/**
 * Run by test/fusion.test.ts in a child Node started with --experimental-wasm-relaxed-simd (Node 20
 * validates relaxed SIMD only behind that flag): the relaxed-SIMD (FMA) build against the baseline
 * build on the same inputs, through every GEMM path, the fused chains and one training step of
 * two models. Prints one JSON line: { variant, cases: [what, max relative error][] }, the error
 * under test/helpers.ts's closeness rule (relative, with a floor of 0.1 · max |expected|).
 */
import {
  createBackend, Model, LayerDense, ActivationReLU, LayerDropout, ActivationSoftmax, LossCategoricalCrossentropy, OptimizerAdam,
  spiralData, Matrix, type Backend,
} from '../src/index.ts';
import { dropThreshold } from '../src/backend/random.ts';
import { maxRelErr, testRng } from './helpers.ts';

const base = await createBackend('wasm', { seed: 1, simd: 'baseline' });
const relaxed = await createBackend('wasm', { seed: 1, simd: 'relaxed' });
const cases: [string, number][] = [];
const floats = (seed: number, n: number) => { const r = testRng(seed); return Float32Array.from({ length: n }, () => r.normal()); };

/** run `body` on both builds with the same inputs; compare the outputs */
function both(what: string, inputs: Float32Array[], outSizes: number[], body: (b: Backend, p: number[]) => void): void {
  const results = [base, relaxed].map((b) => {
    const ts = [...inputs.map((d) => b.fromArray(d, 1, Math.max(1, d.length))), ...outSizes.map((n) => b.zeros(1, Math.max(1, n)))];
    body(b, ts.map((t) => t.ptr));
    const outs = ts.slice(inputs.length).map((t, i) => t.data.slice(0, outSizes[i]));
    ts.forEach((t) => t.dispose());
    return outs;
  });
  results[0].forEach((e, i) => cases.push([`${what} output ${i}`, maxRelErr(results[1][i], e)]));
}

// every GEMM path: small k, n ≤ 3, splat tiles (m < 16), packed panels, dot products (gemmNT, small m)
const shapes: [number, number, number][] = [[3000, 2, 512], [3000, 512, 3], [512, 3000, 3], [2, 3000, 512], [3000, 3, 512], [64, 64, 64], [128, 784, 128],
  [784, 128, 128], [128, 10, 128], [257, 300, 520], [9, 1000, 33], [7, 40, 2], [1, 513, 1]];
for (const [m, k, n] of shapes) {
  const a = floats(m + k, m * k), b = floats(k + n, k * n), bias = floats(n, n);
  both(`gemmNN(${m}, ${k}, ${n})`, [a, b, bias], [m * n], (be, [pa, pb, pbias, pc]) => be.kernels.gemmNN(pa, pb, pbias, pc, m, k, n, 0));
  both(`gemmTN(${m}, ${k}, ${n})`, [a, b], [m * n], (be, [pa, pb, pc]) => be.kernels.gemmTN(pa, pb, pc, m, k, n, 0));
  both(`gemmNT(${m}, ${k}, ${n})`, [a, b], [m * n], (be, [pa, pb, pc]) => be.kernels.gemmNT(pa, pb, pc, m, k, n, 0));
}

// the fused chains at the chapter-15 shape and an odd one
for (const [m, k, hd, n] of [[3000, 2, 512, 3], [37, 3, 67, 2]]) {
  const thr = dropThreshold(0.1), scale = Math.fround(1 / 0.9);
  both(`denseChain(${m}, ${k}, ${hd}, ${n})`, [floats(1, m * k), floats(2, k * hd), floats(3, hd), floats(4, hd * n), floats(5, n), floats(6, m * n)],
    [m * hd, m * n, k * hd, hd, hd * n, 12 * hd], (be, [x, w1, b1, w2, b2, dz, h, z, dw1, db1, dw2, sc]) => {
      be.kernels.denseChainForward(x, w1, b1, h, w2, b2, z, m, k, hd, n, 7, 1, thr, scale, sc);
      be.kernels.denseChainBackward(x, h, w2, dz, dw1, db1, dw2, 0, m, k, hd, n, scale, sc);
    });
  both(`denseReluForward(${m}, ${hd}, ${hd})`, [floats(7, m * hd), floats(8, hd * hd), floats(9, hd)], [m * hd], (be, [x, w, b, y]) =>
    be.kernels.denseReluForward(x, w, b, y, m, hd, hd, 7, 1, thr, scale));
}

// one training step of the chapter-15 model and of an MLP from the same weights: loss, gradients, updated weights
// (later steps are no test of the kernels: Adam's first update is ±lr wherever a gradient is nonzero, so a
// gradient that rounds to opposite signs near 0 moves a weight by 2·lr, and the runs drift apart from there)
function model(b: Backend, nIn: number, hidden: number, nOut: number) {
  const layers = [new LayerDense(nIn, hidden, { weightRegularizerL2: 5e-4, biasRegularizerL2: 5e-4, backend: b }), new ActivationReLU({ backend: b }),
    new LayerDropout(0.1, { backend: b }), new LayerDense(hidden, nOut, { backend: b }), new ActivationSoftmax({ backend: b })];
  const m = new Model({ backend: b });
  layers.forEach((l) => m.add(l));
  m.compile({ loss: new LossCategoricalCrossentropy({ backend: b }), optimizer: new OptimizerAdam({ learningRate: 0.01, backend: b }) });
  return { m, dense: [layers[0], layers[3]] as LayerDense[] };
}
const spiral = spiralData(1000, 3, 0);
const r = testRng(3), mlpX = new Matrix(Float32Array.from({ length: 256 * 64 }, () => Math.max(0, r.normal())), 256, 64);
const mlpY = Int32Array.from({ length: 256 }, (_, i) => (mlpX.data[i * 64] > 0.5 ? 1 : 0) + (i % 3));
for (const [what, X, y, dims] of [['chapter 15', spiral.X, spiral.y, [2, 512, 3]], ['MLP 64-128-10', mlpX, mlpY, [64, 128, 10]]] as const) {
  const runs = [base, relaxed].map((b) => {
    const { m, dense } = model(b, dims[0], dims[1], dims[2]);
    const h = m.fit(X, y, { epochs: 1 });
    return [Float32Array.of(h.epochs[0].loss), ...dense.flatMap((d) => [d.dweights, d.dbiases].map((t) => t.toFloat32Array()))];
  });
  runs[0].forEach((e, i) => cases.push([`${what}, one step: ${i ? `tensor ${i} (dweights, dbiases per layer)` : 'loss'}`, maxRelErr(runs[1][i], e)]));
}

// on the relaxed build too, a fused model trains bit for bit as the layer-by-layer one (its fused
// multiply-adds sit where the unfused kernels have theirs): differing elements after five epochs
const fusedMismatches: [string, number][] = [];
for (const [nIn, hidden, nOut] of [[2, 512, 3], [2, 68, 3], [1, 45, 1], [4, 67, 3], [20, 40, 5]]) {
  const d = testRng(nIn * 1000 + hidden), X = new Matrix(Float32Array.from({ length: 120 * nIn }, () => d.normal()), 120, nIn);
  const y = Int32Array.from({ length: 120 }, (_, i) => (X.data[i * nIn] > 0 ? 1 : 0) % nOut);
  const runs = await Promise.all([true, false].map(async (fuse) => {
    const b = await createBackend('wasm', { seed: 2, simd: 'relaxed' }); // the same seeds for both runs
    const layers = [new LayerDense(nIn, hidden, { backend: b }), new ActivationReLU({ backend: b }), new LayerDropout(0.2, { backend: b }), new LayerDense(hidden, nOut, { backend: b }), new ActivationSoftmax({ backend: b })];
    const m = new Model({ backend: b });
    layers.forEach((l) => m.add(l));
    m.compile({ loss: new LossCategoricalCrossentropy({ backend: b }), optimizer: new OptimizerAdam({ learningRate: 0.01, backend: b }), fuse });
    m.fit(X, y, { epochs: 5 });
    const out = [layers[0], layers[3]].flatMap((l) => [(l as LayerDense).weights, (l as LayerDense).dweights].map((t) => t.toFloat32Array()));
    m.dispose();
    return out;
  }));
  let differ = 0;
  runs[0].forEach((t, i) => t.forEach((v, j) => { if (v !== runs[1][i][j]) differ++; }));
  fusedMismatches.push([`${nIn}→${hidden}→${nOut}`, differ]);
}

console.log(JSON.stringify({ variant: relaxed.variant, cases, fusedMismatches }));
