/**
 * The layer mapping between nnwasm's classes and Keras / TF.js layers-model entries: one row per
 * Keras class, saying how a run of nnwasm layers becomes that class's snake_case config and
 * weights, and how that entry becomes nnwasm layers again. src/io/tfjs.ts walks a model with it.
 * A new layer adds a row here (and, if it has no Keras counterpart, to INFERENCE_IDENTITY).
 */
import type { Backend } from '../backend/backend.ts';
import type { Layer } from '../layers/layer.ts';
import type { Tensor } from '../tensor.ts';
import { LayerDense } from '../layers/dense.ts';
import { LayerConv2D } from '../layers/conv2d.ts';
import { LayerMaxPooling2D, LayerAveragePooling2D, LayerGlobalAveragePooling2D } from '../layers/pooling.ts';
import { LayerFlatten } from '../layers/flatten.ts';
import { LayerDropout } from '../layers/dropout.ts';
import { LayerSpatialDropout2D } from '../layers/spatialDropout.ts';
import { LayerGaussianDropout } from '../layers/gaussianDropout.ts';
import { LayerAlphaDropout } from '../layers/alphaDropout.ts';
import { LayerExactDropout } from '../layers/exactDropout.ts';
import { LayerScheduledDropout } from '../layers/scheduledDropout.ts';
import { LayerConcreteDropout } from '../layers/concreteDropout.ts';
import { LayerAdaptiveDropout } from '../layers/adaptiveDropout.ts';
import { ActivationLinear, ActivationReLU, ActivationSigmoid, ActivationSoftmax } from '../layers/activations.ts';
import { ActivationSELU, ActivationTanh } from '../layers/seluTanh.ts';
import { LayerBatchNormalization } from '../layers/batchNormalization.ts';
import { LayerLayerNormalization } from '../layers/layerNormalization.ts';
import type { FeatureNormalization } from '../layers/normalization.ts';
import { LayerSimpleRNN, LayerLSTM, LayerGRU, type RecurrentLayer, type RecurrentActivation } from '../layers/recurrent.ts';
import { LayerTemporalDropout } from '../layers/temporalDropout.ts';
import type { Padding } from '../layers/convGeometry.ts';
import { FormatError } from '../errors.ts';
import { describe } from '../describe.ts';

/** a Keras layer's config as model.json holds it (snake_case keys) */
export type KerasConfig = Record<string, unknown>;
/** a weight as the manifest names it (after the layer's name and a slash) with its values */
export interface NamedWeight {
  name: 'kernel' | 'bias' | string;
  tensor: Tensor;
  /** the shape Keras gives it (a Dense's biases are [units], not the library's [1, units]) */
  shape: number[];
}
const weight = (name: string, tensor: Tensor, shape: readonly number[] = tensor.shape): NamedWeight => ({ name, tensor, shape: [...shape] });
/** what a run of nnwasm layers exports as: one Keras layer */
export interface KerasEntry {
  className: string;
  config: KerasConfig;
  weights: NamedWeight[];
}

type Ctor = abstract new (...args: never[]) => Layer;
const ACTIVATIONS: [string, Ctor][] = [
  ['relu', ActivationReLU], ['softmax', ActivationSoftmax], ['sigmoid', ActivationSigmoid],
  ['tanh', ActivationTanh], ['selu', ActivationSELU], ['linear', ActivationLinear],
];

/** the Keras activation name of an activation layer, if it is one */
export const activationName = (layer: Layer | undefined): string | undefined => ACTIVATIONS.find(([, c]) => layer instanceof c)?.[0];

/** the activation layer for a Keras activation name (none for linear); a FormatError for others */
export function activationLayers(name: unknown, backend: Backend, where: string): Layer[] {
  const n = name ?? 'linear';
  const hit = ACTIVATIONS.find(([k]) => k === n);
  if (!hit) throw new FormatError(`${where}: activation ${typeof name === 'string' ? `'${name}'` : describe(name)} is not one nnwasm has (${ACTIVATIONS.map(([k]) => k).join(', ')})`);
  return n === 'linear' ? [] : [new (hit[1] as unknown as new (o: object) => Layer)({ backend })];
}

/** `make()`'s layer and the activation layer after it; the activation is checked first, and nothing is kept if either fails */
function withActivation(name: unknown, base: Base, where: string, make: () => Layer): Layer[] {
  const activation = activationLayers(name, base.backend, where);
  try {
    return [make(), ...activation];
  } catch (e) {
    for (const l of activation) l.dispose();
    throw e;
  }
}

/** `layer` built for `inputShape` (its weights allocated, to be filled from the file); disposed if that fails */
function built<T extends Layer>(layer: T, inputShape: readonly number[]): T {
  try {
    layer.build(inputShape);
    return layer;
  } catch (e) {
    layer.dispose();
    throw e;
  }
}

/** dropout layers with no Keras class whose inference is the identity: exported as nothing, with a warning */
export const INFERENCE_IDENTITY: Ctor[] = [LayerExactDropout, LayerScheduledDropout, LayerConcreteDropout, LayerAdaptiveDropout];

const l1l2 = (l1: number, l2: number) => (l1 || l2 ? { class_name: 'L1L2', config: { l1, l2 } } : null);
const readL1L2 = (v: unknown): { l1: number; l2: number } => {
  const c = (v as { config?: { l1?: unknown; l2?: unknown } } | null)?.config;
  return { l1: typeof c?.l1 === 'number' ? c.l1 : 0, l2: typeof c?.l2 === 'number' ? c.l2 : 0 };
};
const pair = (v: readonly number[] | number) => (typeof v === 'number' ? [v, v] : [...v]);
const paddingOf = (v: unknown, where: string): Padding => {
  if (v === undefined || v === 'valid' || v === 'same') return (v ?? 'valid') as Padding;
  throw new FormatError(`${where}: padding ${describe(v)} is not 'valid' or 'same'`);
};
const channelsLast = (c: KerasConfig, where: string) => {
  if (c.data_format !== undefined && c.data_format !== 'channels_last') throw new FormatError(`${where}: data_format ${describe(c.data_format)}: nnwasm's images are channels_last (NHWC)`);
};

/** the options every constructed layer gets: the backend, and for the model's first layer its inputShape */
export type Base = { backend: Backend; inputShape?: number[] };

/** how one Keras class maps both ways */
export interface Row {
  /** the nnwasm layer that starts this class's run (an activation right after it may fold in) */
  exports?: Ctor;
  /** the entry for `layer` with one sample's `inputShape`; `activation` is the folded activation's name ('linear' when none) */
  toKeras?(layer: Layer, activation: string, inputShape: readonly number[]): Omit<KerasEntry, 'className'>;
  /** the layers for `config` and one sample's `inputShape`; their weights are filled afterwards, through toKeras's tensors */
  fromKeras(config: KerasConfig, inputShape: readonly number[], base: Base, where: string): Layer[];
  /** an activation right after this layer folds into its config */
  foldsActivation?: boolean;
  /** the Keras class the export writes, when not this row's own */
  exportAs?: string;
}

const rate = (c: KerasConfig, where: string): number => {
  if (typeof c.rate !== 'number') throw new FormatError(`${where}: config.rate must be a number, got ${describe(c.rate)}`);
  return c.rate;
};
const dropoutRow = (cls: Ctor, make: (rate: number, base: Base) => Layer): Row => ({
  exports: cls,
  toKeras: (layer) => ({ config: { rate: (layer as unknown as { rate: number }).rate }, weights: [] }),
  fromKeras: (c, _s, base, where) => [make(rate(c, where), base)],
});
const poolRow = (cls: typeof LayerMaxPooling2D | typeof LayerAveragePooling2D): Row => ({
  exports: cls,
  toKeras: (layer) => {
    const p = layer as LayerMaxPooling2D;
    return { config: { pool_size: [...p.poolSize], strides: [...p.strides], padding: p.padding, data_format: 'channels_last' }, weights: [] };
  },
  fromKeras: (c, _s, base, where) => {
    channelsLast(c, where);
    const poolSize = pair((c.pool_size ?? 2) as number[]) as [number, number];
    return [new cls(poolSize, { strides: c.strides === null || c.strides === undefined ? undefined : (pair(c.strides as number[]) as [number, number]), padding: paddingOf(c.padding, where), ...base })];
  },
});

/** Keras's config of a normalization layer (axis as Keras counts it: batch included) */
const normConfig = (n: FeatureNormalization, inputShape: readonly number[]) => ({
  axis: inputShape.length, epsilon: n.epsilon, center: n.center, scale: n.scale,
  gamma_regularizer: l1l2(n.gammaRegularizerL1, n.gammaRegularizerL2), beta_regularizer: l1l2(n.betaRegularizerL1, n.betaRegularizerL2),
});
/** its constructor options from a Keras config: the last axis only (-1, or its index with the batch counted) */
const normOptions = (c: KerasConfig, inputShape: readonly number[], where: string) => {
  const axis = Array.isArray(c.axis) && c.axis.length === 1 ? c.axis[0] : c.axis ?? -1;
  if (axis !== -1 && axis !== inputShape.length) throw new FormatError(`${where}: config.axis ${describe(c.axis)}: nnwasm normalizes the last axis only (-1 or ${inputShape.length} here)`);
  const [g, b] = [readL1L2(c.gamma_regularizer), readL1L2(c.beta_regularizer)];
  return {
    epsilon: c.epsilon as number | undefined, center: c.center as boolean | undefined, scale: c.scale as boolean | undefined,
    gammaRegularizerL1: g.l1, gammaRegularizerL2: g.l2, betaRegularizerL1: b.l1, betaRegularizerL2: b.l2
  };
};
/** gamma and beta (those the layer has), as Keras lists them */
const normWeights = (n: FeatureNormalization) => [...(n.gamma ? [weight('gamma', n.gamma, [n.channels!])] : []), ...(n.beta ? [weight('beta', n.beta, [n.channels!])] : [])];

/** Keras's names of the recurrent cells' activations (hardSigmoid is hard_sigmoid) */
const KERAS_ACTIVATION: Record<RecurrentActivation, string> = { linear: 'linear', tanh: 'tanh', sigmoid: 'sigmoid', relu: 'relu', hardSigmoid: 'hard_sigmoid' };
const recurrentActivation = (v: unknown, fallback: RecurrentActivation, where: string, key: string): RecurrentActivation => {
  if (v === undefined || v === null) return fallback;
  const hit = (Object.keys(KERAS_ACTIVATION) as RecurrentActivation[]).find((k) => KERAS_ACTIVATION[k] === v);
  if (!hit) throw new FormatError(`${where}: config.${key} ${describe(v)} is not one nnwasm's recurrent cells have (${Object.values(KERAS_ACTIVATION).join(', ')})`);
  return hit;
};
/**
 * SimpleRNN, LSTM, GRU: the weights are in Keras's layout already (gates along the last axis), so
 * they travel as they are: kernel [F, G·U], recurrent_kernel [U, G·U], bias [G·U] (GRU with
 * reset_after: [2, 3U]). Stateful, return_state and unroll are not features nnwasm has.
 */
const recurrentRow = (cls: typeof LayerSimpleRNN | typeof LayerLSTM | typeof LayerGRU): Row => ({
  exports: cls,
  toKeras: (layer) => {
    const r = layer as RecurrentLayer;
    const config: KerasConfig = {
      units: r.units, activation: KERAS_ACTIVATION[r.activation], use_bias: r.useBias, return_sequences: r.returnSequences, return_state: false,
      go_backwards: r.goBackwards, stateful: false, unroll: false, dropout: r.dropout, recurrent_dropout: r.recurrentDropout,
      kernel_regularizer: l1l2(r.kernelRegularizerL1, r.kernelRegularizerL2), recurrent_regularizer: l1l2(r.recurrentRegularizerL1, r.recurrentRegularizerL2),
      bias_regularizer: l1l2(r.biasRegularizerL1, r.biasRegularizerL2),
    };
    if (!(r instanceof LayerSimpleRNN)) config.recurrent_activation = KERAS_ACTIVATION[r.recurrentActivation];
    if (r instanceof LayerLSTM) config.unit_forget_bias = r.unitForgetBias;
    if (r instanceof LayerGRU) config.reset_after = r.resetAfter;
    return { config, weights: [weight('kernel', r.kernel), weight('recurrent_kernel', r.recurrentKernel), ...(r.bias ? [weight('bias', r.bias)] : [])] };
  },
  fromKeras: (c, inputShape, base, where) => {
    if (typeof c.units !== 'number') throw new FormatError(`${where}: config.units must be a number, got ${describe(c.units)}`);
    for (const key of ['stateful', 'return_state', 'unroll'] as const) if (c[key] === true) throw new FormatError(`${where}: config.${key} true: nnwasm's recurrent layers are not ${key === 'unroll' ? 'unrolled' : key === 'stateful' ? 'stateful' : 'returning their state'}`);
    const flag = (key: string) => (c[key] === undefined || c[key] === null ? undefined : (c[key] as boolean));
    const [k, rr, b] = [readL1L2(c.kernel_regularizer), readL1L2(c.recurrent_regularizer), readL1L2(c.bias_regularizer)];
    const options = {
      activation: recurrentActivation(c.activation, 'tanh', where, 'activation'), recurrentActivation: recurrentActivation(c.recurrent_activation, 'sigmoid', where, 'recurrent_activation'),
      useBias: flag('use_bias'), returnSequences: flag('return_sequences'), goBackwards: flag('go_backwards'),
      dropout: (c.dropout ?? 0) as number, recurrentDropout: (c.recurrent_dropout ?? 0) as number,
      kernelRegularizerL1: k.l1, kernelRegularizerL2: k.l2, recurrentRegularizerL1: rr.l1, recurrentRegularizerL2: rr.l2, biasRegularizerL1: b.l1, biasRegularizerL2: b.l2,
      // TF.js writes no reset_after for GRU (it has the "before" form only); Keras 2.3+ writes it
      ...(cls === LayerLSTM ? { unitForgetBias: flag('unit_forget_bias') } : cls === LayerGRU ? { resetAfter: flag('reset_after') ?? false } : {}),
      ...base,
    };
    return [built(new cls(c.units, options), inputShape)];
  },
});

/** Keras class name → row; the order is the export's search order */
export const KERAS_LAYERS: Record<string, Row> = {
  Dense: {
    exports: LayerDense,
    foldsActivation: true,
    toKeras: (layer, activation) => {
      const d = layer as LayerDense;
      return {
        config: {
          units: d.nNeurons, activation, use_bias: true,
          kernel_regularizer: l1l2(d.weightRegularizerL1, d.weightRegularizerL2), bias_regularizer: l1l2(d.biasRegularizerL1, d.biasRegularizerL2),
        },
        weights: [weight('kernel', d.weights), weight('bias', d.biases, [d.nNeurons])],
      };
    },
    fromKeras: (c, inputShape, base, where) => {
      if (typeof c.units !== 'number') throw new FormatError(`${where}: config.units must be a number, got ${describe(c.units)}`);
      if (c.use_bias === false) throw new FormatError(`${where}: use_bias false: an nnwasm Dense always has biases`);
      const [k, b] = [readL1L2(c.kernel_regularizer), readL1L2(c.bias_regularizer)];
      return withActivation(c.activation, base, where, () =>
        new LayerDense(inputShape.at(-1)!, c.units as number, { weightRegularizerL1: k.l1, weightRegularizerL2: k.l2, biasRegularizerL1: b.l1, biasRegularizerL2: b.l2, ...base }));
    },
  },
  Conv2D: {
    exports: LayerConv2D,
    foldsActivation: true,
    toKeras: (layer, activation) => {
      const v = layer as LayerConv2D;
      return {
        config: {
          filters: v.filters, kernel_size: [...v.kernelSize], strides: [...v.strides], padding: v.padding, data_format: 'channels_last',
          dilation_rate: [...v.dilationRate], activation: v.activation === 'relu' ? 'relu' : activation, use_bias: v.useBias,
          kernel_regularizer: l1l2(v.kernelRegularizerL1, v.kernelRegularizerL2), bias_regularizer: l1l2(v.biasRegularizerL1, v.biasRegularizerL2),
        },
        weights: [weight('kernel', v.kernel), ...(v.bias ? [weight('bias', v.bias, [v.filters])] : [])],
      };
    },
    fromKeras: (c, inputShape, base, where) => {
      channelsLast(c, where);
      if (typeof c.filters !== 'number') throw new FormatError(`${where}: config.filters must be a number, got ${describe(c.filters)}`);
      const [k, b] = [readL1L2(c.kernel_regularizer), readL1L2(c.bias_regularizer)];
      const relu = c.activation === 'relu';
      const filters = c.filters as number;
      return withActivation(relu ? 'linear' : c.activation, base, where, () => {
        const conv = new LayerConv2D(filters, pair(c.kernel_size as number[]) as [number, number], {
          strides: pair((c.strides ?? 1) as number[]) as [number, number], padding: paddingOf(c.padding, where),
          dilationRate: pair((c.dilation_rate ?? 1) as number[]) as [number, number], useBias: c.use_bias !== false, activation: relu ? 'relu' : 'linear',
          kernelRegularizerL1: k.l1, kernelRegularizerL2: k.l2, biasRegularizerL1: b.l1, biasRegularizerL2: b.l2, ...base,
        });
        return built(conv, inputShape);
      });
    },
  },
  BatchNormalization: {
    exports: LayerBatchNormalization,
    toKeras: (layer, _a, inputShape) => {
      const n = layer as LayerBatchNormalization;
      return {
        config: { ...normConfig(n, inputShape), momentum: n.momentum },
        weights: [...normWeights(n), weight('moving_mean', n.movingMean, [n.channels!]), weight('moving_variance', n.movingVariance, [n.channels!])],
      };
    },
    fromKeras: (c, inputShape, base, where) => {
      return [built(new LayerBatchNormalization({ ...normOptions(c, inputShape, where), momentum: c.momentum as number | undefined, ...base }), inputShape)];
    },
  },
  LayerNormalization: {
    exports: LayerLayerNormalization,
    toKeras: (layer, _a, inputShape) => ({ config: normConfig(layer as LayerLayerNormalization, inputShape), weights: normWeights(layer as LayerLayerNormalization) }),
    fromKeras: (c, inputShape, base, where) => {
      return [built(new LayerLayerNormalization({ ...normOptions(c, inputShape, where), ...base }), inputShape)];
    },
  },
  SimpleRNN: recurrentRow(LayerSimpleRNN),
  LSTM: recurrentRow(LayerLSTM),
  GRU: recurrentRow(LayerGRU),
  MaxPooling2D: poolRow(LayerMaxPooling2D),
  AveragePooling2D: poolRow(LayerAveragePooling2D),
  GlobalAveragePooling2D: {
    exports: LayerGlobalAveragePooling2D,
    toKeras: () => ({ config: { data_format: 'channels_last' }, weights: [] }),
    fromKeras: (c, _s, base, where) => (channelsLast(c, where), [new LayerGlobalAveragePooling2D(base)]),
  },
  Flatten: {
    exports: LayerFlatten,
    toKeras: () => ({ config: {}, weights: [] }),
    fromKeras: (_c, _s, base) => [new LayerFlatten(base)],
  },
  Activation: {
    toKeras: (_layer, activation) => ({ config: { activation }, weights: [] }),
    fromKeras: (c, _s, base, where) => activationLayers(c.activation, base.backend, where),
  },
  /** Keras's Dropout; with noise_shape (batch, 1, 1, channels) it is SpatialDropout2D, which is how that layer travels to TF.js (which lacks the class) */
  Dropout: {
    exports: LayerDropout,
    toKeras: (layer) => ({ config: { rate: (layer as LayerDropout).rate, noise_shape: null }, weights: [] }),
    fromKeras: (c, inputShape, base, where) => {
      const noise = c.noise_shape;
      if (noise === undefined || noise === null) return [new LayerDropout(rate(c, where), base)];
      const spatial = Array.isArray(noise) && noise.length === 4 && noise[1] === 1 && noise[2] === 1 && (noise[3] === null || noise[3] === inputShape[2]);
      const temporal = Array.isArray(noise) && noise.length === 3 && noise[1] === 1 && (noise[2] === null || noise[2] === inputShape[1]);
      if (temporal) return [new LayerTemporalDropout(rate(c, where), base)];
      if (!spatial)
        throw new FormatError(`${where}: config.noise_shape ${describe(noise)}: nnwasm has per-element dropout (null), per-channel dropout on images ([null, 1, 1, channels]) and per-feature dropout on sequences ([null, 1, features]) only`);
      return [new LayerSpatialDropout2D(rate(c, where), base)];
    },
  },
  SpatialDropout2D: {
    exports: LayerSpatialDropout2D,
    toKeras: (layer, _a, inputShape) => ({ config: { rate: (layer as LayerSpatialDropout2D).rate, noise_shape: [null, 1, 1, inputShape[2]] }, weights: [] }),
    fromKeras: (c, _s, base, where) => [new LayerSpatialDropout2D(rate(c, where), base)],
    /** exported as Keras's Dropout with a noise shape: TF.js reads that, and has no SpatialDropout2D */
    exportAs: 'Dropout',
  },
  /** the seeds' temporal dropout: Keras's Dropout with noise_shape (batch, 1, features), as SpatialDropout2D travels */
  TemporalDropout: {
    exports: LayerTemporalDropout,
    toKeras: (layer, _a, inputShape) => ({ config: { rate: (layer as LayerTemporalDropout).rate, noise_shape: [null, 1, inputShape[1]] }, weights: [] }),
    fromKeras: (c, _s, base, where) => [new LayerTemporalDropout(rate(c, where), base)],
    exportAs: 'Dropout',
  },
  GaussianDropout: dropoutRow(LayerGaussianDropout, (r, base) => new LayerGaussianDropout(r, base)),
  AlphaDropout: dropoutRow(LayerAlphaDropout, (r, base) => new LayerAlphaDropout(r, base)),
  /** Keras's own activation layers, read on import */
  ReLU: { fromKeras: (_c, _s, base) => [new ActivationReLU(base)] },
  Softmax: { fromKeras: (_c, _s, base) => [new ActivationSoftmax(base)] },
};
