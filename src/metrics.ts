/**
 * compile's `metrics` by TF.js's names: each counts on a batch's outputs with a kernel (sums and
 * counts, accumulated over the batches of an epoch or an evaluation) and reports a value. The
 * model's own accuracy ('accuracy' / 'acc') is always reported; these come on top, keyed in logs
 * and history by the name given (val_ prefixed for validation).
 */
import type { Kernels } from './backend/kernels.ts';
import type { Tensor } from './tensor.ts';
import { ValueError } from './errors.ts';
import { describe } from './describe.ts';

/** per batch: the numbers to add up; at the end: the value from the sums */
interface MetricDefinition {
  /** 'targets': labels shaped as the outputs; 'classes': class indices or one-hot rows */
  labels: 'targets' | 'classes';
  count(k: Kernels, out: Tensor, y: Tensor): number[];
  value(sums: number[]): number;
}

const ratio = ([a, b]: number[]) => a / b;
const oneHot = (out: Tensor, y: Tensor) => +(y.cols === out.cols && out.cols > 1);
const categorical: MetricDefinition = { labels: 'classes', count: (k, o, y) => [k.categoricalCorrect(o.ptr, y.ptr, o.rows, o.cols, oneHot(o, y)), o.rows], value: ratio };

const DEFINITIONS: Record<string, MetricDefinition> = {
  mae: { labels: 'targets', count: (k, o, y) => [k.maeLoss(o.ptr, y.ptr, o.size, o.cols, 0), o.size], value: ratio },
  mse: { labels: 'targets', count: (k, o, y) => [k.mseLoss(o.ptr, y.ptr, o.size, o.cols, 0), o.size], value: ratio },
  binaryAccuracy: { labels: 'targets', count: (k, o, y) => [k.binaryCorrect(o.ptr, y.ptr, o.size), o.size], value: ratio },
  categoricalAccuracy: categorical,
  sparseCategoricalAccuracy: categorical,
  /** true positives ÷ predicted positives at 0.5 (0 when nothing is predicted positive, as Keras) */
  precision: { labels: 'targets', count: (k, o, y) => [k.binaryCounts(o.ptr, y.ptr, o.size, 0), k.binaryCounts(o.ptr, y.ptr, o.size, 1)], value: ([tp, p]) => (p ? tp / p : 0) },
  /** true positives ÷ actual positives at 0.5 */
  recall: { labels: 'targets', count: (k, o, y) => [k.binaryCounts(o.ptr, y.ptr, o.size, 0), k.binaryCounts(o.ptr, y.ptr, o.size, 2)], value: ([tp, a]) => (a ? tp / a : 0) },
  /** the class among the 5 highest scores (Keras's default k) */
  topKCategoricalAccuracy: { labels: 'classes', count: (k, o, y) => [k.topKCorrect(o.ptr, y.ptr, o.rows, o.cols, 5, oneHot(o, y)), o.rows], value: ratio },
};
const ALIASES: Record<string, string> = { meanAbsoluteError: 'mae', meanSquaredError: 'mse' };
/** the model's accuracy, reported as accuracy and acc anyway */
const OWN = ['accuracy', 'acc'];

export type MetricName = 'accuracy' | 'acc' | 'mae' | 'mse' | 'meanAbsoluteError' | 'meanSquaredError' | 'binaryAccuracy' | 'categoricalAccuracy'
  | 'sparseCategoricalAccuracy' | 'precision' | 'recall' | 'topKCategoricalAccuracy';

export interface Metric extends MetricDefinition {
  /** the key in logs and history: the name as given */
  key: string;
}

/** compile's metrics list, checked: the extra metrics to count (accuracy is the model's own) */
export function metricsFrom(list: unknown, who: string): Metric[] {
  if (list === undefined) return [];
  const known = [...OWN, ...Object.keys(DEFINITIONS), ...Object.keys(ALIASES)];
  if (!Array.isArray(list) || !list.every((m) => typeof m === 'string' && known.includes(m)))
    throw new ValueError(`${who}: metrics must be a list of ${known.join(', ')}, got ${describe(list)}`);
  return [...new Set(list as string[])].filter((m) => !OWN.includes(m)).map((key) => ({ key, ...DEFINITIONS[ALIASES[key] ?? key] }));
}
