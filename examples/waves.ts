/**
 * The sequences issue's task: tell sine, square and sawtooth waves apart (50 steps of one noisy
 * feature, random phase and frequency; `wavesData`) with LSTM(64, dropout 0.2, recurrentDropout
 * 0.2) → Dense(3) softmax, Adam 1e-3, batch 64: the dropout-variants guide's temporal dropout
 * inside a recurrent layer (one mask per sequence, shared by every step). 3,000 training and 600
 * test sequences; one line per epoch (its test accuracy with dropout off), then the deterministic
 * test accuracy and `test accuracy: 0.XXXX` of the Monte Carlo mean of 30 passes with dropout on
 * (why both: EXPERIMENTS.md, "Sequences").
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
  /** the network (default 'lstm-dropout': the issue's; the others are EXPERIMENTS.md's comparison) */
  variant?: WavesVariant;
  /** Monte Carlo passes for a second test accuracy with dropout on (0: none) */
  mcSamples?: number;
  log?: (line: string) => void;
}

/**
 * The networks compared in EXPERIMENTS.md, all → Dense(3) softmax:
 * - 'lstm-dropout': LSTM(64, dropout 0.2, recurrentDropout 0.2), the issue's;
 * - 'lstm': no dropout; 'lstm-recurrent': recurrentDropout 0.2 only;
 * - 'temporal-input': TemporalDropout(0.2) → LSTM(64): the input mask shared by every step
 *   (what `dropout` does inside the LSTM);
 * - 'per-step-input': Dropout(0.2) → LSTM(64): a fresh input mask at every step.
 */
export type WavesVariant = 'lstm-dropout' | 'lstm' | 'lstm-recurrent' | 'temporal-input' | 'per-step-input';

function network(variant: WavesVariant, units: number): nn.LayerSpec[] {
  const inputShape = [50, 1];
  switch (variant) {
    case 'lstm-dropout': return [nn.layers.lstm({ inputShape, units, dropout: 0.2, recurrentDropout: 0.2 })];
    case 'lstm': return [nn.layers.lstm({ inputShape, units })];
    case 'lstm-recurrent': return [nn.layers.lstm({ inputShape, units, recurrentDropout: 0.2 })];
    case 'temporal-input': return [nn.layers.temporalDropout({ inputShape, rate: 0.2 }), nn.layers.lstm({ units })];
    case 'per-step-input': return [nn.layers.dropout({ inputShape, rate: 0.2 }), nn.layers.lstm({ units })];
  }
}

export interface WavesResult {
  /** test accuracy after each epoch */
  curve: number[];
  accuracy: number;
  /** the test accuracy of the Monte Carlo mean prediction (mcSamples passes), if asked */
  mcAccuracy?: number;
  seconds: number;
}

/** the LSTM of the issue, trained on `wavesData`; evaluates the test sequences after every epoch */
export async function waves(opts: WavesOptions = {}): Promise<WavesResult> {
  const { epochs = 10, train: nTrain = 3000, test: nTest = 600, units = 64, variant = 'lstm-dropout', mcSamples = 0, log = () => {} } = opts;
  const backend = await nn.createBackend(opts.backend ?? 'wasm', { seed: 0 });
  const train = nn.wavesData({ samples: nTrain, seed: 1 }), test = nn.wavesData({ samples: nTest, seed: 2 });
  const model = nn.sequential({
    backend,
    layers: [...network(variant, units), nn.layers.dense({ units: 3, activation: 'softmax' })],
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
        log(`epoch ${epoch + 1}/${epochs}: loss ${logs!.loss.toFixed(4)}, accuracy ${logs!.acc.toFixed(4)}, test accuracy with dropout off ${curve.at(-1)!.toFixed(4)} (${seconds.toFixed(1)} s)`);
        last = performance.now();
      },
    },
  });
  let mcAccuracy: number | undefined;
  if (mcSamples > 0) {
    const { mean } = model.predict(test.X, { mcSamples });
    mcAccuracy = Array.from(mean.argMax()).filter((c, i) => c === test.y[i]).length / test.y.length;
  }
  model.dispose();
  return { curve, accuracy: curve.at(-1)!, mcAccuracy, seconds };
}

if (isMain(import.meta)) {
  const backend = (process.argv[2] ?? 'wasm') as nn.BackendName, epochs = Number(process.argv[3] ?? 10);
  console.log(`sine / square / sawtooth, 50 steps × 1 feature, noise ±0.2: LSTM(64, dropout 0.2, recurrentDropout 0.2) → Dense(3), ${epochs} epochs, ${backend}`);
  const r = await waves({ backend, epochs, mcSamples: 30, log: console.log });
  // With one input feature, the input mask shared by every step drops whole sequences in training
  // and scales the rest by 1.25, so the deterministic prediction (dropout off, as Keras's evaluate)
  // sees inputs 0.8× as large as any it trained on; the Monte Carlo mean does not (EXPERIMENTS.md).
  console.log(`deterministic prediction (dropout off): ${r.accuracy.toFixed(4)}; Monte Carlo mean of 30 passes (dropout on):`);
  console.log(`test accuracy: ${r.mcAccuracy!.toFixed(4)}`);
}
