// The convolution as an implicit GEMM (XNNPACK's indirection idea): the packed GEMM's A panels are
// packed straight from the NHWC image, so the im2col matrix is never written. The packed path
// (gemmPacked.ts: packedLoops with A_IM2COL or A_IM2COL_T) calls these packers where it would call
// packPanels on a cols matrix, and they write the very panels packPanels would write from it, so
// the products are the ones the cols matrix would give, bit for bit.
//
// The image is described by a ConvGeometry record the convolution kernels (conv.ts) write into the
// GEMM scratch at the start of each call. A row of the im2col matrix is an output pixel; its kh·kw
// window positions are c-float segments of the image, and for a stride-1 undilated window whose
// row lies inside the image, the kw segments of one kernel row are one contiguous run of kw·c
// floats. The packers copy runs (or segments) with f32x4 transposes; positions outside the image
// read a 16-byte block of zeros with a zero stride, so no lane needs a test.

import { storeT4 } from "./simd";

/** the convolution's geometry (as in kernels/conv.ts), in the GEMM scratch: x is the image's byte address */
@unmanaged
export class ConvGeometry {
  x: usize;
  h: i32;
  w: i32;
  c: i32;
  kh: i32;
  kw: i32;
  sh: i32;
  sw: i32;
  dh: i32;
  dw: i32;
  padTop: i32;
  padLeft: i32;
  oh: i32;
  ow: i32;
  /** conv2dMaxPoolForward's pooled output (2×2 windows, stride 2): rows and columns (64 bytes in all) */
  poh: i32;
  pow: i32;
}

/** write a geometry record at gp (and 16 zero bytes at zero) */
export function setGeometry(gp: usize, zero: usize, x: usize, h: i32, w: i32, c: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32, oh: i32, ow: i32): void {
  const g = changetype<ConvGeometry>(gp);
  g.x = x; g.h = h; g.w = w; g.c = c; g.kh = kh; g.kw = kw; g.sh = sh; g.sw = sw; g.dh = dh; g.dw = dw;
  g.padTop = padTop; g.padLeft = padLeft; g.oh = oh; g.ow = ow;
  v128.store(zero, i32x4.splat(0));
}

/**
 * Output pixels r0 … r0 + count − 1 → table entries of 16 bytes: the byte address in x of the
 * window's origin pixel (b, i·sh − padTop, j·sw − padLeft) (channel 0; the origin may lie outside
 * the image, the address is then only ever offset back into it), the origin's row and column, and
 * 1 when the whole window lies inside the image. Returns whether every window does.
 */
// @ts-ignore: decorator
@inline
function pixelTable(POOLED: bool, gp: usize, r0: i32, count: i32, table: usize): bool {
  const g = changetype<ConvGeometry>(gp);
  const h = g.h, w = g.w, c = g.c, sh = g.sh, sw = g.sw, ow = POOLED ? g.pow : g.ow, ohw = (POOLED ? g.poh : g.oh) * ow;
  const spanH = (g.kh - 1) * g.dh, spanW = (g.kw - 1) * g.dw;
  // POOLED: row r is position r & 3 of pooled pixel r >> 2's 2×2 window (r0 a multiple of 4), so
  // (b, i, j) counts pooled pixels and the output pixel is (2i + (r & 2) / 2, 2j + (r & 1))
  const q0 = POOLED ? r0 >> 2 : r0;
  let b = q0 / ohw, i = (q0 - b * ohw) / ow, j = q0 - b * ohw - i * ow;
  let e = table, all = true;
  for (let r = 0; r < count; r++, e += 16) {
    const oi = POOLED ? 2 * i + ((r >> 1) & 1) : i, oj = POOLED ? 2 * j + (r & 1) : j;
    const ih0 = oi * sh - g.padTop, iw0 = oj * sw - g.padLeft;
    const inside = ih0 >= 0 && ih0 + spanH < h && iw0 >= 0 && iw0 + spanW < w;
    store<usize>(e, g.x + (<usize>(((b * h + ih0) * w + iw0) * c) << 2));
    store<i32>(e, ih0, 4);
    store<i32>(e, iw0, 8);
    store<i32>(e, <i32>inside, 12);
    all = all && inside;
    if (POOLED && (r & 3) != 3) continue;
    if (++j == ow) {
      j = 0;
      if (++i == (POOLED ? g.poh : g.oh)) { i = 0; b++; }
    }
  }
  return all;
}

/** the byte address in x of window position (pk, qk), channel ch, of the pixel at table entry e; `zero` outside the image */
// @ts-ignore: decorator
@inline
function source(g: ConvGeometry, e: usize, pk: i32, qk: i32, ch: i32, zero: usize): usize {
  const ih = load<i32>(e, 4) + pk * g.dh, iw = load<i32>(e, 8) + qk * g.dw;
  if (!load<i32>(e, 12) && (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w)) return zero;
  return load<usize>(e) + (<usize>((pk * g.dh * g.w + qk * g.dw) * g.c + ch) << 2);
}

/**
 * len consecutive floats from each of four sources → rows [t][4] at d (a 4-row panel); a source
 * equal to `zero` is read with a zero stride (the 16 zero bytes)
 */
// @ts-ignore: decorator
@inline
function copyT4(len: i32, s0: usize, s1: usize, s2: usize, s3: usize, zero: usize, d: usize): void {
  const m0: usize = s0 == zero ? 0 : -1, m1: usize = s1 == zero ? 0 : -1;
  const m2: usize = s2 == zero ? 0 : -1, m3: usize = s3 == zero ? 0 : -1;
  let t = 0;
  for (; t + 4 <= len; t += 4) {
    const o = <usize>t << 2;
    storeT4(d + (o << 2), 16, v128.load(s0 + (o & m0)), v128.load(s1 + (o & m1)), v128.load(s2 + (o & m2)), v128.load(s3 + (o & m3)));
  }
  for (; t < len; t++) {
    const o = <usize>t << 2, dd = d + (o << 2);
    store<f32>(dd, load<f32>(s0 + (o & m0)));
    store<f32>(dd, load<f32>(s1 + (o & m1)), 4);
    store<f32>(dd, load<f32>(s2 + (o & m2)), 8);
    store<f32>(dd, load<f32>(s3 + (o & m3)), 12);
  }
}

/**
 * Rows r0 … r0 + count − 1, columns p0 … p0 + kc − 1 of the im2col matrix of the image at gp →
 * 4-row panels [p][4] at dst, zero-padded past count: what packPanels(4, …) writes from the cols
 * matrix. Each panel walks its columns in runs that are contiguous for all four rows: a window
 * position's c channels, or a kernel row's kw·c floats when the window is stride-1-contiguous
 * (dw = 1) and inside the image for all four.
 */
export function packIm2colRows(gp: usize, r0: i32, count: i32, p0: i32, kc: i32, dst: usize, zero: usize, table: usize): void {
  packRows(false, gp, r0, count, p0, kc, dst, zero, table);
}

/**
 * packIm2colRows for conv2dMaxPoolForward: row r (r0 and count multiples of 4) is position r & 3
 * (row-major) of the 2×2 pooling window of pooled pixel r >> 2, so each 4-row panel is one window
 */
export function packIm2colRowsPooled(gp: usize, r0: i32, count: i32, p0: i32, kc: i32, dst: usize, zero: usize, table: usize): void {
  packRows(true, gp, r0, count, p0, kc, dst, zero, table);
}

// @ts-ignore: decorator
@inline
function packRows(POOLED: bool, gp: usize, r0: i32, count: i32, p0: i32, kc: i32, dst: usize, zero: usize, table: usize): void {
  const g = changetype<ConvGeometry>(gp);
  const c = g.c, kw = g.kw, p1 = p0 + kc;
  pixelTable(POOLED, gp, r0, count, table);
  for (let x0 = 0; x0 < count; x0 += 4) {
    const e0 = table + (<usize>x0 << 4), rows = min(4, count - x0);
    const e1 = e0 + 16, e2 = e0 + 32, e3 = e0 + 48;
    // every row inside the image for every window position (rows past count read zeros anyway)
    const inside = load<i32>(e0, 12) && (rows < 2 || load<i32>(e1, 12)) && (rows < 3 || load<i32>(e2, 12)) && (rows < 4 || load<i32>(e3, 12));
    const runs = inside && g.dw == 1;
    let d = dst;
    if (POOLED && c == 1 && rows == 4 && inside && load<usize>(e1) == load<usize>(e0) + 4 && load<usize>(e3) == load<usize>(e2) + 4) {
      // one channel, a 2×2 window of stride-1-along-a-row windows: each column of the panel is two pairs of neighbouring floats
      const at = load<usize>(e0), at2 = load<usize>(e2), w = g.w, dh = g.dh, dw = g.dw;
      let pk = p0 / kw, qk = p0 - pk * kw;
      for (let p = p0; p < p1; p++, d += 16) {
        const off = <usize>(pk * dh * w + qk * dw) << 2;
        v128.store(d, v128.load64_lane(at2 + off, v128.load64_zero(at + off), 1));
        if (++qk == kw) { qk = 0; pk++; }
      }
      dst += <usize>kc << 4;
      continue;
    }
    if (!POOLED && c == 1 && rows == 4 && inside && load<usize>(e1) == load<usize>(e0) + 4 && load<usize>(e2) == load<usize>(e0) + 8 && load<usize>(e3) == load<usize>(e0) + 12) {
      // one channel, four neighbouring windows (stride 1 along a row): each column of the panel is four consecutive floats
      const at = load<usize>(e0), w = g.w, dh = g.dh, dw = g.dw;
      for (let p = p0; p < p1; p++, d += 16) {
        const pk = p / kw, qk = p - pk * kw;
        v128.store(d, v128.load(at + (<usize>(pk * dh * w + qk * dw) << 2)));
      }
      dst += <usize>kc << 4;
      continue;
    }
    for (let p = p0; p < p1; ) {
      const pos = p / c, ch = p - pos * c, pk = pos / kw, qk = pos - pk * kw;
      const len = min(runs ? (kw - qk) * c - ch : c - ch, p1 - p);
      copyT4(len, source(g, e0, pk, qk, ch, zero), rows > 1 ? source(g, e1, pk, qk, ch, zero) : zero,
        rows > 2 ? source(g, e2, pk, qk, ch, zero) : zero, rows > 3 ? source(g, e3, pk, qk, ch, zero) : zero, zero, d);
      d += <usize>len << 4;
      p += len;
    }
    dst += <usize>kc << 4;
  }
}

/** the table of output pixels p0 … p0 + kc − 1 for packIm2colCols (once per k block); whether every window lies inside the image */
export function im2colTTable(gp: usize, p0: i32, kc: i32, table: usize): bool {
  return pixelTable(false, gp, p0, kc, table);
}

/**
 * Rows i0 … i0 + count − 1 of the im2col matrix's transpose (rows: window position and channel,
 * (pk·kw + qk)·c + ch), columns = the kc output pixels of the table → 4-row panels [p][4] at dst,
 * zero-padded past count: what packPanels(4, …) writes from the cols matrix for gemmTN. When the
 * panel's four rows are four channels of one window position (c a multiple of 4), each column is
 * one f32x4 load from the image; otherwise four floats from up to four window positions.
 */
export function packIm2colCols(gp: usize, table: usize, inside: bool, i0: i32, count: i32, kc: i32, dst: usize, zero: usize): void {
  const g = changetype<ConvGeometry>(gp);
  const h = g.h, w = g.w, c = g.c, kw = g.kw, dh = g.dh, dw = g.dw;
  for (let x0 = 0; x0 < count; x0 += 4) {
    const i = i0 + x0, rows = min(4, count - x0);
    let e = table, d = dst;
    const end = dst + (<usize>kc << 4);
    if (rows == 4 && (c & 3) == 0) {
      const pos = i / c, ch = i - pos * c, pk = pos / kw, qk = pos - pk * kw;
      const dih = pk * dh, diw = qk * dw, off = <usize>((dih * w + diw) * c + ch) << 2;
      if (inside) {
        for (; d < end; e += 16, d += 16) v128.store(d, v128.load(load<usize>(e) + off));
      } else {
        for (; d < end; e += 16, d += 16) {
          let v = v128.load(zero);
          const ih = load<i32>(e, 4) + dih, iw = load<i32>(e, 8) + diw;
          if (load<i32>(e, 12) || (ih >= 0 && ih < h && iw >= 0 && iw < w)) v = v128.load(load<usize>(e) + off);
          v128.store(d, v);
        }
      }
    } else {
      // rows i … i + 3: each its own window position and channel; rows past count are zeros
      const pos0 = i / c, pos1 = (i + 1) / c, pos2 = (i + 2) / c, pos3 = (i + 3) / c;
      const pk0 = pos0 / kw, pk1 = pos1 / kw, pk2 = pos2 / kw, pk3 = pos3 / kw;
      const dih0 = pk0 * dh, dih1 = pk1 * dh, dih2 = pk2 * dh, dih3 = pk3 * dh;
      const diw0 = (pos0 - pk0 * kw) * dw, diw1 = (pos1 - pk1 * kw) * dw, diw2 = (pos2 - pk2 * kw) * dw, diw3 = (pos3 - pk3 * kw) * dw;
      const off0 = <usize>((dih0 * w + diw0) * c + i - pos0 * c) << 2, off1 = <usize>((dih1 * w + diw1) * c + i + 1 - pos1 * c) << 2;
      const off2 = <usize>((dih2 * w + diw2) * c + i + 2 - pos2 * c) << 2, off3 = <usize>((dih3 * w + diw3) * c + i + 3 - pos3 * c) << 2;
      if (rows == 4 && inside) {
        for (; d < end; e += 16, d += 16) {
          const at = load<usize>(e);
          v128.store(d, f32x4(load<f32>(at + off0), load<f32>(at + off1), load<f32>(at + off2), load<f32>(at + off3)));
        }
      } else if (inside) {
        for (; d < end; e += 16, d += 16) {
          const at = load<usize>(e);
          store<f32>(d, load<f32>(at + off0));
          store<f32>(d, rows > 1 ? load<f32>(at + off1) : 0, 4);
          store<f32>(d, rows > 2 ? load<f32>(at + off2) : 0, 8);
          store<f32>(d, 0, 12);
        }
      } else {
        for (; d < end; e += 16, d += 16) {
          const at = load<usize>(e), ih0 = load<i32>(e, 4), iw0 = load<i32>(e, 8);
          store<f32>(d, element(at + off0, h, w, ih0 + dih0, iw0 + diw0));
          store<f32>(d, rows > 1 ? element(at + off1, h, w, ih0 + dih1, iw0 + diw1) : 0, 4);
          store<f32>(d, rows > 2 ? element(at + off2, h, w, ih0 + dih2, iw0 + diw2) : 0, 8);
          store<f32>(d, rows > 3 ? element(at + off3, h, w, ih0 + dih3, iw0 + diw3) : 0, 12);
        }
      }
    }
    dst = end;
  }
}

/** the float at `at` when pixel (ih, iw) lies inside the h×w image, else 0 */
// @ts-ignore: decorator
@inline
function element(at: usize, h: i32, w: i32, ih: i32, iw: i32): f32 {
  return ih >= 0 && ih < h && iw >= 0 && iw < w ? load<f32>(at) : 0;
}
