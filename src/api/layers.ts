/**
 * TF.js's layers API by its names (`nn.layers.dense({ units: 128, activation: 'relu' })`), built on
 * the library's layer classes: a factory returns a spec, and the Sequential model turns it into
 * those classes once the input shape is known (a Dense needs its input width). `activation` on a
 * Dense or Conv2D becomes the activation layer after it (ReLU fuses into the GEMM's epilogue).
 * Config keys are TF.js's camelCase ones; an unknown key is a ValueError listing the valid ones.
 */
import type { Backend } from '../backend/backend.ts';
import type { Layer } from '../layers/layer.ts';
import { LayerDense } from '../layers/dense.ts';
import { LayerDropout } from '../layers/dropout.ts';
import { LayerGaussianDropout } from '../layers/gaussianDropout.ts';
import { LayerAlphaDropout } from '../layers/alphaDropout.ts';
import { LayerConv2D } from '../layers/conv2d.ts';
import { LayerMaxPooling2D, LayerAveragePooling2D, LayerGlobalAveragePooling2D } from '../layers/pooling.ts';
import { LayerFlatten } from '../layers/flatten.ts';
import { LayerSpatialDropout2D } from '../layers/spatialDropout.ts';
import { LayerExactDropout } from '../layers/exactDropout.ts';
import { LayerBatchNormalization } from '../layers/batchNormalization.ts';
import { LayerLayerNormalization } from '../layers/layerNormalization.ts';
import { LayerScheduledDropout, type DropoutSchedule } from '../layers/scheduledDropout.ts';
import { LayerConcreteDropout } from '../layers/concreteDropout.ts';
import { LayerAdaptiveDropout } from '../layers/adaptiveDropout.ts';
import { LayerSimpleRNN, LayerLSTM, LayerGRU, type RecurrentActivation } from '../layers/recurrent.ts';
import { LayerTemporalDropout } from '../layers/temporalDropout.ts';
import { ActivationReLU, ActivationSigmoid, ActivationSoftmax } from '../layers/activations.ts';
import { ActivationSELU, ActivationTanh } from '../layers/seluTanh.ts';
import { checkInitializer, type InitializerName } from '../layers/initializers.ts';
import type { Padding } from '../layers/convGeometry.ts';
import { checkShape } from '../tensor.ts';
import { ValueError } from '../errors.ts';
import { checkKeys, describe } from '../describe.ts';

export type ActivationName = 'relu' | 'softmax' | 'sigmoid' | 'tanh' | 'selu' | 'linear';

/** `nn.regularizers.l1l2({ l1, l2 })` and friends: the penalty λ₁Σ|w| + λ₂Σw² */
export interface Regularizer {
  l1: number;
  l2: number;
}
export const regularizers = {
  l1l2: (c: { l1?: number; l2?: number } = {}): Regularizer => ({ l1: c.l1 ?? 0.01, l2: c.l2 ?? 0.01 }),
  l1: (c: { l1?: number } = {}): Regularizer => ({ l1: c.l1 ?? 0.01, l2: 0 }),
  l2: (c: { l2?: number } = {}): Regularizer => ({ l1: 0, l2: c.l2 ?? 0.01 }),
};

/** `nn.initializers.heNormal()`: an initializer as an object, as TF.js has them */
export const initializers = Object.fromEntries(
  ['glorotUniform', 'glorotNormal', 'heNormal', 'heUniform', 'lecunNormal', 'lecunUniform', 'zeros', 'ones', 'randomNormal', 'randomUniform', 'book', 'orthogonal'].map((name) => [name, () => ({ name })]),
) as Record<InitializerName, () => { name: InitializerName }>;

/** what every layer's config may hold: the input's shape for the first layer, a name for summaries */
interface BaseArgs {
  inputShape?: number[];
  /** Dense's shorthand for inputShape [inputDim] */
  inputDim?: number;
  /** inputShape with the batch first (null or any number: the batch is not fixed) */
  batchInputShape?: (number | null)[];
  name?: string;
}
const BASE_KEYS = ['inputShape', 'inputDim', 'batchInputShape', 'name'];

/**
 * A layer of the layers API before it has an input shape: `build` makes the library's layers for
 * one sample's input shape. Sequential calls it; `inputShape` is what the config declared.
 */
export class LayerSpec {
  constructor(
    readonly className: string,
    readonly inputShape: number[] | undefined,
    readonly name: string | undefined,
    private readonly make: (inputShape: readonly number[], opts: { backend: Backend; inputShape?: number[] }) => Layer[],
  ) {}
  /** the layers for one sample's `inputShape`; the first layer of a model also declares it (its `inputShape` option) */
  build(inputShape: readonly number[], backend: Backend, first = false): Layer[] {
    return this.make(inputShape, first ? { backend, inputShape: [...inputShape] } : { backend });
  }
  toString(): string {
    return this.name ?? this.className;
  }
}

/** the config checked against its keys, and the input shape it declares (if any) */
function args<T extends object>(config: T | undefined, keys: readonly string[], who: string): T & BaseArgs & { declared?: number[] } {
  const c = (config ?? {}) as T & BaseArgs;
  if (c === null || typeof c !== 'object') throw new ValueError(`${who}: expected a config object, got ${describe(config)}`);
  checkKeys(c, [...keys, ...BASE_KEYS], who);
  let declared: number[] | undefined;
  if (c.inputShape !== undefined) declared = checkShape(c.inputShape, `${who}: inputShape`);
  else if (c.batchInputShape !== undefined) declared = checkShape((c.batchInputShape as unknown[]).slice(1), `${who}: batchInputShape`);
  else if (c.inputDim !== undefined) declared = checkShape([c.inputDim], `${who}: inputDim`);
  if (c.name !== undefined && typeof c.name !== 'string') throw new ValueError(`${who}: name must be a string, got ${describe(c.name)}`);
  return { ...c, declared };
}

const ACTIVATIONS = { relu: ActivationReLU, softmax: ActivationSoftmax, sigmoid: ActivationSigmoid, tanh: ActivationTanh, selu: ActivationSELU, linear: null } as const;

/** a checked activation name (default 'linear') */
function checkActivation(name: unknown, who: string): ActivationName {
  const n = name ?? 'linear';
  if (typeof n !== 'string' || !Object.hasOwn(ACTIVATIONS, n)) throw new ValueError(`${who}: activation must be one of ${Object.keys(ACTIVATIONS).join(', ')}, got ${describe(name)}`);
  return n as ActivationName;
}

/** the activation layer a name stands for (none for 'linear') */
function activationLayer(name: ActivationName, backend: Backend): Layer[] {
  const cls = ACTIVATIONS[name];
  return cls ? [new cls({ backend })] : [];
}

const initializerName = (v: unknown, fallback: InitializerName, who: string, key: string): InitializerName =>
  checkInitializer(typeof v === 'object' && v !== null ? (v as { name?: unknown }).name : v ?? fallback, who, key);

const regularizer = (v: unknown, who: string, key: string): Regularizer => {
  if (v === undefined || v === null) return { l1: 0, l2: 0 };
  const { l1, l2 } = v as Partial<Regularizer>;
  if (typeof v !== 'object' || typeof l1 !== 'number' || typeof l2 !== 'number') throw new ValueError(`${who}: ${key} must be nn.regularizers.l1l2({ l1, l2 }) (or l1 / l2), got ${describe(v)}`);
  return { l1, l2 };
};

function noBiasInitializer(v: unknown, who: string): void {
  const name = typeof v === 'object' && v !== null ? (v as { name?: unknown }).name : v;
  if (name !== undefined && name !== 'zeros') throw new ValueError(`${who}: biasInitializer: biases start at zeros (the only initializer so far), got ${describe(v)}`);
}

export interface DenseArgs extends BaseArgs {
  units: number;
  activation?: ActivationName;
  /** default 'glorotUniform', as Keras and TF.js */
  kernelInitializer?: InitializerName | { name: InitializerName };
  biasInitializer?: 'zeros' | { name: 'zeros' };
  kernelRegularizer?: Regularizer;
  biasRegularizer?: Regularizer;
}

export interface Conv2DArgs extends BaseArgs {
  filters: number;
  kernelSize: number | [number, number];
  strides?: number | [number, number];
  padding?: Padding;
  /** 'channelsLast' (NHWC), the only layout */
  dataFormat?: 'channelsLast';
  dilationRate?: number | [number, number];
  activation?: ActivationName;
  useBias?: boolean;
  kernelInitializer?: InitializerName | { name: InitializerName };
  biasInitializer?: 'zeros' | { name: 'zeros' };
  kernelRegularizer?: Regularizer;
  biasRegularizer?: Regularizer;
}

export interface Pooling2DArgs extends BaseArgs {
  poolSize?: number | [number, number];
  strides?: number | [number, number];
  padding?: Padding;
  dataFormat?: 'channelsLast';
}

const channelsLast = (v: unknown, who: string) => {
  if (v !== undefined && v !== 'channelsLast') throw new ValueError(`${who}: dataFormat must be 'channelsLast' (images are NHWC), got ${describe(v)}`);
};

type Opts = { backend: Backend; inputShape?: number[] };
const rateSpec = (className: string, make: (rate: number, opts: Opts) => Layer) => (config: { rate: number } & BaseArgs) => {
  const who = `layers.${className[0].toLowerCase()}${className.slice(1)}`;
  const c = args(config, ['rate'], who);
  return new LayerSpec(className, c.declared, c.name, (_, opts) => [make(c.rate, opts)]);
};

export interface NormalizationArgs extends BaseArgs {
  /** -1 (default) or the last axis's index counting the batch: only the last axis is normalized */
  axis?: number;
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  gammaRegularizer?: Regularizer;
  betaRegularizer?: Regularizer;
  /** 'ones' / 'zeros' / 'zeros' / 'ones': Keras's starts, the only ones so far */
  gammaInitializer?: 'ones' | { name: 'ones' };
  betaInitializer?: 'zeros' | { name: 'zeros' };
  movingMeanInitializer?: 'zeros' | { name: 'zeros' };
  movingVarianceInitializer?: 'ones' | { name: 'ones' };
}
const NORMALIZATION_KEYS = ['axis', 'epsilon', 'center', 'scale', 'gammaRegularizer', 'betaRegularizer', 'gammaInitializer', 'betaInitializer', 'movingMeanInitializer', 'movingVarianceInitializer'];

/** the normalization layers' options from a config: initializers must be Keras's defaults, regularizers become L1/L2 numbers */
function normalization(c: NormalizationArgs, who: string) {
  const starts = [['gammaInitializer', 'ones'], ['betaInitializer', 'zeros'], ['movingMeanInitializer', 'zeros'], ['movingVarianceInitializer', 'ones']] as const;
  for (const [key, only] of starts) {
    const v = c[key], name = typeof v === 'object' && v !== null ? (v as { name?: unknown }).name : v;
    if (name !== undefined && name !== only) throw new ValueError(`${who}: ${key}: only '${only}' (Keras's default) is supported, got ${describe(v)}`);
  }
  const [g, b] = [regularizer(c.gammaRegularizer, who, 'gammaRegularizer'), regularizer(c.betaRegularizer, who, 'betaRegularizer')];
  return { axis: c.axis, epsilon: c.epsilon, center: c.center, scale: c.scale, gammaRegularizerL1: g.l1, gammaRegularizerL2: g.l2, betaRegularizerL1: b.l1, betaRegularizerL2: b.l2 };
}

export interface RecurrentArgs extends BaseArgs {
  units: number;
  /** default 'tanh' */
  activation?: RecurrentActivation;
  /** the gates' (LSTM and GRU only), default 'sigmoid' */
  recurrentActivation?: RecurrentActivation;
  useBias?: boolean;
  returnSequences?: boolean;
  goBackwards?: boolean;
  dropout?: number;
  recurrentDropout?: number;
  /** default 'glorotUniform' */
  kernelInitializer?: InitializerName | { name: InitializerName };
  /** default 'orthogonal' */
  recurrentInitializer?: InitializerName | { name: InitializerName };
  /** default 'zeros' */
  biasInitializer?: InitializerName | { name: InitializerName };
  kernelRegularizer?: Regularizer;
  recurrentRegularizer?: Regularizer;
  biasRegularizer?: Regularizer;
  /** LSTM only: the forget gate's bias starts at 1; default true */
  unitForgetBias?: boolean;
  /** GRU only: the reset gate after the recurrent product (two biases); default true */
  resetAfter?: boolean;
}
const RECURRENT_KEYS = ['units', 'activation', 'recurrentActivation', 'useBias', 'returnSequences', 'goBackwards', 'dropout', 'recurrentDropout',
  'kernelInitializer', 'recurrentInitializer', 'biasInitializer', 'kernelRegularizer', 'recurrentRegularizer', 'biasRegularizer'];

/** a recurrent layer's spec: TF.js's keys to the layer class's options (activation stays inside the cell, as in Keras) */
function recurrentSpec(className: 'SimpleRNN' | 'LSTM' | 'GRU', extra: 'unitForgetBias' | 'resetAfter' | undefined, config: RecurrentArgs) {
  const who = `layers.${className === 'SimpleRNN' ? 'simpleRNN' : className.toLowerCase()}`;
  // SimpleRNN has one activation (no gates), as in Keras and TF.js
  const keys = className === 'SimpleRNN' ? RECURRENT_KEYS.filter((k) => k !== 'recurrentActivation') : [...RECURRENT_KEYS, extra!];
  const c = args(config, keys, who);
  const [kr, rr, br] = (['kernelRegularizer', 'recurrentRegularizer', 'biasRegularizer'] as const).map((k) => regularizer(c[k], who, k));
  const options = {
    activation: c.activation, recurrentActivation: c.recurrentActivation, useBias: c.useBias, returnSequences: c.returnSequences, goBackwards: c.goBackwards,
    dropout: c.dropout, recurrentDropout: c.recurrentDropout,
    kernelInitializer: initializerName(c.kernelInitializer, 'glorotUniform', who, 'kernelInitializer'),
    recurrentInitializer: initializerName(c.recurrentInitializer, 'orthogonal', who, 'recurrentInitializer'),
    biasInitializer: initializerName(c.biasInitializer, 'zeros', who, 'biasInitializer'),
    kernelRegularizerL1: kr.l1, kernelRegularizerL2: kr.l2, recurrentRegularizerL1: rr.l1, recurrentRegularizerL2: rr.l2, biasRegularizerL1: br.l1, biasRegularizerL2: br.l2,
    ...(extra ? { [extra]: c[extra] } : {}),
  };
  const cls = { SimpleRNN: LayerSimpleRNN, LSTM: LayerLSTM, GRU: LayerGRU }[className];
  return new LayerSpec(className, c.declared, c.name, (input, opts) => {
    const layer = new cls(c.units, { ...options, ...opts });
    layer.build(input);
    return [layer];
  });
}

/** TF.js's `tf.layers` factories, by the same names and config keys */
export const layers = {
  dense(config: DenseArgs): LayerSpec {
    const who = 'layers.dense';
    const c = args(config, ['units', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer'], who);
    if ((c as { useBias?: unknown }).useBias === false) throw new ValueError(`${who}: useBias false is not supported: a Dense always has biases`);
    const kernelInitializer = initializerName(c.kernelInitializer, 'glorotUniform', who, 'kernelInitializer');
    noBiasInitializer(c.biasInitializer, who);
    const [kr, br] = [regularizer(c.kernelRegularizer, who, 'kernelRegularizer'), regularizer(c.biasRegularizer, who, 'biasRegularizer')];
    const activation = checkActivation(c.activation, who);
    return new LayerSpec('Dense', c.declared, c.name, (input, opts) => [
      new LayerDense(input.at(-1)!, c.units, {
        kernelInitializer, weightRegularizerL1: kr.l1, weightRegularizerL2: kr.l2, biasRegularizerL1: br.l1, biasRegularizerL2: br.l2, ...opts,
      }),
      ...activationLayer(activation, opts.backend),
    ]);
  },

  conv2d(config: Conv2DArgs): LayerSpec {
    const who = 'layers.conv2d';
    const c = args(config, ['filters', 'kernelSize', 'strides', 'padding', 'dataFormat', 'dilationRate', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer'], who);
    channelsLast(c.dataFormat, who);
    const kernelInitializer = initializerName(c.kernelInitializer, 'glorotUniform', who, 'kernelInitializer');
    noBiasInitializer(c.biasInitializer, who);
    const [kr, br] = [regularizer(c.kernelRegularizer, who, 'kernelRegularizer'), regularizer(c.biasRegularizer, who, 'biasRegularizer')];
    const activation = checkActivation(c.activation, who), fused = activation === 'relu'; // the convolution's own epilogue
    return new LayerSpec('Conv2D', c.declared, c.name, (input, opts) => {
      const conv = new LayerConv2D(c.filters, c.kernelSize, {
        strides: c.strides, padding: c.padding, dilationRate: c.dilationRate, useBias: c.useBias, activation: fused ? 'relu' : 'linear', kernelInitializer,
        kernelRegularizerL1: kr.l1, kernelRegularizerL2: kr.l2, biasRegularizerL1: br.l1, biasRegularizerL2: br.l2, ...opts,
      });
      conv.build(input);
      return [conv, ...(fused ? [] : activationLayer(activation, opts.backend))];
    });
  },

  maxPooling2d(config: Pooling2DArgs = {}): LayerSpec {
    const who = 'layers.maxPooling2d';
    const c = args(config, ['poolSize', 'strides', 'padding', 'dataFormat'], who);
    channelsLast(c.dataFormat, who);
    return new LayerSpec('MaxPooling2D', c.declared, c.name, (_, opts) => [new LayerMaxPooling2D(c.poolSize ?? 2, { strides: c.strides, padding: c.padding, ...opts })]);
  },

  averagePooling2d(config: Pooling2DArgs = {}): LayerSpec {
    const who = 'layers.averagePooling2d';
    const c = args(config, ['poolSize', 'strides', 'padding', 'dataFormat'], who);
    channelsLast(c.dataFormat, who);
    return new LayerSpec('AveragePooling2D', c.declared, c.name, (_, opts) => [new LayerAveragePooling2D(c.poolSize ?? 2, { strides: c.strides, padding: c.padding, ...opts })]);
  },

  globalAveragePooling2d(config: BaseArgs & { dataFormat?: 'channelsLast' } = {}): LayerSpec {
    const who = 'layers.globalAveragePooling2d';
    const c = args(config, ['dataFormat'], who);
    channelsLast(c.dataFormat, who);
    return new LayerSpec('GlobalAveragePooling2D', c.declared, c.name, (_, opts) => [new LayerGlobalAveragePooling2D(opts)]);
  },

  flatten(config: BaseArgs = {}): LayerSpec {
    const c = args(config, [], 'layers.flatten');
    return new LayerSpec('Flatten', c.declared, c.name, (_, opts) => [new LayerFlatten(opts)]);
  },

  activation(config: BaseArgs & { activation: ActivationName }): LayerSpec {
    const who = 'layers.activation';
    const c = args(config, ['activation'], who);
    const activation = checkActivation(c.activation, who);
    return new LayerSpec('Activation', c.declared, c.name, (_, opts) => activationLayer(activation, opts.backend));
  },

  /** Keras's BatchNormalization on the last axis: momentum 0.99, epsilon 1e-3, gamma 1 and beta 0 to start */
  batchNormalization(config: NormalizationArgs & { momentum?: number } = {}): LayerSpec {
    const who = 'layers.batchNormalization';
    const c = args(config, [...NORMALIZATION_KEYS, 'momentum'], who);
    const options = { ...normalization(c, who), momentum: c.momentum };
    return new LayerSpec('BatchNormalization', c.declared, c.name, (_, opts) => [new LayerBatchNormalization({ ...options, ...opts })]);
  },

  /** Keras's LayerNormalization: each sample over its last axis; epsilon 1e-3 */
  layerNormalization(config: NormalizationArgs = {}): LayerSpec {
    const who = 'layers.layerNormalization';
    const c = args(config, NORMALIZATION_KEYS, who);
    const options = normalization(c, who);
    return new LayerSpec('LayerNormalization', c.declared, c.name, (_, opts) => [new LayerLayerNormalization({ ...options, ...opts })]);
  },

  /** Keras's SimpleRNN over [steps, features] */
  simpleRNN: (config: RecurrentArgs) => recurrentSpec('SimpleRNN', undefined, config),
  /** Keras's LSTM (gates i, f, c, o; unitForgetBias by default) over [steps, features] */
  lstm: (config: RecurrentArgs) => recurrentSpec('LSTM', 'unitForgetBias', config),
  /** Keras's GRU (gates z, r, h; resetAfter by default, as Keras 2.3+ and TF.js's) over [steps, features] */
  gru: (config: RecurrentArgs) => recurrentSpec('GRU', 'resetAfter', config),
  /** the seeds' temporal dropout: one mask per sequence and feature, shared by every step */
  temporalDropout: rateSpec('TemporalDropout', (rate, opts) => new LayerTemporalDropout(rate, opts)),

  dropout: rateSpec('Dropout', (rate, opts) => new LayerDropout(rate, opts)),
  spatialDropout2d: rateSpec('SpatialDropout2D', (rate, opts) => new LayerSpatialDropout2D(rate, opts)),
  gaussianDropout: rateSpec('GaussianDropout', (rate, opts) => new LayerGaussianDropout(rate, opts)),
  alphaDropout: rateSpec('AlphaDropout', (rate, opts) => new LayerAlphaDropout(rate, opts)),

  // The rest of the dropout family has no TF.js counterpart: the same factories, the library's names.
  exactDropout: rateSpec('ExactDropout', (rate, opts) => new LayerExactDropout(rate, opts)),

  /** `rate`: the final rate of the linear ramp over `rampEpochs` (default: the fit's epochs), or a function (epoch, epochs) => rate */
  scheduledDropout(config: BaseArgs & { rate: number | DropoutSchedule; rampEpochs?: number }): LayerSpec {
    const c = args(config, ['rate', 'rampEpochs'], 'layers.scheduledDropout');
    return new LayerSpec('ScheduledDropout', c.declared, c.name, (_, opts) => [new LayerScheduledDropout(c.rate, { rampEpochs: c.rampEpochs, ...opts })]);
  },

  /** the learned rate of Gal et al.; the weight term links the next Dense, as LayerConcreteDropout's default */
  concreteDropout(config: BaseArgs & { initRate?: number; temperature?: number; weightRegularizer?: number; dropoutRegularizer?: number } = {}): LayerSpec {
    const c = args(config, ['initRate', 'temperature', 'weightRegularizer', 'dropoutRegularizer'], 'layers.concreteDropout');
    const { initRate, temperature, weightRegularizer, dropoutRegularizer } = c;
    return new LayerSpec('ConcreteDropout', c.declared, c.name, (_, opts) => [new LayerConcreteDropout({ initRate, temperature, weightRegularizer, dropoutRegularizer, ...opts })]);
  },

  adaptiveDropout(config: BaseArgs & { rate?: number; adaptationRate?: number } = {}): LayerSpec {
    const c = args(config, ['rate', 'adaptationRate'], 'layers.adaptiveDropout');
    return new LayerSpec('AdaptiveDropout', c.declared, c.name, (_, opts) => [new LayerAdaptiveDropout(c.rate, { adaptationRate: c.adaptationRate, ...opts })]);
  },
};
