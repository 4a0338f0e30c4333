/**
 * The book's spiral classifier of chapters 14 and 15: Dense(2, n) with L2 (5e-4 on weights and
 * biases unless told), ReLU, optionally Dropout, Dense(n, 3), Softmax + categorical cross-entropy,
 * Adam, full batch; validated on a fresh spiral(100, 3).
 */
import {
  createBackend, setBackend, Model, LayerDense, ActivationReLU, LayerDropout, ActivationSoftmax,
  LossCategoricalCrossentropy, OptimizerAdam, spiralData, type BackendName,
} from '../../src/index.ts';

export interface SpiralRun {
  neurons: number;
  /** dropout rate after the ReLU (none when undefined) */
  dropout?: number;
  learningRate: number;
  decay: number;
  epochs: number;
  /** samples per class of the training spiral (the book: 1000) */
  samples: number;
  /** L2 on the first layer's weights and biases (default 5e-4 each) */
  l2?: [weights: number, biases: number];
  backend: BackendName;
  /** fixes the backend (weights, masks) and both data sets */
  seed: number;
}

export interface SpiralResult {
  trainAccuracy: number;
  trainLoss: number;
  validationAccuracy: number;
  validationLoss: number;
}

export async function trainSpiral(run: SpiralRun): Promise<SpiralResult> {
  setBackend(await createBackend(run.backend, { seed: run.seed }));
  const train = spiralData(run.samples, 3, 2 * run.seed);
  const test = spiralData(100, 3, 2 * run.seed + 1);
  const model = new Model()
    .add(new LayerDense(2, run.neurons, { weightRegularizerL2: run.l2?.[0] ?? 5e-4, biasRegularizerL2: run.l2?.[1] ?? 5e-4 }))
    .add(new ActivationReLU());
  if (run.dropout !== undefined) model.add(new LayerDropout(run.dropout));
  model
    .add(new LayerDense(run.neurons, 3))
    .add(new ActivationSoftmax())
    .compile({ loss: new LossCategoricalCrossentropy(), optimizer: new OptimizerAdam({ learningRate: run.learningRate, decay: run.decay }) });
  const history = model.fit(train.X, train.y, { epochs: run.epochs, validationData: [test.X, test.y] });
  const last = history.epochs.at(-1)!;
  const result = { trainAccuracy: last.accuracy, trainLoss: last.loss, validationAccuracy: history.validation!.accuracy, validationLoss: history.validation!.loss };
  model.dispose();
  return result;
}
