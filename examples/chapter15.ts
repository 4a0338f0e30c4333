/**
 * The book's chapter-15 run: spiral data (1000 samples × 3 classes), Dense(2, 512) with L2 5e-4 on
 * weights and biases, ReLU, Dropout(0.1), Dense(512, 3), Softmax + categorical cross-entropy,
 * Adam(lr 0.05, decay 5e-5), 10,000 full-batch epochs, then validation on a fresh spiral(100, 3).
 *
 *   npm start                        # the wasm backend
 *   npx tsx examples/chapter15.ts js # the plain-TS backend, for comparison (much slower)
 */
import {
  useBackend, Model, LayerDense, ActivationReLU, LayerDropout, ActivationSoftmax,
  LossCategoricalCrossentropy, OptimizerAdam, spiralData, type BackendName,
} from '../src/index.ts';

const backendName = (process.argv[2] ?? 'wasm') as BackendName;
const epochs = Number(process.argv[3] ?? 10_000);
const backend = await useBackend(backendName, { seed: 0 });

const train = spiralData(1000, 3, 0);
const test = spiralData(100, 3, 1);

const model = new Model()
  .add(new LayerDense(2, 512, { weightRegularizerL2: 5e-4, biasRegularizerL2: 5e-4 }))
  .add(new ActivationReLU())
  .add(new LayerDropout(0.1))
  .add(new LayerDense(512, 3))
  .add(new ActivationSoftmax())
  .compile({ loss: new LossCategoricalCrossentropy(), optimizer: new OptimizerAdam({ learningRate: 0.05, decay: 5e-5 }) });

console.log(`nnwasm chapter 15 on the ${backend.variant} backend: ${epochs} epochs, spiral 1000×3, 2→512→3, dropout 0.1`);
const started = performance.now();
const history = model.fit(train.X, train.y, { epochs, printEvery: 100, validationData: [test.X, test.y] });
const ms = performance.now() - started;
console.log(`trained in ${(ms / 1000).toFixed(1)} s (${(ms / epochs).toFixed(2)} ms/epoch); book: validation acc 0.857`);
if (history.validation!.accuracy < 0.8) process.exitCode = 1;
