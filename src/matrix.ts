import { Tensor } from './tensor.ts';
import type { Backend } from './backend/backend.ts';
import { ShapeError, ValueError, shapeOf } from './errors.ts';

/** A plain row-major float32 matrix outside any backend: what data generators and predict return. */
export class Matrix {
  constructor(readonly data: Float32Array, readonly rows: number, readonly cols: number) {
    if (data.length !== rows * cols) throw new ShapeError(`Matrix: ${data.length} values do not fill ${shapeOf(rows, cols)}`);
  }
  static from(rows: ArrayLike<ArrayLike<number>>): Matrix {
    const r = rows.length, c = r ? rows[0].length : 0, data = new Float32Array(r * c);
    for (let i = 0; i < r; i++) {
      if (rows[i].length !== c) throw new ShapeError(`Matrix.from: row ${i} has ${rows[i].length} values, row 0 has ${c}`);
      data.set(rows[i], i * c);
    }
    return new Matrix(data, r, c);
  }
  get(r: number, c: number): number {
    return this.data[r * this.cols + c];
  }
  row(r: number): Float32Array {
    return this.data.subarray(r * this.cols, (r + 1) * this.cols);
  }
  toArray(): number[][] {
    return Array.from({ length: this.rows }, (_, r) => Array.from(this.row(r)));
  }
}

/** Anything a layer or a loss accepts as a matrix. */
export type MatrixLike = Tensor | Matrix | ArrayLike<ArrayLike<number>>;
/** Labels: class indices (1-D), or a matrix of one-hot rows / binary or regression targets. */
export type LabelsLike = MatrixLike | ArrayLike<number>;

const isMatrixRows = (x: object): x is ArrayLike<ArrayLike<number>> =>
  (x as ArrayLike<unknown>).length === 0 || typeof (x as ArrayLike<unknown>)[0] === 'object';

/** shape of a MatrixLike; a 1-D array is a column (n×1) */
export function shapeOfInput(x: LabelsLike): [number, number] {
  if (x instanceof Tensor || x instanceof Matrix) return [x.rows, x.cols];
  if (isMatrixRows(x)) return [x.length, x.length ? (x[0] as ArrayLike<number>).length : 0];
  return [x.length, 1];
}

/**
 * Copy user data into a backend tensor (reusing `into` when it has room), checking on the way
 * that it is rectangular and finite. Tensors pass through untouched: they are trusted.
 * `who` names the caller in errors, e.g. "LayerDense(2, 512).forward inputs".
 */
export function stage(backend: Backend, x: LabelsLike, into: Tensor | undefined, who: string): Tensor {
  if (x instanceof Tensor) {
    if (x.backend !== backend) throw new ValueError(`${who}: tensor lives on another backend (${x.backend.variant}), expected ${backend.variant}`);
    return x;
  }
  if (!(x instanceof Matrix) && (x === null || typeof x !== 'object' || typeof (x as ArrayLike<unknown>).length !== 'number'))
    throw new ValueError(`${who}: expected a matrix (number[][], Matrix, Float32Array or Tensor), got ${x === null ? 'null' : typeof x}`);
  const [rows, cols] = shapeOfInput(x);
  if (rows === 0 || cols === 0) throw new ShapeError(`${who}: empty input (${shapeOf(rows, cols)})`);
  const t = backend.ensure(into, rows, cols);
  const d = t.data;
  if (x instanceof Matrix) d.set(x.data);
  else if (isMatrixRows(x)) {
    for (let r = 0; r < rows; r++) {
      const row = x[r];
      if (!row || row.length !== cols) throw new ShapeError(`${who}: row ${r} has ${row?.length ?? 0} values, row 0 has ${cols}`);
      for (let c = 0; c < cols; c++) d[r * cols + c] = row[c];
    }
  } else d.set(x as ArrayLike<number>);
  const bad = d.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    const raw = x instanceof Matrix ? x.data[bad] : isMatrixRows(x) ? x[Math.floor(bad / cols)][bad % cols] : (x as ArrayLike<number>)[bad];
    throw new ValueError(`${who}: ${raw} at row ${Math.floor(bad / cols)}, column ${bad % cols} of the ${shapeOf(rows, cols)} input; values must be finite numbers`);
  }
  return t;
}
