// GEMM with n < 4 (the nnfs outputs have n = 3), where a 4- or 8-wide tile would waste most lanes:
// gemmNN as dot products of A's rows with B's columns (deinterleaved into vectors), gemmTN
// vectorized along m instead (A's rows are contiguous along m).

import { ZERO, madd, hsum, init1 } from "./simd";
import { gemm_1x1 } from "./gemmSplat";

// ---- gemmNN, n < 4 -----------------------------------------------------------------------------

/** scalar dot over p in [p0, k): Σ A[p]·B[p·n + j] */
// @ts-ignore: decorator
@inline
function tailNN(ar: usize, b: usize, n: i32, j: i32, p0: i32, k: i32): f32 {
  let s: f32 = 0;
  for (let p = p0; p < k; p++) s += load<f32>(ar + (<usize>p << 2)) * load<f32>(b + ((<usize>p * <usize>n + <usize>j) << 2));
  return s;
}

// @ts-ignore: decorator
@inline
function finish1(c: usize, bias: usize, loadC: bool, sum: f32): void {
  store<f32>(c, init1(c, bias, loadC) + sum);
}

export function nn_n1(a: usize, b: usize, bias: usize, c: usize, m: i32, k: i32, loadC: bool): void {
  const lda = <usize>k << 2, k4 = k & ~3;
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const a0 = a + <usize>i * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
    let s0 = ZERO, s1 = ZERO, s2 = ZERO, s3 = ZERO;
    for (let p = 0; p < k4; p += 4) {
      const o = <usize>p << 2;
      const bv = v128.load(b + o);
      s0 = madd(v128.load(a0 + o), bv, s0);
      s1 = madd(v128.load(a1 + o), bv, s1);
      s2 = madd(v128.load(a2 + o), bv, s2);
      s3 = madd(v128.load(a3 + o), bv, s3);
    }
    const cp = c + (<usize>i << 2);
    finish1(cp, bias, loadC, hsum(s0) + tailNN(a0, b, 1, 0, k4, k));
    finish1(cp + 4, bias, loadC, hsum(s1) + tailNN(a1, b, 1, 0, k4, k));
    finish1(cp + 8, bias, loadC, hsum(s2) + tailNN(a2, b, 1, 0, k4, k));
    finish1(cp + 12, bias, loadC, hsum(s3) + tailNN(a3, b, 1, 0, k4, k));
  }
  for (; i < m; i++) {
    const a0 = a + <usize>i * lda;
    let s0 = ZERO;
    for (let p = 0; p < k4; p += 4) {
      const o = <usize>p << 2;
      s0 = madd(v128.load(a0 + o), v128.load(b + o), s0);
    }
    finish1(c + (<usize>i << 2), bias, loadC, hsum(s0) + tailNN(a0, b, 1, 0, k4, k));
  }
}

export function nn_n2(a: usize, b: usize, bias: usize, c: usize, m: i32, k: i32, loadC: bool): void {
  const lda = <usize>k << 2, k4 = k & ~3;
  const bias1: usize = bias ? bias + 4 : 0;
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const a0 = a + <usize>i * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
    let s00 = ZERO, s01 = ZERO, s10 = ZERO, s11 = ZERO, s20 = ZERO, s21 = ZERO, s30 = ZERO, s31 = ZERO;
    for (let p = 0; p < k4; p += 4) {
      const o = <usize>p << 2;
      const bp = b + (o << 1);
      const v0 = v128.load(bp), v1 = v128.load(bp, 16);
      const y0 = v128.shuffle<f32>(v0, v1, 0, 2, 4, 6), y1 = v128.shuffle<f32>(v0, v1, 1, 3, 5, 7);
      let x = v128.load(a0 + o); s00 = madd(x, y0, s00); s01 = madd(x, y1, s01);
      x = v128.load(a1 + o); s10 = madd(x, y0, s10); s11 = madd(x, y1, s11);
      x = v128.load(a2 + o); s20 = madd(x, y0, s20); s21 = madd(x, y1, s21);
      x = v128.load(a3 + o); s30 = madd(x, y0, s30); s31 = madd(x, y1, s31);
    }
    const cp = c + (<usize>i << 3);
    finish1(cp, bias, loadC, hsum(s00) + tailNN(a0, b, 2, 0, k4, k));
    finish1(cp + 4, bias1, loadC, hsum(s01) + tailNN(a0, b, 2, 1, k4, k));
    finish1(cp + 8, bias, loadC, hsum(s10) + tailNN(a1, b, 2, 0, k4, k));
    finish1(cp + 12, bias1, loadC, hsum(s11) + tailNN(a1, b, 2, 1, k4, k));
    finish1(cp + 16, bias, loadC, hsum(s20) + tailNN(a2, b, 2, 0, k4, k));
    finish1(cp + 20, bias1, loadC, hsum(s21) + tailNN(a2, b, 2, 1, k4, k));
    finish1(cp + 24, bias, loadC, hsum(s30) + tailNN(a3, b, 2, 0, k4, k));
    finish1(cp + 28, bias1, loadC, hsum(s31) + tailNN(a3, b, 2, 1, k4, k));
  }
  for (; i < m; i++) {
    const a0 = a + <usize>i * lda;
    let s00 = ZERO, s01 = ZERO;
    for (let p = 0; p < k4; p += 4) {
      const o = <usize>p << 2;
      const bp = b + (o << 1);
      const v0 = v128.load(bp), v1 = v128.load(bp, 16);
      const x = v128.load(a0 + o);
      s00 = madd(x, v128.shuffle<f32>(v0, v1, 0, 2, 4, 6), s00);
      s01 = madd(x, v128.shuffle<f32>(v0, v1, 1, 3, 5, 7), s01);
    }
    const cp = c + (<usize>i << 3);
    finish1(cp, bias, loadC, hsum(s00) + tailNN(a0, b, 2, 0, k4, k));
    finish1(cp + 4, bias1, loadC, hsum(s01) + tailNN(a0, b, 2, 1, k4, k));
  }
}

export function nn_n3(a: usize, b: usize, bias: usize, c: usize, m: i32, k: i32, loadC: bool): void {
  const lda = <usize>k << 2, k4 = k & ~3;
  const bias1: usize = bias ? bias + 4 : 0, bias2: usize = bias ? bias + 8 : 0;
  let i = 0;
  for (; i + 2 <= m; i += 2) {
    const a0 = a + <usize>i * lda, a1 = a0 + lda;
    let s00 = ZERO, s01 = ZERO, s02 = ZERO, s10 = ZERO, s11 = ZERO, s12 = ZERO;
    let bp = b;
    for (let p = 0; p < k4; p += 4) {
      const o = <usize>p << 2;
      // rows p..p+3 of B (12 floats) -> columns 0, 1, 2 over those rows
      const v0 = v128.load(bp), v1 = v128.load(bp, 16), v2 = v128.load(bp, 32);
      const y0 = v128.shuffle<f32>(v128.shuffle<f32>(v0, v1, 0, 3, 6, 7), v2, 0, 1, 2, 5);
      const y1 = v128.shuffle<f32>(v128.shuffle<f32>(v0, v1, 1, 4, 7, 7), v2, 0, 1, 2, 6);
      const y2 = v128.shuffle<f32>(v128.shuffle<f32>(v0, v1, 2, 5, 5, 5), v2, 0, 1, 4, 7);
      let x = v128.load(a0 + o); s00 = madd(x, y0, s00); s01 = madd(x, y1, s01); s02 = madd(x, y2, s02);
      x = v128.load(a1 + o); s10 = madd(x, y0, s10); s11 = madd(x, y1, s11); s12 = madd(x, y2, s12);
      bp += 48;
    }
    const cp = c + <usize>i * 12;
    finish1(cp, bias, loadC, hsum(s00) + tailNN(a0, b, 3, 0, k4, k));
    finish1(cp + 4, bias1, loadC, hsum(s01) + tailNN(a0, b, 3, 1, k4, k));
    finish1(cp + 8, bias2, loadC, hsum(s02) + tailNN(a0, b, 3, 2, k4, k));
    finish1(cp + 12, bias, loadC, hsum(s10) + tailNN(a1, b, 3, 0, k4, k));
    finish1(cp + 16, bias1, loadC, hsum(s11) + tailNN(a1, b, 3, 1, k4, k));
    finish1(cp + 20, bias2, loadC, hsum(s12) + tailNN(a1, b, 3, 2, k4, k));
  }
  if (i < m) {
    const a0 = a + <usize>i * lda;
    let s00 = ZERO, s01 = ZERO, s02 = ZERO;
    let bp = b;
    for (let p = 0; p < k4; p += 4) {
      const o = <usize>p << 2;
      const v0 = v128.load(bp), v1 = v128.load(bp, 16), v2 = v128.load(bp, 32);
      const x = v128.load(a0 + o);
      s00 = madd(x, v128.shuffle<f32>(v128.shuffle<f32>(v0, v1, 0, 3, 6, 7), v2, 0, 1, 2, 5), s00);
      s01 = madd(x, v128.shuffle<f32>(v128.shuffle<f32>(v0, v1, 1, 4, 7, 7), v2, 0, 1, 2, 6), s01);
      s02 = madd(x, v128.shuffle<f32>(v128.shuffle<f32>(v0, v1, 2, 5, 5, 5), v2, 0, 1, 4, 7), s02);
      bp += 48;
    }
    const cp = c + <usize>i * 12;
    finish1(cp, bias, loadC, hsum(s00) + tailNN(a0, b, 3, 0, k4, k));
    finish1(cp + 4, bias1, loadC, hsum(s01) + tailNN(a0, b, 3, 1, k4, k));
    finish1(cp + 8, bias2, loadC, hsum(s02) + tailNN(a0, b, 3, 2, k4, k));
  }
}

// ---- gemmTN, n < 4 -----------------------------------------------------------------------------

/** C[r·ldc] (+)= lane r of v, r = 0..3 */
// @ts-ignore: decorator
@inline
function storeCol4(c: usize, ldc: usize, v: v128, loadC: bool): void {
  let x0 = f32x4.extract_lane(v, 0), x1 = f32x4.extract_lane(v, 1);
  let x2 = f32x4.extract_lane(v, 2), x3 = f32x4.extract_lane(v, 3);
  if (loadC) {
    x0 += load<f32>(c); x1 += load<f32>(c + ldc);
    x2 += load<f32>(c + 2 * ldc); x3 += load<f32>(c + 3 * ldc);
  }
  store<f32>(c, x0); store<f32>(c + ldc, x1);
  store<f32>(c + 2 * ldc, x2); store<f32>(c + 3 * ldc, x3);
}

export function tn_smalln(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32, loadC: bool): void {
  const lda = <usize>m << 2, ldb = <usize>n << 2, ldc = ldb;
  let i = 0;
  if (n == 3 && !ASC_FEATURE_RELAXED_SIMD) {
    // 16 rows of C (one 64-byte line of each row of A) x 3 columns: 12 accumulators (the relaxed
    // build is faster with the 8-row block below: its fused multiply-adds need fewer registers)
    for (; i + 16 <= m; i += 16) {
      let s00 = ZERO, s01 = ZERO, s02 = ZERO, s03 = ZERO, s10 = ZERO, s11 = ZERO, s12 = ZERO, s13 = ZERO;
      let s20 = ZERO, s21 = ZERO, s22 = ZERO, s23 = ZERO;
      let ap = a + (<usize>i << 2), bp = b;
      for (let p = 0; p < k; p++) {
        const t0 = v128.load32_splat(bp), t1 = v128.load32_splat(bp, 4), t2 = v128.load32_splat(bp, 8);
        let x = v128.load(ap); s00 = madd(x, t0, s00); s10 = madd(x, t1, s10); s20 = madd(x, t2, s20);
        x = v128.load(ap, 16); s01 = madd(x, t0, s01); s11 = madd(x, t1, s11); s21 = madd(x, t2, s21);
        x = v128.load(ap, 32); s02 = madd(x, t0, s02); s12 = madd(x, t1, s12); s22 = madd(x, t2, s22);
        x = v128.load(ap, 48); s03 = madd(x, t0, s03); s13 = madd(x, t1, s13); s23 = madd(x, t2, s23);
        ap += lda; bp += ldb;
      }
      const cp = c + <usize>i * ldc;
      storeCol4(cp, ldc, s00, loadC); storeCol4(cp + 4 * ldc, ldc, s01, loadC);
      storeCol4(cp + 8 * ldc, ldc, s02, loadC); storeCol4(cp + 12 * ldc, ldc, s03, loadC);
      storeCol4(cp + 4, ldc, s10, loadC); storeCol4(cp + 4 + 4 * ldc, ldc, s11, loadC);
      storeCol4(cp + 4 + 8 * ldc, ldc, s12, loadC); storeCol4(cp + 4 + 12 * ldc, ldc, s13, loadC);
      storeCol4(cp + 8, ldc, s20, loadC); storeCol4(cp + 8 + 4 * ldc, ldc, s21, loadC);
      storeCol4(cp + 8 + 8 * ldc, ldc, s22, loadC); storeCol4(cp + 8 + 12 * ldc, ldc, s23, loadC);
    }
  }
  for (; i + 8 <= m; i += 8) {
    let s00 = ZERO, s01 = ZERO, s10 = ZERO, s11 = ZERO, s20 = ZERO, s21 = ZERO;
    let ap = a + (<usize>i << 2), bp = b;
    if (n == 3) {
      for (let p = 0; p < k; p++) {
        const x0 = v128.load(ap), x1 = v128.load(ap, 16);
        let s = v128.load32_splat(bp);
        s00 = madd(x0, s, s00); s01 = madd(x1, s, s01);
        s = v128.load32_splat(bp, 4);
        s10 = madd(x0, s, s10); s11 = madd(x1, s, s11);
        s = v128.load32_splat(bp, 8);
        s20 = madd(x0, s, s20); s21 = madd(x1, s, s21);
        ap += lda; bp += ldb;
      }
    } else if (n == 2) {
      for (let p = 0; p < k; p++) {
        const x0 = v128.load(ap), x1 = v128.load(ap, 16);
        let s = v128.load32_splat(bp);
        s00 = madd(x0, s, s00); s01 = madd(x1, s, s01);
        s = v128.load32_splat(bp, 4);
        s10 = madd(x0, s, s10); s11 = madd(x1, s, s11);
        ap += lda; bp += ldb;
      }
    } else {
      for (let p = 0; p < k; p++) {
        const s = v128.load32_splat(bp);
        s00 = madd(v128.load(ap), s, s00); s01 = madd(v128.load(ap, 16), s, s01);
        ap += lda; bp += ldb;
      }
    }
    const cp = c + <usize>i * ldc;
    storeCol4(cp, ldc, s00, loadC); storeCol4(cp + 4 * ldc, ldc, s01, loadC);
    if (n > 1) { storeCol4(cp + 4, ldc, s10, loadC); storeCol4(cp + 4 + 4 * ldc, ldc, s11, loadC); }
    if (n > 2) { storeCol4(cp + 8, ldc, s20, loadC); storeCol4(cp + 8 + 4 * ldc, ldc, s21, loadC); }
  }
  if (i + 4 <= m) {
    let s0 = ZERO, s1 = ZERO, s2 = ZERO;
    let ap = a + (<usize>i << 2), bp = b;
    for (let p = 0; p < k; p++) {
      const x = v128.load(ap);
      s0 = madd(x, v128.load32_splat(bp), s0);
      if (n > 1) s1 = madd(x, v128.load32_splat(bp, 4), s1);
      if (n > 2) s2 = madd(x, v128.load32_splat(bp, 8), s2);
      ap += lda; bp += ldb;
    }
    const cp = c + <usize>i * ldc;
    storeCol4(cp, ldc, s0, loadC);
    if (n > 1) storeCol4(cp + 4, ldc, s1, loadC);
    if (n > 2) storeCol4(cp + 8, ldc, s2, loadC);
    i += 4;
  }
  for (; i < m; i++) {
    for (let j = 0; j < n; j++) {
      gemm_1x1(a + (<usize>i << 2), lda, b + (<usize>j << 2), ldb, c + <usize>i * ldc + (<usize>j << 2), k, 0, loadC);
    }
  }
}
