/**
 * The seeds' real-world CNN (seed 002, the dropout-variants guide: a Keras network on MNIST),
 * trained on WebAssembly:
 *
 *   Conv2D(32, 3, relu, input 28×28×1) → MaxPooling2D() → Dropout(0.25)
 *   → Conv2D(64, 3, relu) → MaxPooling2D() → Dropout(0.25)
 *   → Flatten() → Dense(128, relu) → Dropout(0.5) → Dense(10, softmax)
 *   Adam(1e-3), sparse categorical cross-entropy, batch 128, 10 epochs, Keras's initializers
 *
 * on the `mnist` package's 10,000 digits, split 8,000 / 2,000 per digit and shuffled with a seed.
 * Prints a line per epoch and ends with `test accuracy: 0.XXXX` on the 2,000 held-out digits.
 *
 *   npx tsx examples/mnist-cnn.ts            # the wasm backend (seed 0, 10 epochs)
 *   npx tsx examples/mnist-cnn.ts js 1       # the plain-TS backend, 1 epoch (slow: minutes)
 */
import { pathToFileURL } from 'node:url';
import {
  createBackend, Model, LayerConv2D, LayerMaxPooling2D, LayerDropout, LayerFlatten, LayerDense, ActivationReLU, ActivationSoftmax,
  LossCategoricalCrossentropy, OptimizerAdam, type Backend, type BackendName,
} from '../src/index.ts';
import { loadMnist, type Digits } from './lib/mnist.ts';

/** the seed's network on `backend` */
export function mnistCnn(backend: Backend): Model {
  const glorot = { kernelInitializer: 'glorotUniform', backend } as const; // Keras's default for Dense
  return new Model({ backend })
    .add(new LayerConv2D(32, 3, { activation: 'relu', inputShape: [28, 28, 1], backend }))
    .add(new LayerMaxPooling2D(2, { backend }))
    .add(new LayerDropout(0.25, { backend }))
    .add(new LayerConv2D(64, 3, { activation: 'relu', backend }))
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

/** train the seed's CNN; a line per epoch through `log`; returns the held-out accuracy and the speed */
export function trainMnistCnn(backend: Backend, digits: Digits, epochs = 10, log: (line: string) => void = console.log) {
  const model = mnistCnn(backend);
  const { train, test } = digits;
  let last = performance.now(), seconds = 0;
  model.fit(train.X, train.y, {
    epochs, batchSize: 128, shuffle: true,
    onEpochEnd: (l) => {
      const now = performance.now(), s = (now - last) / 1000;
      seconds += s;
      const held = model.evaluate(test.X, test.y).accuracy; // not counted in the epoch's seconds
      log(`epoch ${l.epoch}: loss ${l.loss.toFixed(4)}, accuracy ${l.accuracy.toFixed(4)}, held-out accuracy ${held.toFixed(4)}, ${s.toFixed(1)} s, ${Math.round(train.y.length / s)} samples/s`);
      last = performance.now();
    },
  });
  const accuracy = model.evaluate(test.X, test.y).accuracy;
  model.dispose();
  return { accuracy, samplesPerSecond: (epochs * train.y.length) / seconds };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const name = (process.argv[2] ?? 'wasm') as BackendName;
  const epochs = Number(process.argv[3] ?? 10);
  const backend = await createBackend(name, { seed: 0 });
  const digits = loadMnist(0.8, 7, true);
  console.log(`the seeds' MNIST CNN on the ${backend.variant} backend: ${digits.train.y.length} training / ${digits.test.y.length} held-out digits, batch 128, ${epochs} epochs`);
  const { accuracy } = trainMnistCnn(backend, digits, epochs);
  console.log(`test accuracy: ${accuracy.toFixed(4)}`);
}
