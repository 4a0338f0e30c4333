/**
 * The TF.js side of EXPERIMENTS.md's waves table: the sequences issue's LSTM(64, dropout 0.2,
 * recurrentDropout 0.2) → Dense(3) in TF.js's layers (wasm backend, Keras's sigmoid gates) on the
 * same `wavesData` as examples/waves.ts, 10 epochs, the test accuracy (dropout off) after each.
 *
 *   npx tsx bench/wavesTfjs.ts        # about 2 minutes
 */
import { tf, usePeer } from './peers.ts';
import * as nn from '../src/index.ts';

await usePeer('tfjs-wasm');
const train = nn.wavesData({ samples: 3000, seed: 1 }), test = nn.wavesData({ samples: 600, seed: 2 });
const model = tf.sequential({ layers: [
  tf.layers.lstm({ inputShape: [50, 1], units: 64, dropout: 0.2, recurrentDropout: 0.2, recurrentActivation: 'sigmoid' }),
  tf.layers.dense({ units: 3, activation: 'softmax' }),
] });
model.compile({ optimizer: tf.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
const xs = tf.tensor3d(train.X.data, [3000, 50, 1]), ys = tf.tensor1d(Array.from(train.y), 'float32');
const tx = tf.tensor3d(test.X.data, [600, 50, 1]);
const t0 = Date.now();
await model.fit(xs, ys, { epochs: 10, batchSize: 64, shuffle: true, verbose: 0, callbacks: { onEpochEnd: async (e, logs) => {
  const p = (model.predict(tx) as tf.Tensor).argMax(-1).dataSync(); let c = 0; for (let i = 0; i < 600; i++) if (p[i] === test.y[i]) c++;
  console.log(`tfjs-wasm epoch ${e + 1}: loss ${logs!.loss.toFixed(4)} acc ${(logs!.acc as number).toFixed(4)} test ${(c / 600).toFixed(4)} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
} } });
