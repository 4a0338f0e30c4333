/**
 * Saving and resuming: the bytes round-trip bit-exactly, a resumed run follows the uninterrupted
 * one exactly (same SHA-256 of the weights), and bad bytes — truncated, bit-flipped, another
 * version, another architecture, tampered — throw a typed error and change nothing.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  Model, LayerDense, LayerDropout, ActivationReLU, ActivationSoftmax, ActivationSigmoid, ActivationLinear,
  LossCategoricalCrossentropy, LossBinaryCrossentropy, LossMeanSquaredError, LossMeanAbsoluteError,
  OptimizerSGD, OptimizerAdagrad, OptimizerRMSprop, Matrix, spiralData, sineData,
  LayerExactDropout, LayerGaussianDropout, LayerAlphaDropout, LayerScheduledDropout, LayerConcreteDropout, LayerAdaptiveDropout,
  ActivationSELU, ActivationTanh, LayerConv2D, LayerMaxPooling2D, LayerAveragePooling2D, LayerGlobalAveragePooling2D, LayerFlatten, LayerSpatialDropout2D,
  LayerBatchNormalization, LayerLayerNormalization, LayerSimpleRNN, LayerLSTM, LayerGRU, LayerTemporalDropout, registeredLayers, registerLayer, FormatError, NnwasmError, ShapeError, ValueError,
  type Backend, type BackendName, type Layer, type Optimizer, type Loss,
} from '../src/index.ts';
import { encode, decode, FORMAT_VERSION } from '../src/io/format.ts';
import { crc32 } from '../src/io/crc32.ts';
import { saveModelFile, loadModelFile } from '../src/io/node.ts';
import { backends, freshBackend, expectSame, expectClose, chapter15, thrown } from './helpers.ts';

const sha256 = (model: Model) => {
  const h = createHash('sha256');
  for (const p of model.getParameters()) h.update(new Uint8Array(p.data.buffer, p.data.byteOffset, p.data.byteLength));
  return h.digest('hex');
};


const data = spiralData(40, 3, 0);
/** shuffled minibatches, so the shuffle stream's state matters too */
const fitOpts = { batchSize: 32, shuffle: true } as const;

/** one sample layer per registered name; a layer registered without a sample here fails the coverage test */
const SAMPLES: Record<string, (backend: Backend) => Layer> = {
  LayerDense: (backend) => new LayerDense(3, 4, { weightRegularizerL1: 1e-4, weightRegularizerL2: 2e-4, biasRegularizerL1: 3e-4, biasRegularizerL2: 4e-4, backend }),
  LayerDropout: (backend) => new LayerDropout(0.25, { backend }),
  ActivationReLU: (backend) => new ActivationReLU({ backend }),
  ActivationSoftmax: (backend) => new ActivationSoftmax({ backend }),
  ActivationSigmoid: (backend) => new ActivationSigmoid({ backend }),
  ActivationLinear: (backend) => new ActivationLinear({ backend }),
  // the dropout family
  LayerExactDropout: (backend) => new LayerExactDropout(0.34, { backend }),
  LayerGaussianDropout: (backend) => new LayerGaussianDropout(0.3, { backend }),
  LayerAlphaDropout: (backend) => new LayerAlphaDropout(0.2, { backend }),
  LayerScheduledDropout: (backend) => new LayerScheduledDropout(0.4, { rampEpochs: 10, backend }),
  LayerConcreteDropout: (backend) => new LayerConcreteDropout({ initRate: 0.2, backend }),
  LayerAdaptiveDropout: (backend) => new LayerAdaptiveDropout(0.3, { backend }),
  ActivationSELU: (backend) => new ActivationSELU({ backend }),
  ActivationTanh: (backend) => new ActivationTanh({ backend }),
  // images (NHWC): they run on IMAGES below
  LayerConv2D: (backend) => new LayerConv2D(3, [2, 3], { strides: [1, 2], padding: 'same', activation: 'relu', kernelRegularizerL2: 1e-3, kernelInitializer: 'heNormal', backend }),
  LayerMaxPooling2D: (backend) => new LayerMaxPooling2D([2, 1], { strides: 1, padding: 'same', backend }),
  LayerAveragePooling2D: (backend) => new LayerAveragePooling2D(2, { backend }),
  LayerGlobalAveragePooling2D: (backend) => new LayerGlobalAveragePooling2D({ backend }),
  LayerFlatten: (backend) => new LayerFlatten({ backend }),
  LayerSpatialDropout2D: (backend) => new LayerSpatialDropout2D(0.4, { backend }),
  // normalization: the moving statistics are state tensors, moved by the training forward below
  LayerBatchNormalization: (backend) => new LayerBatchNormalization({ momentum: 0.8, epsilon: 1e-2, center: false, gammaRegularizerL2: 1e-3, backend }),
  LayerLayerNormalization: (backend) => new LayerLayerNormalization({ scale: false, epsilon: 1e-5, betaRegularizerL1: 1e-3, backend }),
  // sequences [N, T, F]: they run on SEQUENCES below
  LayerSimpleRNN: (backend) => new LayerSimpleRNN(3, { returnSequences: true, activation: 'relu', dropout: 0.2, kernelRegularizerL2: 1e-3, backend }),
  LayerLSTM: (backend) => new LayerLSTM(4, { goBackwards: true, recurrentDropout: 0.3, unitForgetBias: false, recurrentRegularizerL1: 1e-3, backend }),
  LayerGRU: (backend) => new LayerGRU(2, { resetAfter: false, useBias: true, dropout: 0.1, recurrentDropout: 0.1, recurrentActivation: 'hardSigmoid', backend }),
  LayerTemporalDropout: (backend) => new LayerTemporalDropout(0.3, { backend }),
};
/** a batch of two sequences of 4 steps × 3 features, for the recurrent layers */
const SEQUENCES = Array.from({ length: 2 }, (_, n) => Array.from({ length: 4 }, (_, t) => [n - t * 0.5, (n * t) % 3 - 1, 0.25 * t]));
const takesSequences = (l: Layer) => /RNN|LSTM|GRU|Temporal/.test(String(l));
/** a batch of two 3×4 images of 2 channels, for the layers that take images */
const IMAGES = Array.from({ length: 2 }, (_, n) => Array.from({ length: 3 }, (_, i) => Array.from({ length: 4 }, (_, j) => [n + i * 0.5 - j, (i * j) % 3 - 1])));
const takesImages = (l: Layer) => /Conv2D|Pooling2D|SpatialDropout2D|Flatten/.test(String(l));

describe.each(backends())('persistence on %s', (name: BackendName) => {
  it('round trip is bit-exact: weights, optimizer state, predictions, and the re-saved bytes', async () => {
    const backend = await freshBackend(name, 1);
    const model = chapter15(backend);
    model.fit(data.X, data.y, { epochs: 7, ...fitOpts });
    const bytes = model.save();
    const other = await freshBackend(name, 1); // a fresh process
    const loaded = Model.load(bytes, { backend: other });
    model.getParameters().forEach((p, i) => expectSame(loaded.getParameters()[i].data, p.data, `parameter ${i}`));
    expect(loaded.optimizer!.iterations).toBe(model.optimizer!.iterations);
    expect(loaded.optimizer!.currentLearningRate).toBe(model.optimizer!.currentLearningRate);
    expectSame(loaded.predict(data.X).data, model.predict(data.X).data, 'predictions');
    expect(loaded.evaluate(data.X, data.y)).toEqual(model.evaluate(data.X, data.y));
    // everything that was saved is restored: saving the loaded model gives the same bytes
    expect(Buffer.from(loaded.save()).equals(Buffer.from(bytes))).toBe(true);
  });

  it('100 epochs straight = 50 + save/load + 50 (same SHA-256 of the weights); weights alone are not enough', async () => {
    const straight = chapter15(await freshBackend(name, 3));
    straight.fit(data.X, data.y, { epochs: 100, ...fitOpts });

    const first = chapter15(await freshBackend(name, 3));
    first.fit(data.X, data.y, { epochs: 50, ...fitOpts });
    const bytes = first.save();
    const resumed = Model.load(bytes, { backend: await freshBackend(name, 0) });
    resumed.fit(data.X, data.y, { epochs: 50, ...fitOpts });
    expect(sha256(resumed)).toBe(sha256(straight));

    // the comparison can fail: the same weights without optimizer and RNG state drift away
    const weightsOnly = chapter15(await freshBackend(name, 3));
    weightsOnly.setParameters(first.getParameters());
    weightsOnly.fit(data.X, data.y, { epochs: 50, ...fitOpts });
    expect(sha256(weightsOnly)).not.toBe(sha256(straight));
  });

  it('restore() into an existing model of the same architecture resumes exactly too', async () => {
    const straight = chapter15(await freshBackend(name, 4));
    straight.fit(data.X, data.y, { epochs: 20, ...fitOpts });
    const first = chapter15(await freshBackend(name, 4));
    first.fit(data.X, data.y, { epochs: 10, ...fitOpts });
    const target = chapter15(await freshBackend(name, 77));
    target.fit(data.X, data.y, { epochs: 3, ...fitOpts }); // state that restore must replace
    target.restore(first.save());
    target.fit(data.X, data.y, { epochs: 10, ...fitOpts });
    expect(sha256(target)).toBe(sha256(straight));
  });

  it('every optimizer, loss and accuracy round-trips with its hyperparameters and state', async () => {
    const backend = await freshBackend(name, 5);
    const sine = sineData(64);
    const cases: [() => Optimizer, () => Loss, Layer, 'regression' | 'binary' | 'categorical'][] = [
      [() => new OptimizerSGD({ learningRate: 0.1, decay: 1e-3, momentum: 0.9, backend }), () => new LossMeanSquaredError({ backend }), new ActivationLinear({ backend }), 'regression'],
      [() => new OptimizerSGD({ learningRate: 0.1, backend }), () => new LossMeanAbsoluteError({ backend }), new ActivationLinear({ backend }), 'regression'],
      [() => new OptimizerAdagrad({ learningRate: 0.5, decay: 1e-4, epsilon: 1e-6, backend }), () => new LossBinaryCrossentropy({ backend }), new ActivationSigmoid({ backend }), 'binary'],
      [() => new OptimizerRMSprop({ learningRate: 0.01, decay: 1e-4, epsilon: 1e-6, rho: 0.8, backend }), () => new LossMeanSquaredError({ backend }), new ActivationLinear({ backend }), 'regression'],
    ];
    const targets = Array.from(sine.y.data, (v) => [v > 0 ? 1 : 0]);
    for (const [opt, loss, out, acc] of cases) {
      const m = new Model({ backend }).add(new LayerDense(1, 8, { backend })).add(new ActivationReLU({ backend })).add(new LayerDense(8, 1, { backend })).add(out)
        .compile({ loss: loss(), optimizer: opt(), accuracy: acc });
      const y = acc === 'binary' ? targets : sine.y;
      m.fit(sine.X, y, { epochs: 5 });
      const copy = Model.load(m.save(), { backend });
      expect(String(copy.optimizer)).toBe(String(m.optimizer));
      expect(String(copy.loss)).toBe(String(m.loss));
      expect(copy.accuracy!.name).toBe(acc);
      for (const key of ['learningRate', 'decay', 'momentum', 'epsilon', 'rho', 'iterations', 'currentLearningRate'])
        expect((copy.optimizer as unknown as Record<string, number>)[key], key).toBe((m.optimizer as unknown as Record<string, number>)[key]);
      expect(copy.evaluate(sine.X, y)).toEqual(m.evaluate(sine.X, y)); // regression precision included
      m.fit(sine.X, y, { epochs: 3 });
      copy.fit(sine.X, y, { epochs: 3 });
      expect(sha256(copy)).toBe(sha256(m));
    }
  });

  it('every registered layer type round-trips its config and state (a new layer needs a sample here)', async () => {
    const backend = await freshBackend(name, 6);
    const missing = registeredLayers().filter((n) => !(n in SAMPLES));
    expect(missing, `registered layers without a sample in test/persistence.test.ts SAMPLES: ${missing}`).toEqual([]);
    const variants = [(b: Backend) => new LayerDropout(0.3, { scaling: 'down', backend: b })]; // options a name alone does not cover
    for (const make of [...registeredLayers().map((type) => SAMPLES[type]), ...variants]) {
      const layer = make(backend);
      const type = String(layer);
      const input = takesImages(layer) ? IMAGES : takesSequences(layer) ? SEQUENCES : [[0.5, -1, 2], [1, 1, -3]];
      layer.forward(input, true); // advance state (dropout's pass counter), build (Conv2D's kernel)
      const model = new Model({ backend }).add(layer);
      const copy = Model.load(model.save(), { backend }).layers[0];
      expect(copy.constructor).toBe(layer.constructor);
      expect(copy.getConfig()).toEqual(layer.getConfig());
      expect(copy.getState()).toEqual(layer.getState());
      expect(String(copy)).toBe(String(layer));
      layer.stateTensors().forEach((t, i) => expectSame(copy.stateTensors()[i].data, t.data, `${type} state tensor ${i}`));
      copy.forward(input, true);
      layer.forward(input, true);
      expectSame(copy.output.data, layer.output.data, `${type} output after load`);
    }
  });

  it('a model saved on one backend loads on the other with the same weights', async () => {
    const other: BackendName = name === 'js' ? 'wasm' : 'js';
    if (!backends().includes(other)) return expect(backends()).toEqual([name]);
    const model = chapter15(await freshBackend(name, 8));
    model.fit(data.X, data.y, { epochs: 5, ...fitOpts });
    const there = Model.load(model.save(), { backend: await freshBackend(other, 8) });
    expect(there.backend.name).toBe(other);
    model.getParameters().forEach((p, i) => expectSame(there.getParameters()[i].data, p.data, `parameter ${i}`));
    const [a, b] = [there.predict(data.X).data, model.predict(data.X).data];
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-5);
  });

  it('saveModelFile / loadModelFile write and read the same bytes', async () => {
    const backend = await freshBackend(name, 9);
    const model = chapter15(backend);
    const dir = mkdtempSync(join(tmpdir(), 'nnwasm-'));
    const path = join(dir, 'model.nnwasm');
    await saveModelFile(model, path);
    expect(Buffer.from(readFileSync(path)).equals(Buffer.from(model.save()))).toBe(true);
    expect(existsSync(`${path}.${process.pid}.tmp`)).toBe(false);
    const loaded = await loadModelFile(path, { backend });
    expect(sha256(loaded)).toBe(sha256(model));
    writeFileSync(path, readFileSync(path).subarray(0, 100));
    await expect(loadModelFile(path, { backend })).rejects.toBeInstanceOf(FormatError);
  });
});

describe.each(backends())('bad bytes on %s: a typed error, nothing changed', (name: BackendName) => {
  /** a model, its bytes, and a fingerprint of everything a failed load must not touch */
  async function setup() {
    const backend = await freshBackend(name, 10);
    const model = chapter15(backend);
    model.fit(data.X, data.y, { epochs: 3, ...fitOpts });
    const bytes = model.save();
    const fingerprint = () => [Buffer.from(model.save()).toString('base64'), backend.arena.liveBytes, backend.seedsDrawn];
    return { backend, model, bytes, fingerprint };
  }

  it('truncated at any length: FormatError', async () => {
    const { backend, model, bytes, fingerprint } = await setup();
    const before = fingerprint();
    for (const len of [0, 1, 8, 15, 16, 19, 40, bytes.length >> 1, bytes.length - 5, bytes.length - 1]) {
      const e = thrown(() => Model.load(bytes.subarray(0, len), { backend }));
      expect(e, `length ${len}`).toBeInstanceOf(FormatError);
      expect((e as Error).message).toMatch(/truncated|corrupted/);
      expect(thrown(() => model.restore(bytes.subarray(0, len)))).toBeInstanceOf(FormatError);
    }
    expect(fingerprint()).toEqual(before);
  });

  it('any single flipped bit: FormatError (checksum, magic or version), model untouched', async () => {
    const { backend, model, bytes, fingerprint } = await setup();
    const before = fingerprint();
    fc.assert(
      fc.property(fc.nat({ max: bytes.length * 8 - 1 }), (bit) => {
        const flipped = bytes.slice();
        flipped[bit >> 3] ^= 1 << (bit & 7);
        expect(thrown(() => Model.load(flipped, { backend }))).toBeInstanceOf(FormatError);
        expect(thrown(() => model.restore(flipped))).toBeInstanceOf(FormatError);
      }),
      { numRuns: 300, seed: 1 },
    );
    expect(fingerprint()).toEqual(before);
  });

  it('another format version, another file type, trailing bytes, not bytes: FormatError with the reason', async () => {
    const { backend, bytes } = await setup();
    const newer = bytes.slice();
    new DataView(newer.buffer).setUint32(8, FORMAT_VERSION + 1, true);
    expect(thrown(() => Model.load(newer, { backend }))).toMatchObject({ name: 'FormatError', message: expect.stringMatching(new RegExp(`unsupported format version ${FORMAT_VERSION + 1}.*newer`)) });
    const older = bytes.slice();
    new DataView(older.buffer).setUint32(8, 0, true);
    expect(thrown(() => Model.load(older, { backend }))).toMatchObject({ name: 'FormatError', message: expect.stringMatching(/unsupported format version 0/) });
    const png = bytes.slice();
    png.set([0x89, 0x50, 0x4e, 0x47], 0);
    expect(thrown(() => Model.load(png, { backend }))).toMatchObject({ name: 'FormatError', message: expect.stringMatching(/not an nnwasm model/) });
    const longer = new Uint8Array(bytes.length + 3);
    longer.set(bytes);
    expect(thrown(() => Model.load(longer, { backend }))).toMatchObject({ name: 'FormatError', message: expect.stringMatching(/unexpected bytes/) });
    expect(thrown(() => Model.load('model' as unknown as Uint8Array, { backend }))).toBeInstanceOf(FormatError);
    // an ArrayBuffer is fine too
    expect(Model.load(bytes.slice().buffer, { backend }).layers).toHaveLength(5);
  });

  it('restore() of another architecture: ShapeError naming the difference, model untouched', async () => {
    const { backend, model, fingerprint } = await setup();
    const wider = chapter15(backend, 17);
    const e = thrown(() => model.restore(wider.save()));
    expect(e).toBeInstanceOf(ShapeError);
    expect((e as Error).message).toMatch(/layer 0.*"nNeurons":17.*"nNeurons":16/);
    const sgd = new Model({ backend }).add(new LayerDense(2, 16, { weightRegularizerL2: 5e-4, biasRegularizerL2: 5e-4, backend })).add(new ActivationReLU({ backend }))
      .add(new LayerDropout(0.1, { backend })).add(new LayerDense(16, 3, { backend })).add(new ActivationSoftmax({ backend }))
      .compile({ loss: new LossCategoricalCrossentropy({ backend }), optimizer: new OptimizerSGD({ backend }) });
    expect((thrown(() => model.restore(sgd.save())) as Error).message).toMatch(/optimizer.*OptimizerSGD.*OptimizerAdam/);
    const shorter = new Model({ backend }).add(new LayerDense(2, 3, { backend }));
    const before = fingerprint();
    expect((thrown(() => model.restore(wider.save())) as Error).message).toMatch(/layer 0/);
    expect(thrown(() => model.restore(shorter.save()))).toBeInstanceOf(ShapeError);
    expect(fingerprint()).toEqual(before);
  });

  it('a tampered header with a valid checksum: the constructors\' typed errors, nothing leaked', async () => {
    const { backend, bytes, fingerprint } = await setup();
    const before = fingerprint();
    const { header, tensors } = decode(bytes);
    const reencode = (edit: (h: Record<string, any>) => void, t = tensors) => {
      const h = structuredClone(header) as Record<string, any>;
      edit(h);
      delete h.tensors;
      return encode(h, t);
    };
    const cases: [string, Uint8Array, new (...a: any[]) => Error, RegExp][] = [
      ['negative width', reencode((h) => (h.layers[0].config.nNeurons = -3)), ValueError, /nNeurons must be a positive integer/],
      ['dropout rate 1', reencode((h) => (h.layers[2].config.rate = 1)), ValueError, /rate must be a number in \[0, 1\)/],
      ['dropout seed', reencode((h) => (h.layers[2].state.seed = -1)), ValueError, /seed and counter/],
      ['unknown layer', reencode((h) => (h.layers[1].type = 'LayerConv3D')), NnwasmError, /no layer is registered as 'LayerConv3D'/],
      ['unknown optimizer', reencode((h) => (h.optimizer.type = 'OptimizerLion')), FormatError, /optimizer.type/],
      ['Adam beta1 2', reencode((h) => (h.optimizer.config.beta1 = 2)), ValueError, /beta1/],
      ['widths that do not chain', reencode((h) => (h.layers[3].config.nInputs = 5)), ShapeError, /LayerDense\(5, 3\) expects 5 values along the last axis/],
      ['tensor shape', reencode((h) => h, tensors.map((t, i) => (i ? t : { entry: { ...t.entry, shape: [1, 32] }, values: t.values }))), ShapeError, /layers\.0\.parameters\.0 is 1×32/],
      ['missing tensor', reencode((h) => h, tensors.slice(1)), ShapeError, /holds \d+ tensors but its architecture has/],
      ['NaN weight', reencode((h) => h, tensors.map((t, i) => (i ? t : { entry: t.entry, values: Float32Array.from(t.values, (v, j) => (j ? v : NaN)) }))), FormatError, /non-finite/],
      ['no layers', reencode((h) => (h.layers = [])), FormatError, /layers/],
      ['iterations -1', reencode((h) => (h.optimizer.iterations = -1)), FormatError, /iterations/],
    ];
    for (const [what, b, cls, msg] of cases) {
      const e = thrown(() => Model.load(b, { backend }));
      expect(e, what).toBeInstanceOf(cls);
      expect((e as Error).message, what).toMatch(msg);
    }
    expect(fingerprint()).toEqual(before);
  });
});

describe('format and registry details', () => {
  it('CRC-32 matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('payload is little-endian float32 after a 4-aligned JSON header', () => {
    const bytes = encode({ hello: 'wörld' }, [{ entry: { name: 'x', shape: [1, 2] }, values: [1.5, -2] }]);
    const view = new DataView(bytes.buffer);
    const headerLength = view.getUint32(12, true);
    const at = 16 + ((headerLength + 3) & ~3);
    expect([view.getFloat32(at, true), view.getFloat32(at + 4, true)]).toEqual([1.5, -2]);
    expect(bytes.length).toBe(at + 8 + 4);
    expect(decode(bytes).header.hello).toBe('wörld');
    expect(decode(bytes).header.tensors).toEqual([{ name: 'x', shape: [1, 2] }]); // version 2: a shape of any rank
  });

  it('a file of format version 1 (written by nnwasm before shapes of any rank) still loads, predicts and resumes as it did', async () => {
    // test/fixtures/model-v1.nnwasm and .json were written by the code at commit ce9333c (format 1)
    const fixtures = new URL('./fixtures/', import.meta.url);
    const bytes = new Uint8Array(readFileSync(new URL('model-v1.nnwasm', fixtures)));
    const expected = JSON.parse(readFileSync(new URL('model-v1.json', fixtures), 'utf8'));
    expect(new DataView(bytes.buffer).getUint32(8, true)).toBe(1);
    for (const name of backends()) {
      const backend = await freshBackend(name, 7);
      const model = Model.load(bytes, { backend });
      model.getParameters().forEach((p, i) => expectSame(p.data, Float32Array.from(expected.parameters[i]), `${name}: parameter ${i}`));
      expectClose(model.predict(expected.X).data, expected.predictions, 1e-5, `${name}: predictions`);
      const data = spiralData(40, 3, 1);
      model.fit(data.X, data.y, { epochs: 5, batchSize: 32, shuffle: true });
      // the js backend repeats the old code's arithmetic exactly: the resumed run is the same bits
      if (name === 'js') model.getParameters().forEach((p, i) => expectSame(p.data, Float32Array.from(expected.afterFiveMoreEpochs[i]), `parameter ${i} after 5 more epochs`));
      expect(decode(model.save()).tensors.map((t) => t.entry.shape)).toEqual(decode(bytes).tensors.map((t) => t.entry.shape)); // re-saved as version 2, same shapes
    }
  });

  it('registerLayer refuses a taken name or class, and save names an unregistered class', async () => {
    const backend = await freshBackend('js', 11);
    expect(thrown(() => registerLayer('LayerDense', class extends ActivationReLU {}, () => new ActivationReLU({ backend })))).toBeInstanceOf(NnwasmError);
    expect(thrown(() => registerLayer('Another', LayerDense, () => new ActivationReLU({ backend })))).toBeInstanceOf(NnwasmError);
    class Unregistered extends ActivationReLU {}
    const e = thrown(() => new Model({ backend }).add(new Unregistered({ backend })).save());
    expect((e as Error).message).toMatch(/not registered; call registerLayer/);
  });

  it('save refuses non-finite weights', async () => {
    const backend = await freshBackend('js', 12);
    const dense = new LayerDense(2, 2, { backend });
    dense.weights.data[1] = NaN;
    expect(thrown(() => new Model({ backend }).add(dense).save())).toBeInstanceOf(ValueError);
  });
});

describe.each(backends())('getParameters / setParameters on %s', (name: BackendName) => {
  it('round trip, shape and value checks, and nothing half-written', async () => {
    const backend = await freshBackend(name, 13);
    const model = chapter15(backend, 4);
    const params = model.getParameters();
    expect(params.map((p) => [p.rows, p.cols])).toEqual([[2, 4], [1, 4], [4, 3], [1, 3]]);
    const ones = params.map((p) => new Matrix(new Float32Array(p.rows * p.cols).fill(1), p.rows, p.cols));
    model.setParameters(ones);
    expect(model.getParameters().every((p) => p.data.every((v) => v === 1))).toBe(true);
    model.setParameters(params.map((p) => p.toArray())); // nested arrays work too
    params.forEach((p, i) => expectSame(model.getParameters()[i].data, p.data, `parameter ${i}`));

    const bad: [unknown, new (...a: any[]) => Error, RegExp][] = [
      [params.slice(1), ShapeError, /expected 4 parameter tensors/],
      [[...params.slice(0, 3), new Matrix(new Float32Array(4), 1, 4)], ShapeError, /LayerDense\(4, 3\) biases: expected 1×3, got 1×4/],
      [[ones[0], ones[1], ones[2], [[1, NaN, 1]]], ValueError, /NaN at row 0, column 1/],
      [[ones[0], ones[1], ones[2], [[1, 1e39, 1]]], ValueError, /float32/],
      ['weights', ValueError, /expected an array/],
    ];
    for (const [arg, cls, msg] of bad) {
      const e = thrown(() => model.setParameters(arg as Matrix[]));
      expect(e).toBeInstanceOf(cls);
      expect((e as Error).message).toMatch(msg);
      params.forEach((p, i) => expectSame(model.getParameters()[i].data, p.data, `parameter ${i} after a rejected setParameters`));
    }
  });
});
