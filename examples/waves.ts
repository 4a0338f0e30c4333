/**
 * The sequences issue's task: tell sine, square and sawtooth waves apart (50 steps of one noisy
 * feature, random phase and frequency; `wavesData`) with LSTM(64, dropout 0.2, recurrentDropout
 * 0.2) → Dense(3) softmax, Adam 1e-3, batch 64: the dropout-variants guide's temporal dropout
 * inside a recurrent layer (one mask per sequence, shared by every step). 3,000 training and 600
 * test sequences; one line per epoch, then `test accuracy: 0.XXXX`.
 *
 *   npx tsx examples/waves.ts              # wasm, 10 epochs
 *   npx tsx examples/waves.ts js 2         # the plain-TS backend, 2 epochs
 */
import * as nn from '../src/index.ts'; // in your project: import * as nn from 'nnwasm'
import { isMain } from './lib/experiment.ts';

export interface WavesOptions {
  backend?: nn.BackendName;
  epochs?: number;
  train?: number;
  test?: number;
  /** LSTM units (default 64) */
  units?: number;
  log?: (line: string) => void;
}

export interface WavesResult {
  /** test accuracy after each epoch */
  curve: number[];
  accuracy: number;
  seconds: number;
}

/** the LSTM of the issue, trained on `wavesData`; evaluates the test sequences after every epoch */
export async function waves(opts: WavesOptions = {}): Promise<WavesResult> {
  const { epochs = 10, train: nTrain = 3000, test: nTest = 600, units = 64, log = () => {} } = opts;
  const backend = await nn.createBackend(opts.backend ?? 'wasm', { seed: 0 });
  const train = nn.wavesData({ samples: nTrain, seed: 1 }), test = nn.wavesData({ samples: nTest, seed: 2 });
  const model = nn.sequential({
    backend,
    layers: [
      nn.layers.lstm({ inputShape: [50, 1], units, dropout: 0.2, recurrentDropout: 0.2 }),
      nn.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const curve: number[] = [];
  let seconds = 0, last = performance.now();
  await model.fit(train.X, train.y, {
    epochs, batchSize: 64, shuffle: true, verbose: 0,
    callbacks: {
      onEpochEnd: (epoch, logs) => {
        seconds += (performance.now() - last) / 1000;
        curve.push(model.evaluate(test.X, test.y).accuracy);
        log(`epoch ${epoch + 1}/${epochs}: loss ${logs!.loss.toFixed(4)}, accuracy ${logs!.acc.toFixed(4)}, test accuracy ${curve.at(-1)!.toFixed(4)} (${seconds.toFixed(1)} s)`);
        last = performance.now();
      },
    },
  });
  model.dispose();
  return { curve, accuracy: curve.at(-1)!, seconds };
}

if (isMain(import.meta)) {
  const backend = (process.argv[2] ?? 'wasm') as nn.BackendName, epochs = Number(process.argv[3] ?? 10);
  console.log(`sine / square / sawtooth, 50 steps × 1 feature, noise ±0.2: LSTM(64, dropout 0.2, recurrentDropout 0.2) → Dense(3), ${epochs} epochs, ${backend}`);
  const r = await waves({ backend, epochs, log: console.log });
  console.log(`test accuracy: ${r.accuracy.toFixed(4)}`);
}
