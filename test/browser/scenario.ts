/**
 * One seeded training run that the browser tests execute in Node and in Chromium and compare.
 * It takes the library as an argument, so the very same code runs against the source, an esbuild
 * or Vite bundle of the packed package, or the package's dist/ loaded by a plain module page.
 * Only what both runtimes have is used (WebCrypto for the hashes, no Node built-ins).
 */
import type * as Nnwasm from 'nnwasm';
import type { BackendName, BackendOptions, LayerDense } from 'nnwasm';

export type NnwasmModule = typeof Nnwasm;

export interface ScenarioOptions {
  backend: BackendName;
  seed: number;
  epochs: number;
  hidden?: number;
  /** how the wasm backend is created; simd defaults to 'baseline', the deterministic build */
  backendOptions?: BackendOptions;
}

export interface ScenarioResult {
  variant: string;
  /** SHA-256 over the float32 bytes of every weight and bias, in layer order */
  weightsSha256: string;
  /** SHA-256 over the float32 bytes of the softmax outputs on spiral(100, 3, seed 1) */
  predictionsSha256: string;
  /** the first three prediction rows, to show what differs when the hashes do */
  firstPredictions: number[];
  finalLoss: number;
  validationAccuracy: number;
}

export async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

function concatFloats(parts: Float32Array[]): Uint8Array<ArrayBuffer> {
  const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) all.set(p, (at += p.length) - p.length);
  return new Uint8Array(all.buffer);
}

/** the book's chapter-15 model (hidden 512 by default), full-batch Adam on spiral(1000, 3, seed 0) */
export async function chapter15(nn: NnwasmModule, opts: ScenarioOptions): Promise<ScenarioResult> {
  const { seed, epochs, hidden = 512 } = opts;
  const backend = await nn.createBackend(opts.backend, { simd: 'baseline', ...opts.backendOptions, seed });
  const train = nn.spiralData(1000, 3, 0);
  const test = nn.spiralData(100, 3, 1);
  const dense1 = new nn.LayerDense(2, hidden, { weightRegularizerL2: 5e-4, biasRegularizerL2: 5e-4, backend });
  const dense2 = new nn.LayerDense(hidden, 3, { backend });
  const model = new nn.Model({ backend })
    .add(dense1)
    .add(new nn.ActivationReLU({ backend }))
    .add(new nn.LayerDropout(0.1, { backend }))
    .add(dense2)
    .add(new nn.ActivationSoftmax({ backend }))
    .compile({ loss: new nn.LossCategoricalCrossentropy({ backend }), optimizer: new nn.OptimizerAdam({ learningRate: 0.05, decay: 5e-5, backend }) });
  const history = model.fit(train.X, train.y, { epochs, validationData: [test.X, test.y] });
  const params = [dense1, dense2].flatMap((d: LayerDense) => [d.weights.data.slice(), d.biases.data.slice()]);
  const predictions = model.predict(test.X).data;
  const result: ScenarioResult = {
    variant: backend.variant,
    weightsSha256: await sha256Hex(concatFloats(params)),
    predictionsSha256: await sha256Hex(concatFloats([predictions])),
    firstPredictions: Array.from(predictions.subarray(0, 9)),
    finalLoss: history.epochs.at(-1)!.loss,
    validationAccuracy: history.validation!.accuracy,
  };
  model.dispose();
  return result;
}
