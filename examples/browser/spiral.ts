/**
 * The demo's model and data, shared by the page's worker and by Node (the tests train the same
 * model in Node and load it in the page). The book's chapter-15 network with the knobs exposed:
 * Dense(2, hidden, L2) → ReLU → Dropout → Dense(hidden, 3) → Softmax, categorical cross-entropy,
 * Adam with the book's decay.
 */
import {
  Model, LayerDense, ActivationReLU, LayerDropout, ActivationSoftmax, LossCategoricalCrossentropy,
  OptimizerAdam, Matrix, spiralData, type Backend, type BackendName, type Classification,
} from 'nnwasm';

export interface Hyperparameters {
  hidden: number;
  dropout: number;
  l2: number;
  learningRate: number;
  backend: BackendName;
  seed: number;
  /** training pauses by itself after this many epochs (the book runs 10,000) */
  epochs: number;
}

export const DEFAULTS: Hyperparameters = { hidden: 128, dropout: 0, l2: 5e-4, learningRate: 0.05, backend: 'wasm', seed: 0, epochs: 10_000 };

/**
 * The wasm backend runs its baseline SIMD build here: a little slower than relaxed SIMD, but its
 * results are bit-identical to Node's, so a model moves between the two and predicts the same.
 */
export const BACKEND_OPTIONS = { simd: 'baseline' } as const;

/** the training points (300 per arm) and a fresh validation draw, fixed so runs compare */
export function spiralSets(): { train: Classification; validation: Classification } {
  return { train: spiralData(300, 3, 0), validation: spiralData(100, 3, 1) };
}

export function buildModel(backend: Backend, p: Hyperparameters): Model {
  return new Model({ backend })
    .add(new LayerDense(2, p.hidden, { weightRegularizerL2: p.l2, biasRegularizerL2: p.l2, backend }))
    .add(new ActivationReLU({ backend }))
    .add(new LayerDropout(p.dropout, { backend }))
    .add(new LayerDense(p.hidden, 3, { backend }))
    .add(new ActivationSoftmax({ backend }))
    .compile({ loss: new LossCategoricalCrossentropy({ backend }), optimizer: new OptimizerAdam({ learningRate: p.learningRate, decay: 5e-5, backend }) });
}

/** the hyperparameters a (loaded) model was built with, as far as the model tells */
export function hyperparametersOf(model: Model, backend: BackendName, seed: number): Hyperparameters {
  const [dense1] = model.layers.filter((l): l is LayerDense => l instanceof LayerDense);
  const dropout = model.layers.find((l): l is LayerDropout => l instanceof LayerDropout);
  return {
    hidden: dense1.nNeurons,
    dropout: dropout?.rate ?? 0,
    l2: dense1.weightRegularizerL2,
    learningRate: model.optimizer!.learningRate,
    backend,
    seed,
    epochs: DEFAULTS.epochs,
  };
}

/** the plane the regions are drawn over: [-EXTENT, EXTENT]² (the spiral lies within the unit disc) */
export const EXTENT = 1.1;
/** regions are predicted on a GRID × GRID lattice of cell centres, row by row from the top */
export const GRID = 120;

export function regionGrid(): Matrix {
  const points = new Float32Array(GRID * GRID * 2);
  for (let row = 0; row < GRID; row++)
    for (let col = 0; col < GRID; col++) {
      const i = row * GRID + col;
      points[2 * i] = ((col + 0.5) / GRID) * 2 * EXTENT - EXTENT;
      points[2 * i + 1] = EXTENT - ((row + 0.5) / GRID) * 2 * EXTENT;
    }
  return new Matrix(points, GRID * GRID, 2);
}
