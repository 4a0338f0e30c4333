// Pack-free GEMM register tiles, named by tile shape (rows × columns of C): gemm_4x8 … gemm_1x1.
// C[r, 0..w) (+)= Σ_p A(r, p) B[p, 0..w). The tiles read A through two byte strides (rsa between
// rows of C, csa between steps of k), so one set serves gemmNN (rsa = 4k, csa = 4) and gemmTN
// (rsa = 4, csa = 4m). Each lane accumulates over p in order, starting from (C or 0) + bias.

import { madd, init4, init1 } from "./simd";

/** k-block of the splat tiles: keeps the B panel (8 columns × KC rows) in L1 */
const KC = 256;

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
export function gemm_1x1(a: usize, csa: usize, b: usize, ldb: usize, c: usize, k: i32, bias: usize, loadC: bool): void {
  let acc = init1(c, bias, loadC);
  for (let p = 0; p < k; p++) {
    acc += load<f32>(a) * load<f32>(b);
    a += csa; b += ldb;
  }
  store<f32>(c, acc);
}

/** C (+)= A·B (+ bias) with A(i, p) at a + i·rsa + p·csa, B row-major k×n, through splat tiles */
export function gemmSplat(a: usize, rsa: usize, csa: usize, b: usize, bias: usize, c: usize, m: i32, k: i32, n: i32, accumulate: i32): void {
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
