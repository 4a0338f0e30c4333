/**
 * TensorFlow.js layers-model interchange: `exportTfjsLayers(model)` writes what `tf.loadLayersModel`
 * reads (model.json's `modelTopology` as a Keras Sequential with snake_case configs, the
 * `weightsManifest`, little-endian float32 weights in manifest order, and a `trainingConfig`);
 * `importTfjsLayers(artifacts)` reads what TF.js's `model.save` and `tensorflowjs_converter` write.
 * The layer mapping is the table in tfjsLayers.ts. Everything is checked before a layer is kept:
 * a malformed file is a FormatError naming the layer and the field, and leaves nothing allocated.
 */
import type { Backend } from '../backend/backend.ts';
import { getBackend } from '../backend/create.ts';
import type { Layer } from '../layers/layer.ts';
import { LayerDropout } from '../layers/dropout.ts';
import type { ModelBase } from '../modelBase.ts';
import { Sequential } from '../api/sequential.ts';
import { LossBinaryCrossentropy, LossCategoricalCrossentropy, LossMeanAbsoluteError, LossMeanSquaredError, type Loss } from '../losses/loss.ts';
import { OptimizerAdam, OptimizerRMSprop, OptimizerSGD, type Optimizer } from '../optimizers/optimizer.ts';
import { KERAS_LAYERS, INFERENCE_IDENTITY, activationName, type KerasConfig, type KerasEntry } from './tfjsLayers.ts';
import { FormatError, ValueError } from '../errors.ts';
import { describe } from '../describe.ts';

/** a weight as the manifest lists it (TF.js's WeightsManifestEntry: assignable to it) */
export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool' | 'complex64' | 'string';
}
/** model.json as TF.js writes it */
export interface TfjsModelJSON {
  format: 'layers-model';
  generatedBy: string;
  convertedBy: string | null;
  modelTopology: { class_name: 'Sequential'; config: { name: string; layers: { class_name: string; config: KerasConfig }[] }; keras_version: string; backend: string };
  weightsManifest: { paths: string[]; weights: TfjsWeightSpec[] }[];
  trainingConfig?: { loss: string; metrics: string[]; optimizer_config: { class_name: string; config: Record<string, number> } };
}
/** a model as TF.js moves it in memory: model.json and the concatenated weights */
export interface TfjsArtifacts {
  modelJSON: TfjsModelJSON;
  weightData: ArrayBuffer;
}
export interface TfjsExportOptions {
  /** the model's name in the topology (default 'sequential') */
  name?: string;
  /** the labels trainingConfig's cross-entropy expects: class indices (default) or one-hot rows; nnwasm's loss takes both */
  labels?: 'sparse' | 'oneHot';
  /** where warnings go (default console.warn): layers exported as the identity, what does not travel */
  onWarning?: (message: string) => void;
}

const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
const GENERATED_BY = 'nnwasm';

/** TF.js's name of nnwasm's loss, for trainingConfig */
function lossName(loss: Loss | undefined, labels: 'sparse' | 'oneHot'): string | undefined {
  if (loss instanceof LossCategoricalCrossentropy) return labels === 'sparse' ? 'sparse_categorical_crossentropy' : 'categorical_crossentropy';
  if (loss instanceof LossBinaryCrossentropy) return 'binary_crossentropy';
  if (loss instanceof LossMeanSquaredError) return 'mean_squared_error';
  if (loss instanceof LossMeanAbsoluteError) return 'mean_absolute_error';
  return undefined;
}

/** TF.js's optimizer config of nnwasm's optimizer (TF.js's own camelCase keys, as model.save writes them) */
function optimizerConfig(o: Optimizer | undefined): { class_name: string; config: Record<string, number> } | undefined {
  const learningRate = o?.learningRate;
  if (typeof learningRate !== 'number') return undefined; // a schedule does not travel
  if (o instanceof OptimizerAdam) return { class_name: 'Adam', config: { learningRate, beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon } };
  if (o instanceof OptimizerSGD) return o.momentum ? { class_name: 'Momentum', config: { learningRate, momentum: o.momentum } } : { class_name: 'SGD', config: { learningRate } };
  if (o instanceof OptimizerRMSprop) return { class_name: 'RMSProp', config: { learningRate, decay: o.rho, momentum: 0, epsilon: o.epsilon } };
  return undefined;
}

/**
 * The model as TF.js's layers-model format: `tf.loadLayersModel(tf.io.fromMemory(modelJSON.modelTopology,
 * weightSpecs, weightData))` or files written by `nnwasm/node`'s saveTfjsLayers load it in TF.js and
 * in Keras (through tensorflowjs_converter). Dense and Conv2D take the activation layer after them
 * into their config. Dropout layers without a Keras class (exact, scheduled, concrete, adaptive) are
 * the identity at inference and are left out with a warning; a scale-down Dropout is refused.
 */
export function exportTfjsLayers(model: ModelBase, opts: TfjsExportOptions = {}): TfjsArtifacts {
  const who = 'exportTfjsLayers';
  const warn = opts.onWarning ?? ((m: string) => console.warn(m));
  const { input, inputs } = model.sampleShapes(who);
  const entries: (KerasEntry & { name: string })[] = [];
  const counts = new Map<string, number>();
  const layers = model.layers;
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i];
    if (INFERENCE_IDENTITY.some((c) => layer instanceof c)) {
      warn(`${who}: layer ${i} ${layer} has no Keras class; it is the identity at inference, so the export leaves it out (TF.js will train without it)`);
      continue;
    }
    if (layer instanceof LayerDropout && layer.scaling === 'down')
      throw new ValueError(`${who}: layer ${i} ${layer} scales by 1 − rate at inference, which Keras's Dropout does not: use scaling 'up' to export`);
    const act = activationName(layer);
    const hit = act ? (['Activation', KERAS_LAYERS.Activation] as const) : Object.entries(KERAS_LAYERS).find(([, row]) => row.exports && layer instanceof row.exports);
    if (!hit?.[1].toKeras) throw new ValueError(`${who}: layer ${i} ${layer} has no Keras counterpart in the mapping`);
    const row = hit[1], className = row.exportAs ?? hit[0];
    let activation = act ?? 'linear';
    const sample = inputs[i];
    const next = activationName(layers[i + 1]);
    const convRelu = (layer as { activation?: string }).activation === 'relu';
    if (row.foldsActivation && next && !convRelu) [activation, i] = [next, i + 1];
    const n = (counts.get(className) ?? 0) + 1;
    counts.set(className, n);
    entries.push({ className, name: `${snake(className)}_${n}`, ...row.toKeras!(layer, activation, sample) });
  }
  if (!entries.length) throw new ValueError(`${who}: nothing to export: the model has no layer with a Keras counterpart`);

  const specs: TfjsWeightSpec[] = [];
  const parts: Float32Array[] = [];
  for (const e of entries)
    for (const w of e.weights) {
      specs.push({ name: `${e.name}/${w.name}`, shape: w.shape, dtype: 'float32' });
      parts.push(w.tensor.data.slice()); // a copy: the model's memory may grow (and move) later
    }
  const bytes = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (bytes.set(p, at), at + p.length), 0);

  const modelJSON: TfjsModelJSON = {
    format: 'layers-model', generatedBy: GENERATED_BY, convertedBy: null,
    modelTopology: {
      class_name: 'Sequential',
      config: {
        name: opts.name ?? 'sequential',
        layers: entries.map((e, j) => ({
          class_name: e.className,
          config: { ...e.config, name: e.name, trainable: true, dtype: 'float32', ...(j === 0 ? { batch_input_shape: [null, ...input] } : {}) },
        })),
      },
      keras_version: 'tfjs-layers 4.22.0', backend: 'tensor_flow.js',
    },
    weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
  };
  const loss = lossName(model.loss, opts.labels ?? 'sparse'), optimizer = optimizerConfig(model.optimizer);
  if (loss && optimizer) modelJSON.trainingConfig = { loss, metrics: ['accuracy'].filter(() => !(model.loss instanceof LossMeanSquaredError || model.loss instanceof LossMeanAbsoluteError)), optimizer_config: optimizer };
  else if (model.loss) warn(`${who}: the training configuration (${model.loss}, ${model.optimizer}) has no TF.js form; the export carries the model and weights only`);
  return { modelJSON, weightData: bytes.buffer };
}

/** what importTfjsLayers reads: model.json (or TF.js's in-memory ModelArtifacts) and the weights */
export interface TfjsImportSource {
  /** model.json, parsed or as text; or TF.js ModelArtifacts `{ modelTopology, weightSpecs }` */
  modelJSON: unknown;
  /** the weights of every manifest path, concatenated in manifest order (shards joined) */
  weightData: ArrayBuffer | ArrayBufferView | ArrayBuffer[];
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1 };

/** the weights as one buffer */
function joined(data: TfjsImportSource['weightData']): Uint8Array {
  if (Array.isArray(data)) {
    const parts = data.map((b) => new Uint8Array(b));
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
    return out;
  }
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new FormatError(`importTfjsLayers: weightData must be an ArrayBuffer, a typed array or an array of ArrayBuffers (shards), got ${describe(data)}`);
}

/** the topology's layer list and the weight specs, from model.json or ModelArtifacts */
function readJSON(source: unknown): { layers: { class_name: string; config: KerasConfig }[]; specs: TfjsWeightSpec[]; training?: unknown } {
  const who = 'importTfjsLayers';
  const json = (typeof source === 'string' ? JSON.parse(source) : source) as Record<string, unknown> | null;
  if (!json || typeof json !== 'object') throw new FormatError(`${who}: modelJSON must be model.json (an object or its text), got ${describe(source)}`);
  let topology = json.modelTopology as Record<string, unknown> | undefined;
  if (!topology || typeof topology !== 'object') throw new FormatError(`${who}: modelJSON.modelTopology is missing: is this a layers model? (a graph model from tf.saved_model is not)`);
  if (topology.model_config) topology = topology.model_config as Record<string, unknown>; // Keras's h5 form
  if (topology.class_name !== 'Sequential') throw new FormatError(`${who}: modelTopology.class_name is ${describe(topology.class_name)}: only Sequential models import (a functional Model does not yet)`);
  const config = topology.config as { layers?: unknown } | unknown[];
  const layers = Array.isArray(config) ? config : (config as { layers?: unknown })?.layers;
  if (!Array.isArray(layers) || !layers.length) throw new FormatError(`${who}: modelTopology.config.layers must be a non-empty array`);
  const specs = Array.isArray(json.weightSpecs) ? json.weightSpecs : Array.isArray(json.weightsManifest) ? json.weightsManifest.flatMap((g: { weights?: unknown }) => (Array.isArray(g?.weights) ? g.weights : [])) : undefined;
  if (!specs) throw new FormatError(`${who}: modelJSON has neither weightsManifest (model.json) nor weightSpecs (ModelArtifacts)`);
  return { layers, specs, training: json.trainingConfig ?? json.training_config };
}

/** every weight spec's values by name, the manifest's byte layout checked against the data */
function weightsByName(specs: TfjsWeightSpec[], data: Uint8Array): Map<string, { spec: TfjsWeightSpec; values?: Float32Array }> {
  const who = 'importTfjsLayers';
  const out = new Map<string, { spec: TfjsWeightSpec; values?: Float32Array }>();
  let at = 0;
  for (const spec of specs) {
    const size = Array.isArray(spec?.shape) && spec.shape.every((d) => Number.isSafeInteger(d) && d >= 0) ? spec.shape.reduce((a, b) => a * b, 1) : NaN;
    const bytes = BYTES[spec?.dtype];
    if (typeof spec?.name !== 'string' || !Number.isFinite(size) || !bytes) throw new FormatError(`${who}: weight spec ${describe(spec)} needs a name, a shape of non-negative integers and a dtype of ${Object.keys(BYTES).join(', ')}`);
    if (at + size * bytes > data.length) throw new FormatError(`${who}: weight '${spec.name}' ${JSON.stringify(spec.shape)} ends at byte ${at + size * bytes}, but weightData holds ${data.length} bytes`);
    // float32 values are copied out (the buffer need not be 4-byte aligned); other dtypes only take their room
    const values = spec.dtype === 'float32' ? new Float32Array(data.slice(at, at + size * 4).buffer) : undefined;
    out.set(spec.name.replace(/:0$/, ''), { spec, values });
    at += size * bytes;
  }
  if (at !== data.length) throw new FormatError(`${who}: the manifest accounts for ${at} bytes of weights, weightData holds ${data.length}`);
  return out;
}

/** the spec of `layerName`/`weight`, by TF.js's name or a converter's scoped one ('model/dense/kernel') */
function find(weights: Map<string, { spec: TfjsWeightSpec; values?: Float32Array }>, layerName: string, weight: string) {
  const exact = weights.get(`${layerName}/${weight}`);
  if (exact) return exact;
  for (const [name, w] of weights) if (name.endsWith(`/${layerName}/${weight}`)) return w;
  return undefined;
}

const LOSS_NAMES: Record<string, string> = {
  categorical_crossentropy: 'categoricalCrossentropy', sparse_categorical_crossentropy: 'sparseCategoricalCrossentropy',
  binary_crossentropy: 'binaryCrossentropy', mean_squared_error: 'meanSquaredError', mse: 'meanSquaredError',
  mean_absolute_error: 'meanAbsoluteError', mae: 'meanAbsoluteError',
};

/** compile `model` from TF.js's trainingConfig when nnwasm has its loss and optimizer; otherwise say why not */
function compileFrom(model: Sequential, training: unknown, backend: Backend, warn: (m: string) => void): void {
  const t = training as { loss?: unknown; optimizer_config?: { class_name?: unknown; config?: Record<string, unknown> } } | undefined;
  if (!t) return;
  const loss = typeof t.loss === 'string' ? LOSS_NAMES[t.loss] : undefined;
  const c = t.optimizer_config?.config ?? {}, num = (k: string) => (typeof c[k] === 'number' ? (c[k] as number) : undefined);
  const learningRate = num('learningRate') ?? num('learning_rate');
  const optimizers: Record<string, () => Optimizer> = {
    Adam: () => new OptimizerAdam({ learningRate, beta1: num('beta1') ?? num('beta_1'), beta2: num('beta2') ?? num('beta_2'), epsilon: num('epsilon'), backend }),
    SGD: () => new OptimizerSGD({ learningRate, backend }),
    Momentum: () => new OptimizerSGD({ learningRate, momentum: num('momentum'), backend }),
    RMSProp: () => new OptimizerRMSprop({ learningRate, rho: num('decay') ?? num('rho'), epsilon: num('epsilon'), backend }),
  };
  const make = typeof t.optimizer_config?.class_name === 'string' && Object.hasOwn(optimizers, t.optimizer_config.class_name) ? optimizers[t.optimizer_config.class_name] : undefined;
  if (!loss || !make) {
    warn(`importTfjsLayers: trainingConfig (loss ${describe(t.loss)}, optimizer ${describe(t.optimizer_config?.class_name)}) has no nnwasm form: compile the model yourself before fit`);
    return;
  }
  model.compile({ loss: loss as 'meanSquaredError', optimizer: make() });
}

/**
 * A Sequential model from TF.js's layers-model format (what `model.save('file://…')`,
 * `downloads://` and tensorflowjs_converter write), compiled from its trainingConfig when that has
 * an nnwasm form. `nnwasm/node`'s loadTfjsLayers reads a folder; in memory pass
 * `{ modelJSON, weightData }` (or TF.js's ModelArtifacts as modelJSON, weightData beside it).
 */
export function importTfjsLayers(source: TfjsImportSource, opts: { backend?: Backend; onWarning?: (message: string) => void } = {}): Sequential {
  const who = 'importTfjsLayers';
  if (!source || typeof source !== 'object') throw new FormatError(`${who}: expected { modelJSON, weightData }, got ${describe(source)}`);
  const backend = opts.backend ?? getBackend();
  const warn = opts.onWarning ?? ((m: string) => console.warn(m));
  const { layers: entries, specs, training } = readJSON(source.modelJSON);
  const weights = weightsByName(specs, joined(source.weightData));

  const first = entries[0]?.config ?? {};
  const declared = (first.batch_input_shape ?? first.batch_shape ?? first.batchInputShape) as unknown;
  if (!Array.isArray(declared) || declared.length < 2 || !declared.slice(1).every((d) => Number.isSafeInteger(d) && d > 0))
    throw new FormatError(`${who}: the first layer's config.batch_input_shape must be [null, ...one sample's shape] of positive integers, got ${describe(declared)}`);
  let shape: number[] = declared.slice(1);
  const built: Layer[] = [];
  let model: Sequential | undefined;
  const seeds = backend.seedsDrawn;
  try {
    entries.forEach((entry, i) => {
      const className = entry?.class_name, config = (entry?.config ?? {}) as KerasConfig;
      const where = `${who}: layer ${i} ${typeof className === 'string' ? className : describe(className)}${typeof config.name === 'string' ? ` '${config.name}'` : ''}`;
      if (className === 'InputLayer') return;
      if (typeof className !== 'string' || !Object.hasOwn(KERAS_LAYERS, className))
        throw new FormatError(`${where}: class ${typeof className === 'string' ? className : describe(className)} has no nnwasm layer (known: ${Object.keys(KERAS_LAYERS).join(', ')}, InputLayer)`);
      const row = KERAS_LAYERS[className];
      const made = row.fromKeras(config, shape, built.length ? { backend } : { backend, inputShape: shape }, where);
      built.push(...made);
      // the weights: the tensors toKeras names for the layer just made, filled from the file, shapes checked
      for (const w of (made.length && row.toKeras ? row.toKeras(made[0], 'linear', shape).weights : [])) {
        const hit = find(weights, String(config.name), w.name);
        if (!hit?.values) throw new FormatError(`${where}: weight '${config.name}/${w.name}' (float32 ${JSON.stringify(w.shape)}) is not in the manifest${hit ? ` as float32 (it is ${hit.spec.dtype})` : ''}`);
        if (JSON.stringify(hit.spec.shape) !== JSON.stringify(w.shape))
          throw new FormatError(`${where}: weight '${hit.spec.name}' has shape ${JSON.stringify(hit.spec.shape)}, the layer needs ${JSON.stringify(w.shape)}`);
        w.tensor.data.set(hit.values);
      }
      for (const l of made) shape = l.outputShape(shape);
    });
    model = new Sequential({ backend, layers: built });
    compileFrom(model, training, backend, warn);
    return model;
  } catch (e) {
    if (model) model.dispose(); // and its layers
    else for (const l of built) l.dispose();
    backend.seedsDrawn = seeds;
    throw e;
  }
}
