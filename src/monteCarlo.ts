import type { Backend } from './backend/backend.ts';
import type { Tensor } from './tensor.ts';
import { Matrix, describe } from './matrix.ts';
import { ValueError } from './errors.ts';

export interface PredictOptions {
  /**
   * Monte Carlo dropout: average this many stochastic forward passes (every dropout layer
   * drawing, as in training) instead of one deterministic pass; predict then returns the mean and
   * the standard deviation per output, an uncertainty estimate (Gal & Ghahramani, 2016).
   */
  mcSamples?: number;
  /** samples per forward pass (default 256): memory scales with it, results do not */
  batchSize?: number;
}

/** how many samples predict and evaluate run at once unless told */
export const PREDICT_BATCH = 256;

/** the validated batchSize of predict's or evaluate's options (default PREDICT_BATCH) */
export function checkBatchSize(opts: unknown, who: string): number {
  if (opts === undefined) return PREDICT_BATCH;
  if (opts === null || typeof opts !== 'object') throw new ValueError(`${who}: options must be an object such as { batchSize: 128 }, got ${describe(opts)}`);
  const { batchSize = PREDICT_BATCH } = opts as { batchSize?: unknown };
  if (!Number.isSafeInteger(batchSize) || (batchSize as number) < 1) throw new ValueError(`${who}: batchSize must be a positive integer, got ${describe(batchSize)}`);
  return batchSize as number;
}

/** what predict(X, { mcSamples }) returns: per output, over the passes */
export interface McPrediction {
  mean: Matrix;
  /** the population standard deviation (divided by mcSamples, as np.std) */
  std: Matrix;
  samples: number;
}

/** the validated mcSamples of predict's options (undefined: an ordinary prediction) */
export function checkPredictOptions(opts: unknown, who: string): number | undefined {
  if (opts === undefined) return undefined;
  if (opts === null || typeof opts !== 'object') throw new ValueError(`${who}: options must be an object such as { mcSamples: 50 }, got ${describe(opts)}`);
  const { mcSamples } = opts as PredictOptions;
  if (mcSamples !== undefined && !(Number.isInteger(mcSamples) && mcSamples >= 1 && mcSamples <= 2 ** 24))
    throw new ValueError(`${who}: mcSamples must be an integer in [1, 2^24], got ${describe(mcSamples)}`);
  return mcSamples;
}

/**
 * The mean and standard deviation of `samples` stochastic passes, accumulated in backend memory by
 * Welford's update (one kernel call per pass; stable where sum and sum of squares would cancel).
 * `buffer` supplies reusable tensors by role, so repeated predictions allocate nothing new.
 */
export function monteCarloMoments(backend: Backend, samples: number, pass: () => Tensor, buffer: (role: string, ...dims: number[]) => Tensor): McPrediction {
  const k = backend.kernels;
  let mean: Tensor | undefined, m2: Tensor | undefined;
  for (let s = 1; s <= samples; s++) {
    const out = pass();
    if (!mean || !m2) {
      mean = buffer('mc mean', ...out.shape);
      m2 = buffer('mc m2', ...out.shape);
      k.fill(mean.ptr, mean.size, 0);
      k.fill(m2.ptr, m2.size, 0);
    }
    k.momentsUpdate(out.ptr, mean.ptr, m2.ptr, out.size, s);
  }
  k.momentsStd(m2!.ptr, m2!.ptr, m2!.size, samples);
  if (k.countNonFinite(mean!.ptr, mean!.size) || k.countNonFinite(m2!.ptr, m2!.size))
    throw new ValueError(`Model.predict: the Monte Carlo mean or std holds NaN or Infinity: the weights or inputs overflow float32 (a diverged model?)`);
  const copy = (t: Tensor) => new Matrix(t.toFloat32Array(), t.shape);
  return { mean: copy(mean!), std: copy(m2!), samples };
}
