/**
 * What batch normalization costs in the seeds' MNIST CNN: the network of examples/mnist-cnn.ts and
 * the same with a BatchNormalization after each convolution (Conv2D linear → BN → ReLU, Keras's
 * usual order), trained and run at batch 128, in interleaved rounds so each ratio compares the
 * same moments of a shared machine. At inference the batch norms fold into the convolutions
 * (src/folding.ts), so the two networks should predict at nearly the same speed.
 */
import {
  Model, Matrix, LayerConv2D, LayerBatchNormalization, ActivationReLU, LayerMaxPooling2D, LayerDropout, LayerFlatten, LayerDense,
  ActivationSoftmax, LossCategoricalCrossentropy, OptimizerAdam, type Backend,
} from '../src/index.ts';
import { mnistCnn } from '../examples/mnist-cnn.ts';
import { BATCH, head } from './cnn.ts';

/** the seeds' CNN with a batch norm after each convolution (whose ReLU moves after the norm) */
export function mnistCnnBatchNorm(backend: Backend): Model {
  const glorot = { kernelInitializer: 'glorotUniform', backend } as const;
  return new Model({ backend })
    .add(new LayerConv2D(32, 3, { inputShape: [28, 28, 1], backend }))
    .add(new LayerBatchNormalization({ backend }))
    .add(new ActivationReLU({ backend }))
    .add(new LayerMaxPooling2D(2, { backend }))
    .add(new LayerDropout(0.25, { backend }))
    .add(new LayerConv2D(64, 3, { backend }))
    .add(new LayerBatchNormalization({ backend }))
    .add(new ActivationReLU({ backend }))
    .add(new LayerMaxPooling2D(2, { backend }))
    .add(new LayerDropout(0.25, { backend }))
    .add(new LayerFlatten({ backend }))
    .add(new LayerDense(5 * 5 * 64, 128, glorot))
    .add(new ActivationReLU({ backend }))
    .add(new LayerDropout(0.5, { backend }))
    .add(new LayerDense(128, 10, glorot))
    .add(new ActivationSoftmax({ backend }))
    .compile({ loss: new LossCategoricalCrossentropy({ backend }), optimizer: new OptimizerAdam({ learningRate: 1e-3, backend }) });
}

export interface BatchNormCost {
  /** samples/s per round, without and with the batch norms */
  train: [number[], number[]];
  infer: [number[], number[]];
}

/** `rounds` interleaved rounds of: each network trains `batches` batches of 128, then predicts them */
export function batchNormCost(b: Backend, X: Matrix, y: Int32Array, batches: number, rounds: number): BatchNormCost {
  const models = [mnistCnn(b), mnistCnnBatchNorm(b)];
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
