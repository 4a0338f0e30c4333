// GEMM kernels (row-major, f32) with f32x4 register tiles: packed panels from 16 rows of C on,
// pack-free direct paths for small and skinny shapes.
//
//   gemmNN: C = A·B (+ bias), A m×k, B k×n        gemmTN: C = Aᵀ·B, A k×m, B k×n
//   gemmNT: C = A·Bᵀ, A m×k, B n×k                 colSums: out[j] = Σ_r x[r][j]
//
// accumulate != 0 adds into C. This file holds the exports, which pick a path by shape; the paths
// live beside it, micro-kernels named by tile shape (rows × columns of C):
//   gemmSplat.ts       pack-free register tiles gemm_4x8 … gemm_1x1 (gemmNN, gemmTN)
//   gemmSmallK.ts      k <= 4: B's rows held in registers (gemmNN, gemmNT)
//   gemmSmallN.ts      n < 4: dot products (gemmNN), vectors along m (gemmTN)
//   gemmNTDot.ts       gemmNT's pack-free dot-product tiles nt_2x4 …
//   gemmPacked.ts      packing into panels and the blocked loops around the micro-kernel
//   gemm4x8Packed.ts   the packed micro-kernel gemm_4x8_packed
//   gemmEpilogue.ts    ReLU and the dropout mask on finished tiles (gemmNNRelu, for fused.ts)
//   colSums.ts         column sums (dbiases)
//   simd.ts            madd (fused in the relaxed build), hsum, an accumulator's start value
// The tiles and the packed path sum each element of C over k in order, from (C or 0) + bias, so
// packing changes the speed, not the result; the dot-product paths (gemmNN with n < 4,
// gemmNTDot) sum in vector lanes first.

import { gemmSplat } from "./gemmSplat";
import { gemmSmallK, nnSmallKRows, nn_k1, ROWS_MIN_N } from "./gemmSmallK";
import { nn_n1, nn_n2, nn_n3, tn_smalln } from "./gemmSmallN";
import { gemmNTDot } from "./gemmNTDot";
import { gemmPacked, canPack, PACK_MIN_M } from "./gemmPacked";
import { EPI_NONE, EPI_RELU, EPI_RELU_DROPOUT, epilogueBlock } from "./gemmEpilogue";

export { gemmScratch, gemmScratchBytes } from "./gemmPacked";
export { colSums } from "./colSums";

/**
 * C = A·B (+ bias broadcast over rows when bias != 0); A m×k, B k×n, bias n.
 * k = 1: row streaming; k <= 4: register panels of B; n <= 3: dot products against deinterleaved
 * columns of B; otherwise the 4×8 splat tiles.
 */
export function gemmNN(a: usize, b: usize, bias: usize, c: usize, m: i32, k: i32, n: i32, accumulate: i32): void {
  if (m <= 0 || n <= 0) return;
  if (nnPacked(m, k, n)) gemmPacked(a, <usize>k << 2, 4, b, <usize>n << 2, 4, bias, c, m, k, n, accumulate, EPI_NONE, 0, 0, 1);
  else gemmNNDirect(a, b, bias, c, m, k, n, accumulate);
}

/** gemmNN goes through the packed panels (otherwise one of the direct paths) */
// @ts-ignore: decorator
@inline
function nnPacked(m: i32, k: i32, n: i32): bool {
  return k > 4 && n >= 4 && m >= PACK_MIN_M && canPack();
}

/** the pack-free paths of gemmNN; every one computes each row of C from that row of A alone */
function gemmNNDirect(a: usize, b: usize, bias: usize, c: usize, m: i32, k: i32, n: i32, accumulate: i32): void {
  const loadC = accumulate != 0;
  if (k <= 0) gemmSmallK(a, b, false, bias, c, m, 0, n, accumulate);
  else if (k == 1) nn_k1(a, b, bias, c, m, n, loadC);
  else if (k == 2 && n >= ROWS_MIN_N) nnSmallKRows(2, a, b, bias, c, m, n, loadC);
  else if (k <= 4) gemmSmallK(a, b, false, bias, c, m, k, n, accumulate);
  else if (n == 1) nn_n1(a, b, bias, c, m, k, loadC);
  else if (n == 2) nn_n2(a, b, bias, c, m, k, loadC);
  else if (n == 3) nn_n3(a, b, bias, c, m, k, loadC);
  else gemmSplat(a, <usize>k << 2, 4, b, bias, c, m, k, n, accumulate);
}

/** rows of C per block when the epilogue follows a direct path (the block is still in L1) */
const EPI_ROWS = 16;

/**
 * C = epilogue(A·B + bias) with the epilogue (ReLU, then the dropout mask when threshold > 0 or
 * scale != 1) applied while C is hot: in the packed path per column of 4×8 tiles once its k-sum
 * is complete, in the direct paths per block of EPI_ROWS rows. The values equal gemmNN followed by
 * reluForward and dropoutForward (same mask bits: index i·n + j of stream key).
 */
export function gemmNNRelu(a: usize, b: usize, bias: usize, c: usize, m: i32, k: i32, n: i32, key: u32, threshold: u32, scale: f32): void {
  if (m <= 0 || n <= 0) return;
  const epi = threshold != 0 || scale != 1 ? EPI_RELU_DROPOUT : EPI_RELU;
  if (nnPacked(m, k, n)) {
    gemmPacked(a, <usize>k << 2, 4, b, <usize>n << 2, 4, bias, c, m, k, n, 0, epi, key, threshold, scale);
  } else {
    const lda = <usize>max(k, 0) << 2, ldc = <usize>n << 2;
    for (let i0 = 0; i0 < m; i0 += EPI_ROWS) {
      const rows = min(EPI_ROWS, m - i0);
      gemmNNDirect(a + <usize>i0 * lda, b, bias, c + <usize>i0 * ldc, rows, k, n, 0);
      epilogueBlock(c + <usize>i0 * ldc, ldc, i0, rows, 0, n, n, epi, key, threshold, scale);
    }
  }
}

/** C = Aᵀ·B; A is k×m, B is k×n. n <= 3: vectorized along m; otherwise the 4×8 splat tiles. */
export function gemmTN(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32, accumulate: i32): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) { if (!accumulate) zeroFill(c, m * n); return; }
  if (n < 4) tn_smalln(a, b, c, m, k, n, accumulate != 0);
  else if (m >= PACK_MIN_M && canPack()) gemmPacked(a, 4, <usize>m << 2, b, <usize>n << 2, 4, 0, c, m, k, n, accumulate, EPI_NONE, 0, 0, 1);
  else gemmSplat(a, 4, <usize>m << 2, b, 0, c, m, k, n, accumulate);
}

/** C = A·Bᵀ; A is m×k, B is n×k. k <= 4: register panels of Bᵀ (gathered); otherwise 2×4 dot tiles. */
export function gemmNT(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32, accumulate: i32): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 4) gemmSmallK(a, b, true, 0, c, m, max(k, 0), n, accumulate);
  else if (m >= PACK_MIN_M && n >= 4 && canPack()) gemmPacked(a, <usize>k << 2, 4, b, 4, <usize>k << 2, 0, c, m, k, n, accumulate, EPI_NONE, 0, 0, 1);
  else gemmNTDot(a, b, c, m, k, n, accumulate != 0);
}

function zeroFill(c: usize, count: i32): void {
  if (count > 0) memory.fill(c, 0, <usize>count << 2);
}
