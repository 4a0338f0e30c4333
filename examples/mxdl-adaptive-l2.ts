/**
 * MXDL lecture 6, "dropout and regularization" (seed 003): for one linear unit y = Σ δ_i w_i x_i with
 * retention δ_i ~ Bernoulli(p), the loss L_D = ½(y − y_D)² has the expected gradient
 *   E[∂L_D/∂w_i] = ∂L_E/∂w_i + w_i p(1 − p) x_i²,   so   E[L_D] = L_E + ½ p(1 − p) Σ (w_i x_i)²,
 * L_E being the loss of the ensemble y_E = Σ p w_i x_i: dropout is an adaptive L2 penalty.
 *
 * Checked with the library itself, on the seed's example x = (1, 2, 3), w = (2, 2, 2), p = 2/3:
 *  - the dropout model is LayerDropout(1/3, scaling 'down') → LayerDense(3, 1): training passes
 *    give y_D, and the scale-down inference pass is exactly the ensemble y_E;
 *  - the expectation over masks is exact on 27 samples, each mask with k of 3 units kept
 *    appearing 2^k times (its probability is 2^k / 27), and estimated from random masks too;
 *  - the gradients are the Dense layer's dweights under MSE (which is 2 L per sample, so ½ of it).
 *
 *   npx tsx examples/mxdl-adaptive-l2.ts [wasm|js]
 */
import { createBackend, setBackend, LayerDropout, LayerDense, LossMeanSquaredError, type BackendName } from '../src/index.ts';
import { commandLine, isMain, printResult, type ExperimentResult } from './lib/experiment.ts';

export const SEED_ADAPTIVE_L2 = { x: [1, 2, 3], w: [2, 2, 2], p: 2 / 3, yD: 10, yE: 8, mask: [0, 1, 1] };

export async function adaptiveL2(opts: { backend?: BackendName; target?: number; samples?: number; seed?: number } = {}) {
  const { backend = 'wasm', target = 7, samples = 1_000_000, seed = 0 } = opts;
  setBackend(await createBackend(backend, { seed }));
  const { x, w, p } = SEED_ADAPTIVE_L2;
  const dropout = new LayerDropout(1 - p, { scaling: 'down' });
  const dense = new LayerDense(3, 1);
  dense.setParameters(w, [0]);
  const mse = new LossMeanSquaredError();
  /** ½ mean MSE loss and ½ dweights over `rows` copies of x, each with its mask (or random masks, or inference) */
  const pass = (rows: number, masks: number[][] | 'random' | 'ensemble') => {
    const X = Array.from({ length: rows }, () => x);
    if (masks === 'ensemble') dropout.forward(X, false);
    else if (masks === 'random') dropout.forward(X, true);
    else dropout.forward(X, true, masks);
    dense.forward(dropout.output);
    const targets = new Float32Array(rows).fill(target);
    const loss = mse.calculate(dense.output, targets) / 2;
    mse.backward(dense.output, targets);
    dense.backward(mse.dinputs);
    return { loss, gradient: Array.from(dense.dweights.data, (g) => g / 2), outputs: dense.output.toFloat32Array() };
  };

  // the seed's worked example: y_D for the mask (0, 1, 1), and y_E
  const yD = pass(1, [SEED_ADAPTIVE_L2.mask]).outputs[0];
  const ensemble = pass(1, 'ensemble');
  const yE = ensemble.outputs[0];

  // the 27-sample exact expectation: mask bits m (kept units), 2^k copies for k kept
  const exactMasks: number[][] = [];
  for (let m = 0; m < 8; m++) {
    const mask = [0, 1, 2].map((i) => (m >> i) & 1);
    for (let c = 0; c < 2 ** mask.reduce((a, b) => a + b, 0); c++) exactMasks.push(mask);
  }
  const exact = pass(27, exactMasks);
  // random masks in batches of 1000, averaged in float64: one float32 GEMM reduction over 10^6
  // rows would add its own rounding drift (≈ 0.3% here) to the sampling error being measured
  const batch = Math.min(samples, 1000), batches = Math.ceil(samples / batch);
  const random = { gradient: [0, 0, 0] };
  for (let b = 0; b < batches; b++) pass(batch, 'random').gradient.forEach((g, i) => (random.gradient[i] += g / batches));

  const penaltyGradient = w.map((wi, i) => wi * p * (1 - p) * x[i] ** 2);
  const predicted = ensemble.gradient.map((g, i) => g + penaltyGradient[i]);
  const penalty = 0.5 * p * (1 - p) * w.reduce((s, wi, i) => s + (wi * x[i]) ** 2, 0);
  // the closed form of ∂L_E/∂w_i = −y p x_i + (Σ p w_j x_j) p x_i, in float64
  const ensembleClosedForm = x.map((xi) => -target * p * xi + SEED_ADAPTIVE_L2.w.reduce((s, wj, j) => s + p * wj * x[j], 0) * p * xi);
  // the standard error of the random-mask estimate: per-sample gradients g_i = −(y − y_D) δ_i x_i, by enumeration in float64
  const standardErrors = x.map((xi, i) => {
    let m1 = 0, m2 = 0;
    for (let m = 0; m < 8; m++) {
      const delta = [0, 1, 2].map((j) => (m >> j) & 1), prob = delta.reduce((q, d) => q * (d ? p : 1 - p), 1);
      const g = -(target - delta.reduce((s, d, j) => s + d * w[j] * x[j], 0)) * delta[i] * xi;
      (m1 += prob * g), (m2 += prob * g * g);
    }
    return Math.sqrt((m2 - m1 * m1) / (batch * batches));
  });
  for (const l of [dropout, dense, mse]) l.dispose();
  return { yD, yE, exact, random, standardErrors, ensemble, ensembleClosedForm, predicted, penalty, target, samples };
}

const vec = (v: number[], d = 4) => `(${v.map((x) => x.toFixed(d)).join(', ')})`;

/** the largest |random-mask estimate − prediction| in units of that component's standard error */
export const standardErrorsOff = (r: Awaited<ReturnType<typeof adaptiveL2>>) =>
  Math.max(...r.random.gradient.map((g, i) => Math.abs(g - r.predicted[i]) / r.standardErrors[i]));

export function adaptiveL2Report(r: Awaited<ReturnType<typeof adaptiveL2>>): ExperimentResult {
  const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));
  return {
    title: `MXDL: dropout as adaptive L2 on one linear unit (x = (1, 2, 3), w = (2, 2, 2), p = 2/3, target y = ${r.target})`,
    source: 'MXDL lecture 6, "11.2 Dropout gradient and adaptive regularization" (seed 003)',
    command: 'npx tsx examples/mxdl-adaptive-l2.ts',
    rows: [
      { setting: 'mask (0, 1, 1)', measure: 'y_D', seed: String(SEED_ADAPTIVE_L2.yD), ours: r.yD.toFixed(4) },
      { setting: 'ensemble (scale-down inference)', measure: 'y_E', seed: String(SEED_ADAPTIVE_L2.yE), ours: r.yE.toFixed(4) },
      { setting: 'exact over the 8 masks', measure: 'E[∂L_D/∂w]', seed: `∂L_E/∂w + w p(1−p) x² = ${vec(r.predicted)}`, ours: `${vec(r.exact.gradient)} (max diff ${maxDiff(r.exact.gradient, r.predicted).toExponential(1)})` },
      { setting: `${r.samples.toExponential(0)} random masks`, measure: 'E[∂L_D/∂w]', seed: vec(r.predicted), ours: `${vec(r.random.gradient)} (within ${standardErrorsOff(r).toFixed(1)} standard errors)` },
      { setting: 'exact over the 8 masks', measure: 'E[L_D] − L_E', seed: `½ p(1−p) Σ(w x)² = ${r.penalty.toFixed(4)}`, ours: (r.exact.loss - r.ensemble.loss).toFixed(4) },
    ],
    notes: ['the seed derives the identity symbolically and gives no target y; any y works (7 here), since the penalty term does not depend on it'],
  };
}

if (isMain(import.meta)) {
  const { backend } = commandLine();
  printResult(adaptiveL2Report(await adaptiveL2({ backend })));
}
