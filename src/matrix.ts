import { Tensor, checkShape, shapeText } from './tensor.ts';
import type { Backend } from './backend/backend.ts';
import { DisposedError, ShapeError, ValueError } from './errors.ts';
import { describe } from './describe.ts';

export { describe };

/**
 * A plain row-major float32 array outside any backend, of any rank (2-D by default): what data
 * generators and predict return, and how image batches can be handed in (`new Matrix(data,
 * [n, 28, 28, 1])`). `rows` is the first dimension, `cols` the values per row.
 */
export class Matrix {
  readonly shape: readonly number[];
  readonly rows: number;
  readonly cols: number;

  constructor(data: Float32Array, rows: number, cols: number);
  constructor(data: Float32Array, shape: readonly number[]);
  constructor(readonly data: Float32Array, rowsOrShape: number | readonly number[], cols?: number) {
    if (!(data instanceof Float32Array)) throw new ValueError(`Matrix: data must be a Float32Array, got ${describe(data)}`);
    this.shape = checkShape(Array.isArray(rowsOrShape) ? rowsOrShape : [rowsOrShape, cols], 'Matrix');
    const size = this.shape.reduce((a, b) => a * b, 1);
    if (data.length !== size) throw new ShapeError(`Matrix: ${data.length} values do not fill ${shapeText(this.shape)}`);
    [this.rows, this.cols] = [this.shape[0], size / this.shape[0]];
  }
  /** from nested arrays of numbers (rows, or images as [n][h][w][c]) */
  static from(values: NestedNumbers): Matrix {
    const shape = checkInput(values, 'Matrix.from');
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    copyNested(values, data);
    return new Matrix(data, shape);
  }
  get(r: number, c: number): number {
    return this.data[r * this.cols + c];
  }
  row(r: number): Float32Array {
    return this.data.subarray(r * this.cols, (r + 1) * this.cols);
  }
  /** the values as rows (rows × cols), copied */
  toArray(): number[][] {
    return Array.from({ length: this.rows }, (_, r) => Array.from(this.row(r)));
  }
  /** per row, the index of its largest value (the first on ties): predicted classes from probabilities */
  argMax(): Int32Array {
    const out = new Int32Array(this.rows), c = this.cols, d = this.data;
    for (let r = 0; r < this.rows; r++) {
      let best = 0;
      for (let j = 1; j < c; j++) if (d[r * c + j] > d[r * c + best]) best = j;
      out[r] = best;
    }
    return out;
  }
}

/** numbers nested to any depth: number[][] for a matrix, number[][][][] for a batch of images */
export type NestedNumbers = ArrayLike<number | NestedNumbers>;
/** Anything a layer or a loss accepts as data: a Tensor, a Matrix, or nested arrays (2-D or more). */
export type MatrixLike = Tensor | Matrix | ArrayLike<ArrayLike<number>> | NestedNumbers;
/** Labels: class indices (1-D), or a matrix of one-hot rows / binary or regression targets. */
export type LabelsLike = MatrixLike | ArrayLike<number>;

const isArrayLike = (x: unknown): x is ArrayLike<unknown> =>
  x !== null && typeof x === 'object' && Number.isSafeInteger((x as { length?: unknown }).length) && ((x as ArrayLike<unknown>).length >= 0);

/**
 * Shape of a MatrixLike, checking only the container: a live Tensor, a Matrix, or nested
 * array-likes (their depth and first elements give the shape; a 1-D array is a column n×1).
 * Anything else is a ValueError naming `who`.
 */
export function shapeOfInput(x: LabelsLike, who: string): number[] {
  if (x instanceof Tensor) {
    if (x.disposed) throw new DisposedError(`${who}: the tensor was disposed`);
    return [...x.shape];
  }
  if (x instanceof Matrix) return [...x.shape];
  if (!isArrayLike(x)) throw new ValueError(`${who}: expected a matrix (number[][], Matrix, Float32Array or Tensor), got ${describe(x)}`);
  const shape = [x.length];
  let first: unknown = x.length ? x[0] : undefined;
  while (typeof first === 'object' && first !== null) {
    if (!isArrayLike(first)) throw new ValueError(`${who}: ${describe(first)} is not an array of numbers`);
    shape.push(first.length);
    first = first.length ? first[0] : undefined;
  }
  return shape.length === 1 ? [x.length, 1] : shape;
}

/** where flat index `i` sits in `shape`, for messages: "row 3, column 1" in 2-D, "[0, 4, 2, 0]" otherwise */
export function position(shape: readonly number[], i: number): string {
  if (shape.length <= 2) {
    const cols = shape[1] ?? 1;
    return `row ${Math.floor(i / cols)}, column ${i % cols}`;
  }
  const at: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) (at[d] = i % shape[d]), (i = Math.floor(i / shape[d]));
  return `[${at.join(', ')}]`;
}

const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * Check user data without writing anything: rectangular at every depth, non-empty, numbers only,
 * finite and within float32, and (when given) `lastDim` values along the last axis. Returns its
 * shape. `who` names the caller in errors. A Tensor is checked for liveness and shape only: its
 * values are the library's own.
 */
export function checkInput(x: LabelsLike, who: string, lastDim?: number): number[] {
  const shape = shapeOfInput(x, who);
  const wrongWidth = () =>
    new ShapeError(`${who}: got ${shapeText(shape)}, expected ${shape.length > 2 ? `${shapeText(shape.slice(0, -1))}×` : `${shape[0]}×`}${lastDim} (${lastDim} values along the last axis)`);
  if (x instanceof Tensor) {
    if (lastDim !== undefined && shape.at(-1) !== lastDim) throw wrongWidth();
    return shape;
  }
  if (shape.some((d) => d === 0)) throw new ShapeError(`${who}: empty input (${shapeText(shape)})`);
  if (lastDim !== undefined && shape.at(-1) !== lastDim) throw wrongWidth();
  if (!(x instanceof Matrix)) checkNested(x as NestedNumbers, shape, who);
  // a Matrix holds float32: only NaN and ±Infinity can fail (v − v is 0 for every other value),
  // so a plain loop clears it and the walk below runs only to name the first bad value
  else if (allFinite(x.data)) return shape;
  forEachValue(x as Exclude<LabelsLike, Tensor>, shape, (v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new ValueError(`${who}: ${describe(v)} at ${position(shape, i)} of the ${shapeText(shape)} input; values must be finite numbers`);
    // a finite double can still become Infinity when stored as float32
    if (Math.abs(v) > FLOAT32_MAX)
      throw new ValueError(`${who}: ${v} at ${position(shape, i)} of the ${shapeText(shape)} input is outside the float32 range (±${FLOAT32_MAX.toExponential(4)})`);
  });
  return shape;
}

/** no NaN nor ±Infinity in `data` (predict and fit stage every Matrix through here) */
function allFinite(data: Float32Array): boolean {
  for (let i = 0; i < data.length; i++) if (data[i] - data[i] !== 0) return false;
  return true;
}

/** every nested array has the length its depth's dimension says (rows of a matrix, lines of an image) */
function checkNested(x: NestedNumbers, shape: readonly number[], who: string): void {
  if (shape.length === 2 && shape[1] === 1 && !isArrayLike(x[0])) return; // a 1-D column
  const walk = (a: unknown, depth: number, at: number[]): void => {
    if (depth === shape.length) return;
    if (!isArrayLike(a) || a.length !== shape[depth]) {
      const where = at.length ? (shape.length === 2 ? `row ${at[0]}` : `[${at.join(', ')}]`) : 'the input';
      throw new ShapeError(`${who}: ${where} has ${describe(isArrayLike(a) ? a.length : a)} values, expected ${shape[depth]} (the input is ${shapeText(shape)})`);
    }
    if (depth + 1 < shape.length) for (let i = 0; i < a.length; i++) walk(a[i], depth + 1, [...at, i]);
  };
  walk(x, 0, []);
}

/** visit every value of user data (not a Tensor) of `shape` with its flat row-major index */
export function forEachValue(x: Exclude<LabelsLike, Tensor>, shape: readonly number[], fn: (v: unknown, index: number) => void): void {
  if (x instanceof Matrix || !isArrayLike((x as ArrayLike<unknown>)[0])) {
    const flat = x instanceof Matrix ? x.data : (x as ArrayLike<unknown>);
    for (let i = 0; i < flat.length; i++) fn(flat[i], i);
    return;
  }
  let index = 0;
  const walk = (a: ArrayLike<unknown>, depth: number): void => {
    if (depth === shape.length - 1) for (let i = 0; i < a.length; i++) fn(a[i], index++);
    else for (let i = 0; i < a.length; i++) walk(a[i] as ArrayLike<unknown>, depth + 1);
  };
  walk(x as ArrayLike<unknown>, 0);
}

/** copy checked nested arrays (or a flat array) into `out`, row-major */
function copyNested(x: NestedNumbers, out: Float32Array): void {
  if (!isArrayLike(x[0])) {
    out.set(x as ArrayLike<number>);
    return;
  }
  let at = 0;
  const walk = (a: ArrayLike<unknown>): void => {
    if (!isArrayLike(a[0])) {
      out.set(a as ArrayLike<number>, at);
      at += a.length;
    } else for (let i = 0; i < a.length; i++) walk(a[i] as ArrayLike<unknown>);
  };
  walk(x);
}

/**
 * Copy user data into a backend tensor, reusing `into` when it has room. Everything is checked
 * (checkInput) before a byte is written, so a rejected call leaves `into` as it was.
 * A Tensor passes through after its liveness, backend and shape are checked.
 */
export function stage(backend: Backend, x: LabelsLike, into: Tensor | undefined, who: string, lastDim?: number): Tensor {
  if (x instanceof Tensor) {
    if (x.backend !== backend) throw new ValueError(`${who}: tensor lives on another backend (${x.backend.variant}), expected ${backend.variant}`);
    checkInput(x, who, lastDim);
    return x;
  }
  const shape = checkInput(x, who, lastDim);
  const t = backend.ensure(into, ...shape);
  if (x instanceof Matrix) t.data.set(x.data);
  else copyNested(x as NestedNumbers, t.data);
  return t;
}
