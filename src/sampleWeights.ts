/**
 * fit's `sampleWeight` and `classWeight` (Keras's sample_weight and class_weight) as one weight per
 * sample. The loss of a batch becomes Σ w_r · loss_r / rows (Keras's default reduction), so a
 * weight of 2 counts a sample twice and 0 leaves it out; accuracy and metrics stay unweighted, as
 * Keras's `metrics` are. Validation held out by validationSplit keeps its sampleWeight (its loss is
 * weighted the same way); classWeight applies to training only, as in Keras.
 */
import { ShapeError, ValueError } from './errors.ts';
import { describe } from './describe.ts';

/** a weight per class index 0..K-1: an array, or an object keyed by class index */
export type ClassWeight = readonly number[] | Readonly<Record<number, number>>;

const weightOk = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** the options' structure, checked with the other fit options (before any data is staged) */
export function checkWeightOptions(sampleWeight: unknown, classWeight: unknown, who: string): void {
  if (sampleWeight !== undefined) {
    const list = sampleWeight as ArrayLike<unknown>;
    if (sampleWeight === null || typeof sampleWeight !== 'object' || typeof list.length !== 'number')
      throw new ValueError(`${who}: sampleWeight must be an array of numbers, one per sample, got ${describe(sampleWeight)}`);
    for (let i = 0; i < list.length; i++)
      if (!weightOk(list[i])) throw new ValueError(`${who}: sampleWeight[${i}] must be a finite number ≥ 0, got ${describe(list[i])}`);
  }
  if (classWeight !== undefined) {
    if (classWeight === null || typeof classWeight !== 'object') throw new ValueError(`${who}: classWeight must map class indices to weights ({ 0: 1, 1: 5 } or [1, 5]), got ${describe(classWeight)}`);
    for (const [key, v] of Object.entries(classWeight)) {
      if (!/^(0|[1-9]\d*)$/.test(key)) throw new ValueError(`${who}: classWeight's keys must be class indices 0, 1, …, got '${key}'`);
      if (!weightOk(v)) throw new ValueError(`${who}: classWeight[${key}] must be a finite number ≥ 0, got ${describe(v)}`);
    }
  }
}

/** the class of each sample: the index (sparse), the one-hot row's argmax, or a 0/1 target rounded */
function classOf(labels: Float32Array, r: number, cols: number): number {
  if (cols === 1) return Math.round(labels[r]);
  let best = 0;
  for (let j = 1; j < cols; j++) if (labels[r * cols + j] > labels[r * cols + best]) best = j;
  return best;
}

/**
 * One weight per sample: sampleWeight (default 1) times, for the first `trainRows` samples, the
 * weight of the sample's class. `classes`: how many classes the loss tells apart (0 when it is
 * not a classification loss: classWeight is refused).
 */
export function sampleWeightsFor(
  labels: Float32Array, rows: number, cols: number, opts: { sampleWeight?: ArrayLike<number>; classWeight?: ClassWeight },
  classes: number, trainRows: number, who: string,
): Float32Array | undefined {
  const { sampleWeight, classWeight } = opts;
  if (sampleWeight === undefined && classWeight === undefined) return undefined;
  if (sampleWeight !== undefined && sampleWeight.length !== rows)
    throw new ShapeError(`${who}: sampleWeight has ${sampleWeight.length} weights for ${rows} samples`);
  const w = sampleWeight === undefined ? new Float32Array(rows).fill(1) : Float32Array.from(sampleWeight);
  if (classWeight === undefined) return w;
  if (!classes) throw new ValueError(`${who}: classWeight weighs classes: it needs a categorical cross-entropy, or a binary one with one output, not this loss on ${cols} targets per sample`);
  const table = Array.from({ length: classes }, (_, c) => (classWeight as Record<number, number>)[c]);
  const missing = table.flatMap((v, c) => (v === undefined ? [c] : []));
  const extra = Object.keys(classWeight).filter((key) => Number(key) >= classes);
  if (missing.length || extra.length)
    throw new ValueError(`${who}: classWeight must weigh each class 0..${classes - 1} once (${missing.length ? `missing ${missing.join(', ')}` : `no class ${extra.join(', ')}`})`);
  for (let r = 0; r < trainRows; r++) w[r] *= table[classOf(labels, r, cols)];
  return w;
}
