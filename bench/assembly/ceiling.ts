// The ceiling the GEMM table is read against: the library's own 4×8 micro-kernel
// (assembly/gemm.ts, gemm_4x8_packed) called over panels that stay in L1 (K = 256: A 4 KB, B 8 KB), with
// no packing, blocking or edges around it. GEMM throughput / this, measured in the same round, is
// the GEMM's efficiency: a busy neighbour on the sibling hyperthread slows both alike.
// Compiled by `npm run bench`, never part of the library: build/ceiling.wasm, build/ceiling-relaxed.wasm.

import { gemm_4x8_packed } from "../../assembly/gemm";

/** panels at the bottom of memory, above AssemblyScript's (empty) static data */
const AP: usize = 1024, BP: usize = AP + 4096, CP: usize = BP + 8192;
export const K: i32 = 256;
/** flops per call of tile(): 4 rows × 8 columns × K × 2 */
export const FLOPS_PER_TILE: i32 = 4 * 8 * K * 2;

/** `calls` tiles over the same L1-resident panels (zeros: the timing does not depend on values) */
export function tiles(calls: i32): void {
  for (let i = 0; i < calls; i++) gemm_4x8_packed(AP, BP, K, CP, 32, 0, true);
}
