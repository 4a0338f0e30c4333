import { Tensor, checkDim } from './tensor.ts';
import type { Backend } from './backend/backend.ts';
import { DisposedError, ShapeError, ValueError, shapeOf } from './errors.ts';
import { describe } from './describe.ts';

export { describe };

/** A plain row-major float32 matrix outside any backend: what data generators and predict return. */
export class Matrix {
  constructor(readonly data: Float32Array, readonly rows: number, readonly cols: number) {
    if (!(data instanceof Float32Array)) throw new ValueError(`Matrix: data must be a Float32Array, got ${describe(data)}`);
    checkDim(rows, 'Matrix', 'rows');
    checkDim(cols, 'Matrix', 'cols');
    if (data.length !== rows * cols) throw new ShapeError(`Matrix: ${data.length} values do not fill ${shapeOf(rows, cols)}`);
  }
  static from(rows: ArrayLike<ArrayLike<number>>): Matrix {
    const [r, c] = checkInput(rows, 'Matrix.from');
    const data = new Float32Array(r * c);
    for (let i = 0; i < r; i++) data.set(rows[i], i * c);
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
  (x as ArrayLike<unknown>).length === 0 || (typeof (x as ArrayLike<unknown>)[0] === 'object' && (x as ArrayLike<unknown>)[0] !== null);

/**
 * Shape of a MatrixLike, checking only the container: a live Tensor, a Matrix, or an array-like
 * (of rows, or a 1-D array, read as a column n×1). Anything else is a ValueError naming `who`.
 */
export function shapeOfInput(x: LabelsLike, who: string): [number, number] {
  if (x instanceof Tensor) {
    if (x.disposed) throw new DisposedError(`${who}: the tensor was disposed`);
    return [x.rows, x.cols];
  }
  if (x instanceof Matrix) return [x.rows, x.cols];
  const length = (x as { length?: unknown } | null)?.length;
  if (x === null || typeof x !== 'object' || !Number.isSafeInteger(length) || (length as number) < 0)
    throw new ValueError(`${who}: expected a matrix (number[][], Matrix, Float32Array or Tensor), got ${describe(x)}`);
  if (isMatrixRows(x)) {
    const width = (x[0] as { length?: unknown } | undefined)?.length ?? 0;
    if (!Number.isSafeInteger(width) || (width as number) < 0) throw new ValueError(`${who}: row 0 is not an array of numbers (got ${describe(x[0])})`);
    return [x.length, width as number];
  }
  return [x.length, 1];
}

const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * Check user data without writing anything: rectangular, non-empty, numbers only, finite, and
 * (when given) `cols` columns. Returns its shape. `who` names the caller in errors. A Tensor is
 * checked for liveness and shape only: its values are the library's own.
 */
export function checkInput(x: LabelsLike, who: string, cols?: number): [number, number] {
  const [rows, c] = shapeOfInput(x, who);
  if (x instanceof Tensor) {
    if (cols !== undefined && c !== cols) throw new ShapeError(`${who}: got ${x}, expected ${shapeOf(rows, cols)}`);
    return [rows, c];
  }
  if (rows === 0 || c === 0) throw new ShapeError(`${who}: empty input (${shapeOf(rows, c)})`);
  if (cols !== undefined && c !== cols) throw new ShapeError(`${who}: got ${shapeOf(rows, c)}, expected ${shapeOf(rows, cols)}`);
  if (isMatrixRows(x))
    for (let r = 0; r < rows; r++) {
      const row = x[r] as { length?: unknown } | null | undefined;
      if (row === null || typeof row !== 'object' || row.length !== c) throw new ShapeError(`${who}: row ${r} has ${describe(row?.length ?? row)} values, row 0 has ${c}`);
    }
  forEachValue(x, c, (v, r, col) => {
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new ValueError(`${who}: ${describe(v)} at row ${r}, column ${col} of the ${shapeOf(rows, c)} input; values must be finite numbers`);
    // a finite double can still become Infinity when stored as float32
    if (Math.abs(v) > FLOAT32_MAX)
      throw new ValueError(`${who}: ${v} at row ${r}, column ${col} of the ${shapeOf(rows, c)} input is outside the float32 range (±${FLOAT32_MAX.toExponential(4)})`);
  });
  return [rows, c];
}

/** visit every value of user data (not a Tensor) with its row and column */
export function forEachValue(x: Exclude<LabelsLike, Tensor>, cols: number, fn: (v: unknown, row: number, col: number) => void): void {
  if (x instanceof Matrix) x.data.forEach((v, i) => fn(v, Math.floor(i / cols), i % cols));
  else if (isMatrixRows(x)) for (let r = 0; r < x.length; r++) for (let j = 0; j < cols; j++) fn(x[r][j], r, j);
  else for (let i = 0; i < x.length; i++) fn((x as ArrayLike<number>)[i], i, 0);
}

/**
 * Copy user data into a backend tensor, reusing `into` when it has room. Everything is checked
 * (checkInput) before a byte is written, so a rejected call leaves `into` as it was.
 * A Tensor passes through after its liveness, backend and shape are checked.
 */
export function stage(backend: Backend, x: LabelsLike, into: Tensor | undefined, who: string, cols?: number): Tensor {
  if (x instanceof Tensor) {
    if (x.backend !== backend) throw new ValueError(`${who}: tensor lives on another backend (${x.backend.variant}), expected ${backend.variant}`);
    checkInput(x, who, cols);
    return x;
  }
  const [rows, c] = checkInput(x, who, cols);
  const t = backend.ensure(into, rows, c);
  const d = t.data;
  if (x instanceof Matrix) d.set(x.data);
  else if (isMatrixRows(x)) for (let r = 0; r < rows; r++) d.set(x[r], r * c);
  else d.set(x as ArrayLike<number>);
  return t;
}
