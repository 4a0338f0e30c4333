import { ValueError } from '../errors.ts';
import { describe } from '../describe.ts';

/**
 * Counter-based randomness: a number is a pure function of (seed, counter, index), so the JS and
 * WASM backends draw identical dropout masks, a run is fixed by its seed, and no generator state
 * has to be saved beyond two integers. Only 32-bit integer ops are used, which WebAssembly and
 * JavaScript (Math.imul, >>>) compute identically; assembly/random.ts mirrors this file.
 */

/** lowbias32 (C. Wellons' hash-prospector): a bijective 32-bit mixer with strong avalanche */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** one key per (seed, counter) call; counter is e.g. the forward-pass number of a dropout layer */
export function streamKey(seed: number, counter: number): number {
  return mix32((seed ^ mix32((counter + 0x6a09e667) >>> 0)) >>> 0);
}

/** 32 random bits for element i of the stream */
export function streamBits(key: number, i: number): number {
  return mix32((key + Math.imul(i, 0x9e3779b9)) >>> 0);
}

/** the dropout threshold: an element is kept when (bits >>> 8) >= threshold */
export function dropThreshold(rate: number): number {
  return Math.round(rate * 16777216);
}

/**
 * A seeded stream of uniform and normal numbers for the TS side (weight init, data, shuffling).
 * Itself counter-based: (seed, stream) name it, `counter` is all its state.
 */
export class Rng {
  counter = 0;
  private spare = NaN;
  private readonly key: number;
  constructor(readonly seed: number, readonly stream = 0) {
    for (const [name, v] of [['seed', seed], ['stream', stream]] as const)
      if (!Number.isSafeInteger(v)) throw new ValueError(`Rng: ${name} must be an integer, got ${describe(v)}`);
    this.key = streamKey(seed >>> 0, stream >>> 0);
  }

  private bits(): number {
    return streamBits(this.key, this.counter++);
  }
  /** uniform in [0, 1) with 53 random bits */
  uniform(): number {
    return ((this.bits() >>> 5) * 67108864 + (this.bits() >>> 6)) / 9007199254740992;
  }
  /** standard normal (Box–Muller; the second value is kept for the next call) */
  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const s = this.spare;
      this.spare = NaN;
      return s;
    }
    const u1 = 1 - this.uniform(); // (0, 1]
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }
  /** integer in [0, n) */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }
  /** fill `a` with a fresh random permutation of 0..a.length-1 (its old contents do not matter) */
  permutation(a: Int32Array): void {
    for (let i = 0; i < a.length; i++) a[i] = i;
    this.shuffle(a);
  }
  /** Fisher–Yates shuffle in place */
  shuffle(a: Int32Array): void {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i]; a[i] = a[j]; a[j] = t;
    }
  }
}
