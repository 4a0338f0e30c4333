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
  (x as ArrayLike<unknown>).length === 0 || (typeof (x as ArrayLike<unknown>)[0] === 'object' && (x as ArrayLike<unknown>)[0] !== null);

/** shape of a MatrixLike; a 1-D array is a column (n×1) */
export function shapeOfInput(x: LabelsLike): [number, number] {
  if (x instanceof Tensor || x instanceof Matrix) return [x.rows, x.cols];
  if (isMatrixRows(x)) return [x.length, x.length ? (x[0] as ArrayLike<number>).length : 0];
  return [x.length, 1];
}

/** what a value is, for error messages: numbers as they are, anything else quoted with its type */
export const describe = (v: unknown): string => (typeof v === 'number' ? String(v) : `${JSON.stringify(v) ?? String(v)} (${typeof v})`);

const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * Check user data without writing anything: rectangular, non-empty, numbers only, finite, and
 * (when given) `cols` columns. Returns its shape. `who` names the caller in errors.
 */
export function checkInput(x: LabelsLike, who: string, cols?: number): [number, number] {
  if (x instanceof Tensor) return [x.rows, x.cols];
  if (!(x instanceof Matrix) && (x === null || typeof x !== 'object' || typeof (x as ArrayLike<unknown>).length !== 'number'))
    throw new ValueError(`${who}: expected a matrix (number[][], Matrix, Float32Array or Tensor), got ${x === null ? 'null' : typeof x}`);
  const [rows, c] = shapeOfInput(x);
  if (rows === 0 || c === 0) throw new ShapeError(`${who}: empty input (${shapeOf(rows, c)})`);
  if (cols !== undefined && c !== cols) throw new ShapeError(`${who}: got ${shapeOf(rows, c)}, expected ${shapeOf(rows, cols)}`);
  if (isMatrixRows(x))
    for (let r = 0; r < rows; r++)
      if (!x[r] || x[r].length !== c) throw new ShapeError(`${who}: row ${r} has ${x[r]?.length ?? 0} values, row 0 has ${c}`);
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
 * Tensors pass through untouched: they are trusted.
 */
export function stage(backend: Backend, x: LabelsLike, into: Tensor | undefined, who: string, cols?: number): Tensor {
  if (x instanceof Tensor) {
    if (x.backend !== backend) throw new ValueError(`${who}: tensor lives on another backend (${x.backend.variant}), expected ${backend.variant}`);
    if (x.ptr === 0) throw new ValueError(`${who}: the tensor was disposed`);
    if (cols !== undefined && x.cols !== cols) throw new ShapeError(`${who}: got ${x}, expected ${shapeOf(x.rows, cols)}`);
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
