// The fused GEMM's epilogue: ReLU, then the dropout mask, applied to a block of C once its k-sum is
// complete (gemmNNRelu, for fused.ts's denseReluForward). Each operation is reluForward's and
// dropoutForward's, so the fused result equals the unfused kernels' bit for bit.
//
// Its parameters travel as arguments (mode, key, threshold, scale, and the output's column count)
// from gemmNNRelu through gemmPacked to every block: no module state, so no GEMM call can see
// another's epilogue, and a later threaded build needs nothing per worker for it.

import { ZERO } from "./simd";
import { mix32x4, streamInputx4, streamBits } from "./random";

/** plain GEMM: the output is the sum */
export const EPI_NONE: i32 = 0;
/** ReLU */
export const EPI_RELU: i32 = 1;
/** ReLU, then the dropout mask of (key, threshold, scale) */
export const EPI_RELU_DROPOUT: i32 = 2;

/** the epilogue of four lanes starting at element (i, j): reluForward's and dropoutForward's ops */
// @ts-ignore: decorator
@inline
function epi4(v: v128, i: i32, j: i32, cols: i32, mode: i32, key: u32, threshold: u32, scale: f32): v128 {
  v = v128.and(v, f32x4.gt(v, ZERO));
  if (mode == EPI_RELU_DROPOUT) {
    const bits = mix32x4(streamInputx4(key, <u32>(i * cols + j)));
    const keep = i32x4.ge_u(i32x4.shr_u(bits, 8), i32x4.splat(threshold));
    v = f32x4.mul(v, v128.and(f32x4.splat(scale), keep));
  }
  return v;
}

// @ts-ignore: decorator
@inline
function epi1(v: f32, i: i32, j: i32, cols: i32, mode: i32, key: u32, threshold: u32, scale: f32): f32 {
  v = v > 0 ? v : 0;
  if (mode == EPI_RELU_DROPOUT) {
    const m: f32 = (streamBits(key, <u32>(i * cols + j)) >>> 8) >= threshold ? scale : 0;
    v = v * m;
  }
  return v;
}

/**
 * Apply the epilogue `mode` to C rows [i0, i0 + h), columns [j0, j0 + w) (row stride ldc bytes)
 * of an output with `cols` columns: element (i, j) draws the mask bits of index i·cols + j of
 * stream `key`, as dropoutForward over the whole output would.
 */
export function epilogueBlock(c: usize, ldc: usize, i0: i32, h: i32, j0: i32, w: i32,
  cols: i32, mode: i32, key: u32, threshold: u32, scale: f32): void {
  if (mode == EPI_NONE) return;
  for (let r = 0; r < h; r++) {
    const row = c + <usize>r * ldc;
    let j = 0;
    for (; j + 4 <= w; j += 4) {
      const q = row + (<usize>j << 2);
      v128.store(q, epi4(v128.load(q), i0 + r, j0 + j, cols, mode, key, threshold, scale));
    }
    for (; j < w; j++) {
      const q = row + (<usize>j << 2);
      store<f32>(q, epi1(load<f32>(q), i0 + r, j0 + j, cols, mode, key, threshold, scale));
    }
  }
}
