// The ceiling the GEMM table is read against: the 4×8 register-tile inner loop of
// assembly/gemm.ts (gemm_4x8_packed) over panels that stay in L1 (K = 256: A 4 KB, B 8 KB), with
// no packing, blocking or edges around it. GEMM throughput / this, measured in the same round, is
// the GEMM's efficiency: a busy neighbour on the sibling hyperthread slows both alike.
// Compiled by `npm run bench`, never part of the library: build/ceiling.wasm, build/ceiling-relaxed.wasm.

// @ts-ignore: decorator
@inline
function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** panels at the bottom of memory, above AssemblyScript's (empty) static data */
const AP: usize = 1024, BP: usize = AP + 4096, CP: usize = BP + 8192;
export const K: i32 = 256;
/** flops per call of tile(): 4 rows × 8 columns × K × 2 */
export const FLOPS_PER_TILE: i32 = 4 * 8 * K * 2;

// @ts-ignore: decorator
@noinline
function tile(ap: usize, bp: usize): void {
  const c = CP, c1 = c + 32, c2 = c1 + 32, c3 = c2 + 32;
  let c00 = v128.load(c), c01 = v128.load(c, 16), c10 = v128.load(c1), c11 = v128.load(c1, 16);
  let c20 = v128.load(c2), c21 = v128.load(c2, 16), c30 = v128.load(c3), c31 = v128.load(c3, 16);
  for (let p = 0; p < K; p++) {
    const b0 = v128.load(bp), b1 = v128.load(bp, 16);
    let s = v128.load32_splat(ap);
    c00 = madd(s, b0, c00); c01 = madd(s, b1, c01);
    s = v128.load32_splat(ap, 4);
    c10 = madd(s, b0, c10); c11 = madd(s, b1, c11);
    s = v128.load32_splat(ap, 8);
    c20 = madd(s, b0, c20); c21 = madd(s, b1, c21);
    s = v128.load32_splat(ap, 12);
    c30 = madd(s, b0, c30); c31 = madd(s, b1, c31);
    ap += 16; bp += 32;
  }
  v128.store(c, c00); v128.store(c, c01, 16); v128.store(c1, c10); v128.store(c1, c11, 16);
  v128.store(c2, c20); v128.store(c2, c21, 16); v128.store(c3, c30); v128.store(c3, c31, 16);
}

/** `calls` tiles over the same L1-resident panels (zeros: the timing does not depend on values) */
export function tiles(calls: i32): void {
  for (let i = 0; i < calls; i++) tile(AP, BP);
}
