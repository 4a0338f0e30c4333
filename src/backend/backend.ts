import { Arena, type GrowableMemory } from './arena.ts';
import type { Kernels } from './kernels.ts';
import { Tensor, checkDim } from '../tensor.ts';
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

  /** allocate an uninitialised rows×cols tensor (rows and cols positive integers) */
  tensor(rows: number, cols: number): Tensor {
    return new Tensor(this, rows, cols);
  }

  zeros(rows: number, cols: number): Tensor {
    const t = this.tensor(rows, cols);
    this.kernels.fill(t.ptr, t.size, 0);
    return t;
  }

  fromArray(values: ArrayLike<number>, rows: number, cols: number): Tensor {
    checkDim(rows, 'Backend.fromArray', 'rows');
    checkDim(cols, 'Backend.fromArray', 'cols');
    if (values?.length !== rows * cols) throw new ShapeError(`Backend.fromArray: expected ${rows}×${cols} = ${rows * cols} values, got ${describe(values?.length)}`);
    const t = this.tensor(rows, cols);
    t.data.set(values);
    return t;
  }

  /**
   * The buffer-reuse rule behind "a training step allocates nothing": return `t` reshaped when it
   * has room, otherwise free it and allocate a bigger one.
   */
  ensure(t: Tensor | undefined, rows: number, cols: number): Tensor {
    if (t !== undefined && (!(t instanceof Tensor) || t.backend !== this)) throw new ValueError(`Backend.ensure: expected a tensor of this backend, got ${describe(t)}`);
    if (t && t.owned && !t.disposed && rows * cols <= t.capacity) return t.reshape(rows, cols);
    t?.dispose();
    return this.tensor(rows, cols);
  }
}
