import { Arena, type GrowableMemory } from './arena.ts';
import type { Kernels } from './kernels.ts';
import { Tensor, checkShape, shapeText } from '../tensor.ts';
import { mix32 } from './random.ts';
import { NnwasmError, ShapeError, ValueError } from '../errors.ts';
import { describe } from '../describe.ts';

/** nextSeed counts in uint32: 2^32 − 1 distinct seeds, then it refuses rather than repeat one */
const MAX_SEEDS = 2 ** 32 - 1;

export type BackendName = 'wasm' | 'js';

/**
 * A backend = a kernel registry + the one linear memory its kernels address + an arena over it.
 * The wasm and js backends differ only in where `kernels` and `memory` come from.
 */
export class Backend {
  readonly arena: Arena;
  private seedCounter = 0;

  constructor(
    readonly name: BackendName,
    /** e.g. 'wasm-simd', 'wasm-relaxed-simd', 'js' */
    readonly variant: string,
    readonly kernels: Kernels,
    private readonly memory: GrowableMemory & { buffer(): ArrayBuffer },
    heapBase: number,
    /** the seed that fixes weight init, dropout masks and shuffling of everything built on this backend */
    readonly seed: number,
    /** fence every block (a debugging mode, see Arena) */
    fences = false,
  ) {
    this.arena = new Arena(heapBase, memory, fences);
    // the GEMM kernels' packing panels: one block for the backend's lifetime (the js twins need none)
    const scratch = kernels.gemmScratchBytes();
    if (scratch > 0) kernels.gemmScratch(this.arena.alloc(scratch, this), scratch);
  }

  get buffer(): ArrayBuffer {
    return this.memory.buffer();
  }

  /** a fresh seed for the next layer or data stream: deterministic in creation order */
  nextSeed(): number {
    // mix32 is a bijection on uint32, so distinct counts give distinct seeds
    if (this.seedCounter >= MAX_SEEDS) throw new NnwasmError(`the backend has handed out all ${MAX_SEEDS} seeds; create a new backend`);
    return mix32((this.seed ^ mix32(++this.seedCounter)) >>> 0);
  }

  /** how many seeds nextSeed() has handed out: saved with a model so a resumed process continues the sequence */
  get seedsDrawn(): number {
    return this.seedCounter;
  }
  set seedsDrawn(count: number) {
    if (!Number.isInteger(count) || count < 0 || count > MAX_SEEDS)
      throw new ValueError(`Backend.seedsDrawn: expected an integer in [0, ${MAX_SEEDS}], got ${describe(count)}`);
    this.seedCounter = count;
  }

  /** an uninitialised tensor of shape `dims` (positive integers): tensor(rows, cols), tensor(n, h, w, c) */
  tensor(...dims: number[]): Tensor {
    return new Tensor(this, dims);
  }

  zeros(...dims: number[]): Tensor {
    const t = this.tensor(...dims);
    this.kernels.fill(t.ptr, t.size, 0);
    return t;
  }

  /** a tensor of shape `dims` holding `values` (row-major, exactly as many as the shape holds) */
  fromArray(values: ArrayLike<number>, ...dims: number[]): Tensor {
    const shape = checkShape(dims, 'Backend.fromArray'), size = shape.reduce((a, b) => a * b, 1);
    if (values?.length !== size) throw new ShapeError(`Backend.fromArray: expected ${shapeText(shape)} = ${size} values, got ${describe(values?.length)}`);
    const t = this.tensor(...shape);
    t.data.set(values);
    return t;
  }

  /**
   * The buffer-reuse rule behind "a training step allocates nothing": return `t` reshaped to
   * `dims` when it has room, otherwise free it and allocate a bigger one.
   */
  ensure(t: Tensor | undefined, ...dims: number[]): Tensor {
    if (t !== undefined && (!(t instanceof Tensor) || t.backend !== this)) throw new ValueError(`Backend.ensure: expected a tensor of this backend, got ${describe(t)}`);
    const shape = checkShape(dims, 'Backend.ensure');
    if (t && t.owned && !t.disposed && shape.reduce((a, b) => a * b, 1) <= t.capacity) return t.reshape(...shape);
    t?.dispose();
    return this.tensor(...shape);
  }
}
