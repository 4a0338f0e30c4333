import type { Ptr } from './kernels.ts';
import { OutOfMemoryError } from '../errors.ts';

/** What an arena needs from a memory: its current size and a way to grow it. */
export interface GrowableMemory {
  byteLength(): number;
  /** grow to at least `bytes`; may replace the underlying ArrayBuffer */
  growTo(bytes: number): void;
}

const ALIGN = 64; // a cache line; also keeps every v128 load aligned

/**
 * First-fit allocator over one linear memory, run from TypeScript so kernels never allocate.
 * Tensors are allocated when a layer first sees a batch size and reused afterwards, so a training
 * step never reaches this code; freed blocks are coalesced so rebuilding models does not leak.
 */
export class Arena {
  private readonly sizes = new Map<Ptr, number>();
  /** free blocks below `top`, sorted by address */
  private holes: { at: Ptr; size: number }[] = [];
  private top: Ptr;

  constructor(base: Ptr, private readonly memory: GrowableMemory) {
    this.top = Math.ceil(Math.max(base, ALIGN) / ALIGN) * ALIGN;
  }

  alloc(bytes: number): Ptr {
    if (!Number.isSafeInteger(bytes) || bytes < 0) throw new OutOfMemoryError(`cannot allocate ${bytes} bytes`);
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
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
    this.sizes.set(at, size);
    return at;
  }

  free(at: Ptr): void {
    const size = this.sizes.get(at);
    if (size === undefined) throw new Error(`Arena.free: ${at} is not an allocated block`);
    this.sizes.delete(at);
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

  /** bytes in live blocks (for tests and leak checks) */
  get liveBytes(): number {
    let s = 0;
    for (const v of this.sizes.values()) s += v;
    return s;
  }
  get highWater(): number {
    return this.top;
  }
}
