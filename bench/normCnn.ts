/**
 * What batch normalization costs in the seeds' MNIST CNN: the network of examples/mnist-cnn.ts and
 * the same with a BatchNormalization after each convolution (Conv2D linear → BN → ReLU, Keras's
 * usual order), trained and run at batch 128, in interleaved rounds so each ratio compares the
 * same moments of a shared machine. At inference the batch norms fold into the convolutions
 * (src/inferencePlan.ts), so the two networks should predict at nearly the same speed.
 */
import { Matrix, type Backend } from '../src/index.ts';
import { mnistCnn } from '../examples/mnist-cnn.ts';
import { BATCH, head } from './cnn.ts';

export interface BatchNormCost {
  /** samples/s per round, without and with the batch norms */
  train: [number[], number[]];
  infer: [number[], number[]];
}

/** `rounds` interleaved rounds of: each network trains `batches` batches of 128, then predicts them */
export function batchNormCost(b: Backend, X: Matrix, y: Int32Array, batches: number, rounds: number): BatchNormCost {
  const models = [mnistCnn(b), mnistCnn(b, { batchNorm: true })];
  const warm = head(X, y, BATCH), data = head(X, y, BATCH * batches);
  const slices = Array.from({ length: batches }, (_, i) => new Matrix(X.data.subarray(i * BATCH * 784, (i + 1) * BATCH * 784), [BATCH, 28, 28, 1]));
  for (const m of models) (m.fit(warm.X, warm.y, { epochs: 1, batchSize: BATCH }), m.predict(slices[0])); // buffers sized, wasm tiered up
  const out: BatchNormCost = { train: [[], []], infer: [[], []] };
  const rate = (fn: () => void) => {
    const t0 = performance.now();
    fn();
    return (BATCH * batches) / ((performance.now() - t0) / 1e3);
  };
  for (let r = 0; r < rounds; r++)
    models.forEach((m, i) => {
      out.train[i].push(rate(() => m.fit(data.X, data.y, { epochs: 1, batchSize: BATCH })));
      out.infer[i].push(rate(() => { for (const s of slices) m.predict(s); }));
    });
  for (const m of models) m.dispose();
  return out;
}
