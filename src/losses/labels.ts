import type { Backend } from '../backend/backend.ts';
import { Tensor } from '../tensor.ts';
import { checkInput, forEachValue, stage, shapeOfInput, type LabelsLike } from '../matrix.ts';
import { ShapeError, ValueError, shapeOf } from '../errors.ts';

export type LabelKind = 'classes' | 'targets';

/** how far a one-hot (or soft) label row may sum from 1 (float32 soft labels round) */
const ROW_SUM_TOLERANCE = 1e-3;

/**
 * Put labels for `rows × cols` predictions into `into`, validating them. 'classes' accepts class
 * indices (1-D or n×1, integers in [0, cols)) or one-hot rows (n×cols, values in [0, 1] summing
 * to 1, soft labels included); 'targets' wants exactly the predictions' shape (a 1-D array counts
 * as n×1), finite and within `range` when given. Tensors are checked like any other labels: the
 * kernels index memory with class labels, so an index out of range must never reach them.
 */
export function stageLabels(backend: Backend, y: LabelsLike, rows: number, cols: number, kind: LabelKind, into: Tensor | undefined, who: string, range?: [number, number]): Tensor {
  const yShape = shapeOfInput(y, `${who} labels`);
  const [yr, yc] = [yShape[0], yShape.slice(1).reduce((a, b) => a * b, 1)];
  // one column of class labels is always read as indices (also with a single class, where the
  // kernels index the row too), so it must hold valid indices
  const sparse = kind === 'classes' && yc === 1;
  if (yr !== rows || (!sparse && yc !== cols)) {
    const want = kind === 'classes' ? `${rows} class indices or ${shapeOf(rows, cols)} one-hot rows` : `${shapeOf(rows, cols)} targets`;
    throw new ShapeError(`${who}: labels are ${shapeOf(yr, yc)} but predictions are ${shapeOf(rows, cols)}; expected ${want}`);
  }
  if (y instanceof Tensor) {
    if (y.backend !== backend) throw new ValueError(`${who} labels: tensor lives on another backend (${y.backend.variant}), expected ${backend.variant}`);
  } else checkInput(y, `${who} labels`);
  checkLabelValues(y, yShape, yr, yc, kind, cols, who, range);
  return stage(backend, y, into, `${who} labels`);
}

/** the values' domain: indices in [0, cols), one-hot rows in [0, 1] summing to 1, or targets in `range` */
function checkLabelValues(y: LabelsLike, shape: readonly number[], rows: number, yc: number, kind: LabelKind, cols: number, who: string, range?: [number, number]): void {
  const sparse = kind === 'classes' && yc === 1;
  const [lo, hi] = sparse ? [0, cols - 1] : kind === 'classes' ? [0, 1] : (range ?? [-Infinity, Infinity]);
  const sums = kind === 'classes' && !sparse ? new Float64Array(rows) : undefined;
  const visit = (v: unknown, r: number, c: number) => {
    const n = v as number;
    if (sparse ? !Number.isInteger(n) || n < lo || n > hi : !(n >= lo && n <= hi) || !Number.isFinite(n))
      throw new ValueError(
        sparse
          ? `${who}: label ${n} at row ${r} is out of range for ${cols} classes (expected an integer in [0, ${cols}))`
          : `${who}: label ${n} at row ${r}, column ${c} is outside [${lo}, ${hi}]${kind === 'classes' ? ' (one-hot rows hold 0s and 1s)' : ''}`,
      );
    if (sums) sums[r] += n;
  };
  const byIndex = (v: unknown, i: number) => visit(v, Math.floor(i / yc), i % yc);
  if (y instanceof Tensor) y.data.forEach(byIndex);
  else forEachValue(y, shape, byIndex);
  if (sums)
    for (let r = 0; r < rows; r++)
      if (!(Math.abs(sums[r] - 1) <= ROW_SUM_TOLERANCE))
        throw new ValueError(`${who}: label row ${r} sums to ${sums[r]}; one-hot (or soft) label rows must sum to 1, with exactly one 1 for a hard label`);
}
