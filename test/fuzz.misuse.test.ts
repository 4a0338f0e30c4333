/**
 * Fuzzing what a careless or hostile user does beyond bad arguments, on both backends: dimensions
 * that are fractional, negative or huge; saved files whose header was edited and re-checksummed
 * (type names from Object.prototype, every numeric field out of range, tensor sizes that do not
 * match the payload); and object lifecycles misused (a layer disposed inside a live model, shared
 * between models or added twice, layers added after compile, recompiles, disposed optimizers and
 * losses). Every step must return or throw an NnwasmError; after every case the memory below the
 * arena and the fences around every block are intact, and a failed call kept no block and drew
 * no seed.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  Model, Matrix, Tensor, LayerDense, LayerDropout, ActivationReLU, ActivationSoftmax, ActivationLinear, LayerAdaptiveDropout,
  LossCategoricalCrossentropy, LossMeanSquaredError, OptimizerAdam, OptimizerSGD, NnwasmError, TrainingDivergedError, spiralData,
  type Backend, type BackendName, type Layer,
} from '../src/index.ts';
import { decode, MAGIC, FORMAT_VERSION } from '../src/io/format.ts';
import { crc32 } from '../src/io/crc32.ts';
import { backends, freshBackend, memoryWatch, attempt, FUZZ_RUNS, fuzzSeed } from './helpers.ts';

const RUNS = FUZZ_RUNS, seed = fuzzSeed;

/** `fn` either succeeds or fails with an NnwasmError having changed nothing: no block kept, no seed drawn */
function atomically<T>(backend: Backend, fn: () => T): T | undefined {
  const [live, seeds] = [backend.arena.liveBytes, backend.seedsDrawn];
  const r = attempt(fn);
  if (r === undefined) {
    expect(backend.arena.liveBytes, 'live bytes after a failed call').toBe(live);
    expect(backend.seedsDrawn, 'seeds drawn by a failed call').toBe(seeds);
  }
  return r;
}

/** a dimension as users get it wrong */
const dim = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 6 }) },
  { weight: 3, arbitrary: fc.constantFrom<unknown>(0, -1, -0, 1.5, 0.5, 2.000001, NaN, Infinity, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 60, -(2 ** 31), 1e308) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>('2', null, undefined, {}, [2], true, 2n) },
);

/** the header and payload of a saved model, framed with a fresh checksum (any edit to the table kept) */
function frame(header: object, payload: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const at = 16 + ((json.length + 3) & ~3);
  const bytes = new Uint8Array(at + payload.length + 4);
  const view = new DataView(bytes.buffer);
  bytes.set(MAGIC, 0);
  view.setUint32(8, FORMAT_VERSION, true);
  view.setUint32(12, json.length, true);
  bytes.set(json, 16);
  bytes.set(payload, at);
  view.setUint32(at + payload.length, crc32(bytes.subarray(0, at + payload.length)), true);
  return bytes;
}

/** every path to a number in a JSON value, e.g. ['layers', 0, 'config', 'nInputs'] */
function numericPaths(v: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (typeof v === 'number') return [path];
  if (Array.isArray(v)) return v.flatMap((x, i) => numericPaths(x, [...path, i]));
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => numericPaths(x, [...path, k]));
  return [];
}
const setAt = (root: unknown, path: (string | number)[], value: unknown) => {
  const parent = path.slice(0, -1).reduce((o: any, k) => o[k], root); // eslint-disable-line @typescript-eslint/no-explicit-any
  parent[path.at(-1)!] = value;
};
const outOfRange = [-1, 0, -0.5, 0.5, 1.5, 2 ** 31, 2 ** 32, 2 ** 53, -(2 ** 53), 1e308, -1e308, 1e-320, 3.5e38, null, '1', true, [], {}];
const prototypeNames = Object.getOwnPropertyNames(Object.prototype);

describe.each(backends())('fuzzing misuse on %s', (name: BackendName) => {
  it('dimensions: tensors, views, reshapes and matrices of any size are made or refused with a typed error, keeping nothing', async () => {
    const backend = await freshBackend(name, 21);
    const check = memoryWatch(backend);
    fc.assert(
      fc.property(dim, dim, fc.constantFrom('tensor', 'zeros', 'fromArray', 'matrix', 'view', 'reshape', 'moveView'), fc.integer({ min: 0, max: 40 }), (r, c, op, len) => {
        const base = backend.tensor(4, 5);
        const view = Tensor.viewAt(base, 2, 2, 3);
        try {
          const made = atomically(backend, () => {
            switch (op) {
              case 'tensor': return backend.tensor(r as number, c as number);
              case 'zeros': return backend.zeros(r as number, c as number);
              case 'fromArray': return backend.fromArray(new Float32Array(len), r as number, c as number);
              case 'matrix': return new Matrix(new Float32Array(len), r as number, c as number);
              case 'view': return Tensor.viewAt(base, len, r as number, c as number);
              case 'reshape': return base.reshape(r as number, c as number);
              case 'moveView': return view.moveView(len, r as number, c as number);
            }
          });
          if (made instanceof Tensor || made instanceof Matrix) {
            expect(Number.isSafeInteger(made.rows) && made.rows >= 1 && Number.isSafeInteger(made.cols) && made.cols >= 1).toBe(true);
            if (made instanceof Tensor) {
              expect(made.size).toBeLessThanOrEqual(made.capacity);
              expect(made.data.length).toBe(made.size);
              if (made !== base && made !== view) made.dispose();
            } else expect(made.data.length).toBe(made.rows * made.cols);
          }
        } finally {
          base.dispose();
        }
        expect(() => view.ptr).toThrow(NnwasmError); // a view dies with its base
      }),
      { numRuns: RUNS, seed: seed(21) },
    );
    check();
  });

  it('saved headers edited and re-checksummed: a typed error that changes nothing, or a model that works', async () => {
    const backend = await freshBackend(name, 22);
    const data = spiralData(10, 3, 0);
    const classifier = new Model({ backend })
      .add(new LayerDense(2, 8, { weightRegularizerL2: 1e-3, backend })).add(new ActivationReLU({ backend })).add(new LayerDropout(0.2, { backend }))
      .add(new LayerDense(8, 8, { backend })).add(new ActivationReLU({ backend })).add(new LayerAdaptiveDropout(0.3, { backend }))
      .add(new LayerDense(8, 3, { backend })).add(new ActivationSoftmax({ backend }))
      .compile({ loss: new LossCategoricalCrossentropy({ backend }), optimizer: new OptimizerAdam({ learningRate: 0.01, decay: 1e-3, backend }) });
    classifier.fit(data.X, data.y, { epochs: 2, batchSize: 10, shuffle: true });
    const regression = new Model({ backend }).add(new LayerDense(2, 4, { backend })).add(new ActivationLinear({ backend }))
      .compile({ loss: new LossMeanSquaredError({ backend }), optimizer: new OptimizerSGD({ learningRate: 0.01, momentum: 0.9, backend }) });
    const targets = Array.from({ length: 30 }, (_, i) => [i / 30, 0, 1, -1]);
    regression.fit(data.X, targets, { epochs: 2 });
    const saved = [classifier, regression].map((m) => {
      const bytes = m.save();
      const { header } = decode(bytes);
      const at = 16 + ((new DataView(bytes.buffer).getUint32(12, true) + 3) & ~3);
      return { header, payload: bytes.slice(at, bytes.length - 4), y: m === classifier ? data.y : targets };
    });
    const check = memoryWatch(backend);
    const tamper = fc.oneof(
      fc.record({ kind: fc.constant('prototype' as const), where: fc.constantFrom('layer', 'loss', 'optimizer', 'accuracy'), name: fc.constantFrom(...prototypeNames), index: fc.nat() }),
      fc.record({ kind: fc.constant('number' as const), index: fc.nat(), value: fc.constantFrom(...outOfRange) }),
      fc.record({ kind: fc.constant('size' as const), index: fc.nat(), field: fc.constantFrom('first', 'last', 'extra', 'only'), value: fc.constantFrom<unknown>(0, 1, 2, 5, 9, 64, 1000, 2 ** 20, 2 ** 31, 1.5, -1, '3', null) }),
      fc.record({ kind: fc.constant('table' as const), index: fc.nat(), how: fc.constantFrom('rename', 'duplicate', 'drop', 'swap') }),
    );
    fc.assert(
      fc.property(fc.constantFrom(0, 1), fc.array(tamper, { minLength: 1, maxLength: 3 }), (which, edits) => {
        const { header, payload, y } = saved[which];
        const h = structuredClone(header) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
        for (const e of edits) {
          const table = h.tensors as { name: string; shape: unknown[] }[];
          if (e.kind === 'prototype') {
            if (e.where === 'layer') h.layers[e.index % h.layers.length].type = e.name;
            else if (e.where === 'loss') h.loss = e.name;
            else if (h[e.where]) h[e.where].type = e.name;
          } else if (e.kind === 'number') {
            const paths = numericPaths({ ...h, tensors: [] }); // the table has its own edits below
            setAt(h, paths[e.index % paths.length], e.value);
          } else if (e.kind === 'size') {
            const entry = table[e.index % table.length];
            if (e.field === 'first') entry.shape[0] = e.value;
            else if (e.field === 'last') entry.shape[entry.shape.length - 1] = e.value;
            else if (e.field === 'extra') entry.shape.push(e.value);
            else entry.shape = [e.value];
          }
          else {
            const i = e.index % table.length, j = (i + 1) % table.length;
            if (e.how === 'rename') table[i].name += 'x';
            else if (e.how === 'duplicate') table[j].name = table[i].name;
            else if (e.how === 'drop') table.splice(i, 1);
            else [table[i], table[j]] = [table[j], table[i]];
          }
        }
        const loaded = atomically(backend, () => Model.load(frame(h, payload), { backend }));
        if (loaded) {
          attempt(() => loaded.predict([[0.5, -0.5]]));
          attempt(() => loaded.fit(data.X, y, { epochs: 1 }));
          const again = atomically(backend, () => Model.load(loaded.save(), { backend }));
          again?.dispose();
          loaded.dispose();
        }
      }),
      { numRuns: 2 * RUNS, seed: seed(22) },
    );
    check();
    classifier.dispose();
    regression.dispose();
  });

  it('lifecycles: layers disposed, shared, added twice or after compile; recompiles; disposed optimizers and losses', async () => {
    const backend = await freshBackend(name, 23);
    const other = await freshBackend(name, 24);
    const check = memoryWatch(backend);
    const data = spiralData(8, 3, 0);
    const op = fc.record({
      op: fc.constantFrom('newLayer', 'add', 'add', 'add', 'compile', 'compileShared', 'fit', 'fit', 'predict', 'evaluate', 'save', 'restore',
        'disposeLayer', 'disposeModel', 'disposeOptimizer', 'disposeLoss', 'setParameters', 'newModel'),
      model: fc.nat({ max: 2 }),
      layer: fc.nat({ max: 7 }),
      kind: fc.constantFrom('dense24', 'dense44', 'dense43', 'relu', 'dropout', 'softmax', 'foreign'),
    });
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 14 }), (ops) => {
        const models: Model[] = [0, 1, 2].map(() => new Model({ backend }));
        const made: { dispose(): void }[] = [...models];
        const layers: Layer[] = [];
        const newLayer = (kind: string): Layer => {
          const l = kind === 'dense24' ? new LayerDense(2, 4, { backend }) : kind === 'dense44' ? new LayerDense(4, 4, { backend })
            : kind === 'dense43' ? new LayerDense(4, 3, { backend }) : kind === 'relu' ? new ActivationReLU({ backend })
            : kind === 'dropout' ? new LayerDropout(0.3, { backend }) : kind === 'softmax' ? new ActivationSoftmax({ backend }) : new LayerDense(2, 4, { backend: other });
          made.push(l);
          return l;
        };
        try {
          for (const { op, model, layer, kind } of ops) {
            const m = models[model];
            const l = layers.length ? layers[layer % layers.length] : undefined;
            switch (op) {
              case 'newLayer': layers.push(newLayer(kind)); break;
              case 'add': {
                const target = l ?? newLayer(kind);
                atomically(backend, () => m.add(target));
                break;
              }
              case 'compile': attempt(() => m.compile({ loss: new LossCategoricalCrossentropy({ backend }), optimizer: new OptimizerAdam({ learningRate: 0.01, backend }) })); break;
              case 'compileShared': attempt(() => m.compile({ loss: new LossCategoricalCrossentropy({ backend }), optimizer: models[(model + 1) % 3].optimizer ?? new OptimizerSGD({ backend }) })); break;
              case 'fit': {
                const before = attempt(() => m.getParameters());
                try {
                  m.fit(data.X, data.y, { epochs: 1, batchSize: 8 });
                  expect(m.getParameters().every((p) => p.data.every(Number.isFinite))).toBe(true);
                } catch (e) {
                  if (!(e instanceof NnwasmError)) throw e;
                  // refused before training (a divergence may come after whole steps): no weight changed
                  if (before && !(e instanceof TrainingDivergedError)) expect(attempt(() => m.getParameters())).toEqual(before);
                }
                break;
              }
              case 'predict': attempt(() => m.predict(data.X)); break;
              case 'evaluate': attempt(() => m.evaluate(data.X, data.y)); break;
              case 'save': {
                const bytes = attempt(() => m.save());
                if (bytes) made.push(Model.load(bytes, { backend }));
                break;
              }
              case 'restore': {
                const bytes = attempt(() => models[(model + 1) % 3].save());
                if (bytes) attempt(() => m.restore(bytes));
                break;
              }
              case 'disposeLayer': l?.dispose(); break;
              case 'disposeModel': m.dispose(); break;
              case 'disposeOptimizer': m.optimizer?.dispose(); break;
              case 'disposeLoss': m.loss?.dispose(); break;
              case 'setParameters': attempt(() => m.setParameters(m.getParameters())); break;
              case 'newModel': made.push((models[model] = new Model({ backend }))); break;
            }
          }
        } finally {
          for (const d of made) d.dispose();
        }
      }),
      { numRuns: 2 * RUNS, seed: seed(23) },
    );
    check();
  });
});
