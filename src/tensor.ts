import type { Backend } from './backend/backend.ts';
import type { Ptr } from './backend/kernels.ts';
import { shapeOf } from './errors.ts';

/**
 * A float32 matrix living in a backend's linear memory: (backend, ptr, rows, cols).
 * `data` is a zero-copy Float32Array view, re-derived only when the shape or the memory's
 * buffer changes (memory growth detaches old views).
 */
export class Tensor {
  private view: Float32Array | null = null;

  constructor(
    readonly backend: Backend,
    public ptr: Ptr,
    public rows: number,
    public cols: number,
    /** floats reserved at ptr; the tensor can be reshaped up to this without reallocating */
    readonly capacity: number,
    /** false for views into another tensor's memory (a batch of the dataset) */
    readonly owned = true,
  ) {}

  get size(): number {
    return this.rows * this.cols;
  }
  get shape(): [number, number] {
    return [this.rows, this.cols];
  }
  toString(): string {
    return shapeOf(this.rows, this.cols);
  }

  get data(): Float32Array {
    const buffer = this.backend.buffer;
    const v = this.view;
    if (v === null || v.buffer !== buffer || v.byteOffset !== this.ptr || v.length !== this.size)
      this.view = new Float32Array(buffer, this.ptr, this.size);
    return this.view!;
  }

  /** change the shape in place (no allocation); the caller knows it fits */
  reshape(rows: number, cols: number): this {
    if (rows * cols > this.capacity) throw new RangeError(`Tensor.reshape: ${shapeOf(rows, cols)} exceeds capacity ${this.capacity}`);
    this.rows = rows;
    this.cols = cols;
    return this;
  }

  toArray(): number[][] {
    const d = this.data, out: number[][] = [];
    for (let r = 0; r < this.rows; r++) out.push(Array.from(d.subarray(r * this.cols, (r + 1) * this.cols)));
    return out;
  }

  /** a copy of the values, safe to keep after the tensor changes */
  toFloat32Array(): Float32Array {
    return this.data.slice();
  }

  dispose(): void {
    if (this.owned && this.ptr !== 0) this.backend.arena.free(this.ptr);
    this.ptr = 0;
    this.view = null;
  }
}
