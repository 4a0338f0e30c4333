/**
 * The sequences issue's benchmark: LSTM(64, dropout 0.2, recurrentDropout 0.2) → Dense(3) softmax
 * on the waves task (50 steps × 1 feature), Adam, batch 64; nnwasm and the same network in
 * TensorFlow.js (tf.layers) in the same run.
 *
 * FLOPs per sample and pass, U = 64 units, F = 1 feature, T = 50 steps: the input projection
 * 2·T·F·4U, the recurrent GEMMs 2·T·U·4U, the cells ~T·4U·(a few) (not counted); forward
 * 2·50·(1 + 64)·256 = 1.664 MFLOP, a training step 3× that (forward, the weights' gradients, the
 * inputs' and hidden state's gradients): 4.99 MFLOP per training sample. Dense(64 → 3) is noise.
 */
import { tf } from './peers.ts';
import { Matrix, wavesData, layers, sequential, type Backend } from '../src/index.ts';

export const LSTM_BATCH = 64;
export const LSTM_STEPS = 50;
export const LSTM_UNITS = 64;
export const LSTM_FORWARD_FLOP = 2 * LSTM_STEPS * (1 + LSTM_UNITS) * 4 * LSTM_UNITS;
export const LSTM_TRAIN_FLOP = 3 * LSTM_FORWARD_FLOP;

/** `batches` batches of the waves task, [batches·64, 50, 1] */
export function lstmData(batches: number): { X: Matrix; y: Int32Array } {
  return wavesData({ samples: batches * LSTM_BATCH, steps: LSTM_STEPS, seed: 1 });
}

const batchOf = (X: Matrix, i: number) => new Matrix(X.data.subarray(i * LSTM_BATCH * LSTM_STEPS, (i + 1) * LSTM_BATCH * LSTM_STEPS), [LSTM_BATCH, LSTM_STEPS, 1]);

/** nnwasm: training samples/s over X (after one warm-up batch) and inference samples/s at batch 64 */
export async function nnwasmLstm(backend: Backend, X: Matrix, y: Int32Array): Promise<{ train: number; infer: number }> {
  const model = sequential({
    backend,
    layers: [
      layers.lstm({ inputShape: [LSTM_STEPS, 1], units: LSTM_UNITS, dropout: 0.2, recurrentDropout: 0.2 }),
      layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  const batches = X.rows / LSTM_BATCH;
  await model.fit(batchOf(X, 0), y.subarray(0, LSTM_BATCH), { epochs: 1, batchSize: LSTM_BATCH, verbose: 0 }); // sizes the buffers, tiers the wasm up
  let t0 = performance.now();
  await model.fit(X, y, { epochs: 1, batchSize: LSTM_BATCH, shuffle: false, verbose: 0 });
  const train = X.rows / ((performance.now() - t0) / 1e3);
  const slices = Array.from({ length: batches }, (_, i) => batchOf(X, i));
  model.predict(slices[0]);
  t0 = performance.now();
  for (const s of slices) model.predict(s);
  const infer = X.rows / ((performance.now() - t0) / 1e3);
  model.dispose();
  return { train, infer };
}

function tfLstm(): tf.Sequential {
  const model = tf.sequential({
    layers: [
      tf.layers.lstm({ inputShape: [LSTM_STEPS, 1], units: LSTM_UNITS, dropout: 0.2, recurrentDropout: 0.2 }),
      tf.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy' });
  return model;
}

/** TF.js (the active backend): training samples/s over the first `samples` of X, inference samples/s over `inferBatches` batches */
export async function tfjsLstm(X: Matrix, y: Int32Array, samples: number, inferBatches: number): Promise<{ train: number; infer: number }> {
  const model = tfLstm();
  const xs = tf.tensor3d(X.data.subarray(0, samples * LSTM_STEPS), [samples, LSTM_STEPS, 1]), ys = tf.tensor1d(Array.from(y.subarray(0, samples)), 'float32');
  const warm = tf.tensor3d(X.data.subarray(0, LSTM_BATCH * LSTM_STEPS), [LSTM_BATCH, LSTM_STEPS, 1]), warmY = tf.tensor1d(Array.from(y.subarray(0, LSTM_BATCH)), 'float32');
  await model.fit(warm, warmY, { epochs: 1, batchSize: LSTM_BATCH, verbose: 0 });
  let t0 = performance.now();
  await model.fit(xs, ys, { epochs: 1, batchSize: LSTM_BATCH, shuffle: false, verbose: 0 });
  const train = samples / ((performance.now() - t0) / 1e3);
  const slices = Array.from({ length: inferBatches }, (_, i) => tf.tensor3d(batchOf(X, i).data, [LSTM_BATCH, LSTM_STEPS, 1]));
  tf.tidy(() => void (model.predict(slices[0]) as tf.Tensor).dataSync());
  t0 = performance.now();
  for (const s of slices) tf.tidy(() => void (model.predict(s) as tf.Tensor).dataSync());
  const infer = (inferBatches * LSTM_BATCH) / ((performance.now() - t0) / 1e3);
  for (const t of [xs, ys, warm, warmY, ...slices]) t.dispose();
  model.dispose();
  return { train, infer };
}
