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

// ————————————————————————————————————————————————————————————————————————————————————————————————
// A small CNN over every image layer, for test/browser/cnn.test.ts: trained in Node, saved, loaded
// in Chromium; and the same seeded training run in both.

/** the CNN's images: SIZE × SIZE × 1, NHWC */
export const CNN_SIZE = 16;
export const CNN_CLASSES = 3;

export interface CnnOptions {
  seed: number;
  epochs: number;
  /** 'cnn' (default): the image layers; 'rnn': the recurrent layers, reading each image row by row */
  model?: 'cnn' | 'rnn';
}

export interface CnnImages {
  /** [n, CNN_SIZE, CNN_SIZE, 1] */
  X: Nnwasm.Matrix;
  /** the class of each image: 0 a filled square, 1 a plus, 2 a ring */
  y: Int32Array;
}

/**
 * `n` blurred shapes, a third of each class, at seeded positions and sizes, with seeded noise. Only
 * Rng.uniform and float arithmetic (no Math.sin or Math.log), so the pixels are the same bits in
 * any JavaScript engine.
 */
export function cnnImages(nn: NnwasmModule, n: number, seed: number): CnnImages {
  const S = CNN_SIZE, rng = new nn.Rng(seed, 1);
  const X = new Float32Array(n * S * S), y = new Int32Array(n);
  const raw = new Float64Array(S * S);
  for (let i = 0; i < n; i++) {
    const cls = i % CNN_CLASSES;
    y[i] = cls;
    const r = 3 + rng.int(3); // half-size 3..5
    const cy = r + 1 + rng.int(S - 2 * r - 2), cx = r + 1 + rng.int(S - 2 * r - 2);
    const ink = 0.6 + 0.4 * rng.uniform();
    for (let py = 0; py < S; py++)
      for (let px = 0; px < S; px++) {
        const dy = py - cy, dx = px - cx, d2 = dy * dy + dx * dx;
        const on = cls === 0 ? Math.abs(dy) <= r - 1 && Math.abs(dx) <= r - 1
          : cls === 1 ? (Math.abs(dy) <= 1 && Math.abs(dx) <= r) || (Math.abs(dx) <= 1 && Math.abs(dy) <= r)
          : d2 <= r * r && d2 >= (r - 1.5) * (r - 1.5);
        raw[py * S + px] = on ? ink : 0;
      }
    // a 3×3 box blur, then noise
    for (let py = 0; py < S; py++)
      for (let px = 0; px < S; px++) {
        let sum = 0;
        for (let ky = -1; ky <= 1; ky++)
          for (let kx = -1; kx <= 1; kx++) {
            const qy = py + ky, qx = px + kx;
            if (qy >= 0 && qy < S && qx >= 0 && qx < S) sum += raw[qy * S + qx];
          }
        X[i * S * S + py * S + px] = sum / 9 + 0.15 * (rng.uniform() - 0.5);
      }
  }
  return { X: new nn.Matrix(X, [n, S, S, 1]), y };
}

/** the training and the held-out images every CNN run uses */
export const cnnData = (nn: NnwasmModule) => ({ train: cnnImages(nn, 150, 11), test: cnnImages(nn, 30, 12) });

/**
 * Conv2D(8, 3, relu, same) → MaxPooling2D(2) → SpatialDropout2D(0.2) → Conv2D(16, 3, relu,
 * strides 2, same) → AveragePooling2D(2) → GlobalAveragePooling2D → Flatten → Dense(16, 3) →
 * Softmax, Adam(0.01): every image layer, 16×16×1 → 8×8×8 → 4×4×16 → 2×2×16 → 16 → 3.
 */
export function cnnModel(nn: NnwasmModule, backend: Nnwasm.Backend, kind: CnnOptions['model'] = 'cnn'): Nnwasm.Model {
  if (kind === 'rnn') return rnnModel(nn, backend);
  return new nn.Model({ backend })
    .add(new nn.LayerConv2D(8, 3, { activation: 'relu', padding: 'same', inputShape: [CNN_SIZE, CNN_SIZE, 1], backend }))
    .add(new nn.LayerMaxPooling2D(2, { backend }))
    .add(new nn.LayerSpatialDropout2D(0.2, { backend }))
    .add(new nn.LayerConv2D(16, 3, { activation: 'relu', strides: 2, padding: 'same', backend }))
    .add(new nn.LayerAveragePooling2D(2, { backend }))
    .add(new nn.LayerGlobalAveragePooling2D({ backend }))
    .add(new nn.LayerFlatten({ backend }))
    .add(new nn.LayerDense(16, CNN_CLASSES, { backend }))
    .add(new nn.ActivationSoftmax({ backend }))
    .compile({ loss: new nn.LossCategoricalCrossentropy({ backend }), optimizer: new nn.OptimizerAdam({ learningRate: 0.01, backend }) });
}

/**
 * The images as sequences of CNN_SIZE rows of CNN_SIZE features: LSTM(12, dropout 0.1,
 * recurrentDropout 0.1, returnSequences) → TemporalDropout(0.1) → GRU(8, goBackwards) →
 * Dense(8, 3) → Softmax, Adam(0.01): every recurrent kernel path but SimpleRNN's in one model.
 */
function rnnModel(nn: NnwasmModule, backend: Nnwasm.Backend): Nnwasm.Model {
  return new nn.Model({ backend })
    .add(new nn.LayerLSTM(12, { dropout: 0.1, recurrentDropout: 0.1, returnSequences: true, inputShape: [CNN_SIZE, CNN_SIZE], backend }))
    .add(new nn.LayerTemporalDropout(0.1, { backend }))
    .add(new nn.LayerGRU(8, { goBackwards: true, backend }))
    .add(new nn.LayerDense(8, CNN_CLASSES, { backend }))
    .add(new nn.ActivationSoftmax({ backend }))
    .compile({ loss: new nn.LossCategoricalCrossentropy({ backend }), optimizer: new nn.OptimizerAdam({ learningRate: 0.01, backend }) });
}

/** the images as the model takes them: NHWC, or rows as steps for the recurrent model */
const asInput = (nn: NnwasmModule, images: Nnwasm.Matrix, kind: CnnOptions['model']) =>
  kind === 'rnn' ? new nn.Matrix(images.data, [images.rows, CNN_SIZE, CNN_SIZE]) : images;

export interface CnnTrained {
  variant: string;
  /** SHA-256 over the float32 bytes of the training images, to show both sides trained on the same */
  dataSha256: string;
  /** SHA-256 over the float32 bytes of every trainable tensor (getParameters), in order */
  weightsSha256: string;
  /** SHA-256 over what model.save() wrote */
  savedSha256: string;
  /** model.save(), as plain numbers (what page.evaluate carries) */
  saved: number[];
  /** the last epoch's training loss (dropout on) */
  loss: number;
  /** the trained model's accuracy (dropout off) on its training images and on the held-out ones */
  trainAccuracy: number;
  testAccuracy: number;
  ms: number;
}

/** train the CNN (or the recurrent model) on the baseline wasm build (mini-batches of 30, seeded shuffle) and save it */
export async function trainCnn(nn: NnwasmModule, opts: CnnOptions): Promise<CnnTrained> {
  const backend = await nn.createBackend('wasm', { simd: 'baseline', seed: opts.seed });
  const { train, test } = cnnData(nn);
  const model = cnnModel(nn, backend, opts.model);
  const [trainX, testX] = [asInput(nn, train.X, opts.model), asInput(nn, test.X, opts.model)];
  const start = performance.now();
  const history = model.fit(trainX, train.y, { epochs: opts.epochs, batchSize: 30, shuffle: true });
  const ms = performance.now() - start;
  const saved = model.save();
  const result: CnnTrained = {
    variant: backend.variant,
    dataSha256: await sha256Hex(concatFloats([train.X.data])),
    weightsSha256: await sha256Hex(concatFloats(model.getParameters().map((p) => p.data))),
    savedSha256: await sha256Hex(new Uint8Array(saved)),
    saved: Array.from(saved),
    loss: history.epochs.at(-1)!.loss,
    trainAccuracy: model.evaluate(trainX, train.y).accuracy,
    testAccuracy: model.evaluate(testX, test.y).accuracy,
    ms,
  };
  model.dispose();
  return result;
}

export interface CnnPredictions {
  variant: string;
  /** the float32 bit pattern of every softmax output on the held-out images, row-major */
  bits: number[];
  sha256: string;
}

/** load saved bytes on `backend` ('wasm' is the baseline build) and predict the held-out images */
export async function predictSavedCnn(nn: NnwasmModule, saved: ArrayLike<number>, backendName: BackendName, kind: CnnOptions['model'] = 'cnn'): Promise<CnnPredictions> {
  const backend = await nn.createBackend(backendName, { simd: 'baseline', seed: 0 });
  const model = nn.Model.load(Uint8Array.from(saved), { backend });
  const out = model.predict(asInput(nn, cnnData(nn).test.X, kind)).data;
  model.dispose();
  return { variant: backend.variant, bits: Array.from(new Uint32Array(out.buffer, out.byteOffset, out.length)), sha256: await sha256Hex(concatFloats([out])) };
}
