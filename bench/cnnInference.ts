/**
 * The seeds' MNIST CNN at inference, nnwasm against TF.js wasm in the same rounds: each round
 * times `batches` predicts of 128 on nnwasm's build and on TF.js's wasm backend back to back
 * (alternating which goes first), so a neighbour's load falls on both; the figure is the median
 * of the per-round ratios (samples/s ÷ TF.js wasm's). `npm run bench -- --only=cnn` times each
 * engine once, minutes apart from the others, which on a shared 2-vCPU machine moves the ratio
 * by ±30% (BENCHMARKS.md).
 *
 *   node --experimental-wasm-relaxed-simd --import tsx bench/cnnInference.ts [baseline|relaxed] [rounds] [batches]
 */
import { createBackend, Matrix } from '../src/index.ts';
import { loadMnist } from '../examples/lib/mnist.ts';
import { mnistCnn } from '../examples/mnist-cnn.ts';
import { tf, usePeer } from './peers.ts';
import { BATCH, head } from './cnn.ts';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const simd = (args[0] ?? 'baseline') as 'baseline' | 'relaxed';
const rounds = Number(args[1] ?? 15), batches = Number(args[2] ?? 10);
const { X, y } = loadMnist(0.8, 7, true).train;
const b = await createBackend('wasm', { seed: 0, simd });
const model = mnistCnn(b), warm = head(X, y, BATCH);
model.fit(warm.X, warm.y, { epochs: 1, batchSize: BATCH });
const slices = Array.from({ length: batches }, (_, i) => new Matrix(X.data.subarray(i * BATCH * 784, (i + 1) * BATCH * 784), [BATCH, 28, 28, 1]));

await usePeer('tfjs-wasm');
const peer = tf.sequential({ layers: [
  tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu' }), tf.layers.maxPooling2d({ poolSize: 2 }), tf.layers.dropout({ rate: 0.25 }),
  tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }), tf.layers.maxPooling2d({ poolSize: 2 }), tf.layers.dropout({ rate: 0.25 }),
  tf.layers.flatten(), tf.layers.dense({ units: 128, activation: 'relu' }), tf.layers.dropout({ rate: 0.5 }), tf.layers.dense({ units: 10, activation: 'softmax' }),
] });
const xs = slices.map((s) => tf.tensor4d(s.data, [BATCH, 28, 28, 1]));

const ours = () => { for (const s of slices) model.predict(s); };
const theirs = () => { for (const x of xs) tf.tidy(() => void (peer.predict(x) as tf.Tensor).dataSync()); };
const rate = (fn: () => void) => {
  const t0 = performance.now();
  fn();
  return (BATCH * batches) / ((performance.now() - t0) / 1e3);
};
ours(); theirs(); // warm-up: tiers the wasm up, sizes the buffers
const a: number[] = [], p: number[] = [], ratio: number[] = [];
for (let r = 0; r < rounds; r++) {
  const [x, t] = r % 2 ? [rate(ours), rate(theirs)] : (([t2, x2]) => [x2, t2])([rate(theirs), rate(ours)]);
  a.push(x); p.push(t); ratio.push(x / t);
}
const med = (v: number[]) => [...v].sort((q, w) => q - w)[v.length >> 1];
console.log(`${b.variant} ${med(a).toFixed(0)} samples/s, TF.js wasm ${med(p).toFixed(0)}; ratio per round: median ${med(ratio).toFixed(3)}, ` +
  `min ${Math.min(...ratio).toFixed(3)}, max ${Math.max(...ratio).toFixed(3)} (${rounds} rounds of ${batches} batches of ${BATCH})`);
for (const x of xs) x.dispose();
peer.dispose();
model.dispose();
