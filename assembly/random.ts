// Counter-based RNG, a bit-exact mirror of src/backend/random.ts (mix32 = lowbias32).
// Only 32-bit wrapping integer ops are used, which WebAssembly and JS (Math.imul, >>>) agree on.

const M1: u32 = 0x7feb352d;
const M2: u32 = 0x846ca68b;
const GOLDEN: u32 = 0x9e3779b9;
const KEY_OFFSET: u32 = 0x6a09e667;

/** lowbias32 (C. Wellons' hash-prospector) */
// @ts-ignore: decorator
@inline
export function mix32(x: u32): u32 {
  x ^= x >>> 16;
  x *= M1;
  x ^= x >>> 15;
  x *= M2;
  x ^= x >>> 16;
  return x;
}

/** one key per (seed, counter) call */
export function streamKey(seed: u32, counter: u32): u32 {
  return mix32(seed ^ mix32(counter + KEY_OFFSET));
}

/** 32 random bits for element i of the stream */
// @ts-ignore: decorator
@inline
export function streamBits(key: u32, i: u32): u32 {
  return mix32(key + i * GOLDEN);
}

/** four lanes of mix32 at once (i32x4.mul is the low 32 bits of the product, like Math.imul) */
// @ts-ignore: decorator
@inline
export function mix32x4(x: v128): v128 {
  x = v128.xor(x, i32x4.shr_u(x, 16));
  x = i32x4.mul(x, i32x4.splat(M1));
  x = v128.xor(x, i32x4.shr_u(x, 15));
  x = i32x4.mul(x, i32x4.splat(M2));
  x = v128.xor(x, i32x4.shr_u(x, 16));
  return x;
}

/** the stream's pre-mix values key + i·GOLDEN for lanes i = i0 .. i0+3 */
// @ts-ignore: decorator
@inline
export function streamInputx4(key: u32, i0: u32): v128 {
  const base = key + i0 * GOLDEN;
  return i32x4(base, base + GOLDEN, base + 2 * GOLDEN, base + 3 * GOLDEN);
}

/** the per-4-lanes increment of the pre-mix values */
export const STEP4: u32 = 4 * GOLDEN;
