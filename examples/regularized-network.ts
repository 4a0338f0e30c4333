/**
 * The seeds' RegularizedNetwork (seed 002, the dropout-variants guide), which combines the
 * library's themes: for each hidden layer
 *
 *   Dense (L1 1e-4, L2 1e-4 on the weights) → BatchNormalization → Dropout (0.3; 0.5 for the last) → ReLU
 *
 * here with hidden sizes 256-128 and a Dense(10) softmax output, Adam 1e-3, batch 128, Keras's
 * initializers, on the `mnist` package's digits flattened to 784 (the 8,000 / 2,000 split of the
 * CNN example). Four variants (with and without batch norm, with and without dropout) report
 * held-out accuracy and the first epoch that reaches 0.95. The seed's sketch also wraps its output
 * layer in the pattern (BN, dropout 0.5 and a ReLU on the logits); we read "0.5 before the output"
 * as the last hidden layer's rate and keep the output a plain softmax, as any classifier needs.
 *
 *   npx tsx examples/regularized-network.ts            # wasm, 20 epochs
 *   npx tsx examples/regularized-network.ts js 2       # the plain-TS backend, 2 epochs
 */
import {
  createBackend, Model, LayerDense, LayerBatchNormalization, LayerDropout, ActivationReLU, ActivationSoftmax,
  LossCategoricalCrossentropy, OptimizerAdam, type Backend, type BackendName,
} from '../src/index.ts';
import { loadMnist, type Digits } from './lib/mnist.ts';
import { isMain, type ExperimentResult } from './lib/experiment.ts';

export interface Variant {
  batchNorm: boolean;
  dropout: boolean;
}
export const VARIANTS: Variant[] = [
  { batchNorm: true, dropout: true }, { batchNorm: true, dropout: false },
  { batchNorm: false, dropout: true }, { batchNorm: false, dropout: false },
];
export const variantName = (v: Variant) => `${v.batchNorm ? 'batch norm' : 'no batch norm'}, ${v.dropout ? 'dropout' : 'no dropout'}`;

/** the seed's network, hidden sizes `hidden`, with or without its batch norms and dropouts */
export function regularizedNetwork(backend: Backend, v: Variant, hidden = [256, 128]): Model {
  const model = new Model({ backend });
  [784, ...hidden].slice(0, -1).forEach((inputs, i) => {
    model.add(new LayerDense(inputs, hidden[i], { kernelInitializer: 'glorotUniform', weightRegularizerL1: 1e-4, weightRegularizerL2: 1e-4, backend }));
    if (v.batchNorm) model.add(new LayerBatchNormalization({ backend }));
    if (v.dropout) model.add(new LayerDropout(i < hidden.length - 1 ? 0.3 : 0.5, { backend }));
    model.add(new ActivationReLU({ backend }));
  });
  return model
    .add(new LayerDense(hidden.at(-1)!, 10, { kernelInitializer: 'glorotUniform', backend }))
    .add(new ActivationSoftmax({ backend }))
    .compile({ loss: new LossCategoricalCrossentropy({ backend }), optimizer: new OptimizerAdam({ learningRate: 1e-3, backend }) });
}

export interface VariantResult {
  variant: Variant;
  accuracy: number;
  /** held-out accuracy after each epoch */
  curve: number[];
  /** the first epoch whose held-out accuracy is ≥ 0.95, if any */
  epochTo95?: number;
  seconds: number;
}

/** train one variant for `epochs`, evaluating the held-out digits after each epoch (not timed) */
export function trainVariant(backend: Backend, digits: Digits, v: Variant, epochs: number, log: (line: string) => void = () => {}): VariantResult {
  const model = regularizedNetwork(backend, v);
  const { train, test } = digits, curve: number[] = [];
  let seconds = 0, last = performance.now();
  model.fit(train.X, train.y, {
    epochs, batchSize: 128, shuffle: true,
    onEpochEnd: (l) => {
      seconds += (performance.now() - last) / 1000;
      curve.push(model.evaluate(test.X, test.y).accuracy);
      log(`epoch ${l.epoch}: loss ${l.loss.toFixed(4)}, accuracy ${l.accuracy.toFixed(4)}, held-out accuracy ${curve.at(-1)!.toFixed(4)}`);
      last = performance.now();
    },
  });
  model.dispose();
  const reached = curve.findIndex((a) => a >= 0.95);
  return { variant: v, accuracy: curve.at(-1)!, curve, epochTo95: reached < 0 ? undefined : reached + 1, seconds };
}

/** every variant on the same digits, each from the backend's seed */
export async function regularizedNetworks(opts: { backend?: BackendName; epochs?: number; digits?: Digits } = {}): Promise<VariantResult[]> {
  const digits = opts.digits ?? loadMnist(0.8, 7);
  const results: VariantResult[] = [];
  for (const v of VARIANTS) results.push(trainVariant(await createBackend(opts.backend ?? 'wasm', { seed: 0 }), digits, v, opts.epochs ?? 20));
  return results;
}

/** the EXPERIMENTS.md section */
export async function regularizedNetworkExperiment(opts: { backend?: BackendName; epochs?: number } = {}): Promise<ExperimentResult> {
  const epochs = opts.epochs ?? 20;
  const results = await regularizedNetworks({ ...opts, epochs });
  return {
    title: "The seeds' RegularizedNetwork: Dense (L1, L2 1e-4) → BatchNormalization → Dropout (0.3, 0.5) → ReLU per hidden layer, 256-128, MNIST digits (Adam 1e-3, batch 128)",
    source: 'the dropout-variants guide (seed 002), class RegularizedNetwork (the seed gives the network, no figures)',
    command: 'npx tsx examples/regularized-network.ts',
    rows: results.flatMap((r) => [
      { setting: variantName(r.variant), measure: `held-out accuracy after ${epochs} epochs`, seed: '—', ours: r.accuracy.toFixed(4) },
      { setting: variantName(r.variant), measure: 'first epoch with held-out accuracy ≥ 0.95', seed: '—', ours: r.epochTo95 === undefined ? `not in ${epochs}` : String(r.epochTo95) },
    ]),
    notes: [
      '8,000 training and 2,000 held-out digits of the `mnist` package (the CNN example\'s split), flattened to 784; every variant starts from the same seed',
      "the seed's sketch wraps the output layer in the same pattern (batch norm, dropout 0.5, ReLU on the logits); here 0.5 is the last hidden layer's rate and the output is a plain softmax",
    ],
  };
}

if (isMain(import.meta)) {
  const name = (process.argv[2] ?? 'wasm') as BackendName, epochs = Number(process.argv[3] ?? 20);
  const digits = loadMnist(0.8, 7);
  console.log(`the seeds' RegularizedNetwork (784-256-128-10) on ${digits.train.y.length} digits, ${digits.test.y.length} held out, ${epochs} epochs, ${name}`);
  const results: VariantResult[] = [];
  for (const v of VARIANTS) {
    console.log(variantName(v));
    results.push(trainVariant(await createBackend(name, { seed: 0 }), digits, v, epochs, v.batchNorm && v.dropout ? (line) => console.log(`  ${line}`) : () => {}));
    const r = results.at(-1)!;
    console.log(`  held-out accuracy ${r.accuracy.toFixed(4)}, ≥ 0.95 ${r.epochTo95 ? `from epoch ${r.epochTo95}` : 'never'}, ${r.seconds.toFixed(1)} s`);
  }
  console.log('\n| variant | held-out accuracy | first epoch ≥ 0.95 |\n|---|---:|---:|');
  for (const r of results) console.log(`| ${variantName(r.variant)} | ${r.accuracy.toFixed(4)} | ${r.epochTo95 ?? 'never'} |`);
  console.log(`test accuracy: ${results[0].accuracy.toFixed(4)}`);
}
