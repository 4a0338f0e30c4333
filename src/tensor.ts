import type { Backend } from './backend/backend.ts';
import type { Ptr } from './backend/kernels.ts';
import { DisposedError, ShapeError, ValueError, shapeOf } from './errors.ts';
import { describe } from './describe.ts';

/** a dimension: a positive safe integer, else a ShapeError naming `who` and `what` */
export function checkDim(v: unknown, who: string, what: string): number {
  if (!Number.isSafeInteger(v) || (v as number) < 1) throw new ShapeError(`${who}: ${what} must be a positive integer, got ${describe(v)}`);
  return v as number;
}

/** where a view sits: `offset` floats into `base`'s block */
interface ViewOf {
  base: Tensor;
  offset: number;
}

/**
 * A float32 matrix living in a backend's linear memory. A tensor either owns a block of the
 * backend's arena (allocated by the constructor, returned by dispose) or is a view into another
 * tensor's block (a batch of the data set). Its pointer is only ever handed out while the block
 * is alive: `ptr` (which every kernel call reads) and `data` throw a DisposedError after dispose,
 * so no kernel can be given a freed block. `rows`/`cols` change only through `reshape`, which
 * stays within the block.
 *
 * `data` is a zero-copy Float32Array view, re-derived only when the shape or the memory's buffer
 * changes (memory growth detaches old views).
 */
export class Tensor {
  private cached: Float32Array | null = null;
  #ptr: Ptr;
  #rows: number;
  #cols: number;
  #capacity: number;
  #disposed = false;
  readonly #view?: ViewOf;

  /**
   * A new rows×cols tensor, uninitialised, in `backend`'s memory (OutOfMemoryError if it cannot
   * grow). With `view`, no memory is allocated: the tensor reads and writes `view.base`'s block
   * from `view.offset` floats on, and lives as long as that block.
   */
  constructor(readonly backend: Backend, rows: number, cols: number, view?: ViewOf) {
    if (typeof (backend as { arena?: { alloc?: unknown } } | null)?.arena?.alloc !== 'function') throw new ValueError(`Tensor: expected a Backend (from createBackend), got ${describe(backend)}`);
    checkDim(rows, 'Tensor', 'rows');
    checkDim(cols, 'Tensor', 'cols');
    if (view) {
      const { base, offset } = view;
      if (!(base instanceof Tensor) || base.backend !== backend) throw new ValueError('Tensor: a view needs a base tensor on the same backend');
      if (base.disposed) throw new DisposedError('Tensor: the base of a view was disposed');
      // a view of a view is a view of the block's owner
      const root = base.#view ? base.#view.base : base, start = (base.#view?.offset ?? 0) + offset;
      if (!Number.isSafeInteger(offset) || offset < 0 || start + rows * cols > root.#capacity)
        throw new ShapeError(`Tensor: a ${shapeOf(rows, cols)} view at offset ${describe(offset)} does not fit in ${base.#capacity} floats`);
      this.#view = { base: root, offset: start };
      this.#capacity = root.#capacity - start;
      this.#ptr = 0;
    } else {
      this.#capacity = rows * cols;
      this.#ptr = backend.arena.alloc(rows * cols * 4, this);
    }
    this.#rows = rows;
    this.#cols = cols;
  }

  /** a view of `rows`×`cols` floats at `offset` floats into `base`'s block (no copy, no allocation) */
  static view(base: Tensor, offset: number, rows: number, cols: number): Tensor {
    if (!(base instanceof Tensor)) throw new ValueError(`Tensor.view: the base must be a Tensor, got ${describe(base)}`);
    return new Tensor(base.backend, rows, cols, { base, offset });
  }

  get rows(): number {
    return this.#rows;
  }
  get cols(): number {
    return this.#cols;
  }
  get size(): number {
    return this.#rows * this.#cols;
  }
  get shape(): [number, number] {
    return [this.#rows, this.#cols];
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
    return shapeOf(this.#rows, this.#cols);
  }

  get data(): Float32Array {
    const ptr = this.ptr, buffer = this.backend.buffer;
    const v = this.cached;
    if (v === null || v.buffer !== buffer || v.byteOffset !== ptr || v.length !== this.size) this.cached = new Float32Array(buffer, ptr, this.size);
    return this.cached!;
  }

  /** change the shape in place (no allocation); rows·cols must fit the capacity */
  reshape(rows: number, cols: number): this {
    checkDim(rows, 'Tensor.reshape', 'rows');
    checkDim(cols, 'Tensor.reshape', 'cols');
    if (rows * cols > this.#capacity) throw new ShapeError(`Tensor.reshape: ${shapeOf(rows, cols)} exceeds the capacity of ${this.#capacity} floats`);
    this.#rows = rows;
    this.#cols = cols;
    return this;
  }

  /** move a view to `offset` floats into its base and give it the shape rows×cols (the batches of fit) */
  moveView(offset: number, rows: number, cols: number): this {
    const v = this.#view;
    if (!v) throw new ValueError('Tensor.moveView: this tensor owns its block; only a view can move');
    checkDim(rows, 'Tensor.moveView', 'rows');
    checkDim(cols, 'Tensor.moveView', 'cols');
    const capacity = v.base.#capacity - offset;
    if (!Number.isSafeInteger(offset) || offset < 0 || rows * cols > capacity)
      throw new ShapeError(`Tensor.moveView: a ${shapeOf(rows, cols)} view at offset ${describe(offset)} does not fit in ${v.base.#capacity} floats`);
    v.offset = offset;
    this.#capacity = capacity;
    this.#rows = rows;
    this.#cols = cols;
    return this;
  }

  toArray(): number[][] {
    const d = this.data, out: number[][] = [];
    for (let r = 0; r < this.#rows; r++) out.push(Array.from(d.subarray(r * this.#cols, (r + 1) * this.#cols)));
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
