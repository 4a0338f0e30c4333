import type { Backend } from '../backend/backend.ts';
import { Tensor } from '../tensor.ts';
import { checkInput, forEachValue, stage, shapeOfInput, type LabelsLike } from '../matrix.ts';
import { ShapeError, ValueError, shapeOf } from '../errors.ts';

export type LabelKind = 'classes' | 'targets';

/**
 * Put labels for `rows × cols` predictions into `into`, validating them. 'classes' accepts class
 * indices (1-D or n×1, integers in [0, cols)) or one-hot rows (n×cols); 'targets' wants exactly
 * the predictions' shape (a 1-D array counts as n×1). Tensors are trusted and only shape-checked.
 */
export function stageLabels(backend: Backend, y: LabelsLike, rows: number, cols: number, kind: LabelKind, into: Tensor | undefined, who: string, range?: [number, number]): Tensor {
  const [yr, yc] = shapeOfInput(y);
  // one column of class labels is always read as indices (also with a single class, where the
  // kernels index the row too), so it must hold valid indices
  const sparse = kind === 'classes' && yc === 1;
  if (yr !== rows || (!sparse && yc !== cols)) {
    const want = kind === 'classes' ? `${rows} class indices or ${shapeOf(rows, cols)} one-hot rows` : `${shapeOf(rows, cols)} targets`;
    throw new ShapeError(`${who}: labels are ${shapeOf(yr, yc)} but predictions are ${shapeOf(rows, cols)}; expected ${want}`);
  }
  if (!(y instanceof Tensor)) {
    checkInput(y, `${who} labels`);
    const [lo, hi] = sparse || kind === 'classes' ? [0, sparse ? cols - 1 : 1] : (range ?? [-Infinity, Infinity]);
    forEachValue(y, yc, (v, r, c) => {
      const n = v as number;
      if (sparse ? !Number.isInteger(n) || n < lo || n > hi : n < lo || n > hi)
        throw new ValueError(
          sparse
            ? `${who}: label ${n} at row ${r} is out of range for ${cols} classes (expected an integer in [0, ${cols}))`
            : `${who}: label ${n} at row ${r}, column ${c} is outside [${lo}, ${hi}]${kind === 'classes' ? ' (one-hot rows hold 0s and 1s)' : ''}`,
        );
    });
  }
  const t = stage(backend, y, into, `${who} labels`);
  return t;
}
