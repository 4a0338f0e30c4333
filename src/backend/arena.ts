import type { Ptr } from './kernels.ts';
import { NnwasmError, OutOfMemoryError } from '../errors.ts';

/** What an arena needs from a memory: its current size and a way to grow it. */
export interface GrowableMemory {
  byteLength(): number;
  /** grow to at least `bytes`; may replace the underlying ArrayBuffer */
  growTo(bytes: number): void;
}

const ALIGN = 64; // a cache line; also keeps every v128 load aligned
/** with fences on: bytes of a known pattern before and after every block (and in its slack) */
const FENCE = 64;
const FENCE_BYTE = 0xa5;

/**
 * First-fit allocator over one linear memory, run from TypeScript so kernels never allocate.
 * Tensors are allocated when a layer first sees a batch size and reused afterwards, so a training
 * step never reaches this code; freed blocks are coalesced so rebuilding models does not leak.
 *
 * Every block has an owner (the tensor, or the backend for its GEMM scratch), and only the owner
 * can free it: a block is never handed back twice or by someone who merely knows its address.
 *
 * With `fences` on (a debugging mode: createBackend's `fenceBlocks`), every block is surrounded by
 * bytes of a fixed pattern, and so is the slack between its end and the next 64-byte boundary; a
 * kernel that writes one float past its tensor breaks a fence, which free() and checkFences() see.
 */
export class Arena {
  /** live blocks by the address handed out: where the block starts, its bytes with fences, what was asked */
  private readonly blocks = new Map<Ptr, { at: Ptr; size: number; bytes: number; owner: object }>();
  /** fences found broken when their block was freed */
  private readonly breaches: string[] = [];
  /** free blocks below `top`, sorted by address */
  private holes: { at: Ptr; size: number }[] = [];
  private top: Ptr;
  private live = 0;
  /** live bytes the arena may not exceed (set for the duration of a model load) */
  private ceiling = Infinity;
  private overLimit: (bytes: number) => Error = (bytes) => new OutOfMemoryError(`a ${bytes}-byte block would pass the limit of ${this.ceiling} live bytes`);

  constructor(base: Ptr, private readonly memory: GrowableMemory & { buffer(): ArrayBuffer }, readonly fences = false) {
    this.top = Math.ceil(Math.max(base, ALIGN) / ALIGN) * ALIGN;
  }

  alloc(bytes: number, owner: object): Ptr {
    if (!Number.isSafeInteger(bytes) || bytes < 0) throw new OutOfMemoryError(`cannot allocate ${bytes} bytes`);
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN) + (this.fences ? 2 * FENCE : 0);
    if (this.live + size > this.ceiling) throw this.overLimit(size);
    let at: Ptr;
    const i = this.holes.findIndex((h) => h.size >= size);
    if (i >= 0) {
      const hole = this.holes[i];
      at = hole.at;
      if (hole.size === size) this.holes.splice(i, 1);
      else (hole.at += size), (hole.size -= size);
    } else {
      at = this.top;
      if (at + size > this.memory.byteLength()) {
        // the arena is unchanged when growing fails, so the caller can go on with what it has
        let why = 'the memory did not grow';
        try {
          this.memory.growTo(at + size);
        } catch (e) {
          why = e instanceof Error ? e.message : String(e);
        }
        if (at + size > this.memory.byteLength())
          throw new OutOfMemoryError(`cannot grow the backend's memory to ${at + size} bytes for a ${bytes}-byte tensor (${why})`);
      }
      this.top = at + size;
    }
    const ptr = this.fences ? at + FENCE : at;
    this.blocks.set(ptr, { at, size, bytes, owner });
    this.live += size;
    if (this.fences) {
      const all = new Uint8Array(this.memory.buffer(), at, size);
      all.subarray(0, FENCE).fill(FENCE_BYTE);
      all.subarray(FENCE + bytes).fill(FENCE_BYTE);
    }
    return ptr;
  }

  free(ptr: Ptr, owner: object): void {
    const block = this.blocks.get(ptr);
    if (block === undefined || block.owner !== owner) throw new NnwasmError(`Arena.free: ${ptr} is not a block of this owner`);
    if (this.fences) {
      const broken = this.brokenFence(ptr);
      if (broken) this.breaches.push(broken);
    }
    const { at, size } = block;
    this.blocks.delete(ptr);
    this.live -= size;
    let i = this.holes.findIndex((h) => h.at > at);
    if (i < 0) i = this.holes.length;
    this.holes.splice(i, 0, { at, size });
    // coalesce with the next and the previous hole, then give a trailing hole back to `top`
    const next = this.holes[i + 1];
    if (next && at + size === next.at) (this.holes[i].size += next.size), this.holes.splice(i + 1, 1);
    const prev = this.holes[i - 1];
    if (prev && prev.at + prev.size === at) (prev.size += this.holes[i].size), this.holes.splice(i, 1);
    const last = this.holes[this.holes.length - 1];
    if (last && last.at + last.size === this.top) (this.top = last.at), this.holes.pop();
  }

  /**
   * Run `fn` with at most `bytes` more live bytes allowed: what reads untrusted sizes (a saved
   * model's header) bounds its allocations by what it was given. An allocation past the limit
   * throws `error(bytes)` before anything is allocated.
   */
  withLimit<T>(bytes: number, fn: () => T, error: (bytes: number) => Error): T {
    const [ceiling, overLimit] = [this.ceiling, this.overLimit];
    [this.ceiling, this.overLimit] = [Math.min(ceiling, this.live + bytes), error];
    try {
      return fn();
    } finally {
      [this.ceiling, this.overLimit] = [ceiling, overLimit];
    }
  }

  /** what is wrong with the fences of the block at `ptr`, or '' when they are intact */
  private brokenFence(ptr: Ptr): string {
    const { at, size, bytes, owner } = this.blocks.get(ptr)!;
    const all = new Uint8Array(this.memory.buffer(), at, size);
    const before = all.subarray(0, FENCE).findIndex((b) => b !== FENCE_BYTE);
    const after = all.subarray(FENCE + bytes).findIndex((b) => b !== FENCE_BYTE);
    if (before < 0 && after < 0) return '';
    const where = before >= 0 ? `${FENCE - before} bytes before it` : `at byte ${after} after its end`;
    return `the fence of the ${bytes}-byte block at ${ptr} (${String(owner)}) was overwritten ${where}`;
  }

  /** every broken fence: of blocks freed so far, then of live blocks (empty without fences, or when all hold) */
  checkFences(): string[] {
    return [...this.breaches, ...[...this.blocks.keys()].map((ptr) => this.brokenFence(ptr)).filter(Boolean)];
  }

  /** bytes in live blocks (for tests and leak checks) */
  get liveBytes(): number {
    return this.live;
  }
  get highWater(): number {
    return this.top;
  }
}
