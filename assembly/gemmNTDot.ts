// gemmNT's pack-free path: dot products along k, where both operands are contiguous (A's rows and
// B's rows), in tiles of 2 or 1 rows of A × 4 rows of B, each reduced by a horizontal sum. Its sums
// group the products by lane, so they differ from the other paths' by ~1 ulp.

import { ZERO, madd, hsum } from "./simd";

/** [Σv0, Σv1, Σv2, Σv3] */
// @ts-ignore: decorator
@inline
function hsum4(v0: v128, v1: v128, v2: v128, v3: v128): v128 {
  const u0 = f32x4.add(v128.shuffle<f32>(v0, v1, 0, 4, 1, 5), v128.shuffle<f32>(v0, v1, 2, 6, 3, 7));
  const u1 = f32x4.add(v128.shuffle<f32>(v2, v3, 0, 4, 1, 5), v128.shuffle<f32>(v2, v3, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(u0, u1, 0, 1, 4, 5), v128.shuffle<f32>(u0, u1, 2, 3, 6, 7));
}

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

export function gemmNTDot(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32, loadC: bool): void {
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
