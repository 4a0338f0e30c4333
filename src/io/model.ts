/**
 * What a saved model holds, on top of the container of src/io/format.ts: the architecture (each
 * layer's registered name, config and non-tensor state), the loss, the accuracy, the optimizer with
 * its hyperparameters, iteration count and current learning rate, the RNG state (backend seed
 * sequence, the shuffle stream), and as tensors every parameter followed by the optimizer's state
 * tensors per parameter, in parameter order. Restoring all of it makes a resumed run follow the
 * uninterrupted run's trajectory exactly.
 */
import type { Backend } from '../backend/backend.ts';
import { Rng } from '../backend/random.ts';
import { shapeText, type Tensor } from '../tensor.ts';
import type { Layer, LayerConfig, Json } from '../layers/layer.ts';
import { createLayer, layerConfig, layerName } from '../layers/registry.ts';
import { Loss, LossBinaryCrossentropy, LossCategoricalCrossentropy, LossMeanAbsoluteError, LossMeanSquaredError } from '../losses/loss.ts';
import { Optimizer, OptimizerAdagrad, OptimizerAdam, OptimizerRMSprop, OptimizerSGD } from '../optimizers/optimizer.ts';
import { AccuracyBinary, AccuracyCategorical, AccuracyRegression, type Accuracy } from '../accuracy.ts';
import { decode, encode, type TensorEntry } from './format.ts';
import { FormatError, NnwasmError, ShapeError, ValueError } from '../errors.ts';
import type { Model } from '../model.ts';
import { SCHEDULES, type ScheduleConfig } from '../schedules.ts';

/** The parts of a Model this module reads and writes. */
type Persistable = Pick<Model, 'backend' | 'layers' | 'loss' | 'optimizer' | 'accuracy' | 'shuffleRng' | 'add' | 'compile'>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Class<T> = abstract new (...args: any[]) => T;

const LOSSES: Record<string, [Class<Loss>, (backend: Backend) => Loss]> = {
  LossCategoricalCrossentropy: [LossCategoricalCrossentropy, (backend) => new LossCategoricalCrossentropy({ backend })],
  LossBinaryCrossentropy: [LossBinaryCrossentropy, (backend) => new LossBinaryCrossentropy({ backend })],
  LossMeanSquaredError: [LossMeanSquaredError, (backend) => new LossMeanSquaredError({ backend })],
  LossMeanAbsoluteError: [LossMeanAbsoluteError, (backend) => new LossMeanAbsoluteError({ backend })],
};

type Hyper = Record<string, number>;
/** each optimizer's class, the hyperparameters that rebuild it, and how */
const OPTIMIZERS: Record<string, [Class<Optimizer>, string[], (c: Hyper, backend: Backend) => Optimizer]> = {
  OptimizerSGD: [OptimizerSGD, ['learningRate', 'decay', 'momentum'], (c, backend) => new OptimizerSGD({ ...c, backend })],
  OptimizerAdagrad: [OptimizerAdagrad, ['learningRate', 'decay', 'epsilon'], (c, backend) => new OptimizerAdagrad({ ...c, backend })],
  OptimizerRMSprop: [OptimizerRMSprop, ['learningRate', 'decay', 'epsilon', 'rho'], (c, backend) => new OptimizerRMSprop({ ...c, backend })],
  OptimizerAdam: [OptimizerAdam, ['learningRate', 'decay', 'epsilon', 'beta1', 'beta2'], (c, backend) => new OptimizerAdam({ ...c, backend })],
};

/** the hyperparameters that rebuild an optimizer of the table's `type` */
const hyperparameters = (type: string, optimizer: Optimizer): Hyper => Object.fromEntries(OPTIMIZERS[type][1].map((key) => [key, (optimizer as unknown as Hyper)[key]]));

const ACCURACIES = { categorical: AccuracyCategorical, binary: AccuracyBinary, regression: AccuracyRegression } as const;

/** the header's model description (the container adds the tensor table) */
interface Header {
  library: 'nnwasm';
  backend: { name: string; variant: string; seed: number; seedsDrawn: number };
  layers: { type: string; config: LayerConfig; state: LayerConfig }[];
  loss: string | null;
  accuracy: { type: keyof typeof ACCURACIES; precision: number | null; precisionDivisor: number } | null;
  /** `schedule`: the learning-rate schedule's class and config, when the optimizer has one */
  optimizer: { type: string; config: Hyper; iterations: number; currentLearningRate: number; schedule?: { type: string; config: ScheduleConfig } } | null;
  shuffle: { seed: number; stream: number; counter: number };
}

const nameOf = <T>(table: Record<string, [Class<T>, ...unknown[]]>, obj: object, what: string): string => {
  const hit = Object.entries(table).find(([, [cls]]) => obj.constructor === cls);
  if (!hit) throw new NnwasmError(`Model.save: cannot save ${what} ${obj}: only ${Object.keys(table).join(', ')} are known to the file format`);
  return hit[0];
};

/** every trainable tensor of the model, named as the file names it */
function parameterTensors(model: Pick<Model, 'layers'>): { name: string; value: Tensor }[] {
  return model.layers.flatMap((layer, i) => layer.parameters().map(([value], j) => ({ name: `layers.${i}.parameters.${j}`, value })));
}

/** every layer's non-trainable state tensors (running statistics), named as the file names them */
function layerStateTensors(model: Pick<Model, 'layers'>): { name: string; value: Tensor }[] {
  return model.layers.flatMap((layer, i) => layer.stateTensors().map((value, j) => ({ name: `layers.${i}.state.${j}`, value })));
}

/** what a file holds, in its order: parameters, layers' state tensors, the optimizer's state */
function savedTensors(model: Pick<Model, 'layers' | 'optimizer'>): { name: string; value: Tensor }[] {
  return [...parameterTensors(model), ...layerStateTensors(model), ...optimizerTensors(model)];
}

/** the optimizer's state tensors per parameter, in parameter order (created zeroed if untrained) */
function optimizerTensors(model: Pick<Model, 'layers' | 'optimizer'>): { name: string; value: Tensor }[] {
  const optimizer = model.optimizer;
  if (!optimizer) return [];
  return parameterTensors(model).flatMap(({ name, value }) => optimizer.stateFor(value).map((s, k) => ({ name: `optimizer.${name}.state.${k}`, value: s })));
}

/** the model as bytes; refuses non-finite values, so no NaN reaches a saved file */
export function saveModel(model: Persistable): Uint8Array {
  const { backend, optimizer, loss, accuracy } = model;
  if (!model.layers.length) throw new NnwasmError('Model.save: the model has no layers; there is nothing to save');
  const layers = model.layers.map((layer) => ({ type: layerName(layer), config: layerConfig(layer), state: layer.getState() }));
  const header: Header = {
    library: 'nnwasm',
    backend: { name: backend.name, variant: backend.variant, seed: backend.seed, seedsDrawn: backend.seedsDrawn },
    layers,
    loss: loss ? nameOf(LOSSES, loss, 'the loss') : null,
    accuracy: accuracy ? accuracyHeader(accuracy) : null,
    optimizer: optimizer
      ? (() => {
          const type = nameOf(OPTIMIZERS, optimizer, 'the optimizer');
          const { schedule } = optimizer, saved = { type, config: hyperparameters(type, optimizer), iterations: optimizer.iterations, currentLearningRate: optimizer.currentLearningRate };
          if (!schedule) return saved;
          if (SCHEDULES[schedule.className] !== schedule.constructor) throw new NnwasmError(`Model.save: cannot save the schedule ${schedule}: only ${Object.keys(SCHEDULES).join(', ')} are known to the file format`);
          return { ...saved, schedule: { type: schedule.className, config: schedule.getConfig() } };
        })()
      : null,
    shuffle: { seed: model.shuffleRng.seed, stream: model.shuffleRng.stream, counter: model.shuffleRng.counter },
  };
  const tensors = savedTensors(model);
  const k = backend.kernels;
  for (const { name, value } of tensors)
    if (k.countNonFinite(value.ptr, value.size)) throw new ValueError(`Model.save: ${name} holds NaN or Infinity; refusing to save non-finite values`);
  return encode(header as unknown as { [key: string]: Json }, tensors.map(({ name, value }) => ({ entry: { name, shape: [...value.shape] }, values: value.data })));
}

function accuracyHeader(accuracy: Accuracy): Header['accuracy'] {
  const type = (Object.keys(ACCURACIES) as (keyof typeof ACCURACIES)[]).find((t) => accuracy.constructor === ACCURACIES[t]);
  if (!type) throw new NnwasmError(`Model.save: cannot save a custom accuracy (${accuracy.name}); use 'categorical', 'binary' or 'regression'`);
  const regression = accuracy instanceof AccuracyRegression ? accuracy : undefined;
  return { type, precision: regression && Number.isFinite(regression.precision) ? regression.precision : null, precisionDivisor: regression?.precisionDivisor ?? 250 };
}

// ---- reading -------------------------------------------------------------------------------

/** a FormatError naming the header field that is wrong */
const bad = (path: string, expected: string, got: unknown) => new FormatError(`header ${path}: expected ${expected}, got ${JSON.stringify(got) ?? String(got)}`);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isUint32 = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) < 2 ** 32;
/** a name of `table` itself, never one inherited from Object.prototype ("constructor", "__proto__", …) */
const isKeyOf = (table: object, v: unknown): v is string => typeof v === 'string' && Object.hasOwn(table, v);

function object(v: unknown, path: string): Record<string, unknown> {
  if (!isObject(v)) throw bad(path, 'an object', v);
  return v;
}
function check<T>(v: unknown, ok: (v: unknown) => v is T, path: string, expected: string): T {
  if (!ok(v)) throw bad(path, expected, v);
  return v;
}
const isString = (v: unknown): v is string => typeof v === 'string';
const isFinite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isPositive = (v: unknown): v is number => isFinite(v) && v > 0;
const isNonNegative = (v: unknown): v is number => isFinite(v) && v >= 0;

export interface SavedModel {
  header: Header;
  tensors: Map<string, { entry: TensorEntry; values: Float32Array }>;
  /** the file's length: bounds what loading it may allocate */
  byteLength: number;
}

/** decode and check the bytes' structure (not yet the values a constructor validates) */
export function readModel(bytes: Uint8Array | ArrayBuffer): SavedModel {
  const { header: h, tensors } = decode(bytes);
  if (h.library !== 'nnwasm') throw bad('library', '"nnwasm"', h.library);
  const be = object(h.backend, 'backend');
  check(be.seed, isUint32, 'backend.seed', 'a uint32');
  check(be.seedsDrawn, isUint32, 'backend.seedsDrawn', 'an integer in [0, 2^32)');
  const layers = check(h.layers, Array.isArray, 'layers', 'an array') as unknown[];
  if (!layers.length) throw bad('layers', 'at least one layer', layers);
  layers.forEach((l, i) => {
    const o = object(l, `layers[${i}]`);
    check(o.type, isString, `layers[${i}].type`, 'a layer name');
    object(o.config, `layers[${i}].config`);
    object(o.state, `layers[${i}].state`);
  });
  if (h.loss !== null && !isKeyOf(LOSSES, h.loss)) throw bad('loss', `null or one of ${Object.keys(LOSSES).join(', ')}`, h.loss);
  if (h.accuracy !== null) {
    const a = object(h.accuracy, 'accuracy');
    if (!isKeyOf(ACCURACIES, a.type)) throw bad('accuracy.type', Object.keys(ACCURACIES).join(' | '), a.type);
    if (a.precision !== null) check(a.precision, isNonNegative, 'accuracy.precision', 'a finite number ≥ 0 or null');
    check(a.precisionDivisor, isPositive, 'accuracy.precisionDivisor', 'a finite number > 0');
  }
  if (h.optimizer !== null) {
    const o = object(h.optimizer, 'optimizer');
    if (!isKeyOf(OPTIMIZERS, o.type)) throw bad('optimizer.type', Object.keys(OPTIMIZERS).join(' | '), o.type);
    const c = object(o.config, 'optimizer.config');
    for (const key of OPTIMIZERS[o.type][1]) check(c[key], isFinite, `optimizer.config.${key}`, 'a finite number');
    check(o.iterations, Number.isSafeInteger as (v: unknown) => v is number, 'optimizer.iterations', 'an integer');
    if ((o.iterations as number) < 0) throw bad('optimizer.iterations', 'an integer ≥ 0', o.iterations);
    check(o.currentLearningRate, isPositive, 'optimizer.currentLearningRate', 'a finite number > 0');
    if (o.schedule !== undefined) {
      const sc = object(o.schedule, 'optimizer.schedule');
      if (!isKeyOf(SCHEDULES, sc.type)) throw bad('optimizer.schedule.type', Object.keys(SCHEDULES).join(' | '), sc.type);
      object(sc.config, 'optimizer.schedule.config');
    }
  }
  const sh = object(h.shuffle, 'shuffle');
  for (const key of ['seed', 'stream', 'counter']) check(sh[key], isUint32, `shuffle.${key}`, 'a uint32');
  const byName = new Map(tensors.map((t) => [t.entry.name, t]));
  if (byName.size !== tensors.length) throw new FormatError('the tensor table names a tensor twice');
  return { header: h as unknown as Header, tensors: byName, byteLength: bytes instanceof ArrayBuffer ? bytes.byteLength : bytes.length };
}

/**
 * Build the saved model into `make()`, a fresh empty Model on the target backend: layers through
 * the registry, loss, optimizer and accuracy, then every tensor and counter. Throws (FormatError,
 * ShapeError or the constructors' ValueError) on anything inconsistent, after disposing what it
 * built. Building draws seeds that the saved state then replaces, so the backend's seed count is
 * put back and advanced to the saved count: a fresh process continues the saved sequence, and a
 * busy one never hands out a seed twice.
 */
export function buildModel<M extends Persistable & { dispose(): void }>(saved: SavedModel, backend: Backend, make: () => M): M {
  const { header: h, tensors, byteLength } = saved;
  const seedsBefore = backend.seedsDrawn;
  const model = make();
  const parts: { dispose(): void }[] = []; // built but not yet owned by the model
  // a header can describe any architecture; what it may allocate is bounded by what the file
  // holds (a model's blocks are at most about twice its saved tensors), so a tampered
  // LayerDense(16000, 16000) in a 3 KB file fails at once instead of allocating a gigabyte
  const limit = 8 * byteLength + 2 ** 20;
  try {
    backend.arena.withLimit(limit, () => {
      for (const { type, config } of h.layers) {
        const layer = createLayer(type, config, { backend });
        parts.push(layer);
        model.add(layer);
      }
      parts.length = 0; // the model owns its layers now
      const loss = h.loss !== null ? LOSSES[h.loss][1](backend) : undefined;
      if (loss) parts.push(loss);
      if (h.optimizer && loss) {
        const sc = h.optimizer.schedule;
        const schedule = sc && new SCHEDULES[sc.type](sc.config as never);
        const optimizer = OPTIMIZERS[h.optimizer.type][2](schedule ? { ...h.optimizer.config, learningRate: schedule as never } : h.optimizer.config, backend);
        parts.push(optimizer);
        const a = h.accuracy;
        const regression = a?.type === 'regression' ? Object.assign(new AccuracyRegression(a.precisionDivisor), { precision: a.precision ?? NaN }) : undefined;
        model.compile({ loss, optimizer, accuracy: regression ?? a?.type });
        parts.length = 0;
        const { iterations, currentLearningRate } = h.optimizer;
        // with decay or a schedule the rate is a function of the iterations: anything else was edited
        if ((optimizer.decay || optimizer.schedule) && currentLearningRate !== optimizer.learningRateAfter(iterations))
          throw bad('optimizer.currentLearningRate', `${optimizer.learningRateAfter(iterations)} (${optimizer.schedule ?? 'learningRate / (1 + decay · (iterations − 1))'} after ${iterations} iterations)`, currentLearningRate);
        [optimizer.iterations, optimizer.currentLearningRate] = [iterations, currentLearningRate];
      } else if (h.optimizer || loss) throw new FormatError('header: a loss and an optimizer are saved together or not at all');
      model.layers.forEach((layer, i) => layer.setState(h.layers[i].state));
      const wanted = savedTensors(model);
      if (wanted.length !== tensors.size)
        throw new ShapeError(`the file holds ${tensors.size} tensors but its architecture has ${wanted.length} (parameters, layer state and optimizer state)`);
      for (const { name, value } of wanted) {
        const t = tensors.get(name);
        if (!t) throw new FormatError(`the file has no tensor ${name}`);
        if (shapeText(t.entry.shape) !== shapeText(value.shape))
          throw new ShapeError(`tensor ${name} is ${shapeText(t.entry.shape)} in the file but ${value} in the architecture`);
        for (const v of t.values) if (!Number.isFinite(v)) throw new FormatError(`tensor ${name} holds a non-finite value`);
        value.data.set(t.values);
      }
      model.shuffleRng = Object.assign(new Rng(h.shuffle.seed, h.shuffle.stream), { counter: h.shuffle.counter });
    }, (bytes) => new FormatError(`the header describes a model needing more than ${limit} bytes (${bytes} more at least), more than a file of ${byteLength} bytes can hold: the header was edited`));
  } catch (e) {
    for (const p of parts) p.dispose();
    model.dispose();
    backend.seedsDrawn = seedsBefore;
    throw e;
  }
  backend.seedsDrawn = Math.max(seedsBefore, h.backend.seedsDrawn);
  return model;
}

/** one line per layer, loss and optimizer: what "same architecture" compares */
function signature(model: Pick<Model, 'layers' | 'loss' | 'optimizer'>): string[] {
  const opt = model.optimizer;
  const optType = opt && nameOf(OPTIMIZERS, opt, 'the optimizer');
  return [
    ...model.layers.map((l, i) => `layer ${i}: ${layerName(l)} ${JSON.stringify(layerConfig(l))}`),
    `loss: ${model.loss ? nameOf(LOSSES, model.loss, 'the loss') : 'none'}`,
    // the learning rate is state (decay, schedules and callbacks move it), copied by copyModelState
    `optimizer: ${opt && optType ? `${optType} ${JSON.stringify({ ...hyperparameters(optType, opt), learningRate: undefined })}${opt.schedule ? ` ${opt.schedule}` : ''}` : 'none'}`,
  ];
}

/** throws a ShapeError naming the first difference when `saved` and `target` differ in architecture */
export function checkSameArchitecture(saved: Persistable, target: Persistable, who: string): void {
  const [a, b] = [signature(saved), signature(target)];
  if (a.length !== b.length) throw new ShapeError(`${who}: the file has ${saved.layers.length} layers, this model ${target.layers.length}`);
  const i = a.findIndex((line, j) => line !== b[j]);
  if (i >= 0) throw new ShapeError(`${who}: the file's architecture differs from this model's at ${b[i].split(':')[0]}: file has ${a[i].replace(/^[^:]*: /, '')}, model has ${b[i].replace(/^[^:]*: /, '')}`);
}

/** copy every tensor and counter of `from` into `to` (same architecture, same backend; cannot fail) */
export function copyModelState(from: Persistable, to: Persistable): void {
  const k = to.backend.kernels;
  const [src, dst] = [savedTensors(from), savedTensors(to)];
  src.forEach(({ value }, i) => k.copy(value.ptr, dst[i].value.ptr, value.size));
  to.layers.forEach((layer, i) => layer.setState(from.layers[i].getState()));
  if (from.optimizer && to.optimizer) {
    to.optimizer.iterations = from.optimizer.iterations;
    if (!to.optimizer.schedule) to.optimizer.learningRate = from.optimizer.learningRate;
    to.optimizer.currentLearningRate = from.optimizer.currentLearningRate;
  }
  if (from.accuracy instanceof AccuracyRegression && to.accuracy instanceof AccuracyRegression) to.accuracy.precision = from.accuracy.precision;
  to.shuffleRng = Object.assign(new Rng(from.shuffleRng.seed, from.shuffleRng.stream), { counter: from.shuffleRng.counter });
}
