// The ceiling the GEMM table is read against: the library's own column of 4×8 tiles
// (assembly/gemm4x8Packed.ts, gemm_4x8_packed_column) over panels that stay in L1 (K = 256: four
// A panels 16 KB, one B panel 8 KB), with no packing, blocking or edges around it. GEMM throughput / this,
// measured in the same round, is the GEMM's efficiency: a busy neighbour on the sibling hyperthread
// slows both alike.
// Compiled by `npm run bench`, never part of the library: build/ceiling.wasm, build/ceiling-relaxed.wasm.

import { gemm_4x8_packed_column } from "../../assembly/gemm4x8Packed";

export const K: i32 = 256;
/** A panels per column call: 4 × 4 KB of A beside the 8 KB B panel stay within a 32 KB L1 */
const PANELS: i32 = 4;
/** panels at the bottom of memory, above AssemblyScript's (empty) static data */
const AP: usize = 1024, BP: usize = AP + <usize>(PANELS * K * 16), CP: usize = BP + <usize>(K * 32);
/** flops per tile: 4 rows × 8 columns × K × 2 */
export const FLOPS_PER_TILE: i32 = 4 * 8 * K * 2;

/**
 * `calls` tiles over the same L1-resident panels (zeros: the timing does not depend on values), as
 * calls / PANELS whole columns: callers pass a multiple of PANELS (bench/run.ts passes 2000)
 */
export function tiles(calls: i32): void {
  const columns = calls / PANELS;
  for (let i = 0; i < columns; i++) gemm_4x8_packed_column(AP, BP, K, CP, 32, 0, true, PANELS);
}
