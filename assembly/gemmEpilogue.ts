// The fused GEMM's epilogue: ReLU, then the dropout mask, applied to a block of C once its k-sum is
// complete (gemmNNRelu, for fused.ts's denseReluForward). Each operation is reluForward's and
// dropoutForward's, so the fused result equals the unfused kernels' bit for bit.

import { ZERO } from "./simd";
import { mix32x4, streamInputx4, streamBits } from "./random";

/** 0: none, 1: ReLU, 2: ReLU then dropout; set by the fused kernels around one GEMM call */
export let epiMode: i32 = 0;
let epiKey: u32 = 0;
let epiThreshold: u32 = 0;
let epiScale: f32 = 1;
/** columns of the full output: element (i, j) draws mask bits for index i·epiCols + j */
let epiCols: i32 = 0;

export function setEpilogue(mode: i32, key: u32, threshold: u32, scale: f32, cols: i32): void {
  epiMode = mode; epiKey = key; epiThreshold = threshold; epiScale = scale; epiCols = cols;
}

/** the epilogue of four lanes starting at element (i, j): reluForward's and dropoutForward's ops */
// @ts-ignore: decorator
@inline
function epi4(v: v128, i: i32, j: i32): v128 {
  v = v128.and(v, f32x4.gt(v, ZERO));
  if (epiMode == 2) {
    const bits = mix32x4(streamInputx4(epiKey, <u32>(i * epiCols + j)));
    const keep = i32x4.ge_u(i32x4.shr_u(bits, 8), i32x4.splat(epiThreshold));
    v = f32x4.mul(v, v128.and(f32x4.splat(epiScale), keep));
  }
  return v;
}

// @ts-ignore: decorator
@inline
function epi1(v: f32, i: i32, j: i32): f32 {
  v = v > 0 ? v : 0;
  if (epiMode == 2) {
    const m: f32 = (streamBits(epiKey, <u32>(i * epiCols + j)) >>> 8) >= epiThreshold ? epiScale : 0;
    v = v * m;
  }
  return v;
}

/** apply the epilogue to C rows [i0, i0 + h), columns [j0, j0 + w) (row stride ldc bytes) */
export function epilogueBlock(c: usize, ldc: usize, i0: i32, h: i32, j0: i32, w: i32): void {
  if (epiMode == 0) return;
  for (let r = 0; r < h; r++) {
    const row = c + <usize>r * ldc;
    let j = 0;
    for (; j + 4 <= w; j += 4) {
      const q = row + (<usize>j << 2);
      v128.store(q, epi4(v128.load(q), i0 + r, j0 + j));
    }
    for (; j < w; j++) {
      const q = row + (<usize>j << 2);
      store<f32>(q, epi1(load<f32>(q), i0 + r, j0 + j));
    }
  }
}
