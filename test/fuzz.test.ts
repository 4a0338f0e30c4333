/**
 * Property-based fuzzing of the public API on both backends: random valid and invalid arguments
 * to every constructor and method. Each call must either return or throw an NnwasmError subclass —
 * never a WebAssembly trap (RuntimeError), a TypeError or RangeError from inside, or a hang — and
 * must not write outside the tensors it owns: after every case the memory below the arena (the
 * module's static data), a canary tensor and the fences around every block (before and after
 * each operand and each buffer a layer allocates) are compared, and once everything is disposed
 * the arena's live bytes are back where they started. Returned numbers are finite for finite
 * inputs. (test/fuzz.misuse.test.ts fuzzes dimensions, edited files and lifecycles.)
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  Model, LayerDense, LayerDropout, ActivationReLU, ActivationSoftmax, ActivationSigmoid, ActivationLinear,
  LossCategoricalCrossentropy, LossBinaryCrossentropy, LossMeanSquaredError, LossMeanAbsoluteError,
  ActivationSoftmaxLossCategoricalCrossentropy, OptimizerSGD, OptimizerAdagrad, OptimizerRMSprop, OptimizerAdam,
  Matrix, NnwasmError, type Backend, type BackendName, type Layer, type Loss, type Optimizer,
} from '../src/index.ts';
import { backends, freshBackend, memoryWatch, attempt, FUZZ_RUNS, fuzzSeed } from './helpers.ts';

const RUNS = FUZZ_RUNS, seed = fuzzSeed;

// ---- arbitraries -------------------------------------------------------------------------------

const bounded = fc.float({ min: -8, max: 8, noNaN: true, noDefaultInfinity: true });
/** a value a user might pass where a number is expected */
const anyNumberish = fc.oneof(
  { weight: 6, arbitrary: bounded },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, 1e39, -1e39, 3e38, 1e-45, -0) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>('1', null, undefined, {}, [], true) },
);
const size = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 5 }) }, { weight: 1, arbitrary: fc.constantFrom<unknown>(0, -1, 1.5, NaN, '2', 2 ** 40, undefined) });
const rate = fc.oneof(fc.double({ min: 0, max: 0.95, noNaN: true }), fc.constantFrom<unknown>(-0.1, 1, 1.5, NaN, '0.5', null));
const hyper = fc.oneof({ weight: 4, arbitrary: fc.double({ min: 0, max: 2, noNaN: true }) }, { weight: 1, arbitrary: fc.constantFrom<unknown>(-1, 0, NaN, Infinity, '0.1', null) });

interface Shape {
  rows: number;
  cols: number;
}
/** a tensor to create inside the property (so it is disposed there): on this backend, another one, or already disposed */
interface TensorSpec {
  tensor: 'own' | 'other' | 'disposed';
  values: number[];
  rows: number;
  cols: number;
}
const isTensorSpec = (v: unknown): v is TensorSpec => typeof v === 'object' && v !== null && 'tensor' in v;

/** turn TensorSpecs into tensors, listing them in `made` for disposal */
function materialize(v: unknown, backend: Backend, other: Backend, made: { dispose(): void }[]): unknown {
  if (!isTensorSpec(v)) return v;
  const t = (v.tensor === 'other' ? other : backend).fromArray(v.values, v.rows, v.cols);
  made.push(t);
  if (v.tensor === 'disposed') t.dispose();
  return t;
}

/** a matrix-like of `rows × cols`, mostly valid, sometimes broken in one of the ways users break them */
function matrixOf({ rows, cols }: Shape): fc.Arbitrary<unknown> {
  const rowsOf = (v: fc.Arbitrary<unknown>) => fc.array(fc.array(v, { minLength: cols, maxLength: cols }), { minLength: rows, maxLength: rows });
  const valid = rowsOf(bounded) as fc.Arbitrary<number[][]>;
  return fc.oneof(
    { weight: 12, arbitrary: valid },
    { weight: 3, arbitrary: valid.map((r) => new Matrix(Float32Array.from(r.flat()), rows, cols)) },
    { weight: 1, arbitrary: valid.map((r) => r.map((row) => Float64Array.from(row))) },
    { weight: 1, arbitrary: valid.map((r): TensorSpec => ({ tensor: 'own', values: r.flat(), rows, cols })) },
    { weight: 1, arbitrary: rowsOf(anyNumberish) },
    { weight: 1, arbitrary: valid.map((r) => [...r, [1]]) }, // ragged
    { weight: 1, arbitrary: fc.constantFrom<unknown>([], [[]], null, undefined, 'X', 42, {}, Float32Array.of(1, 2)) },
    { weight: 1, arbitrary: valid.map((r): TensorSpec => ({ tensor: 'other', values: r.flat(), rows, cols })) },
    { weight: 1, arbitrary: valid.map((r): TensorSpec => ({ tensor: 'disposed', values: r.flat(), rows, cols })) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 5 }).chain((c) => rowsOf(bounded).map((r) => r.map((row) => [...row, ...Array(c).fill(0.5)]))) }, // wrong width
  );
}
/** class labels for `rows` samples of `classes`: indices, one-hot, or broken; as arrays, Int32Array or Tensor */
function labelsOf(rows: number, classes: number): fc.Arbitrary<unknown> {
  const idx = fc.array(fc.integer({ min: 0, max: Math.max(0, classes - 1) }), { minLength: rows, maxLength: rows });
  const wild = fc.array(fc.oneof(fc.integer({ min: 0, max: Math.max(0, classes - 1) }), fc.constantFrom(-1, classes, 1e9, -1e9, 2 ** 31, 0.5, -0)), { minLength: rows, maxLength: rows });
  return fc.oneof(
    { weight: 4, arbitrary: idx },
    { weight: 1, arbitrary: idx.map((a) => Int32Array.from(a)) },
    { weight: 1, arbitrary: wild.map((a) => Int32Array.from(a)) },
    { weight: 1, arbitrary: wild.map((a): TensorSpec => ({ tensor: 'own', values: a, rows, cols: 1 })) },
    { weight: 1, arbitrary: idx.map((a): TensorSpec => ({ tensor: 'own', values: a.flatMap((c) => Array.from({ length: classes }, (_, j) => +(j === c))), rows, cols: classes })) },
    { weight: 2, arbitrary: idx.map((a) => a.map((c) => Array.from({ length: classes }, (_, j) => +(j === c)))) },
    { weight: 1, arbitrary: fc.array(fc.constantFrom<unknown>(-1, classes, 0.5, NaN, '1', null), { minLength: rows, maxLength: rows }) },
    { weight: 1, arbitrary: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 0, maxLength: rows + 2 }) },
    { weight: 1, arbitrary: fc.array(fc.array(bounded, { minLength: classes, maxLength: classes }), { minLength: rows, maxLength: rows }) }, // targets
  );
}

/** labels that suit the loss most of the time: class labels for cross-entropy, 0/1 or real targets otherwise */
function labelsFor({ rows, classes, loss }: { rows: number; classes: number; loss: string }): fc.Arbitrary<unknown> {
  if (loss === 'cce') return labelsOf(rows, classes);
  const value = loss === 'bce' ? fc.constantFrom(0, 1) : bounded;
  return fc.oneof({ weight: 3, arbitrary: fc.array(fc.array(value, { minLength: classes, maxLength: classes }), { minLength: rows, maxLength: rows }) }, { weight: 1, arbitrary: labelsOf(rows, classes) });
}

const layerKinds = ['dense', 'dropout', 'relu', 'softmax', 'sigmoid', 'linear'] as const;
type LayerSpec = { kind: (typeof layerKinds)[number]; a: unknown; b: unknown; opts: unknown };
const layerSpec: fc.Arbitrary<LayerSpec> = fc.record({
  kind: fc.constantFrom(...layerKinds),
  a: size,
  b: size,
  opts: fc.oneof(
    { weight: 4, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: fc.record({ weightRegularizerL1: hyper, weightRegularizerL2: hyper, biasRegularizerL1: hyper, biasRegularizerL2: hyper }, { requiredKeys: [] }) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 'opts', 3) },
  ),
});
function makeLayer(spec: LayerSpec, backend: Backend, made: { dispose(): void }[]): Layer | undefined {
  const opts = spec.opts === undefined || (typeof spec.opts === 'object' && spec.opts !== null) ? { ...(spec.opts as object), backend } : spec.opts;
  const layer = attempt(() => {
    switch (spec.kind) {
      case 'dense': return new LayerDense(spec.a as number, spec.b as number, opts as never);
      case 'dropout': return new LayerDropout(spec.a === undefined ? 0.5 : (spec.a as number) / 10, opts as never);
      case 'relu': return new ActivationReLU(opts as never);
      case 'softmax': return new ActivationSoftmax(opts as never);
      case 'sigmoid': return new ActivationSigmoid(opts as never);
      case 'linear': return new ActivationLinear(opts as never);
    }
  });
  if (layer) made.push(layer);
  return layer;
}

const lossKinds = ['cce', 'bce', 'mse', 'mae'] as const;
function makeLoss(kind: (typeof lossKinds)[number], backend: Backend): Loss {
  return { cce: () => new LossCategoricalCrossentropy({ backend }), bce: () => new LossBinaryCrossentropy({ backend }), mse: () => new LossMeanSquaredError({ backend }), mae: () => new LossMeanAbsoluteError({ backend }) }[kind]();
}
const optimizerSpec = fc.record({ kind: fc.constantFrom('sgd', 'adagrad', 'rmsprop', 'adam'), learningRate: hyper, decay: hyper, momentum: hyper, epsilon: hyper, rho: hyper, beta1: hyper, beta2: hyper }, { requiredKeys: ['kind'] });
function makeOptimizer(spec: { kind: string } & Record<string, unknown>, backend: Backend): Optimizer | undefined {
  const { kind, ...o } = spec;
  const opts = { ...o, backend } as never;
  return attempt(() => ({ sgd: () => new OptimizerSGD(opts), adagrad: () => new OptimizerAdagrad(opts), rmsprop: () => new OptimizerRMSprop(opts), adam: () => new OptimizerAdam(opts) })[kind]!());
}

const finite = (xs: ArrayLike<number>) => Array.prototype.every.call(xs, Number.isFinite);
/** plain finite data of moderate size: outputs computed from it must be finite (near ±3e38 they may overflow, correctly) */
const moderate = (x: unknown) => Array.isArray(x) && x.every((row) => Array.isArray(row) && row.every((v) => typeof v === 'number' && Math.abs(v) <= 1e6));

// ---- properties ----------------------------------------------------------------------------------

describe.each(backends())('fuzzing the public API on %s', (name: BackendName) => {
  it('layers: constructors, forward (training or not), backward, in any order', async () => {
    const backend = await freshBackend(name, 1);
    const other = await freshBackend(name === 'js' ? 'js' : 'wasm', 2);
    fc.assert(
      fc.property(
        layerSpec,
        fc.record({ rows: fc.integer({ min: 1, max: 4 }), cols: fc.integer({ min: 1, max: 5 }) }).chain((s) =>
          fc.tuple(fc.constant(s), matrixOf(s), fc.array(fc.constantFrom('forward', 'infer', 'backward', 'backwardBad', 'dispose'), { maxLength: 6 }), matrixOf(s))),
        (spec, [, inputSpec, ops, dvaluesSpec]) => {
          const made: { dispose(): void }[] = [];
          const check = memoryWatch(backend);
          try {
            const input = materialize(inputSpec, backend, other, made), dvalues = materialize(dvaluesSpec, backend, other, made);
            const layer = makeLayer(spec, backend, made);
            if (!layer) return;
            for (const op of ops) {
              if (op === 'forward' || op === 'infer') {
                if (attempt(() => (layer.forward(input as never, op === 'forward'), true)) && moderate(input))
                  expect(finite(layer.output.data), `${layer} output`).toBe(true);
              } else if (op === 'backward') attempt(() => layer.output && layer.backward(layer.output.toArray()));
              else if (op === 'backwardBad') attempt(() => layer.backward(dvalues as never));
              else layer.dispose();
            }
          } finally {
            for (const m of made) m.dispose();
            check();
          }
        },
      ),
      { numRuns: RUNS, seed: seed(11) },
    );
  });

  it('losses: calculate and backward with any predictions and labels', async () => {
    const backend = await freshBackend(name, 3);
    const other = await freshBackend(name, 4);
    fc.assert(
      fc.property(
        fc.constantFrom(...lossKinds, 'fused' as const),
        fc.record({ rows: fc.integer({ min: 1, max: 4 }), cols: fc.integer({ min: 1, max: 4 }) }).chain((s) =>
          fc.tuple(fc.constant(s), matrixOf(s), labelsOf(s.rows, s.cols))),
        (kind, [, predictionSpec, labelSpec]) => {
          const made: { dispose(): void }[] = [];
          const check = memoryWatch(backend);
          const predictions = materialize(predictionSpec, backend, other, made), labels = materialize(labelSpec, backend, other, made);
          const loss = kind === 'fused' ? new ActivationSoftmaxLossCategoricalCrossentropy({ backend }) : makeLoss(kind, backend);
          try {
            const value = attempt(() => (kind === 'fused' ? (loss as ActivationSoftmaxLossCategoricalCrossentropy).forward(predictions as never, labels as never) : (loss as Loss).calculate(predictions as never, labels as never)));
            if (value !== undefined) expect(Number.isFinite(value), `${loss} value ${value}`).toBe(true);
            attempt(() => loss.backward(predictions as never, labels as never));
          } finally {
            loss.dispose();
            for (const m of made) m.dispose();
            check();
          }
        },
      ),
      { numRuns: RUNS, seed: seed(12) },
    );
  });

  it('optimizers: any hyperparameters, updates of live, disposed and foreign layers', async () => {
    const backend = await freshBackend(name, 5);
    const other = await freshBackend(name, 6);
    fc.assert(
      fc.property(optimizerSpec, fc.constantFrom('live', 'disposed', 'foreign', 'not a layer'), fc.integer({ min: 1, max: 4 }), (spec, target, steps) => {
        const made: { dispose(): void }[] = [];
        const check = memoryWatch(backend);
        try {
          const optimizer = makeOptimizer(spec as never, backend);
          if (!optimizer) return;
          made.push(optimizer);
          const dense = target === 'foreign' ? new LayerDense(2, 3, { backend: other }) : new LayerDense(2, 3, { backend });
          made.push(dense);
          if (target === 'disposed') dense.dispose();
          const arg = target === 'not a layer' ? ({} as Layer) : dense;
          for (let s = 0; s < steps; s++) {
            if (target === 'live') (dense.forward([[1, 2]]), dense.backward([[0.1, -0.2, 0.3]]));
            attempt(() => (optimizer.preUpdateParams(), optimizer.updateParams(arg), optimizer.postUpdateParams()));
          }
        } finally {
          for (const m of made) m.dispose();
          check();
        }
      }),
      { numRuns: RUNS, seed: seed(13) },
    );
  });

  it('models: random architectures, compile, fit options, evaluate, predict, parameters, save/load/restore', async () => {
    const backend = await freshBackend(name, 7);
    const other = await freshBackend(name, 8);
    const check = memoryWatch(backend);
    const validFitOptions = fc.record({
      epochs: fc.integer({ min: 1, max: 3 }),
      batchSize: fc.integer({ min: 1, max: 8 }),
      shuffle: fc.boolean(),
      onNonFinite: fc.constantFrom('stop', 'skip-batch'),
      earlyStopping: fc.constantFrom(undefined, undefined, undefined, { patience: 1, restoreBest: true }, { patience: 2, minDelta: 0.1 }),
      log: fc.constant(() => {}),
    }, { requiredKeys: ['log'] });
    const wildFitOptions = fc.record(
      {
        epochs: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom<unknown>(-1, 1.5, NaN, '2')),
        batchSize: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.constantFrom<unknown>(0, -3, 2.5, 2 ** 40, '4')),
        shuffle: fc.oneof(fc.boolean(), fc.constant<unknown>('yes')),
        onNonFinite: fc.constantFrom<unknown>('stop', 'skip-batch', 'panic'),
        earlyStopping: fc.constantFrom<unknown>(undefined, { patience: 1, restoreBest: true }, { patience: 0 }, 'soon'),
        signal: fc.constantFrom<unknown>(undefined, AbortSignal.abort(), new AbortController().signal, 'stop'),
        printEvery: fc.constantFrom<unknown>(0, 1, -1),
        log: fc.constant(() => {}),
      },
      { requiredKeys: ['log'] },
    );
    const fitOptions = fc.oneof({ weight: 4, arbitrary: validFitOptions }, { weight: 1, arbitrary: wildFitOptions });
    /** mostly a network that fits the data (Dense widths chain from X's columns to the classes), sometimes anything */
    const architecture = ({ cols, classes }: { cols: number; classes: number }) =>
      fc.oneof(
        {
          weight: 3,
          arbitrary: fc.record({ hidden: fc.integer({ min: 1, max: 6 }), mid: fc.constantFrom('relu', 'sigmoid', 'linear'), rate: fc.option(fc.integer({ min: 0, max: 9 })), out: fc.constantFrom('softmax', 'sigmoid', 'linear') })
            .map(({ hidden, mid, rate, out }): LayerSpec[] => [
              { kind: 'dense', a: cols, b: hidden, opts: undefined },
              { kind: mid as LayerSpec['kind'], a: 0, b: 0, opts: undefined },
              ...(rate === null ? [] : [{ kind: 'dropout' as const, a: rate, b: 0, opts: undefined }]),
              { kind: 'dense', a: hidden, b: classes, opts: { weightRegularizerL2: 1e-3 } },
              { kind: out as LayerSpec['kind'], a: 0, b: 0, opts: undefined },
            ]),
        },
        { weight: 1, arbitrary: fc.array(layerSpec, { minLength: 0, maxLength: 4 }) },
      );
    const optimizerChoice = fc.oneof(
      { weight: 5, arbitrary: fc.record({ kind: fc.constantFrom('sgd', 'adagrad', 'rmsprop', 'adam'), learningRate: fc.double({ min: 1e-4, max: 0.5, noNaN: true }) }) },
      { weight: 1, arbitrary: optimizerSpec },
    );
    fc.assert(
      fc.property(
        fc.record({ rows: fc.integer({ min: 1, max: 6 }), cols: fc.integer({ min: 1, max: 4 }), classes: fc.integer({ min: 1, max: 4 }), loss: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...lossKinds) }, { weight: 1, arbitrary: fc.constant('not a loss' as const) }) }).chain((s) =>
          fc.tuple(architecture(s), matrixOf(s), labelsFor(s), fc.option(fc.tuple(matrixOf(s), labelsFor(s)), { freq: 2 }), fc.constant(s.loss))),
        optimizerChoice,
        fitOptions,
        fc.array(fc.constantFrom('fit', 'fit', 'fit', 'evaluate', 'predict', 'params', 'badParams', 'save', 'restoreOther', 'loadGarbage', 'dispose'), { minLength: 1, maxLength: 6 }),
        fc.uint8Array({ maxLength: 64 }),
        ([specs, xSpec, ySpec, validation, lossKind], optSpec, opts, ops, garbage) => {
          const made: { dispose(): void }[] = [];
          const check = memoryWatch(backend);
          const X = materialize(xSpec, backend, other, made), y = materialize(ySpec, backend, other, made);
          const validationData = validation ? [materialize(validation[0], backend, other, made), materialize(validation[1], backend, other, made)] : undefined;
          const model = new Model({ backend });
          made.push(model);
          try {
            for (const spec of specs) {
              const layer = makeLayer(spec, backend, made);
              if (layer) attempt(() => model.add(layer));
            }
            const optimizer = makeOptimizer(optSpec as never, backend);
            if (optimizer) made.push(optimizer);
            const loss = lossKind === 'not a loss' ? ({} as Loss) : makeLoss(lossKind, backend);
            if (lossKind !== 'not a loss') made.push(loss);
            attempt(() => model.compile({ loss, optimizer: optimizer as Optimizer }));
            for (const op of ops) {
              switch (op) {
                case 'fit': {
                  const h = attempt(() => model.fit(X as never, y as never, { ...(opts as object), validationData } as never));
                  if (h) expect(model.getParameters().every((p) => finite(p.data)), 'weights after fit').toBe(true);
                  break;
                }
                case 'evaluate': attempt(() => model.evaluate(X as never, y as never)); break;
                case 'predict': {
                  const out = attempt(() => model.predict(X as never));
                  if (out && moderate(X)) expect(finite(out.data), 'predictions').toBe(true);
                  break;
                }
                case 'params': attempt(() => model.setParameters(model.getParameters())); break;
                case 'badParams': attempt(() => model.setParameters([X, y] as never)); break;
                case 'save': {
                  const bytes = attempt(() => model.save());
                  if (bytes) {
                    const copy = Model.load(bytes, { backend });
                    made.push(copy);
                    expect(copy.getParameters().map((p) => Array.from(p.data))).toEqual(model.getParameters().map((p) => Array.from(p.data)));
                    attempt(() => model.restore(bytes));
                  }
                  break;
                }
                case 'restoreOther': {
                  const small = new Model({ backend }).add(new LayerDense(2, 2, { backend }));
                  made.push(small);
                  attempt(() => model.restore(small.save()));
                  break;
                }
                case 'loadGarbage': expect(attempt(() => Model.load(garbage, { backend }))).toBeUndefined(); break;
                case 'dispose': model.dispose(); break;
              }
            }
          } finally {
            for (const m of made) m.dispose();
            check();
          }
        },
      ),
      { numRuns: 2 * RUNS, seed: seed(14) },
    );
  });
});
