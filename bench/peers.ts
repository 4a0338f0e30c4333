/**
 * The peers: TensorFlow.js with its cpu (pure JS) and wasm (XNNPACK, SIMD, single-threaded)
 * backends, in the same process as nnwasm. The .wasm files ship inside @tensorflow/tfjs-backend-wasm;
 * setWasmPaths points at them so nothing is fetched.
 *
 * The models are written with tf ops and a hand-rolled step so their semantics match nnwasm's
 * (the book's): L2 terms added to the loss, inverted dropout, softmax + categorical cross-entropy,
 * Adam with the book's learning-rate decay lr / (1 + decay · iterations), one update per batch,
 * loss and accuracy read back every step as nnwasm's fit computes them.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { Matrix } from '../src/index.ts';

export type PeerName = 'tfjs-cpu' | 'tfjs-wasm';
export { tf };

let wasmReady = false;
/** make `name` the active tf backend (single-threaded SIMD build for wasm) */
export async function usePeer(name: PeerName): Promise<void> {
  if (name === 'tfjs-wasm' && !wasmReady) {
    const require = createRequire(import.meta.url);
    setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')) + '/dist/');
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false); // one thread, as nnwasm
    wasmReady = true;
  }
  if (!(await tf.setBackend(name === 'tfjs-cpu' ? 'cpu' : 'wasm'))) throw new Error(`TF.js backend ${name} failed to initialize`);
  tf.env().set('IS_TEST', false);
}

export interface PeerMlp {
  /** one epoch over the data; returns [mean loss, accuracy] */
  epoch(): [number, number];
  accuracy(X: Matrix, y: Int32Array): number;
  dispose(): void;
}

/**
 * Dense(nIn, hidden) [L2 on weights and biases] → ReLU → Dropout(rate) → Dense(hidden, nOut) →
 * Softmax + CCE, Adam(lr, decay); batches in order (shuffled per epoch when `shuffle`).
 */
export function peerMlp(opts: {
  X: Matrix; y: Int32Array; hidden: number; nOut: number; rate: number; l2: number; lr: number; decay: number; batch: number; shuffle: boolean; seed: number;
}): PeerMlp {
  const { X, y, hidden, nOut, rate, l2, lr, decay, batch, shuffle } = opts;
  const n = X.rows, nIn = X.cols;
  const xs = tf.tensor2d(X.data, [n, nIn]);
  const ys = tf.oneHot(tf.tensor1d(y, 'int32'), nOut).toFloat();
  const labels = tf.tensor1d(y, 'int32');
  const W1 = tf.variable(tf.randomNormal([nIn, hidden], 0, 0.01, 'float32', opts.seed));
  const b1 = tf.variable(tf.zeros([hidden]));
  const W2 = tf.variable(tf.randomNormal([hidden, nOut], 0, 0.01, 'float32', opts.seed + 1));
  const b2 = tf.variable(tf.zeros([nOut]));
  const optimizer = tf.train.adam(lr, 0.9, 0.999, 1e-7);
  let iterations = 0, dropSeed = opts.seed;
  const order = Array.from({ length: n }, (_, i) => i);
  const forward = (x: tf.Tensor2D, training: boolean) => {
    let h = tf.relu(tf.add(tf.matMul(x, W1), b1));
    if (training && rate > 0) h = tf.dropout(h, rate, undefined, dropSeed++);
    return tf.add(tf.matMul(h, W2), b2) as tf.Tensor2D;
  };
  return {
    epoch() {
      if (shuffle) tf.util.shuffle(order);
      const idx = shuffle ? tf.tensor1d(order, 'int32') : undefined;
      let lossSum = 0, correct = 0;
      for (let start = 0; start < n; start += batch) {
        const rows = Math.min(batch, n - start);
        const [l, c] = tf.tidy(() => {
          const take = idx ? idx.slice(start, rows) : undefined;
          const xb = (take ? tf.gather(xs, take) : xs.slice(start, rows)) as tf.Tensor2D;
          const yb = (take ? tf.gather(ys, take) : ys.slice(start, rows)) as tf.Tensor2D;
          const lb = (take ? tf.gather(labels, take) : labels.slice(start, rows)) as tf.Tensor1D;
          // the book's learning-rate decay, applied before the step as its preUpdateParams does
          (optimizer as unknown as { learningRate: number }).learningRate = lr / (1 + decay * iterations++);
          let logits!: tf.Tensor2D;
          const loss = optimizer.minimize((): tf.Scalar => {
            logits = tf.keep(forward(xb, true));
            const data = tf.losses.softmaxCrossEntropy(yb, logits) as tf.Scalar;
            return l2 ? (tf.add(data, tf.mul(l2, tf.add(tf.sum(tf.square(W1)), tf.sum(tf.square(b1))))) as tf.Scalar) : data;
          }, true, [W1, b1, W2, b2]) as tf.Scalar;
          const hits = tf.sum(tf.equal(tf.argMax(logits, 1), lb));
          const out: [number, number] = [loss.dataSync()[0], hits.dataSync()[0]];
          logits.dispose();
          return out;
        });
        lossSum += l * rows;
        correct += c;
      }
      idx?.dispose();
      return [lossSum / n, correct / n];
    },
    accuracy(Xt: Matrix, yt: Int32Array) {
      return tf.tidy(() => {
        const out = forward(tf.tensor2d(Xt.data, [Xt.rows, Xt.cols]), false);
        return tf.sum(tf.equal(tf.argMax(out, 1), tf.tensor1d(yt, 'int32'))).dataSync()[0] / Xt.rows;
      });
    },
    dispose() {
      for (const t of [xs, ys, labels, W1, b1, W2, b2]) t.dispose();
      optimizer.dispose();
    },
  };
}
