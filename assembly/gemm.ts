// GEMM kernels (row-major, f32) with f32x4 register tiles: packed panels from 16 rows of C on (see
// "packed path" below), pack-free direct paths for small and skinny shapes.
//
//   gemmNN: C = A·B (+ bias), A m×k, B k×n        gemmTN: C = Aᵀ·B, A k×m, B k×n
//   gemmNT: C = A·Bᵀ, A m×k, B n×k                 colSums: out[j] = Σ_r x[r][j]
//
// accumulate != 0 adds into C. Micro-kernels are named by tile shape (rows × columns of C).
// The broadcast ("splat") tiles read A through two byte strides (rsa between rows of C, csa
// between steps of k), so one set of tiles serves gemmNN (rsa = 4k, csa = 4) and gemmTN
// (rsa = 4, csa = 4m). Each lane accumulates over p in order, starting from (C or 0) + bias.
//
// In the relaxed build (ASC_FEATURE_RELAXED_SIMD) vector accumulations use f32x4.relaxed_madd
// (fused where the hardware has FMA); the baseline build uses mul + add and is deterministic.

import { mix32x4, streamInputx4, streamBits } from "./random";

const ZERO: v128 = f32x4(0, 0, 0, 0);

/** c + a·b, fused in the relaxed build */
// @ts-ignore: decorator
@inline
export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_madd(a, b, c);
  } else {
    return f32x4.add(f32x4.mul(a, b), c);
  }
}

// @ts-ignore: decorator
@inline
export function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/** [Σv0, Σv1, Σv2, Σv3] */
// @ts-ignore: decorator
@inline
function hsum4(v0: v128, v1: v128, v2: v128, v3: v128): v128 {
  const u0 = f32x4.add(v128.shuffle<f32>(v0, v1, 0, 4, 1, 5), v128.shuffle<f32>(v0, v1, 2, 6, 3, 7));
  const u1 = f32x4.add(v128.shuffle<f32>(v2, v3, 0, 4, 1, 5), v128.shuffle<f32>(v2, v3, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(u0, u1, 0, 1, 4, 5), v128.shuffle<f32>(u0, u1, 2, 3, 6, 7));
}

/** initial accumulator, as the twin: C + bias, C, bias or 0 */
// @ts-ignore: decorator
@inline
function init4(c: usize, bias: usize, loadC: bool): v128 {
  if (!loadC) return bias ? v128.load(bias) : ZERO;
  const v = v128.load(c);
  return bias ? f32x4.add(v, v128.load(bias)) : v;
}

// @ts-ignore: decorator
@inline
function init1(c: usize, bias: usize, loadC: bool): f32 {
  if (!loadC) return bias ? load<f32>(bias) : 0;
  const v = load<f32>(c);
  return bias ? v + load<f32>(bias) : v;
}

/** k-block of the splat tiles: keeps the B panel (8 columns × KC rows) in L1 */
const KC = 256;

// ================================================================================================
// splat tiles: C[r, 0..w) (+)= Σ_p A(r, p) B[p, 0..w)
// ================================================================================================

function gemm_4x8(a: usize, rsa: usize, csa: usize, b: usize, ldb: usize, c: usize, ldc: usize, k: i32, bias: usize, loadC: bool): void {
  const c1 = c + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
  let c00 = init4(c, bias, loadC), c01 = init4(c + 16, bias ? bias + 16 : 0, loadC);
  let c10 = init4(c1, bias, loadC), c11 = init4(c1 + 16, bias ? bias + 16 : 0, loadC);
  let c20 = init4(c2, bias, loadC), c21 = init4(c2 + 16, bias ? bias + 16 : 0, loadC);
  let c30 = init4(c3, bias, loadC), c31 = init4(c3 + 16, bias ? bias + 16 : 0, loadC);
  let a0 = a, a1 = a + rsa, a2 = a1 + rsa, a3 = a2 + rsa;
  for (let p = 0; p < k; p++) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    let s = v128.load32_splat(a0);
    c00 = madd(s, b0, c00); c01 = madd(s, b1, c01);
    s = v128.load32_splat(a1);
    c10 = madd(s, b0, c10); c11 = madd(s, b1, c11);
    s = v128.load32_splat(a2);
    c20 = madd(s, b0, c20); c21 = madd(s, b1, c21);
    s = v128.load32_splat(a3);
    c30 = madd(s, b0, c30); c31 = madd(s, b1, c31);
    a0 += csa; a1 += csa; a2 += csa; a3 += csa; b += ldb;
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c1, c10); v128.store(c1, c11, 16);
  v128.store(c2, c20); v128.store(c2, c21, 16);
  v128.store(c3, c30); v128.store(c3, c31, 16);
}

function gemm_4x4(a: usize, rsa: usize, csa: usize, b: usize, ldb: usize, c: usize, ldc: usize, k: i32, bias: usize, loadC: bool): void {
  const c1 = c + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
  let c00 = init4(c, bias, loadC), c10 = init4(c1, bias, loadC);
  let c20 = init4(c2, bias, loadC), c30 = init4(c3, bias, loadC);
  let a0 = a, a1 = a + rsa, a2 = a1 + rsa, a3 = a2 + rsa;
  for (let p = 0; p < k; p++) {
    const b0 = v128.load(b);
    c00 = madd(v128.load32_splat(a0), b0, c00);
    c10 = madd(v128.load32_splat(a1), b0, c10);
    c20 = madd(v128.load32_splat(a2), b0, c20);
    c30 = madd(v128.load32_splat(a3), b0, c30);
    a0 += csa; a1 += csa; a2 += csa; a3 += csa; b += ldb;
  }
  v128.store(c, c00); v128.store(c1, c10); v128.store(c2, c20); v128.store(c3, c30);
}

function gemm_2x8(a: usize, rsa: usize, csa: usize, b: usize, ldb: usize, c: usize, ldc: usize, k: i32, bias: usize, loadC: bool): void {
  const c1 = c + ldc;
  let c00 = init4(c, bias, loadC), c01 = init4(c + 16, bias ? bias + 16 : 0, loadC);
  let c10 = init4(c1, bias, loadC), c11 = init4(c1 + 16, bias ? bias + 16 : 0, loadC);
  let a0 = a, a1 = a + rsa;
  for (let p = 0; p < k; p++) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    let s = v128.load32_splat(a0);
    c00 = madd(s, b0, c00); c01 = madd(s, b1, c01);
    s = v128.load32_splat(a1);
    c10 = madd(s, b0, c10); c11 = madd(s, b1, c11);
    a0 += csa; a1 += csa; b += ldb;
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c1, c10); v128.store(c1, c11, 16);
}

function gemm_2x4(a: usize, rsa: usize, csa: usize, b: usize, ldb: usize, c: usize, ldc: usize, k: i32, bias: usize, loadC: bool): void {
  const c1 = c + ldc;
  let c00 = init4(c, bias, loadC), c10 = init4(c1, bias, loadC);
  let a0 = a, a1 = a + rsa;
  for (let p = 0; p < k; p++) {
    const b0 = v128.load(b);
    c00 = madd(v128.load32_splat(a0), b0, c00);
    c10 = madd(v128.load32_splat(a1), b0, c10);
    a0 += csa; a1 += csa; b += ldb;
  }
  v128.store(c, c00); v128.store(c1, c10);
}

function gemm_1x8(a: usize, csa: usize, b: usize, ldb: usize, c: usize, k: i32, bias: usize, loadC: bool): void {
  let c00 = init4(c, bias, loadC), c01 = init4(c + 16, bias ? bias + 16 : 0, loadC);
  for (let p = 0; p < k; p++) {
    const s = v128.load32_splat(a);
    c00 = madd(s, v128.load(b), c00); c01 = madd(s, v128.load(b, 16), c01);
    a += csa; b += ldb;
  }
  v128.store(c, c00); v128.store(c, c01, 16);
}

function gemm_1x4(a: usize, csa: usize, b: usize, ldb: usize, c: usize, k: i32, bias: usize, loadC: bool): void {
  let c00 = init4(c, bias, loadC);
  for (let p = 0; p < k; p++) {
    c00 = madd(v128.load32_splat(a), v128.load(b), c00);
    a += csa; b += ldb;
  }
  v128.store(c, c00);
}

/** one element: C (+)= Σ_p A(p)·B(p) with strides csa, ldb (scalar, same order as the tiles) */
function gemm_1x1(a: usize, csa: usize, b: usize, ldb: usize, c: usize, k: i32, bias: usize, loadC: bool): void {
  let acc = init1(c, bias, loadC);
  for (let p = 0; p < k; p++) {
    acc += load<f32>(a) * load<f32>(b);
    a += csa; b += ldb;
  }
  store<f32>(c, acc);
}

/** C (+)= A·B (+ bias) with A(i, p) at a + i·rsa + p·csa, B row-major k×n, through splat tiles */
function gemmSplat(a: usize, rsa: usize, csa: usize, b: usize, bias: usize, c: usize, m: i32, k: i32, n: i32, accumulate: i32): void {
  const ldb = <usize>n << 2, ldc = ldb;
  for (let p0 = 0; p0 < k; p0 += KC) {
    const kc = min(KC, k - p0);
    const loadC = accumulate != 0 || p0 > 0;
    const bb: usize = p0 == 0 ? bias : 0;
    const ap = a + <usize>p0 * csa, bp = b + <usize>p0 * ldb;
    let j = 0;
    for (; j + 8 <= n; j += 8) {
      const bj = bp + (<usize>j << 2), cj = c + (<usize>j << 2), biasj: usize = bb ? bb + (<usize>j << 2) : 0;
      let i = 0;
      for (; i + 4 <= m; i += 4) gemm_4x8(ap + <usize>i * rsa, rsa, csa, bj, ldb, cj + <usize>i * ldc, ldc, kc, biasj, loadC);
      if (i + 2 <= m) { gemm_2x8(ap + <usize>i * rsa, rsa, csa, bj, ldb, cj + <usize>i * ldc, ldc, kc, biasj, loadC); i += 2; }
      if (i < m) gemm_1x8(ap + <usize>i * rsa, csa, bj, ldb, cj + <usize>i * ldc, kc, biasj, loadC);
    }
    if (j + 4 <= n) {
      const bj = bp + (<usize>j << 2), cj = c + (<usize>j << 2), biasj: usize = bb ? bb + (<usize>j << 2) : 0;
      let i = 0;
      for (; i + 4 <= m; i += 4) gemm_4x4(ap + <usize>i * rsa, rsa, csa, bj, ldb, cj + <usize>i * ldc, ldc, kc, biasj, loadC);
      if (i + 2 <= m) { gemm_2x4(ap + <usize>i * rsa, rsa, csa, bj, ldb, cj + <usize>i * ldc, ldc, kc, biasj, loadC); i += 2; }
      if (i < m) gemm_1x4(ap + <usize>i * rsa, csa, bj, ldb, cj + <usize>i * ldc, kc, biasj, loadC);
      j += 4;
    }
    for (; j < n; j++) {
      const bj = bp + (<usize>j << 2), cj = c + (<usize>j << 2), biasj: usize = bb ? bb + (<usize>j << 2) : 0;
      for (let i = 0; i < m; i++) gemm_1x1(ap + <usize>i * rsa, csa, bj, ldb, cj + <usize>i * ldc, kc, biasj, loadC);
    }
  }
}

// ================================================================================================
// small k (k <= 4): C row panels, B^T vectors held in registers across a block of rows
// ================================================================================================

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
function gemmSmallK(a: usize, b: usize, nt: bool, bias: usize, c: usize, m: i32, k: i32, n: i32, accumulate: i32): void {
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
 * gemmNN rows for k = K in [1, 4]: splats of A[i, :] in registers, rows of B streamed from L1, C written
 * sequentially. Used for k = 1, and for k = 2 from ROWS_MIN_N columns, where it beats the register panel of gemmSmallK.
 */
// @ts-ignore: decorator
@inline
function nnSmallKRows(K: i32, a: usize, b: usize, bias: usize, c: usize, m: i32, n: i32, loadC: bool): void {
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

function nn_k1(a: usize, b: usize, bias: usize, c: usize, m: i32, n: i32, loadC: bool): void {
  nnSmallKRows(1, a, b, bias, c, m, n, loadC);
}

// ================================================================================================
// gemmNN with n < 4: dot products of A rows with the (deinterleaved) columns of B
// ================================================================================================

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

function nn_n1(a: usize, b: usize, bias: usize, c: usize, m: i32, k: i32, loadC: bool): void {
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

function nn_n2(a: usize, b: usize, bias: usize, c: usize, m: i32, k: i32, loadC: bool): void {
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

function nn_n3(a: usize, b: usize, bias: usize, c: usize, m: i32, k: i32, loadC: bool): void {
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

// ================================================================================================
// gemmTN with n < 4: vectorize along m (rows of A are contiguous along m)
// ================================================================================================

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

function tn_smalln(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32, loadC: bool): void {
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

// ================================================================================================
// gemmNT: dot products along k (both operands contiguous along k)
// ================================================================================================

// @ts-ignore: decorator
@inline
function tailDot(x: usize, y: usize, p0: i32, k: i32): f32 {
  let s: f32 = 0;
  for (let p = p0; p < k; p++) s += load<f32>(x + (<usize>p << 2)) * load<f32>(y + (<usize>p << 2));
  return s;
}

/** rows a0, a1 of A against rows y0..y3 of B -> C[0, 0..4), C[1, 0..4) */
function nt_2x4(a0: usize, a1: usize, y0: usize, ldb: usize, c: usize, ldc: usize, k: i32, loadC: bool): void {
  const y1 = y0 + ldb, y2 = y1 + ldb, y3 = y2 + ldb;
  const k4 = k & ~3;
  let c00 = ZERO, c01 = ZERO, c02 = ZERO, c03 = ZERO, c10 = ZERO, c11 = ZERO, c12 = ZERO, c13 = ZERO;
  for (let p = 0; p < k4; p += 4) {
    const o = <usize>p << 2;
    const x0 = v128.load(a0 + o), x1 = v128.load(a1 + o);
    let y = v128.load(y0 + o); c00 = madd(x0, y, c00); c10 = madd(x1, y, c10);
    y = v128.load(y1 + o); c01 = madd(x0, y, c01); c11 = madd(x1, y, c11);
    y = v128.load(y2 + o); c02 = madd(x0, y, c02); c12 = madd(x1, y, c12);
    y = v128.load(y3 + o); c03 = madd(x0, y, c03); c13 = madd(x1, y, c13);
  }
  let r0 = hsum4(c00, c01, c02, c03), r1 = hsum4(c10, c11, c12, c13);
  if (k4 < k) {
    r0 = f32x4.add(r0, f32x4(tailDot(a0, y0, k4, k), tailDot(a0, y1, k4, k), tailDot(a0, y2, k4, k), tailDot(a0, y3, k4, k)));
    r1 = f32x4.add(r1, f32x4(tailDot(a1, y0, k4, k), tailDot(a1, y1, k4, k), tailDot(a1, y2, k4, k), tailDot(a1, y3, k4, k)));
  }
  if (loadC) { r0 = f32x4.add(v128.load(c), r0); r1 = f32x4.add(v128.load(c + ldc), r1); }
  v128.store(c, r0); v128.store(c + ldc, r1);
}

function nt_1x4(a0: usize, y0: usize, ldb: usize, c: usize, k: i32, loadC: bool): void {
  const y1 = y0 + ldb, y2 = y1 + ldb, y3 = y2 + ldb;
  const k4 = k & ~3;
  let c00 = ZERO, c01 = ZERO, c02 = ZERO, c03 = ZERO;
  for (let p = 0; p < k4; p += 4) {
    const o = <usize>p << 2;
    const x0 = v128.load(a0 + o);
    c00 = madd(x0, v128.load(y0 + o), c00);
    c01 = madd(x0, v128.load(y1 + o), c01);
    c02 = madd(x0, v128.load(y2 + o), c02);
    c03 = madd(x0, v128.load(y3 + o), c03);
  }
  let r0 = hsum4(c00, c01, c02, c03);
  if (k4 < k) {
    r0 = f32x4.add(r0, f32x4(tailDot(a0, y0, k4, k), tailDot(a0, y1, k4, k), tailDot(a0, y2, k4, k), tailDot(a0, y3, k4, k)));
  }
  if (loadC) r0 = f32x4.add(v128.load(c), r0);
  v128.store(c, r0);
}

function nt_1x1(a0: usize, y0: usize, c: usize, k: i32, loadC: bool): void {
  const k4 = k & ~3;
  let s0 = ZERO, s1 = ZERO;
  let p = 0;
  for (; p + 8 <= k4; p += 8) {
    const o = <usize>p << 2;
    s0 = madd(v128.load(a0 + o), v128.load(y0 + o), s0);
    s1 = madd(v128.load(a0 + o, 16), v128.load(y0 + o, 16), s1);
  }
  if (p < k4) {
    const o = <usize>p << 2;
    s0 = madd(v128.load(a0 + o), v128.load(y0 + o), s0);
  }
  let r = hsum(f32x4.add(s0, s1)) + tailDot(a0, y0, k4, k);
  if (loadC) r = load<f32>(c) + r;
  store<f32>(c, r);
}

function gemmNTDot(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32, loadC: bool): void {
  const lda = <usize>k << 2, ldb = lda, ldc = <usize>n << 2;
  // block of B rows kept hot in L1 while all rows of A stream past
  const jb = max(4, min(64, (4096 / k) & ~3));
  for (let j0 = 0; j0 < n; j0 += jb) {
    const j1 = min(j0 + jb, n);
    let i = 0;
    for (; i + 2 <= m; i += 2) {
      const a0 = a + <usize>i * lda, a1 = a0 + lda;
      const cr = c + <usize>i * ldc;
      let j = j0;
      for (; j + 4 <= j1; j += 4) nt_2x4(a0, a1, b + <usize>j * ldb, ldb, cr + (<usize>j << 2), ldc, k, loadC);
      for (; j < j1; j++) {
        nt_1x1(a0, b + <usize>j * ldb, cr + (<usize>j << 2), k, loadC);
        nt_1x1(a1, b + <usize>j * ldb, cr + ldc + (<usize>j << 2), k, loadC);
      }
    }
    if (i < m) {
      const a0 = a + <usize>i * lda;
      const cr = c + <usize>i * ldc;
      let j = j0;
      for (; j + 4 <= j1; j += 4) nt_1x4(a0, b + <usize>j * ldb, ldb, cr + (<usize>j << 2), k, loadC);
      for (; j < j1; j++) nt_1x1(a0, b + <usize>j * ldb, cr + (<usize>j << 2), k, loadC);
    }
  }
}

// ================================================================================================
// packed path (BLIS / XNNPACK style): B packed into 8-column panels [p][8], A into 4-row panels
// [p][4], both in the backend's scratch (gemmScratch); one 4×8 micro-kernel serves all three forms,
// the packing routines absorb the transpositions. Each element still accumulates over p in order,
// starting from (C or 0) + bias, so the result is the same as the splat tiles'.
// ================================================================================================

/** k block: an A panel (4 KB) and a B panel (8 KB) sit in L1 while a tile accumulates */
const PKC = 256;
/** rows of A per packed block (64 KB, L2) */
const PMC = 64;
/** columns of B per packed block (512 KB, L2) */
const PNC = 512;
/** bytes of scratch the packed path needs: B block, A block, one edge tile */
const GEMM_SCRATCH_BYTES: i32 = (PKC * PNC + PMC * PKC + 64) * 4;
/** below this many rows of C (or columns), packing costs more than it saves */
const PACK_MIN_M = 16;

let scratch: usize = 0;
let scratchBytes: usize = 0;

/** the scratch block the packed path uses (TS allocates it once per backend); 0 disables packing */
export function gemmScratch(ptr: usize, bytes: i32): void {
  scratch = ptr;
  scratchBytes = <usize>max(bytes, 0);
}

/** bytes of scratch the packed GEMM path wants */
export function gemmScratchBytes(): i32 {
  return GEMM_SCRATCH_BYTES;
}

// @ts-ignore: decorator
@inline
function canPack(): bool {
  return scratch != 0 && scratchBytes >= <usize>GEMM_SCRATCH_BYTES;
}

/** 4×4 transpose of rows x0..x3 into columns, stored at d, d + s, d + 2s, d + 3s */
// @ts-ignore: decorator
@inline
function storeT4(d: usize, s: usize, x0: v128, x1: v128, x2: v128, x3: v128): void {
  const u0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5), u1 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);
  const u2 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7), u3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
  v128.store(d, v128.shuffle<f32>(u0, u1, 0, 1, 4, 5));
  v128.store(d + s, v128.shuffle<f32>(u0, u1, 2, 3, 6, 7));
  v128.store(d + 2 * s, v128.shuffle<f32>(u2, u3, 0, 1, 4, 5));
  v128.store(d + 3 * s, v128.shuffle<f32>(u2, u3, 2, 3, 6, 7));
}

/**
 * M(x, p) at m + x·xs + p·ps, x < count, p < kc -> panels of W consecutive x laid out [p][W],
 * zero-padded. A packs with W = 4 (x = its rows), B with W = 8 (x = its columns); W (4 or 8) is a
 * literal at both call sites, so its tests fold away and the vector paths need no inner loop.
 */
// @ts-ignore: decorator
@inline
function packPanels(W: i32, m: usize, xs: usize, ps: usize, count: i32, kc: i32, dst: usize): void {
  const panelRow = <usize>W << 2;
  for (let x = 0; x < count; x += W) {
    const w = min(W, count - x);
    const src = m + <usize>x * xs;
    if (w == W && xs == 4) {
      // the panel's W values sit side by side for each p: copy vectors
      let s = src, d = dst;
      for (let p = 0; p < kc; p++) {
        v128.store(d, v128.load(s));
        if (W == 8) v128.store(d, v128.load(s, 16), 16);
        s += ps; d += panelRow;
      }
    } else if (w == W && ps == 4) {
      // each x runs along p in memory (A of gemmNN, B of gemmNT): transpose 4×4 blocks
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const r0 = src + (<usize>p << 2), d = dst + <usize>p * panelRow;
        storeT4(d, panelRow, v128.load(r0), v128.load(r0 + xs), v128.load(r0 + 2 * xs), v128.load(r0 + 3 * xs));
        if (W == 8) {
          const r4 = r0 + 4 * xs;
          storeT4(d + 16, panelRow, v128.load(r4), v128.load(r4 + xs), v128.load(r4 + 2 * xs), v128.load(r4 + 3 * xs));
        }
      }
      for (; p < kc; p++) {
        const d = dst + <usize>p * panelRow, s = src + (<usize>p << 2);
        for (let v = 0; v < W; v++) store<f32>(d + (<usize>v << 2), load<f32>(s + <usize>v * xs));
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const d = dst + <usize>p * panelRow, s = src + <usize>p * ps;
        for (let v = 0; v < W; v++) store<f32>(d + (<usize>v << 2), v < w ? load<f32>(s + <usize>v * xs) : 0);
      }
    }
    dst += <usize>kc * panelRow;
  }
}

/** the packed micro-kernel: C[0..4, 0..8) (+)= Ap[kc][4] · Bp[kc][8], initialized as init4 */
// @ts-ignore: decorator
@inline
function gemm_4x8_packed(ap: usize, bp: usize, kc: i32, c: usize, ldc: usize, bias: usize, loadC: bool): void {
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
    gemm_4x8_packed(ap, bp, kc, c, ldc, bias, loadC);
    ap += apStep; c += cStep;
  }
}

// ---- epilogues: ReLU, then the dropout mask (applied once a tile's k-sum is complete) ----------

/** 0: none, 1: ReLU, 2: ReLU then dropout; set by the fused kernels around one GEMM call */
let epiMode: i32 = 0;
let epiKey: u32 = 0;
let epiThreshold: u32 = 0;
let epiScale: f32 = 1;
/** columns of the full output: element (i, j) draws mask bits for index i·epiCols + j */
let epiCols: i32 = 0;

function setEpilogue(mode: i32, key: u32, threshold: u32, scale: f32, cols: i32): void {
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
function epilogueBlock(c: usize, ldc: usize, i0: i32, h: i32, j0: i32, w: i32): void {
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

/**
 * C (+)= A·B (+ bias) through packed panels; A(i, p) at a + i·rsa + p·csa, B(p, j) at
 * b + p·rsb + j·csb, C row-major m×n. Needs canPack().
 */
function gemmPacked(a: usize, rsa: usize, csa: usize, b: usize, rsb: usize, csb: usize, bias: usize, c: usize, m: i32, k: i32, n: i32, accumulate: i32): void {
  const ldc = <usize>n << 2;
  const bpack = scratch, apack = scratch + <usize>(PKC * PNC * 4), tile = apack + <usize>(PMC * PKC * 4);
  for (let j0 = 0; j0 < n; j0 += PNC) {
    const nc = min(PNC, n - j0);
    for (let p0 = 0; p0 < k; p0 += PKC) {
      const kc = min(PKC, k - p0);
      const loadC = accumulate != 0 || p0 > 0;
      const last = p0 + kc >= k;
      const bb: usize = p0 == 0 && bias ? bias + (<usize>j0 << 2) : 0;
      packPanels(8, b + <usize>p0 * rsb + <usize>j0 * csb, csb, rsb, nc, kc, bpack);
      for (let i0 = 0; i0 < m; i0 += PMC) {
        const mc = min(PMC, m - i0);
        packPanels(4, a + <usize>i0 * rsa + <usize>p0 * csa, rsa, csa, mc, kc, apack);
        for (let j = 0; j < nc; j += 8) {
          const w = min(8, nc - j);
          const bp = bpack + <usize>j * <usize>kc * 4;
          const biasj: usize = bb ? bb + (<usize>j << 2) : 0;
          const full = w == 8 ? mc >> 2 : 0;
          if (full) {
            const cp = c + <usize>i0 * ldc + (<usize>(j0 + j) << 2);
            gemm_4x8_packed_column(apack, bp, kc, cp, ldc, biasj, loadC, full);
            if (last && epiMode) epilogueBlock(cp, ldc, i0, full << 2, j0 + j, 8);
          }
          // edge tiles (under 4 rows or 8 columns): through a 4×8 tile in scratch, initialized as init4 would
          for (let i = full << 2; i < mc; i += 4) {
            const h = min(4, mc - i);
            const ap = apack + <usize>i * <usize>kc * 4;
            const cp = c + <usize>(i0 + i) * ldc + (<usize>(j0 + j) << 2);
            for (let r = 0; r < 4; r++) {
              for (let jj = 0; jj < 8; jj++) {
                let v: f32 = 0;
                if (r < h && jj < w) v = init1(cp + <usize>r * ldc + (<usize>jj << 2), biasj ? biasj + (<usize>jj << 2) : 0, loadC);
                store<f32>(tile + <usize>(r * 32 + jj * 4), v);
              }
            }
            gemm_4x8_packed_column(ap, bp, kc, tile, 32, 0, true, 1);
            for (let r = 0; r < h; r++)
              for (let jj = 0; jj < w; jj++) store<f32>(cp + <usize>r * ldc + (<usize>jj << 2), load<f32>(tile + <usize>(r * 32 + jj * 4)));
            if (last && epiMode) epilogueBlock(cp, ldc, i0 + i, h, j0 + j, w);
          }
        }
      }
    }
  }
}

// ================================================================================================
// exported kernels
// ================================================================================================

/**
 * C = A·B (+ bias broadcast over rows when bias != 0); A m×k, B k×n, bias n.
 * k = 1: row streaming; k <= 4: register panels of B; n <= 3: dot products against deinterleaved
 * columns of B; otherwise the 4×8 splat tiles.
 */
export function gemmNN(a: usize, b: usize, bias: usize, c: usize, m: i32, k: i32, n: i32, accumulate: i32): void {
  if (m <= 0 || n <= 0) return;
  if (nnPacked(m, k, n)) gemmPacked(a, <usize>k << 2, 4, b, <usize>n << 2, 4, bias, c, m, k, n, accumulate);
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

/**
 * k = 2 from this many columns on streams whole rows of C (nnSmallKRows: C written sequentially)
 * instead of gemmSmallK's 32-row × 8-column panels; src/fused.ts's chain mirrors this choice
 */
export const ROWS_MIN_N = 64;

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
  setEpilogue(threshold != 0 || scale != 1 ? 2 : 1, key, threshold, scale, n);
  if (nnPacked(m, k, n)) {
    gemmPacked(a, <usize>k << 2, 4, b, <usize>n << 2, 4, bias, c, m, k, n, 0);
  } else {
    const lda = <usize>max(k, 0) << 2, ldc = <usize>n << 2;
    for (let i0 = 0; i0 < m; i0 += EPI_ROWS) {
      const rows = min(EPI_ROWS, m - i0);
      gemmNNDirect(a + <usize>i0 * lda, b, bias, c + <usize>i0 * ldc, rows, k, n, 0);
      epilogueBlock(c + <usize>i0 * ldc, ldc, i0, rows, 0, n);
    }
  }
  epiMode = 0;
}

/** C = Aᵀ·B; A is k×m, B is k×n. n <= 3: vectorized along m; otherwise the 4×8 splat tiles. */
export function gemmTN(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32, accumulate: i32): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) { if (!accumulate) zeroFill(c, m * n); return; }
  if (n < 4) tn_smalln(a, b, c, m, k, n, accumulate != 0);
  else if (m >= PACK_MIN_M && canPack()) gemmPacked(a, 4, <usize>m << 2, b, <usize>n << 2, 4, 0, c, m, k, n, accumulate);
  else gemmSplat(a, 4, <usize>m << 2, b, 0, c, m, k, n, accumulate);
}

/** C = A·Bᵀ; A is m×k, B is n×k. k <= 4: register panels of Bᵀ (gathered); otherwise 2×4 dot tiles. */
export function gemmNT(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32, accumulate: i32): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 4) gemmSmallK(a, b, true, 0, c, m, max(k, 0), n, accumulate);
  else if (m >= PACK_MIN_M && n >= 4 && canPack()) gemmPacked(a, <usize>k << 2, 4, b, 4, <usize>k << 2, 0, c, m, k, n, accumulate);
  else gemmNTDot(a, b, c, m, k, n, accumulate != 0);
}

function zeroFill(c: usize, count: i32): void {
  if (count > 0) memory.fill(c, 0, <usize>count << 2);
}

/** out[j] = Σ_r x[r][j] (+ out[j] when accumulate) */
export function colSums(x: usize, out: usize, rows: i32, cols: i32, accumulate: i32): void {
  if (cols <= 0) return;
  const loadC = accumulate != 0;
  const ld = <usize>cols << 2;
  if (cols >= 4) {
    let j = 0;
    for (; j + 16 <= cols; j += 16) {
      let s0 = ZERO, s1 = ZERO, s2 = ZERO, s3 = ZERO;
      let p = x + (<usize>j << 2);
      for (let r = 0; r < rows; r++) {
        s0 = f32x4.add(s0, v128.load(p)); s1 = f32x4.add(s1, v128.load(p, 16));
        s2 = f32x4.add(s2, v128.load(p, 32)); s3 = f32x4.add(s3, v128.load(p, 48));
        p += ld;
      }
      const o = out + (<usize>j << 2);
      if (loadC) {
        s0 = f32x4.add(v128.load(o), s0); s1 = f32x4.add(v128.load(o, 16), s1);
        s2 = f32x4.add(v128.load(o, 32), s2); s3 = f32x4.add(v128.load(o, 48), s3);
      }
      v128.store(o, s0); v128.store(o, s1, 16); v128.store(o, s2, 32); v128.store(o, s3, 48);
    }
    for (; j + 4 <= cols; j += 4) {
      let s0 = ZERO;
      let p = x + (<usize>j << 2);
      for (let r = 0; r < rows; r++) { s0 = f32x4.add(s0, v128.load(p)); p += ld; }
      const o = out + (<usize>j << 2);
      if (loadC) s0 = f32x4.add(v128.load(o), s0);
      v128.store(o, s0);
    }
    for (; j < cols; j++) {
      let s: f32 = 0;
      let p = x + (<usize>j << 2);
      for (let r = 0; r < rows; r++) { s += load<f32>(p); p += ld; }
      const o = out + (<usize>j << 2);
      store<f32>(o, loadC ? load<f32>(o) + s : s);
    }
    return;
  }
  // cols in 1..3: sum the flat array 4 rows at a time (cols vectors), then fold lanes into columns
  let o0: f32 = 0, o1: f32 = 0, o2: f32 = 0;
  let r = 0;
  if (cols == 1) {
    let s0 = ZERO, s1 = ZERO;
    for (; r + 8 <= rows; r += 8) {
      const p = x + (<usize>r << 2);
      s0 = f32x4.add(s0, v128.load(p)); s1 = f32x4.add(s1, v128.load(p, 16));
    }
    o0 = hsum(f32x4.add(s0, s1));
  } else if (cols == 2) {
    let s0 = ZERO, s1 = ZERO;
    for (; r + 4 <= rows; r += 4) {
      const p = x + (<usize>r << 3);
      s0 = f32x4.add(s0, v128.load(p)); s1 = f32x4.add(s1, v128.load(p, 16));
    }
    const s = f32x4.add(s0, s1);
    o0 = f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 2);
    o1 = f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 3);
  } else {
    let s0 = ZERO, s1 = ZERO, s2 = ZERO;
    for (; r + 4 <= rows; r += 4) {
      const p = x + <usize>r * 12;
      s0 = f32x4.add(s0, v128.load(p)); s1 = f32x4.add(s1, v128.load(p, 16)); s2 = f32x4.add(s2, v128.load(p, 32));
    }
    // s0 = [c0 c1 c2 c0], s1 = [c1 c2 c0 c1], s2 = [c2 c0 c1 c2]
    o0 = (f32x4.extract_lane(s0, 0) + f32x4.extract_lane(s0, 3)) + (f32x4.extract_lane(s1, 2) + f32x4.extract_lane(s2, 1));
    o1 = (f32x4.extract_lane(s0, 1) + f32x4.extract_lane(s1, 0)) + (f32x4.extract_lane(s1, 3) + f32x4.extract_lane(s2, 2));
    o2 = (f32x4.extract_lane(s0, 2) + f32x4.extract_lane(s1, 1)) + (f32x4.extract_lane(s2, 0) + f32x4.extract_lane(s2, 3));
  }
  for (; r < rows; r++) {
    const p = x + <usize>r * ld;
    o0 += load<f32>(p);
    if (cols > 1) o1 += load<f32>(p + 4);
    if (cols > 2) o2 += load<f32>(p + 8);
  }
  if (loadC) { o0 = load<f32>(out) + o0; if (cols > 1) o1 = load<f32>(out + 4) + o1; if (cols > 2) o2 = load<f32>(out + 8) + o2; }
  store<f32>(out, o0);
  if (cols > 1) store<f32>(out + 4, o1);
  if (cols > 2) store<f32>(out + 8, o2);
}
