/**
 * The seeds' experiments (examples/*.ts) at reduced size on the wasm backend, each with the
 * tolerance stated in its test name. `npm run experiments` runs them at full size and writes
 * EXPERIMENTS.md. The runs are seeded, so each result is fixed; the tolerances leave room for the
 * reduced sizes and for nnwasm's RNG drawing other data and weights than the seeds' NumPy and Keras.
 */
import { describe, expect, it } from 'vitest';
import { chapter14, BOOK_CHAPTER_14 } from '../examples/chapter14-l2.ts';
import { chapter15, BOOK_CHAPTER_15 } from '../examples/chapter15-dropout.ts';
import { chapter16, BOOK_CHAPTER_16 } from '../examples/chapter16-binary.ts';
import { mxdlBlobs } from '../examples/mxdl-blobs.ts';
import { neuralthreads, SEED_NEURALTHREADS } from '../examples/neuralthreads-exact.ts';
import { adaptiveL2, standardErrorsOff, SEED_ADAPTIVE_L2 } from '../examples/mxdl-adaptive-l2.ts';
import { mnistCnn } from '../examples/mnist-cnn.ts';
import { regularizedNetworks, variantName } from '../examples/regularized-network.ts';
import { waves } from '../examples/waves.ts';
import { loadMnist } from '../examples/lib/mnist.ts';
import { Matrix, createBackend } from '../src/index.ts';
import { expectClose } from './helpers.ts';

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

describe('the seeds\' experiments at reduced size (wasm)', () => {
  it(`nnfs ch. 14, 64 neurons, 2,000 of the 10,000 epochs: validation accuracy within 0.06 of the book's ${BOOK_CHAPTER_14[0][3]}`, async () => {
    const [{ results }] = await chapter14({ neurons: [64], epochs: 2000 });
    expect(results[0].validationAccuracy).toBeGreaterThanOrEqual(BOOK_CHAPTER_14[0][3] - 0.06);
    expect(results[0].validationAccuracy).toBeLessThanOrEqual(1);
  });

  it(`nnfs ch. 15, 64 neurons with Dropout(0.1), 2,000 epochs: validation accuracy within 0.10 of the book's ${BOOK_CHAPTER_15[64]}, and above the training accuracy (the book's observation)`, async () => {
    const { runs: [{ results }] } = await chapter15({ neurons: [64], epochs: 2000, notebook: false });
    const r = results[0];
    expect(r.validationAccuracy).toBeGreaterThanOrEqual(BOOK_CHAPTER_15[64] - 0.1);
    expect(r.validationAccuracy).toBeGreaterThan(r.trainAccuracy);
  });

  it(`nnfs ch. 16 at full size, 3 seeds: mean validation accuracy within 0.08 of the book's ${BOOK_CHAPTER_16}; every run above 0.75`, async () => {
    const results = await chapter16({ seeds: 3 });
    expect(mean(results.map((r) => r.validationAccuracy))).toBeGreaterThanOrEqual(BOOK_CHAPTER_16 - 0.08);
    for (const r of results) expect(r.validationAccuracy).toBeGreaterThan(0.75);
  });

  it('MXDL blobs, 10 seeds: test accuracies in [0.72, 0.85] (0.85 is the Bayes limit), dropout shrinks the train–test gap and costs no test accuracy (≥ −0.02)', async () => {
    const r = await mxdlBlobs({ seeds: 10 });
    const test = { without: mean(r.without.map((x) => x.test)), with: mean(r.withDropout.map((x) => x.test)) };
    const train = { without: mean(r.without.map((x) => x.train)), with: mean(r.withDropout.map((x) => x.train)) };
    for (const v of [test.without, test.with]) {
      expect(v).toBeGreaterThanOrEqual(0.72);
      expect(v).toBeLessThanOrEqual(0.85);
    }
    expect(train.with - test.with).toBeLessThan(train.without - test.without);
    expect(test.with).toBeGreaterThanOrEqual(test.without - 0.02);
    // Monte Carlo dropout scores like the deterministic pass (it averages the same ensemble)
    expect(Math.abs(mean(r.withDropout.map((x) => x.mc)) - test.with)).toBeLessThanOrEqual(0.03);
  });

  it('neuralthreads at full size: the seed\'s starting loss to 1e-6, exactly 1 and 2 nodes dropped every epoch, the loss falls below 1% of its start', async () => {
    const r = await neuralthreads();
    expect(Math.abs(r.losses[0] - SEED_NEURALTHREADS.first)).toBeLessThan(1e-6);
    expect(r.droppedPerEpoch.every(([a, b]) => a === 1 && b === 2)).toBe(true);
    expect(r.final).toBeLessThan(0.01 * r.losses[0]);
    // falling on the whole: every 20-epoch window ends lower than it starts
    for (let e = 20; e < r.losses.length; e += 20) expect(r.losses[e]).toBeLessThan(r.losses[e - 20]);
    expect(r.prediction[1]).toBeGreaterThan(0.99);
  });

  it('MXDL dropout as adaptive L2: y_D = 10 and y_E = 8 as the seed; exact expectation = ensemble gradient + w p(1−p) x² to 1e-6; 10^5 random masks within 4 standard errors', async () => {
    const r = await adaptiveL2({ samples: 100_000 });
    expect(r.yD).toBe(SEED_ADAPTIVE_L2.yD);
    expect(r.yE).toBeCloseTo(SEED_ADAPTIVE_L2.yE, 5);
    expectClose(r.exact.gradient, r.predicted, 1e-6, 'E[∂L_D/∂w] (exact) vs ∂L_E/∂w + w p(1−p) x²');
    expectClose(r.ensemble.gradient, r.ensembleClosedForm, 1e-6, '∂L_E/∂w from the scale-down model vs its closed form');
    expectClose([r.exact.loss - r.ensemble.loss], [r.penalty], 1e-5, 'E[L_D] − L_E vs ½ p(1−p) Σ(w x)²');
    expect(standardErrorsOff(r)).toBeLessThan(4);
  });

  it("the seeds' MNIST CNN, 2 epochs on 2,048 digits: held-out accuracy above 0.80 on 2,000 digits (full size: 0.97 after 10 epochs on 8,000)", async () => {
    const backend = await createBackend('wasm', { seed: 0 });
    const { train, test } = loadMnist(0.8, 7, true);
    const model = mnistCnn(backend);
    model.fit(new Matrix(train.X.data.subarray(0, 2048 * 784), [2048, 28, 28, 1]), train.y.subarray(0, 2048), { epochs: 2, batchSize: 128, shuffle: true });
    expect(model.evaluate(test.X, test.y).accuracy).toBeGreaterThan(0.8);
    model.dispose();
  });

  it("the seeds' RegularizedNetwork, 3 epochs on 2,048 digits: all four variants train; the full one (batch norm + dropout) above 0.80 held out (full size: 0.949 after 20 epochs on 8,000)", async () => {
    const { train, test } = loadMnist(0.8, 7);
    const digits = { train: { X: new Matrix(train.X.data.subarray(0, 2048 * 784), 2048, 784), y: train.y.subarray(0, 2048) }, test };
    const results = await regularizedNetworks({ epochs: 3, digits });
    expect(results.map((r) => variantName(r.variant))).toEqual(['batch norm, dropout', 'batch norm, no dropout', 'no batch norm, dropout', 'no batch norm, no dropout']);
    for (const r of results) expect(r.curve, variantName(r.variant)).toHaveLength(3);
    expect(results[0].accuracy).toBeGreaterThan(0.8);
    for (const r of results) expect(r.accuracy, variantName(r.variant)).toBeGreaterThan(0.6);
  });

  it("the sequences issue's waves task, 3 of the 10 epochs: the Monte Carlo mean of the LSTM with both dropouts beats its deterministic prediction and chance (full size: 0.998 vs 0.357); per-step input masks learn above 0.70 deterministic", async () => {
    const shared = await waves({ epochs: 3, mcSamples: 30 });
    expect(shared.curve).toHaveLength(3);
    expect(shared.mcAccuracy!).toBeGreaterThan(0.55);
    expect(shared.mcAccuracy!).toBeGreaterThan(shared.accuracy + 0.1);
    const perStep = await waves({ epochs: 3, variant: 'per-step-input' });
    expect(perStep.accuracy).toBeGreaterThan(0.7);
  });
});
