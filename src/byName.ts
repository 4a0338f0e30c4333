/**
 * Losses and optimizers by TF.js's names, for `compile({ loss: 'sparseCategoricalCrossentropy',
 * optimizer: 'adam' })`. A name builds the library's own class with Keras's defaults (an
 * optimizer named by string takes Keras's default learning rate, e.g. SGD 0.01; the book's
 * classes keep the book's defaults when constructed directly).
 */
import type { Backend } from './backend/backend.ts';
import { Loss, LossBinaryCrossentropy, LossCategoricalCrossentropy, LossMeanAbsoluteError, LossMeanSquaredError } from './losses/loss.ts';
import { Optimizer, OptimizerAdagrad, OptimizerAdam, OptimizerRMSprop, OptimizerSGD } from './optimizers/optimizer.ts';
import { ValueError } from './errors.ts';
import { describe } from './describe.ts';
import type { LearningRateSchedule } from './schedules.ts';

const LOSSES = {
  categoricalCrossentropy: LossCategoricalCrossentropy,
  /** the same class: class indices are what makes it sparse */
  sparseCategoricalCrossentropy: LossCategoricalCrossentropy,
  binaryCrossentropy: LossBinaryCrossentropy,
  meanSquaredError: LossMeanSquaredError,
  mse: LossMeanSquaredError,
  meanAbsoluteError: LossMeanAbsoluteError,
  mae: LossMeanAbsoluteError,
} as const;
export type LossName = keyof typeof LOSSES;

/** Keras's defaults (learning rates; epsilon 1e-7 as the book's) */
const OPTIMIZERS = {
  sgd: (backend: Backend) => new OptimizerSGD({ learningRate: 0.01, backend }),
  adam: (backend: Backend) => new OptimizerAdam({ learningRate: 0.001, backend }),
  rmsprop: (backend: Backend) => new OptimizerRMSprop({ learningRate: 0.001, backend }),
  adagrad: (backend: Backend) => new OptimizerAdagrad({ learningRate: 0.001, backend }),
} as const;
export type OptimizerName = keyof typeof OPTIMIZERS;

/** `loss` itself, or a new loss of that TF.js name */
export function lossFrom(loss: unknown, backend: Backend, who: string): Loss {
  if (loss instanceof Loss) return loss;
  if (typeof loss === 'string' && Object.hasOwn(LOSSES, loss)) return new LOSSES[loss as LossName]({ backend });
  throw new ValueError(`${who}: loss must be a Loss or one of ${Object.keys(LOSSES).join(', ')}, got ${describe(loss)}`);
}

/** `optimizer` itself, or a new optimizer of that TF.js name (case-insensitive, as TF.js) */
export function optimizerFrom(optimizer: unknown, backend: Backend, who: string): Optimizer {
  if (optimizer instanceof Optimizer) return optimizer;
  const name = typeof optimizer === 'string' ? optimizer.toLowerCase() : undefined;
  if (name !== undefined && Object.hasOwn(OPTIMIZERS, name)) return OPTIMIZERS[name as OptimizerName](backend);
  throw new ValueError(`${who}: optimizer must be an Optimizer (e.g. new OptimizerAdam()) or one of ${Object.keys(OPTIMIZERS).join(', ')}, got ${describe(optimizer)}`);
}

type Rate = number | LearningRateSchedule;
/**
 * TF.js's optimizer factories (`tf.train.adam(0.001)`), positional arguments in TF.js's order and
 * with its defaults; each returns the library's class on the current backend, and a learning rate
 * may be a schedule. Differences: rmsprop has no momentum (a non-zero one is refused), and
 * adagrad's accumulator starts at 0 as the book's does, not at TF.js's 0.1.
 */
export const train = {
  sgd: (learningRate: Rate) => new OptimizerSGD({ learningRate }),
  momentum: (learningRate: Rate, momentum: number) => new OptimizerSGD({ learningRate, momentum }),
  adam: (learningRate: Rate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7) => new OptimizerAdam({ learningRate, beta1, beta2, epsilon }),
  /** TF.js calls rho `decay` */
  rmsprop: (learningRate: Rate, decay = 0.9, momentum = 0, epsilon = 1e-7) => {
    if (momentum !== 0) throw new ValueError(`train.rmsprop: momentum is not supported (got ${describe(momentum)}); use 0`);
    return new OptimizerRMSprop({ learningRate, rho: decay, epsilon });
  },
  adagrad: (learningRate: Rate) => new OptimizerAdagrad({ learningRate }),
};
