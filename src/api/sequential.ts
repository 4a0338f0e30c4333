/**
 * `nn.sequential({ layers })`, TF.js's Sequential: a Model whose `add` also takes the layers API's
 * specs (`nn.layers.dense({ units: 10 })`) and builds them from the shape the layers before them
 * give. As in TF.js, the first layer declares the input shape (inputShape, inputDim or
 * batchInputShape); everything after follows from it.
 */
import { Model } from '../model.ts';
import { Layer } from '../layers/layer.ts';
import { LayerSpec } from './layers.ts';
import { Backend } from '../backend/backend.ts';
import { getBackend } from '../backend/create.ts';
import { ShapeError, ValueError } from '../errors.ts';
import { checkKeys, describe } from '../describe.ts';

export interface SequentialArgs {
  layers?: (LayerSpec | Layer)[];
  name?: string;
  /** the backend (default: the current one, as TF.js's global backend) */
  backend?: Backend;
}

export class Sequential extends Model {
  readonly name?: string;
  /** one sample's output shape of the layers so far */
  private shape?: number[];

  constructor(args: SequentialArgs = {}) {
    if (args === null || typeof args !== 'object') throw new ValueError(`sequential: expected { layers?, name? }, got ${describe(args)}`);
    checkKeys(args, ['layers', 'name', 'backend'], 'sequential');
    super({ backend: args.backend });
    this.name = args.name;
    if (args.layers !== undefined) {
      try {
        if (!Array.isArray(args.layers)) throw new ValueError(`sequential: layers must be an array of layers, got ${describe(args.layers)}`);
        for (const layer of args.layers) this.add(layer);
      } catch (e) {
        this.dispose(); // the layers added so far
        throw e;
      }
    }
  }

  /** a layer of the layers API (built here, for the shape the model gives it) or one of the library's layer classes */
  override add(layer: Layer | LayerSpec): this {
    if (!(layer instanceof LayerSpec)) {
      super.add(layer); // checks what it is before the shape is asked
      const input = this.shape ?? (this.layers.length === 1 ? layer.impliedInputShape() : undefined);
      this.shape = input && layer.outputShape(input); // a misfit is compile's ShapeError, naming the layer
      return this;
    }
    const first = this.layers.length === 0;
    const input = first ? layer.inputShape : this.shape;
    if (!input)
      throw new ValueError(first
        ? `sequential: the first layer (${layer}) needs inputShape, inputDim or batchInputShape, as in TF.js`
        : `sequential: cannot build ${layer}: the layers before it do not give a known shape (give the first one an inputShape)`);
    let built: Layer[] = [], shape = input;
    const seeds = this.backend.seedsDrawn;
    try {
      built = layer.build(input, this.backend, first);
      for (const l of built) shape = l.outputShape(shape);
    } catch (e) {
      // a failed add changes nothing: the layers it built are freed and their seeds not spent
      for (const l of built) l.dispose();
      this.backend.seedsDrawn = seeds;
      throw e instanceof ShapeError ? new ShapeError(`sequential: ${layer} after ${this.layers.length} layers: ${e.message}`) : e;
    }
    for (const l of built) super.add(l);
    this.shape = shape;
    return this;
  }
}

/** TF.js's `tf.sequential({ layers })`; if it throws, no seed was spent and nothing is kept */
export function sequential(args: SequentialArgs = {}): Sequential {
  const backend = args !== null && typeof args === 'object' && args.backend instanceof Backend ? args.backend : undefined;
  const seeds = (backend ?? currentBackend())?.seedsDrawn;
  try {
    return new Sequential(args);
  } catch (e) {
    const b = backend ?? currentBackend();
    if (b && seeds !== undefined) b.seedsDrawn = seeds;
    throw e;
  }
}

const currentBackend = (): Backend | undefined => {
  try {
    return getBackend();
  } catch {
    return undefined; // no default backend: Sequential's own error says so
  }
};
