/**
 * The layer registry: how a saved model turns a layer's name and config back into a layer.
 *
 * Every layer class that may appear in a saved model registers once, under a stable name (the
 * saved file stores that name, never `constructor.name`, which minifiers rename):
 *
 * ```ts
 * import { registerLayer } from './registry.ts';
 * export class LayerGaussianDropout extends Layer {
 *   constructor(readonly rate: number, opts: LayerOptions = {}) { ... }
 *   override getConfig() { return { rate: this.rate }; }          // the constructor arguments
 *   override getState() { return { seed: this.seed, counter: this.counter }; } // RNG state, if any
 *   override setState(s: LayerConfig) { ... }                        // restores getState()
 * }
 * registerLayer('LayerGaussianDropout', LayerGaussianDropout, (c, opts) => new LayerGaussianDropout(c.rate as number, opts));
 * ```
 *
 * - `getConfig()` returns JSON-serializable constructor arguments (not the backend); the factory
 *   receives them back with `{ backend }` and must validate through the constructor as usual, so a
 *   tampered config fails with the constructor's own ValueError.
 * - Trainable tensors need nothing extra: `parameters()` lists them and the saved file stores
 *   their values in that order.
 * - Register from the module that defines the class (or list it below for the book's layers) and
 *   export that module from src/index.ts, so importing nnwasm registers it before any load.
 */
import { Layer, type LayerConfig, type LayerOptions } from './layer.ts';
import { LayerDense } from './dense.ts';
import { LayerDropout } from './dropout.ts';
import { ActivationLinear, ActivationReLU, ActivationSigmoid, ActivationSoftmax } from './activations.ts';
import { NnwasmError, ValueError } from '../errors.ts';

/** rebuilds a layer from the config its getConfig() returned */
export type LayerFactory = (config: LayerConfig, opts: LayerOptions) => Layer;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type LayerClass = abstract new (...args: any[]) => Layer;

const factories = new Map<string, LayerFactory>();
const names = new Map<LayerClass, string>();

/**
 * Register `cls` under `name` (the name a saved model stores) with the factory that rebuilds it.
 * Registering the same name or class twice is an error, so two layers cannot claim one name.
 */
export function registerLayer(name: string, cls: LayerClass, factory: LayerFactory): void {
  if (typeof name !== 'string' || !name) throw new ValueError('registerLayer: name must be a non-empty string');
  if (typeof cls !== 'function' || !(cls.prototype instanceof Layer)) throw new ValueError(`registerLayer: ${name}: the class must extend Layer`);
  if (typeof factory !== 'function') throw new ValueError(`registerLayer: ${name}: the factory must be a function (config, { backend }) => layer`);
  if (factories.has(name)) throw new NnwasmError(`registerLayer: a layer is already registered as '${name}'`);
  if (names.has(cls)) throw new NnwasmError(`registerLayer: ${cls.name} is already registered as '${names.get(cls)}'`);
  factories.set(name, factory);
  names.set(cls, name);
}

/** the registered name of a layer's class (what save() writes) */
export function layerName(layer: Layer): string {
  const name = names.get(layer.constructor as LayerClass);
  if (name === undefined)
    throw new NnwasmError(`${layer} cannot be saved: its class is not registered; call registerLayer(name, ${layer.constructor.name}, factory) once`);
  return name;
}

/** a new layer of the registered `name`, built from `config` (a declared inputShape included) */
export function createLayer(name: string, config: LayerConfig, opts: LayerOptions): Layer {
  const factory = factories.get(name);
  if (!factory)
    throw new NnwasmError(`no layer is registered as '${name}' (known: ${[...factories.keys()].join(', ')}); import the module that registers it before loading`);
  const { inputShape } = config;
  return factory(config, inputShape === undefined ? opts : { ...opts, inputShape: inputShape as number[] });
}

/** what rebuilds `layer`: its getConfig(), plus the inputShape it was declared with */
export function layerConfig(layer: Layer): LayerConfig {
  const config = layer.getConfig();
  return layer.inputShape ? { ...config, inputShape: [...layer.inputShape] } : config;
}

/** every registered name, in registration order */
export function registeredLayers(): string[] {
  return [...factories.keys()];
}

// the book's layers
registerLayer('LayerDense', LayerDense, (c, opts) => {
  const { nInputs, nNeurons, weightRegularizerL1, weightRegularizerL2, biasRegularizerL1, biasRegularizerL2, kernelInitializer } = c as Record<string, never>;
  return new LayerDense(nInputs, nNeurons, { weightRegularizerL1, weightRegularizerL2, biasRegularizerL1, biasRegularizerL2, kernelInitializer, ...opts });
});
registerLayer('LayerDropout', LayerDropout, (c, opts) => new LayerDropout(c.rate as number, { ...opts, scaling: c.scaling as 'up' | 'down' | undefined }));
registerLayer('ActivationReLU', ActivationReLU, (_, opts) => new ActivationReLU(opts));
registerLayer('ActivationSoftmax', ActivationSoftmax, (_, opts) => new ActivationSoftmax(opts));
registerLayer('ActivationSigmoid', ActivationSigmoid, (_, opts) => new ActivationSigmoid(opts));
registerLayer('ActivationLinear', ActivationLinear, (_, opts) => new ActivationLinear(opts));
