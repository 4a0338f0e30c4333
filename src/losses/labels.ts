import type { Backend } from '../backend/backend.ts';
import { Tensor } from '../tensor.ts';
import { stage, shapeOfInput, type LabelsLike } from '../matrix.ts';
import { ShapeError, ValueError, shapeOf } from '../errors.ts';

export type LabelKind = 'classes' | 'targets';

/**
 * Put labels for `rows × cols` predictions into `into`, validating them. 'classes' accepts class
 * indices (1-D or n×1, integers in [0, cols)) or one-hot rows (n×cols); 'targets' wants exactly
 * the predictions' shape (a 1-D array counts as n×1). Tensors are trusted and only shape-checked.
 */
export function stageLabels(backend: Backend, y: LabelsLike, rows: number, cols: number, kind: LabelKind, into: Tensor | undefined, who: string, range?: [number, number]): Tensor {
  const [yr, yc] = shapeOfInput(y);
  const sparse = kind === 'classes' && yc === 1 && cols > 1;
  if (yr !== rows || (!sparse && yc !== cols)) {
    const want = kind === 'classes' ? `${rows} class indices or ${shapeOf(rows, cols)} one-hot rows` : `${shapeOf(rows, cols)} targets`;
    throw new ShapeError(`${who}: labels are ${shapeOf(yr, yc)} but predictions are ${shapeOf(rows, cols)}; expected ${want}`);
  }
  const t = stage(backend, y, into, `${who} labels`);
  if (y instanceof Tensor) return t;
  const d = t.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (sparse ? !Number.isInteger(v) || v < 0 || v >= cols : range && (v < range[0] || v > range[1]))
      throw new ValueError(
        sparse
          ? `${who}: label ${v} at row ${i} is out of range for ${cols} classes (expected an integer in [0, ${cols}))`
          : `${who}: label ${v} at row ${Math.floor(i / cols)}, column ${i % cols} is outside [${range![0]}, ${range![1]}]`,
      );
  }
  return t;
}
