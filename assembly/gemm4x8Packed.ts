// The packed micro-kernel: one 4×8 tile of C from an A panel [kc][4] and a B panel [kc][8], both
// read sequentially (gemmPacked.ts packs them). One file of its own, XNNPACK style, so that
// bench/assembly/ceiling.ts compiles and times exactly this loop.

import { madd, init4, ZERO } from "./simd";

/**
 * the packed micro-kernel: C[0..4, 0..8) (+)= Ap[kc][4] · Bp[kc][8], initialized as init4; with
 * RELU (a literal) the tile goes through ReLU in registers before it is stored, as the epilogue's
 * EPI_RELU would do to it in memory (gemmEpilogue.ts: the same and-with-(v > 0)); with POOL (a
 * literal) the four rows are one 2×2 max-pooling window and only their max, one row of 8, is stored
 */
// @ts-ignore: decorator
@inline
function gemm_4x8_packed(RELU: bool, POOL: bool, ap: usize, bp: usize, kc: i32, c: usize, ldc: usize, bias: usize, loadC: bool): void {
  const c1 = c + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
  const bias4: usize = bias ? bias + 16 : 0;
  let c00 = init4(c, bias, loadC), c01 = init4(c + 16, bias4, loadC);
  let c10 = init4(c1, bias, loadC), c11 = init4(c1 + 16, bias4, loadC);
  let c20 = init4(c2, bias, loadC), c21 = init4(c2 + 16, bias4, loadC);
  let c30 = init4(c3, bias, loadC), c31 = init4(c3 + 16, bias4, loadC);
  // ends on A's pointer, not a counter: the loop is bound by instruction issue, and V8 neither
  // folds a counter away nor drops its per-iteration stack check
  for (const end = ap + (<usize>kc << 4); ap < end; ) {
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
  if (RELU) {
    c00 = v128.and(c00, f32x4.gt(c00, ZERO)); c01 = v128.and(c01, f32x4.gt(c01, ZERO));
    c10 = v128.and(c10, f32x4.gt(c10, ZERO)); c11 = v128.and(c11, f32x4.gt(c11, ZERO));
    c20 = v128.and(c20, f32x4.gt(c20, ZERO)); c21 = v128.and(c21, f32x4.gt(c21, ZERO));
    c30 = v128.and(c30, f32x4.gt(c30, ZERO)); c31 = v128.and(c31, f32x4.gt(c31, ZERO));
  }
  if (POOL) {
    // the tile's four rows are one 2×2 pooling window in window order: its max per column, the
    // first max winning as maxPoolForward's (v > best), stored as one row at c
    c00 = v128.bitselect(c10, c00, f32x4.gt(c10, c00)); c01 = v128.bitselect(c11, c01, f32x4.gt(c11, c01));
    c00 = v128.bitselect(c20, c00, f32x4.gt(c20, c00)); c01 = v128.bitselect(c21, c01, f32x4.gt(c21, c01));
    c00 = v128.bitselect(c30, c00, f32x4.gt(c30, c00)); c01 = v128.bitselect(c31, c01, f32x4.gt(c31, c01));
    v128.store(c, c00); v128.store(c, c01, 16);
    return;
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c1, c10); v128.store(c1, c11, 16);
  v128.store(c2, c20); v128.store(c2, c21, 16);
  v128.store(c3, c30); v128.store(c3, c31, 16);
}

/**
 * a column of 4×8 tiles: `panels` consecutive A panels against one B panel, C rows 4 apart. One
 * call per column, not per tile: the call cost ~10% at kc = 256. Exported to AssemblyScript only
 * (index.ts does not re-export it) so that bench/assembly/ceiling.ts times this very loop.
 */
export function gemm_4x8_packed_column(ap: usize, bp: usize, kc: i32, c: usize, ldc: usize, bias: usize, loadC: bool, panels: i32): void {
  const apStep = <usize>kc << 4, cStep = ldc << 2;
  for (let t = 0; t < panels; t++) {
    gemm_4x8_packed(false, false, ap, bp, kc, c, ldc, bias, loadC);
    ap += apStep; c += cStep;
  }
}

/** gemm_4x8_packed_column with ReLU on each tile before it is stored (the packed path's last k block under EPI_RELU) */
export function gemm_4x8_packed_column_relu(ap: usize, bp: usize, kc: i32, c: usize, ldc: usize, bias: usize, loadC: bool, panels: i32): void {
  const apStep = <usize>kc << 4, cStep = ldc << 2;
  for (let t = 0; t < panels; t++) {
    gemm_4x8_packed(true, false, ap, bp, kc, c, ldc, bias, loadC);
    ap += apStep; c += cStep;
  }
}


/**
 * a column of 4×8 tiles whose four rows are each one 2×2 max-pooling window (conv2dMaxPoolForward):
 * ReLU when relu, then the window's max per column, one output row of 8 per tile, rows ldy apart.
 * Needs the whole k-sum in one call (kc = k) and no C to load: each tile starts from the bias or 0.
 */
export function gemm_4x8_packed_column_pool(ap: usize, bp: usize, kc: i32, y: usize, ldy: usize, bias: usize, relu: bool, panels: i32): void {
  const apStep = <usize>kc << 4;
  if (relu) {
    for (let t = 0; t < panels; t++) {
      gemm_4x8_packed(true, true, ap, bp, kc, y, 0, bias, false);
      ap += apStep; y += ldy;
    }
  } else {
    for (let t = 0; t < panels; t++) {
      gemm_4x8_packed(false, true, ap, bp, kc, y, 0, bias, false);
      ap += apStep; y += ldy;
    }
  }
}
