/**
 * The MLP of TF.js's "getting started" on MNIST digits, written as a TF.js user writes it: only the
 * import differs. 8,000 of the `mnist` package's digits, 20% of them held out by validationSplit,
 * a progress bar per epoch in a terminal (verbose 1), then the 2,000 test digits.
 *
 *   npx tsx examples/tfjs-style-mnist.ts
 */
import * as nn from '../src/index.ts'; // in your project: import * as nn from 'nnwasm'
import { loadMnist } from './lib/mnist.ts';

await nn.useBackend('wasm', { seed: 0 });
const { train, test } = loadMnist();

const model = nn.sequential({
  layers: [
    nn.layers.dense({ inputShape: [784], units: 128, activation: 'relu', kernelInitializer: 'heNormal' }),
    nn.layers.dropout({ rate: 0.2 }),
    nn.layers.dense({ units: 10, activation: 'softmax' }),
  ],
});
model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
model.summary();

const history = await model.fit(train.X, train.y, {
  epochs: 5, batchSize: 128, shuffle: true, validationSplit: 0.2, verbose: 1,
  callbacks: { onTrainEnd: () => console.log('training done') },
});
console.log(`val_loss per epoch: ${history.history.val_loss.map((v) => v.toFixed(4)).join(', ')}`);

const { loss, accuracy } = model.evaluate(test.X, test.y);
const predicted = model.predict(test.X).argMax();
console.log(`test loss ${loss.toFixed(4)}, accuracy ${accuracy.toFixed(4)}; first predictions ${Array.from(predicted.subarray(0, 10)).join(' ')}, labels ${Array.from(test.y.subarray(0, 10)).join(' ')}`);
