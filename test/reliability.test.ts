/**
 * The 18 failures found when nnwasm was used as a careless and a hostile user would, one test
 * each (numbered as the findings were), each written to fail on the code before the fix:
 * silent memory corruption (1–3), a WASM trap (4), saved files that loaded what a constructor
 * would reject (5–8), raw errors and leaks (9–18). Every misuse must end in a typed error before
 * any write, and a failed call must change nothing: no seed drawn, no block kept, no counter moved.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  Model, LayerDense, LayerDropout, ActivationReLU, ActivationSoftmax, ActivationSigmoid, ActivationLinear,
  LayerExactDropout, LayerGaussianDropout, LayerAlphaDropout, LayerScheduledDropout, LayerConcreteDropout, LayerAdaptiveDropout,
  LossCategoricalCrossentropy, LossMeanSquaredError, ActivationSoftmaxLossCategoricalCrossentropy, OptimizerAdam, OptimizerSGD,
  Matrix, Tensor, Rng, createBackend, registerLayer, spiralData, verticalData, sineData, blobs, NnwasmError, ShapeError, ValueError, FormatError, OutOfMemoryError,
  TrainingDivergedError, type Backend, type BackendName,
} from '../src/index.ts';
import { decode, encode } from '../src/io/format.ts';
import { loadModelFile, saveModelFile } from '../src/io/node.ts';
import { backends, freshBackend, memoryWatch, thrown } from './helpers.ts';

/** clf(k, h): Dense(k, h) → ReLU → Dense(h, 3) → Softmax, categorical cross-entropy + Adam */
function clf(backend: Backend, k = 4, h = 16): Model {
  return new Model({ backend })
    .add(new LayerDense(k, h, { backend })).add(new ActivationReLU({ backend }))
    .add(new LayerDense(h, 3, { backend })).add(new ActivationSoftmax({ backend }))
    .compile({ loss: new LossCategoricalCrossentropy({ backend }), optimizer: new OptimizerAdam({ learningRate: 0.01, backend }) });
}

/** hidden layers of 64, 64, 64: two Dense(64, 64) of the same shape, which the snapshots once confused */
function deep(backend: Backend, optimizer = new OptimizerAdam({ learningRate: 0.02, backend })): Model {
  const m = new Model({ backend }).add(new LayerDense(2, 64, { backend })).add(new ActivationReLU({ backend }));
  for (let i = 0; i < 2; i++) m.add(new LayerDense(64, 64, { backend })).add(new ActivationReLU({ backend }));
  return m.add(new LayerDense(64, 3, { backend })).add(new ActivationSoftmax({ backend }))
    .compile({ loss: new LossCategoricalCrossentropy({ backend }), optimizer });
}

const sha256 = (model: Model) => {
  const h = createHash('sha256');
  for (const p of model.getParameters()) h.update(new Uint8Array(p.data.buffer, p.data.byteOffset, p.data.byteLength));
  return h.digest('hex');
};

/** a saved model with its header edited and the checksum recomputed */
function tamper(bytes: Uint8Array, edit: (h: Record<string, any>) => void): Uint8Array { // eslint-disable-line @typescript-eslint/no-explicit-any
  const { header, tensors } = decode(bytes);
  const h = structuredClone(header) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  edit(h);
  delete h.tensors;
  return encode(h, tensors);
}

const data = spiralData(30, 3, 0);
const X4 = [[1, 2, 3, 4], [4, 3, 2, 1]];

describe.each(backends())('silent memory corruption, now typed errors before any write, on %s', (name: BackendName) => {
  it('1. a layer disposed inside a compiled model: fit throws before any kernel runs; sigmoid stays right', async () => {
    const backend = await freshBackend(name);
    const check = memoryWatch(backend);
    const m = clf(backend, 4, 512);
    m.layers[0].dispose();
    for (const call of [() => m.fit(X4, [0, 1]), () => m.predict(X4), () => m.evaluate(X4, [0, 1]), () => m.save(), () => m.getParameters()])
      expect(thrown(call)).toBeInstanceOf(NnwasmError);
    expect((thrown(() => m.fit(X4, [0, 1])) as Error).message).toMatch(/layer 0 \(LayerDense\(4, 512\)\) was disposed/);
    const s = new ActivationSigmoid({ backend });
    s.forward([[1, -2]]);
    expect(Array.from(s.output.data)).toEqual([Math.fround(1 / (1 + Math.exp(-1))), Math.fround(1 / (1 + Math.exp(2)))].map((v) => expect.closeTo(v, 6)));
    s.dispose();
    m.dispose();
    check();
  });

  it('1. a layer cannot be shared between models, nor added twice to one', async () => {
    const backend = await freshBackend(name);
    const a = clf(backend);
    const b = new Model({ backend });
    expect((thrown(() => b.add(a.layers[0])) as Error).message).toMatch(/belongs to another model/);
    const d = new LayerDense(2, 2, { backend });
    b.add(d);
    const e = thrown(() => b.add(d));
    expect(e).toBeInstanceOf(ValueError);
    expect((e as Error).message).toMatch(/already layer 0 of this model/);
    a.dispose();
    b.dispose();
  });

  it('3. dimensions are positive safe integers: a 1.5-row Matrix or Tensor is a ShapeError', async () => {
    const backend = await freshBackend(name);
    expect(thrown(() => new Matrix(new Float32Array(48), 1.5, 32))).toBeInstanceOf(ShapeError);
    for (const [r, c] of [[1.5, 32], [-1, 2], [0, 3], [2, NaN], [2 ** 53, 1]] as const) {
      const before = backend.arena.liveBytes;
      expect(thrown(() => backend.tensor(r, c)), `${r}×${c}`).toBeInstanceOf(ShapeError);
      expect(backend.arena.liveBytes).toBe(before);
    }
    const t = backend.tensor(2, 3);
    expect(thrown(() => t.reshape(1.5, 4))).toBeInstanceOf(ShapeError);
    expect(thrown(() => t.reshape(4, 2))).toBeInstanceOf(ShapeError); // past its capacity
    t.dispose();
    expect(thrown(() => t.ptr)).toBeInstanceOf(NnwasmError);
    expect(thrown(() => t.data)).toBeInstanceOf(NnwasmError);
  });
});

describe('2. the js backend past 2 GiB', () => {
  it('kernels index with unsigned pointers: a model trained above 2 GiB equals one trained low, and the tensor below is untouched', async () => {
    const high = await createBackend('js', { seed: 0 });
    const low = await createBackend('js', { seed: 0 });
    const big = high.tensor(1, 2 ** 29); // 2 GiB of zeros, so everything after it lives above 2^31
    const train = (backend: Backend) => {
      const m = clf(backend, 2, 16);
      m.fit(data.X, data.y, { epochs: 20, batchSize: 30, shuffle: true });
      return m;
    };
    const [a, b] = [train(high), train(low)];
    expect(a.layers[0].parameters()[0][0].ptr).toBeGreaterThan(2 ** 31);
    expect(sha256(a)).toBe(sha256(b));
    const words = new Float64Array(high.buffer, big.ptr, 2 ** 28);
    let dirty = 0;
    for (let i = 0; i < words.length; i++) if (words[i] !== 0) dirty++;
    expect(dirty).toBe(0);
    big.dispose();
  });
});

describe.each(backends())('4. labels out of range, as arrays, Int32Array or Tensor, on %s', (name: BackendName) => {
  it('a ValueError from the loss and from Model, never a trap, and nothing around them written', async () => {
    const backend = await freshBackend(name);
    const check = memoryWatch(backend);
    const m = clf(backend, 2, 8);
    const before = sha256(m);
    const loss = new LossCategoricalCrossentropy({ backend });
    const fused = new ActivationSoftmaxLossCategoricalCrossentropy({ backend });
    const preds = backend.fromArray([0.2, 0.3, 0.5, 0.1, 0.1, 0.8], 2, 3);
    for (const bad of [1e9, -1e9, 5, -1, 3, 0.5]) {
      const labels = [backend.fromArray([0, bad], 2, 1), [0, bad], Int32Array.of(0, bad)];
      for (const y of labels) {
        if (y instanceof Int32Array && y[1] >= 0 && y[1] < 3) continue; // 0.5 truncates to a valid class
        for (const call of [() => loss.calculate(preds, y), () => loss.backward(preds, y), () => fused.backward(preds, y), () => m.fit([[1, 2], [3, 4]], y), () => m.evaluate([[1, 2], [3, 4]], y)])
          expect(thrown(call), `${bad} as ${y.constructor.name}`).toBeInstanceOf(ValueError);
      }
      (labels[0] as Tensor).dispose();
    }
    expect(sha256(m)).toBe(before);
    for (const d of [preds, loss, fused, m]) d.dispose();
    check();
  });
});

describe.each(backends())('saved files that a constructor would reject, on %s', (name: BackendName) => {
  const saved = async (decay = 0) => {
    const backend = await freshBackend(name);
    const m = new Model({ backend }).add(new LayerDense(2, 8, { backend })).add(new ActivationReLU({ backend }))
      .add(new LayerDense(8, 3, { backend })).add(new ActivationSoftmax({ backend }))
      .compile({ loss: new LossCategoricalCrossentropy({ backend }), optimizer: new OptimizerAdam({ learningRate: 0.01, decay, backend }) });
    m.fit(data.X, data.y, { epochs: 3 });
    return { backend, bytes: m.save() };
  };
  const refused = (backend: Backend, bytes: Uint8Array, what: string, pattern: RegExp) => {
    const [live, seeds] = [backend.arena.liveBytes, backend.seedsDrawn];
    const e = thrown(() => Model.load(bytes, { backend }));
    expect(e, what).toBeInstanceOf(FormatError);
    expect((e as Error).message, what).toMatch(pattern);
    expect(backend.arena.liveBytes, what).toBe(live);
    expect(backend.seedsDrawn, what).toBe(seeds);
  };

  it('5. type names inherited from Object.prototype are FormatErrors, for the loss, the optimizer and the accuracy', async () => {
    const { backend, bytes } = await saved();
    for (const type of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      refused(backend, tamper(bytes, (h) => (h.loss = type)), `loss ${type}`, /header loss/);
      refused(backend, tamper(bytes, (h) => (h.optimizer.type = type)), `optimizer ${type}`, /optimizer\.type/);
      refused(backend, tamper(bytes, (h) => (h.accuracy.type = type)), `accuracy ${type}`, /accuracy\.type/);
    }
  });

  it('6. a seed count the backend cannot continue is a FormatError; the counter never hands out a seed twice', async () => {
    const { backend, bytes } = await saved();
    for (const count of [2 ** 53 - 1, 2 ** 32, -1, 1.5]) refused(backend, tamper(bytes, (h) => (h.backend.seedsDrawn = count)), `seedsDrawn ${count}`, /seedsDrawn/);
    const fresh = await createBackend(name, { seed: 0 });
    expect(thrown(() => (fresh.seedsDrawn = 2 ** 53 - 1))).toBeInstanceOf(ValueError);
    fresh.seedsDrawn = 2 ** 32 - 2;
    fresh.nextSeed(); // the last of the 2^32 − 1
    expect(thrown(() => fresh.nextSeed())).toBeInstanceOf(NnwasmError);
    expect(fresh.seedsDrawn).toBe(2 ** 32 - 1);
  });

  it('7. a learning rate that is not positive, or (with decay) not lr / (1 + decay · (iterations − 1)), is a FormatError', async () => {
    for (const decay of [0, 1e-3]) {
      const { backend, bytes } = await saved(decay);
      for (const lr of [-0.5, 0, NaN]) refused(backend, tamper(bytes, (h) => (h.optimizer.currentLearningRate = lr)), `lr ${lr}`, /currentLearningRate/);
    }
    const { backend, bytes } = await saved(1e-3);
    refused(backend, tamper(bytes, (h) => (h.optimizer.currentLearningRate *= 1.5)), 'lr × 1.5', /currentLearningRate.*after 3 iterations/);
    expect(Model.load(bytes, { backend }).optimizer!.currentLearningRate).toBe(0.01 * (1 / (1 + 1e-3 * 2)));
  });

  it('8. a small file whose header announces a huge layer fails at once, allocating nothing', async () => {
    const { backend, bytes } = await saved();
    const grown = backend.buffer.byteLength;
    const huge = tamper(bytes, (h) => {
      h.layers[0].config.nNeurons = 16000;
      h.layers[0].config.nInputs = 16000;
    });
    const start = performance.now();
    refused(backend, huge, 'Dense(16000, 16000)', /needing more than \d+ bytes/);
    expect(performance.now() - start).toBeLessThan(1000);
    expect(backend.buffer.byteLength).toBe(grown);
  });
});

describe.each(backends())('9. public entries throw NnwasmErrors, never TypeError or RangeError, on %s', (name: BackendName) => {
  it('each misuse of the issue, by name', async () => {
    const backend = await freshBackend(name);
    const m = clf(backend, 2, 8);
    const bytes = m.save();
    const duck = { updateParams() {}, preUpdateParams() {}, postUpdateParams() {}, stateFor: () => [], iterations: 0, currentLearningRate: 1 };
    const cases: [string, () => unknown][] = [
      ['fit(X, null)', () => m.fit(data.X, null as never)],
      ['fit(X, undefined)', () => m.fit(data.X, undefined as never)],
      ['a bigint in X', () => m.fit([[1n, 2]] as never, [0])],
      ['a BigInt64Array row', () => m.predict([BigInt64Array.of(1n, 2n)] as never)],
      ['compile(undefined)', () => new Model({ backend }).add(new LayerDense(2, 2, { backend })).compile(undefined as never)],
      ["compile({ accuracy: 'x' })", () => clf(backend).compile({ loss: new LossMeanSquaredError({ backend }), optimizer: new OptimizerSGD({ backend }), accuracy: 'x' as never })],
      ['compile({ accuracy: 42 })', () => clf(backend).compile({ loss: new LossMeanSquaredError({ backend }), optimizer: new OptimizerSGD({ backend }), accuracy: 42 as never })],
      ['a duck-typed optimizer', () => clf(backend).compile({ loss: new LossMeanSquaredError({ backend }), optimizer: duck as never })],
      ['Model.load(bytes, null)', () => Model.load(bytes, null as never)],
      ['predict(be.tensor(-1, 2))', () => m.predict(backend.tensor(-1, 2))],
      ['the same LayerDense added twice', () => {
        const d = new LayerDense(2, 2, { backend });
        new Model({ backend }).add(d).add(d);
      }],
      ['fit(X, y, null)', () => m.fit(data.X, data.y, null as never)],
      ['Matrix.from(null)', () => Matrix.from(null as never)],
      ['Matrix.from([null])', () => Matrix.from([null] as never)],
      ['new Matrix([1, 2], 1, 2)', () => new Matrix([1, 2] as never, 1, 2)],
    ];
    for (const [what, call] of cases) {
      let e: unknown;
      try {
        call();
      } catch (err) {
        e = err;
      }
      expect(e, what).toBeInstanceOf(NnwasmError);
    }
    const other = await freshBackend(name, 5);
    expect(thrown(() => clf(backend).compile({ loss: new LossMeanSquaredError({ backend }), optimizer: new OptimizerSGD({ backend: other }) }))).toBeInstanceOf(ValueError);
    expect(thrown(() => clf(backend).compile({ loss: new LossMeanSquaredError({ backend: other }), optimizer: new OptimizerSGD({ backend }) }))).toBeInstanceOf(ValueError);
  });

  it('the rest of the public surface: data sets, Rng, registerLayer, files, Tensor, regularizationLoss', async () => {
    const backend = await freshBackend(name);
    const cases: [string, () => unknown][] = [
      ['spiralData(-1, 3)', () => spiralData(-1, 3)],
      ['verticalData(3, -2)', () => verticalData(3, -2)],
      ['sineData(-1)', () => sineData(-1)],
      ['blobs(null)', () => blobs(null as never)],
      ['blobs({ samples: -1 })', () => blobs({ samples: -1 })],
      ['blobs({ centers: [[1, 2], [3]] })', () => blobs({ centers: [[1, 2], [3]] })],
      ['new Rng(1.5)', () => new Rng(1.5)],
      ["registerLayer('X', null, f)", () => registerLayer('NotALayer', null as never, () => new ActivationReLU({ backend }))],
      ['Tensor.viewAt(null, …)', () => Tensor.viewAt(null as never, 0, 1, 1)],
      ['new Tensor(null, [1, 1])', () => new Tensor(null as never, [1, 1])],
      ['regularizationLoss(null)', () => new LossMeanSquaredError({ backend }).regularizationLoss(null as never)],
    ];
    for (const [what, call] of cases) expect(thrown(call), what).toBeInstanceOf(NnwasmError);
    await expect(clf(backend).fitAsync(data.X, data.y, null as never)).rejects.toBeInstanceOf(NnwasmError);
    for (const call of [() => loadModelFile('/nonexistent/model.nnwasm'), () => saveModelFile(null as never, '/tmp/x.nnwasm'), () => saveModelFile(clf(backend), '/nonexistent/dir/m.nnwasm')])
      await expect(call()).rejects.toBeInstanceOf(NnwasmError);
  });

  it('createBackend: null options, and bytes that are not an nnwasm build', async () => {
    await expect(createBackend(name, null as never)).rejects.toBeInstanceOf(NnwasmError);
    await expect(createBackend(name, { seed: 1.5 })).rejects.toBeInstanceOf(NnwasmError);
    if (name === 'wasm')
      for (const baseline of [Uint8Array.of(1, 2, 3), 'bytes', null])
        await expect(createBackend('wasm', { simd: 'baseline', wasm: { baseline: baseline as never } }), String(baseline)).rejects.toBeInstanceOf(NnwasmError);
  });
});

describe('10. wasm memory grows to the runtime\'s limit', () => {
  it('16 MB tensors fill at least 3.8 GB: growth falls back to smaller steps', async () => {
    const backend = await createBackend('wasm', { simd: 'baseline' });
    const held: Tensor[] = [];
    let e: unknown;
    try {
      for (;;) held.push(backend.tensor(1, 4 * 2 ** 20));
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(OutOfMemoryError);
    expect(held.length * 16 * 2 ** 20).toBeGreaterThanOrEqual(3.8e9);
    for (const t of held) t.dispose();
  });
});

describe('11. a failed constructor on wasm', () => {
  it('11. a Dense whose weights fit but whose gradients do not: OutOfMemoryError, nothing kept, no seed drawn', async () => {
    // on wasm only: the js heap would copy gigabytes to grow; the same path is tested below on both
    const backend = await freshBackend('wasm');
    const [live, seeds] = [backend.arena.liveBytes, backend.seedsDrawn];
    expect(thrown(() => new LayerDense(25000, 25000, { backend }))).toBeInstanceOf(OutOfMemoryError);
    expect(backend.arena.liveBytes).toBe(live);
    expect(backend.seedsDrawn).toBe(seeds);
  });
});

describe.each(backends())('a failed constructor changes nothing, on %s', (name: BackendName) => {
  it('11. a Dense that fails after allocating (no seed left to draw) keeps no block', async () => {
    const backend = await freshBackend(name);
    backend.seedsDrawn = 2 ** 32 - 1;
    const live = backend.arena.liveBytes;
    expect(thrown(() => new LayerDense(20, 30, { backend }))).toBeInstanceOf(NnwasmError);
    expect(thrown(() => new LayerConcreteDropout({ backend }))).toBeInstanceOf(NnwasmError);
    expect(backend.arena.liveBytes).toBe(live);
  });

  it('12. every rejected dropout-family constructor draws no seed: the next layer gets the same weights', async () => {
    const weightsAfter = async (reject: (backend: Backend) => unknown) => {
      const backend = await freshBackend(name, 3);
      const e = thrown(() => reject(backend));
      expect(e).toBeInstanceOf(NnwasmError);
      return Array.from(new LayerDense(2, 3, { backend }).weights.data);
    };
    const clean = await weightsAfter(() => {
      throw new ValueError('nothing built');
    });
    const rejections: [string, (backend: Backend) => unknown][] = [
      ['dropout', (backend) => new LayerDropout(1, { backend })],
      ['dropout scaling', (backend) => new LayerDropout(0.5, { backend, scaling: 'sideways' as never })],
      ['exact', (backend) => new LayerExactDropout(1.5, { backend })],
      ['gaussian', (backend) => new LayerGaussianDropout(-0.1, { backend })],
      ['alpha', (backend) => new LayerAlphaDropout(NaN, { backend })],
      ['scheduled', (backend) => new LayerScheduledDropout(1, { backend })],
      ['scheduled function', (backend) => new LayerScheduledDropout(() => 2, { backend })],
      ['concrete', (backend) => new LayerConcreteDropout({ initRate: 0, backend })],
      ['adaptive', (backend) => new LayerAdaptiveDropout(0.5, { adaptationRate: 2, backend })],
      ['dense', (backend) => new LayerDense(2, 0, { backend })],
    ];
    for (const [what, reject] of rejections) expect(await weightsAfter(reject), what).toEqual(clean);
  });
});

describe.each(backends())('training state, on %s', (name: BackendName) => {
  it("13. 'skip-batch' with dropout leaves no trace in the RNG streams: it equals training without the bad batch", async () => {
    const line = Array.from({ length: 60 }, (_, i) => [i / 60]);
    const targets = line.map(([x]) => [2 * x + 1]);
    const poisoned = line.map((row, r) => (r >= 20 && r < 40 ? [3e38] : row));
    const net = (backend: Backend) =>
      new Model({ backend }).add(new LayerDense(1, 8, { backend })).add(new ActivationReLU({ backend })).add(new LayerDropout(0.3, { backend }))
        .add(new LayerDense(8, 1, { backend })).add(new ActivationLinear({ backend }))
        .compile({ loss: new LossMeanSquaredError({ backend }), optimizer: new OptimizerAdam({ learningRate: 0.01, backend }) });
    const skipping = net(await freshBackend(name, 2));
    skipping.fit(poisoned, targets, { epochs: 4, batchSize: 20, onNonFinite: 'skip-batch' });
    const clean = net(await freshBackend(name, 2));
    clean.fit(line.filter((_, r) => r < 20 || r >= 40), targets.filter((_, r) => r < 20 || r >= 40), { epochs: 4, batchSize: 20 });
    expect((skipping.layers[2] as LayerDropout).counter).toBe(8);
    expect(sha256(skipping)).toBe(sha256(clean));
  });

  it("13. 'stop' rolls the dropout counters back too: the model is the one before the failed step", async () => {
    const backend = await freshBackend(name, 4);
    const m = new Model({ backend }).add(new LayerDense(1, 8, { backend })).add(new ActivationReLU({ backend })).add(new LayerDropout(0.3, { backend }))
      .add(new LayerDense(8, 1, { backend })).add(new ActivationLinear({ backend }))
      .compile({ loss: new LossMeanSquaredError({ backend }), optimizer: new OptimizerAdam({ learningRate: 0.01, backend }) });
    expect(thrown(() => m.fit([[0.1], [0.2], [3e38]], [[1], [2], [3]], { batchSize: 1 }))).toBeInstanceOf(TrainingDivergedError);
    expect((m.layers[2] as LayerDropout).counter).toBe(2);
  });

  it('14. compile again with a new loss and optimizer releases the old ones: dispose returns every byte', async () => {
    const backend = await freshBackend(name);
    const live = backend.arena.liveBytes;
    const m = deep(backend);
    for (let i = 0; i < 5; i++) {
      m.fit(data.X, data.y, { epochs: 2, batchSize: 30 });
      const old = [m.loss!, m.optimizer!];
      m.compile({ loss: new LossCategoricalCrossentropy({ backend }), optimizer: i % 2 ? new OptimizerAdam({ backend }) : new OptimizerSGD({ momentum: 0.5, backend }) });
      expect(old.every((o) => o.disposed)).toBe(true);
    }
    m.fit(data.X, data.y, { epochs: 2, batchSize: 30 });
    m.dispose();
    expect(backend.arena.liveBytes).toBe(live);
    const other = clf(backend);
    expect(thrown(() => deep(backend, other.optimizer! as OptimizerAdam))).toBeInstanceOf(ValueError); // an optimizer belongs to one model
    other.dispose();
  });

  it('15. add() after compile: fit, predict, evaluate and save refuse until compile runs again; then every path gives the new width', async () => {
    const backend = await freshBackend(name);
    const m = clf(backend, 2, 8);
    m.add(new LayerDense(3, 5, { backend }));
    for (const call of [() => m.fit(data.X, data.y), () => m.predict([[1, 2]]), () => m.evaluate(data.X, data.y), () => m.save()])
      expect((thrown(call) as Error).message).toMatch(/added after compile.*compile again/);
    m.compile({ loss: new LossMeanSquaredError({ backend }), optimizer: new OptimizerSGD({ backend }) });
    const y = Array.from({ length: 90 }, () => [0, 0, 0, 0, 1]);
    m.fit(data.X, y);
    expect(m.predict([[1, 2]]).cols).toBe(5);
    const unfused = clf(backend, 2, 8).add(new LayerDense(3, 5, { backend }));
    unfused.compile({ loss: new LossMeanSquaredError({ backend }), optimizer: new OptimizerSGD({ backend }), fuse: false });
    expect(unfused.predict([[1, 2]]).cols).toBe(5);
    expect(Model.load(m.save(), { backend }).predict([[1, 2]]).cols).toBe(5);
  });

  it('16. LayerDense.setParameters with a disposed tensor: an NnwasmError, the weights unchanged', async () => {
    const backend = await freshBackend(name);
    const d = new LayerDense(2, 3, { backend });
    const before = d.getParameters();
    const w = backend.fromArray([1, 2, 3, 4, 5, 6], 2, 3);
    w.dispose();
    expect(thrown(() => d.setParameters(w, [0, 0, 0]))).toBeInstanceOf(NnwasmError);
    expect(d.getParameters()).toEqual(before);
  });

  it('17. a one-hot label row of all zeros is a ValueError about that row, in fit and in evaluate', async () => {
    const backend = await freshBackend(name);
    const m = clf(backend, 2, 8);
    const y = Array.from(data.y, (c) => [0, 1, 2].map((j) => +(j === c)));
    y[7] = [0, 0, 0];
    for (const call of [() => m.fit(data.X, y), () => m.evaluate(data.X, y)]) {
      const e = thrown(call);
      expect(e).toBeInstanceOf(ValueError);
      expect((e as Error).message).toMatch(/label row 7 sums to 0/);
    }
  });

  it('18. restoreBest with hidden layers 64, 64, 64 (two of one shape) restores the best epoch exactly', async () => {
    const backend = await freshBackend(name, 1);
    const m = deep(backend);
    const [train, val] = [spiralData(100, 3, 0), spiralData(30, 3, 7)];
    const h = m.fit(train.X, train.y, { epochs: 150, batchSize: 64, shuffle: true, validationData: [val.X, val.y], earlyStopping: { patience: 25, restoreBest: true } });
    const best = h.epochs.find((l) => l.epoch === h.bestEpoch)!;
    expect(best.valLoss).toBeLessThan(0.8); // it learned, so the layers' weights differ
    expect(h.stopReason).toBe('early-stopping');
    expect(m.evaluate(val.X, val.y).loss).toBe(best.valLoss);
  });

  it('18. the divergence guard restores each same-shaped layer from its own snapshot', async () => {
    const backend = await freshBackend(name, 1);
    // an update that overflows although the gradients are finite: SGD lr 1e30 against targets of 1e9
    const m = new Model({ backend }).add(new LayerDense(1, 8, { backend }));
    for (let i = 0; i < 2; i++) m.add(new LayerDense(8, 8, { backend }));
    m.add(new LayerDense(8, 1, { backend })).compile({ loss: new LossMeanSquaredError({ backend }), optimizer: new OptimizerSGD({ learningRate: 1e30, backend }) });
    const before = sha256(m);
    const e = thrown(() => m.fit([[1], [2]], [[1e9], [2e9]]));
    expect(e).toBeInstanceOf(TrainingDivergedError);
    expect((e as TrainingDivergedError).tensor).toMatch(/after the update/);
    expect(sha256(m)).toBe(before);
  });
});
