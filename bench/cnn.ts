/**
 * The seeds' MNIST CNN in the benchmark: nnwasm's (examples/mnist-cnn.ts) and the same network in
 * TensorFlow.js (tf.layers), trained and run at batch 128 on the `mnist` package's digits.
 *
 * FLOPs: the network does 2.63 M multiply-adds per sample forward (conv1 0.19 M, conv2 2.23 M,
 * Dense 0.21 M); a training step is forward, the kernels' gradients and the inputs' gradients,
 * 3× that, which the issue that set the targets rounds to 15.8 MFLOP per training sample (nnwasm
 * skips the first layer's input gradient, 0.39 MFLOP less). Effective GFLOP/s below use 15.8.
 */
import { tf } from './peers.ts';
import { Matrix, type Backend } from '../src/index.ts';
import { mnistCnn } from '../examples/mnist-cnn.ts';

export const CNN_TRAIN_FLOP = 15.8e6;
export const CNN_FORWARD_FLOP = 2 * 2.631e6;
export const BATCH = 128;

/** the first `n` samples of X (images [n, 28, 28, 1]) and y */
export function head(X: Matrix, y: Int32Array, n: number): { X: Matrix; y: Int32Array } {
  return { X: new Matrix(X.data.subarray(0, n * 784), [n, 28, 28, 1]), y: y.subarray(0, n) };
}

/** nnwasm: training samples/s over `batches` batches of 128 (after one warm-up batch), and inference samples/s at batch 128 */
export function nnwasmCnn(b: Backend, X: Matrix, y: Int32Array, batches: number): { train: number; infer: number } {
  const model = mnistCnn(b);
  const warm = head(X, y, BATCH), data = head(X, y, BATCH * batches);
  model.fit(warm.X, warm.y, { epochs: 1, batchSize: BATCH }); // sizes every buffer, tiers the wasm up
  let t0 = performance.now();
  model.fit(data.X, data.y, { epochs: 1, batchSize: BATCH });
  const train = (BATCH * batches) / ((performance.now() - t0) / 1e3);
  const slices = Array.from({ length: batches }, (_, i) => new Matrix(X.data.subarray(i * BATCH * 784, (i + 1) * BATCH * 784), [BATCH, 28, 28, 1]));
  model.predict(slices[0]);
  t0 = performance.now();
  for (const s of slices) model.predict(s);
  const infer = (BATCH * batches) / ((performance.now() - t0) / 1e3);
  model.dispose();
  return { train, infer };
}

/** the seeds' network in TF.js layers (Keras semantics: glorotUniform kernels, zero biases) */
function tfCnn(): tf.Sequential {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.dropout({ rate: 0.25 }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.dropout({ rate: 0.25 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 128, activation: 'relu' }),
      tf.layers.dropout({ rate: 0.5 }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy' });
  return model;
}

/** TF.js (the active backend): inference samples/s at batch 128 over `batches` batches */
export function tfjsCnnInference(X: Matrix, batches: number): number {
  const model = tfCnn();
  const xs = Array.from({ length: batches }, (_, i) => tf.tensor4d(X.data.subarray(i * BATCH * 784, (i + 1) * BATCH * 784), [BATCH, 28, 28, 1]));
  tf.tidy(() => void (model.predict(xs[0]) as tf.Tensor).dataSync());
  const t0 = performance.now();
  for (const x of xs) tf.tidy(() => void (model.predict(x) as tf.Tensor).dataSync());
  const rate = (BATCH * batches) / ((performance.now() - t0) / 1e3);
  for (const x of xs) x.dispose();
  model.dispose();
  return rate;
}

/** TF.js (the active backend): training samples/s over `samples` samples in batches of 128 (or fewer) */
export async function tfjsCnnTraining(X: Matrix, y: Int32Array, samples: number): Promise<number> {
  const model = tfCnn();
  const batch = Math.min(BATCH, samples);
  const xs = tf.tensor4d(X.data.subarray(0, samples * 784), [samples, 28, 28, 1]), ys = tf.tensor1d(Array.from(y.subarray(0, samples)), 'float32');
  const t0 = performance.now();
  await model.fit(xs, ys, { epochs: 1, batchSize: batch, verbose: 0 });
  const rate = samples / ((performance.now() - t0) / 1e3);
  xs.dispose();
  ys.dispose();
  model.dispose();
  return rate;
}
