// GEMM with k <= 4 (the nnfs inputs have k = 2): C row panels with B's k rows (or Bᵀ's, gathered,
// for gemmNT) held in registers across a block of rows, and for gemmNN's k = 1 and wide k = 2 whole
// rows of C streamed past splats of A.

import { ZERO, madd } from "./simd";

/** rows per panel: C panel rows stay in L1 between 8-column passes (2 KB row strides alias L1 sets) */
const SMALLK_ROWS = 32;

/** B(p, j..j+4) as a vector; NN: row p of B (k×n), NT: column p of B (n×k), gathered */
// @ts-ignore: decorator
@inline
function bvec(b: usize, nt: bool, n: i32, k: i32, p: i32, j: i32): v128 {
  if (p >= k) return ZERO;
  if (nt) {
    const q = b + ((<usize>j * <usize>k + <usize>p) << 2), s = <usize>k << 2;
    return f32x4(load<f32>(q), load<f32>(q + s), load<f32>(q + 2 * s), load<f32>(q + 3 * s));
  }
  return v128.load(b + ((<usize>p * <usize>n + <usize>j) << 2));
}

// @ts-ignore: decorator
@inline
function belem(b: usize, nt: bool, n: i32, k: i32, p: i32, j: i32): f32 {
  return nt ? load<f32>(b + ((<usize>j * <usize>k + <usize>p) << 2)) : load<f32>(b + ((<usize>p * <usize>n + <usize>j) << 2));
}

/** rows of a small-k panel, 8 columns; K is a literal at each call site so its tests fold away */
// @ts-ignore: decorator
@inline
function smallkRows8(K: i32, ar: usize, cr: usize, ldc: usize, rows: i32, loadC: bool, hasBias: bool, zl: v128, zh: v128,
  b0l: v128, b0h: v128, b1l: v128, b1h: v128, b2l: v128, b2h: v128, b3l: v128, b3h: v128): void {
  const lda = <usize>K << 2;
  for (let r = 0; r < rows; r++) {
    let lo = zl, hi = zh;
    if (loadC) {
      lo = v128.load(cr); hi = v128.load(cr, 16);
      if (hasBias) { lo = f32x4.add(lo, zl); hi = f32x4.add(hi, zh); }
    }
    if (K > 0) { const s = v128.load32_splat(ar); lo = madd(s, b0l, lo); hi = madd(s, b0h, hi); }
    if (K > 1) { const s = v128.load32_splat(ar, 4); lo = madd(s, b1l, lo); hi = madd(s, b1h, hi); }
    if (K > 2) { const s = v128.load32_splat(ar, 8); lo = madd(s, b2l, lo); hi = madd(s, b2h, hi); }
    if (K > 3) { const s = v128.load32_splat(ar, 12); lo = madd(s, b3l, lo); hi = madd(s, b3h, hi); }
    v128.store(cr, lo); v128.store(cr, hi, 16);
    ar += lda; cr += ldc;
  }
}

/** C (+)= A·op(B) (+ bias) for k in [0, 4]; A m×k row-major; op(B) = B (k×n) or Bᵀ (B n×k) */
export function gemmSmallK(a: usize, b: usize, nt: bool, bias: usize, c: usize, m: i32, k: i32, n: i32, accumulate: i32): void {
  const lda = <usize>k << 2, ldc = <usize>n << 2;
  const loadC = accumulate != 0;
  for (let i0 = 0; i0 < m; i0 += SMALLK_ROWS) {
    const i1 = min(i0 + SMALLK_ROWS, m);
    let j = 0;
    for (; j + 8 <= n; j += 8) {
      const b0l = bvec(b, nt, n, k, 0, j), b0h = bvec(b, nt, n, k, 0, j + 4);
      const b1l = bvec(b, nt, n, k, 1, j), b1h = bvec(b, nt, n, k, 1, j + 4);
      const b2l = bvec(b, nt, n, k, 2, j), b2h = bvec(b, nt, n, k, 2, j + 4);
      const b3l = bvec(b, nt, n, k, 3, j), b3h = bvec(b, nt, n, k, 3, j + 4);
      const zl = bias ? v128.load(bias + (<usize>j << 2)) : ZERO;
      const zh = bias ? v128.load(bias + (<usize>j << 2), 16) : ZERO;
      const ar = a + <usize>i0 * lda, cr = c + <usize>i0 * ldc + (<usize>j << 2), rows = i1 - i0;
      if (k == 1) smallkRows8(1, ar, cr, ldc, rows, loadC, bias != 0, zl, zh, b0l, b0h, b1l, b1h, b2l, b2h, b3l, b3h);
      else if (k == 2) smallkRows8(2, ar, cr, ldc, rows, loadC, bias != 0, zl, zh, b0l, b0h, b1l, b1h, b2l, b2h, b3l, b3h);
      else if (k == 3) smallkRows8(3, ar, cr, ldc, rows, loadC, bias != 0, zl, zh, b0l, b0h, b1l, b1h, b2l, b2h, b3l, b3h);
      else smallkRows8(k, ar, cr, ldc, rows, loadC, bias != 0, zl, zh, b0l, b0h, b1l, b1h, b2l, b2h, b3l, b3h);
    }
    if (j + 4 <= n) {
      const b0 = bvec(b, nt, n, k, 0, j), b1 = bvec(b, nt, n, k, 1, j);
      const b2 = bvec(b, nt, n, k, 2, j), b3 = bvec(b, nt, n, k, 3, j);
      const z = bias ? v128.load(bias + (<usize>j << 2)) : ZERO;
      let ar = a + <usize>i0 * lda, cr = c + <usize>i0 * ldc + (<usize>j << 2);
      for (let i = i0; i < i1; i++) {
        let v = z;
        if (loadC) {
          v = v128.load(cr);
          if (bias) v = f32x4.add(v, z);
        }
        if (k > 0) v = madd(v128.load32_splat(ar), b0, v);
        if (k > 1) v = madd(v128.load32_splat(ar, 4), b1, v);
        if (k > 2) v = madd(v128.load32_splat(ar, 8), b2, v);
        if (k > 3) v = madd(v128.load32_splat(ar, 12), b3, v);
        v128.store(cr, v);
        ar += lda; cr += ldc;
      }
      j += 4;
    }
    for (; j < n; j++) {
      const z: f32 = bias ? load<f32>(bias + (<usize>j << 2)) : 0;
      let ar = a + <usize>i0 * lda, cr = c + <usize>i0 * ldc + (<usize>j << 2);
      for (let i = i0; i < i1; i++) {
        let v: f32 = loadC ? load<f32>(cr) : 0;
        if (bias) v += z;
        for (let p = 0; p < k; p++) v += load<f32>(ar + (<usize>p << 2)) * belem(b, nt, n, k, p, j);
        store<f32>(cr, v);
        ar += lda; cr += ldc;
      }
    }
  }
}

/**
 * k = 2 from this many columns on streams whole rows of C (nnSmallKRows: C written sequentially)
 * instead of gemmSmallK's 32-row × 8-column panels; fused.ts's chain mirrors this choice
 */
export const ROWS_MIN_N = 64;

/**
 * gemmNN rows for k = K in [1, 4]: splats of A[i, :] in registers, rows of B streamed from L1, C written
 * sequentially. Used for k = 1, and for k = 2 from ROWS_MIN_N columns, where it beats the register panel of gemmSmallK.
 */
// @ts-ignore: decorator
@inline
export function nnSmallKRows(K: i32, a: usize, b: usize, bias: usize, c: usize, m: i32, n: i32, loadC: bool): void {
  const lda = <usize>K << 2, ldb = <usize>n << 2, ldc = ldb;
  const b1 = b + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
  const n8 = n & ~7;
  let ar = a, cr = c;
  for (let i = 0; i < m; i++) {
    const s0 = v128.load32_splat(ar);
    const s1 = K > 1 ? v128.load32_splat(ar, 4) : ZERO;
    const s2 = K > 2 ? v128.load32_splat(ar, 8) : ZERO;
    const s3 = K > 3 ? v128.load32_splat(ar, 12) : ZERO;
    let j = 0;
    for (; j < n8; j += 8) {
      const o = <usize>j << 2;
      let lo: v128, hi: v128;
      if (loadC) {
        lo = v128.load(cr + o); hi = v128.load(cr + o, 16);
        if (bias) { lo = f32x4.add(lo, v128.load(bias + o)); hi = f32x4.add(hi, v128.load(bias + o, 16)); }
      } else if (bias) {
        lo = v128.load(bias + o); hi = v128.load(bias + o, 16);
      } else {
        lo = ZERO; hi = ZERO;
      }
      lo = madd(s0, v128.load(b + o), lo); hi = madd(s0, v128.load(b + o, 16), hi);
      if (K > 1) { lo = madd(s1, v128.load(b1 + o), lo); hi = madd(s1, v128.load(b1 + o, 16), hi); }
      if (K > 2) { lo = madd(s2, v128.load(b2 + o), lo); hi = madd(s2, v128.load(b2 + o, 16), hi); }
      if (K > 3) { lo = madd(s3, v128.load(b3 + o), lo); hi = madd(s3, v128.load(b3 + o, 16), hi); }
      v128.store(cr + o, lo); v128.store(cr + o, hi, 16);
    }
    for (; j < n; j++) {
      const o = <usize>j << 2;
      let v: f32 = loadC ? load<f32>(cr + o) : 0;
      if (bias) v = loadC ? v + load<f32>(bias + o) : load<f32>(bias + o);
      v += load<f32>(ar) * load<f32>(b + o);
      if (K > 1) v += load<f32>(ar, 4) * load<f32>(b1 + o);
      if (K > 2) v += load<f32>(ar, 8) * load<f32>(b2 + o);
      if (K > 3) v += load<f32>(ar, 12) * load<f32>(b3 + o);
      store<f32>(cr + o, v);
    }
    ar += lda; cr += ldc;
  }
}

export function nn_k1(a: usize, b: usize, bias: usize, c: usize, m: i32, n: i32, loadC: bool): void {
  nnSmallKRows(1, a, b, bias, c, m, n, loadC);
}
