import type { Backend } from './backend/backend.ts';
import type { Ptr } from './backend/kernels.ts';
import { DisposedError, ShapeError, ValueError } from './errors.ts';
import { describe } from './describe.ts';

/** a dimension: a positive safe integer, else a ShapeError naming `who` and `what` */
export function checkDim(v: unknown, who: string, what: string): number {
  if (!Number.isSafeInteger(v) || (v as number) < 1) throw new ShapeError(`${who}: ${what} must be a positive integer, got ${describe(v)}`);
  return v as number;
}

/** a shape: one or more positive safe integers whose product is a safe integer; returns a copy */
export function checkShape(shape: unknown, who: string): number[] {
  if (!Array.isArray(shape) || shape.length === 0) throw new ShapeError(`${who}: a shape is a non-empty list of dimensions, got ${describe(shape)}`);
  let size = 1;
  shape.forEach((d, i) => (size *= checkDim(d, who, `dimension ${i} of [${shape.map(String).join(', ')}]`)));
  if (!Number.isSafeInteger(size)) throw new ShapeError(`${who}: the shape [${shape.join(', ')}] holds more than 2^53 values`);
  return [...shape];
}

/** "2×3×4": how messages name a shape */
export const shapeText = (shape: readonly number[]): string => shape.join('×');

const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** where a view sits: `offset` floats into `base`'s block */
interface ViewOf {
  base: Tensor;
  offset: number;
}

/**
 * A float32 array of any rank living in a backend's linear memory: contiguous, row-major (images
 * NHWC, sequences [N, T, F], as Keras and TF.js lay them out). `rows` (the first dimension) and
 * `cols` (everything else) are derived, so every 2-D kernel, batch view and loss reads an N-D
 * tensor as N rows of H·W·C.
 *
 * A tensor either owns a block of the backend's arena (allocated by the constructor, returned by
 * dispose) or is a view into another tensor's block (a batch of the data set, a re-shaped view).
 * Its pointer is only ever handed out while the block is alive: `ptr` (which every kernel call
 * reads) and `data` throw a DisposedError after dispose, so no kernel can be given a freed block.
 * The shape changes only through `reshape`, which stays within the block.
 *
 * `data` is a zero-copy Float32Array view, re-derived only when the shape or the memory's buffer
 * changes (memory growth detaches old views).
 */
export class Tensor {
  private cached: Float32Array | null = null;
  #ptr: Ptr;
  #shape: number[];
  #size: number;
  #capacity: number;
  #disposed = false;
  readonly #view?: ViewOf;

  /**
   * A new tensor of `shape`, uninitialised, in `backend`'s memory (OutOfMemoryError if it cannot
   * grow). With `view`, no memory is allocated: the tensor reads and writes `view.base`'s block
   * from `view.offset` floats on, and lives as long as that block.
   */
  constructor(readonly backend: Backend, shape: readonly number[], view?: ViewOf) {
    if (typeof (backend as { arena?: { alloc?: unknown } } | null)?.arena?.alloc !== 'function') throw new ValueError(`Tensor: expected a Backend (from createBackend), got ${describe(backend)}`);
    this.#shape = checkShape(shape, 'Tensor');
    this.#size = sizeOf(this.#shape);
    if (view) {
      const { base, offset } = view;
      if (!(base instanceof Tensor) || base.backend !== backend) throw new ValueError('Tensor: a view needs a base tensor on the same backend');
      if (base.disposed) throw new DisposedError('Tensor: the base of a view was disposed');
      // a view of a view is a view of the block's owner
      const root = base.#view ? base.#view.base : base, start = (base.#view?.offset ?? 0) + offset;
      if (!Number.isSafeInteger(offset) || offset < 0 || start + this.#size > root.#capacity)
        throw new ShapeError(`Tensor: a ${shapeText(this.#shape)} view at offset ${describe(offset)} does not fit in ${base.#capacity} floats`);
      this.#view = { base: root, offset: start };
      this.#capacity = root.#capacity - start;
      this.#ptr = 0;
    } else {
      this.#capacity = this.#size;
      this.#ptr = backend.arena.alloc(this.#size * 4, this);
    }
  }

  /** a view of `dims` at `offset` floats into `base`'s block (no copy, no allocation) */
  static viewAt(base: Tensor, offset: number, ...dims: number[]): Tensor {
    if (!(base instanceof Tensor)) throw new ValueError(`Tensor.viewAt: the base must be a Tensor, got ${describe(base)}`);
    return new Tensor(base.backend, dims, { base, offset });
  }

  /** this tensor's values under another shape of the same size, without copying (Flatten is this) */
  view(...dims: number[]): Tensor {
    const shape = checkShape(dims, 'Tensor.view');
    if (sizeOf(shape) !== this.#size) throw new ShapeError(`Tensor.view: ${shapeText(shape)} holds ${sizeOf(shape)} values, the tensor ${this} holds ${this.#size}`);
    return new Tensor(this.backend, shape, { base: this, offset: 0 });
  }

  get shape(): readonly number[] {
    return this.#shape;
  }
  get rank(): number {
    return this.#shape.length;
  }
  /** the first dimension (the batch, for data) */
  get rows(): number {
    return this.#shape[0];
  }
  /** the values per row: the product of every dimension after the first */
  get cols(): number {
    return this.#size / this.#shape[0];
  }
  get size(): number {
    return this.#size;
  }
  /** floats this tensor can hold without reallocating (for a view: up to the end of its base's block) */
  get capacity(): number {
    return this.#capacity;
  }
  /** false for views into another tensor's block */
  get owned(): boolean {
    return !this.#view;
  }
  /** dispose() was called (for a view: on it or on its base) */
  get disposed(): boolean {
    return this.#disposed || (this.#view !== undefined && this.#view.base.#disposed);
  }

  /** the block's byte offset in the backend's memory; a DisposedError once the block is gone */
  get ptr(): Ptr {
    if (this.disposed) throw new DisposedError(`a ${this} tensor was used after dispose()`);
    const v = this.#view;
    return v ? v.base.#ptr + v.offset * 4 : this.#ptr;
  }

  toString(): string {
    return shapeText(this.#shape);
  }

  get data(): Float32Array {
    const ptr = this.ptr, buffer = this.backend.buffer;
    const v = this.cached;
    if (v === null || v.buffer !== buffer || v.byteOffset !== ptr || v.length !== this.#size) this.cached = new Float32Array(buffer, ptr, this.#size);
    return this.cached!;
  }

  /** change the shape in place (no allocation); the size must fit the capacity */
  reshape(...dims: number[]): this {
    const shape = checkShape(dims, 'Tensor.reshape');
    const size = sizeOf(shape);
    if (size > this.#capacity) throw new ShapeError(`Tensor.reshape: ${shapeText(shape)} exceeds the capacity of ${this.#capacity} floats`);
    [this.#shape, this.#size] = [shape, size];
    return this;
  }

  /** move a view to `offset` floats into its base and give it the shape `dims` (the batches of fit) */
  moveView(offset: number, ...dims: number[]): this {
    const v = this.#view;
    if (!v) throw new ValueError('Tensor.moveView: this tensor owns its block; only a view can move');
    const shape = checkShape(dims, 'Tensor.moveView');
    const size = sizeOf(shape), capacity = v.base.#capacity - offset;
    if (!Number.isSafeInteger(offset) || offset < 0 || size > capacity)
      throw new ShapeError(`Tensor.moveView: a ${shapeText(shape)} view at offset ${describe(offset)} does not fit in ${v.base.#capacity} floats`);
    v.offset = offset;
    [this.#capacity, this.#shape, this.#size] = [capacity, shape, size];
    return this;
  }

  /** the values as rows (number[][], rows × cols), copied */
  toArray(): number[][] {
    const d = this.data, cols = this.cols, out: number[][] = [];
    for (let r = 0; r < this.rows; r++) out.push(Array.from(d.subarray(r * cols, (r + 1) * cols)));
    return out;
  }

  /** a copy of the values, safe to keep after the tensor changes */
  toFloat32Array(): Float32Array {
    return this.data.slice();
  }

  /** return the block to the backend (a view only stops working); calling it again does nothing */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.cached = null;
    if (!this.#view) this.backend.arena.free(this.#ptr, this);
  }
}
