// The convolution (src/backend/js/conv.ts is the twin and states the geometry). Its arithmetic is
// the GEMM's: a convolution is cols · kernel, its gradients colsᵀ · dY and dY · kernelᵀ, where cols
// is the im2col matrix of the image. im2col lays an NHWC image out as the GEMM's rows and col2im
// adds the rows' gradients back onto the image; channels are contiguous in NHWC, so each window
// position moves c floats at once, and col2im adds them with f32x4 lanes in the twin's order:
// js ≡ wasm exactly.
//
// conv2dForward, conv2dBackwardKernel and conv2dBackwardInput are those three products without the
// cols matrix: the packed GEMM packs its A panels straight from the image (convPacked.ts), and the
// input gradient is computed a block of rows at a time into scratch and added onto the image from
// there, rows in order. They equal im2col followed by the packed GEMM (and col2im) bit for bit;
// without scratch (gemmScratch(0, 0)) they run direct loops that sum in the same order.

import { canPack, convGeometry, convZero, convBlock, packedA, packedB, packedLoops, packPanels, packedBlock, A_IM2COL, A_IM2COL_T, PKC, PMC, PNC, CONV_BLOCK_FLOATS } from "./gemmPacked";
import { setGeometry } from "./convPacked";
import { EPI_NONE, EPI_RELU } from "./gemmEpilogue";

/** cols[(b·oh + i)·ow + j][(p·kw + q)·c + ch] = x[b, i·sh + p·dh − padTop, j·sw + q·dw − padLeft, ch] (0 outside) */
export function im2col(x: usize, cols: usize, n: i32, h: i32, w: i32, c: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32, oh: i32, ow: i32): void {
  const segment = <usize>c << 2;
  let row = cols;
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let p = 0; p < kh; p++) {
          const ih = i * sh + p * dh - padTop;
          for (let q = 0; q < kw; q++, row += segment) {
            const iw = j * sw + q * dw - padLeft;
            if (ih < 0 || ih >= h || iw < 0 || iw >= w) memory.fill(row, 0, segment);
            else memory.copy(row, x + (<usize>((b * h + ih) * w + iw) << 2) * <usize>c, segment);
          }
        }
}

/** dx = 0, then every row of cols is added back onto the positions im2col read it from, in order */
export function col2im(cols: usize, dx: usize, n: i32, h: i32, w: i32, c: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32, oh: i32, ow: i32): void {
  memory.fill(dx, 0, (<usize>n * <usize>h * <usize>w * <usize>c) << 2);
  const segment = <usize>c << 2;
  let row = cols;
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let p = 0; p < kh; p++) {
          const ih = i * sh + p * dh - padTop;
          for (let q = 0; q < kw; q++, row += segment) {
            const iw = j * sw + q * dw - padLeft;
            if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
            addInto(x_at(dx, b, ih, iw, h, w, c), row, c);
          }
        }
}

/** the byte address of pixel (b, ih, iw) of an n×h×w×c image at `base` */
// @ts-ignore: decorator
@inline
function x_at(base: usize, b: i32, ih: i32, iw: i32, h: i32, w: i32, c: i32): usize {
  return base + ((<usize>((b * h + ih) * w + iw) * <usize>c) << 2);
}

/** d[0..c) += s[0..c), four lanes at a time (the same rounding as the twin's scalar adds) */
// @ts-ignore: decorator
@inline
function addInto(d: usize, s: usize, c: i32): void {
  let k = 0;
  for (; k + 4 <= c; k += 4) {
    const off = <usize>k << 2;
    v128.store(d + off, f32x4.add(v128.load(d + off), v128.load(s + off)));
  }
  for (; k < c; k++) {
    const off = <usize>k << 2;
    store<f32>(d + off, load<f32>(d + off) + load<f32>(s + off));
  }
}

/** y = im2col(x)·kernel (+ bias), then ReLU when relu != 0: kernel kh·kw·c × filters, y rows × filters */
export function conv2dForward(x: usize, kernel: usize, bias: usize, y: usize, n: i32, h: i32, w: i32, c: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32, oh: i32, ow: i32, filters: i32, relu: i32): void {
  const m = n * oh * ow, depth = kh * kw * c;
  if (m <= 0 || filters <= 0) return;
  if (canPack()) {
    setGeometry(convGeometry(), convZero(), x, h, w, c, kh, kw, sh, sw, dh, dw, padTop, padLeft, oh, ow);
    packedLoops(A_IM2COL, convGeometry(), 0, 0, kernel, <usize>filters << 2, 4, bias, y, m, depth, filters, 0, relu ? EPI_RELU : EPI_NONE, 0, 0, 1);
    return;
  }
  // direct: each row of y from its bias, over the window's values in order (zeros outside), as the GEMM's i-k-j loops
  const ldy = <usize>filters << 2;
  let row = y;
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++, row += ldy) {
        for (let f = 0; f < filters; f++) store<f32>(row + (<usize>f << 2), bias ? load<f32>(bias + (<usize>f << 2)) : 0);
        let kr = kernel;
        for (let p = 0; p < kh; p++) {
          const ih = i * sh + p * dh - padTop;
          for (let q = 0; q < kw; q++) {
            const iw = j * sw + q * dw - padLeft, inside = ih >= 0 && ih < h && iw >= 0 && iw < w;
            for (let ch = 0; ch < c; ch++, kr += ldy) {
              const v: f32 = inside ? load<f32>(x_at(x, b, ih, iw, h, w, c) + (<usize>ch << 2)) : 0;
              for (let f = 0; f < filters; f++) {
                const o = <usize>f << 2;
                store<f32>(row + o, load<f32>(row + o) + v * load<f32>(kr + o));
              }
            }
          }
        }
        if (relu) for (let f = 0; f < filters; f++) { const o = <usize>f << 2, v = load<f32>(row + o); store<f32>(row + o, v > 0 ? v : 0); }
      }
}

/** dkernel = im2col(x)ᵀ·dz: dz rows × filters, dkernel kh·kw·c × filters */
export function conv2dBackwardKernel(x: usize, dz: usize, dkernel: usize, n: i32, h: i32, w: i32, c: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32, oh: i32, ow: i32, filters: i32): void {
  const m = n * oh * ow, depth = kh * kw * c;
  if (depth <= 0 || filters <= 0) return;
  if (m <= 0) { memory.fill(dkernel, 0, (<usize>depth * <usize>filters) << 2); return; }
  if (canPack()) {
    setGeometry(convGeometry(), convZero(), x, h, w, c, kh, kw, sh, sw, dh, dw, padTop, padLeft, oh, ow);
    packedLoops(A_IM2COL_T, convGeometry(), 0, 0, dz, <usize>filters << 2, 4, 0, dkernel, depth, m, filters, 0, EPI_NONE, 0, 0, 1);
    return;
  }
  // direct: the GEMM's p-i-j loops (p over the output pixels), each element summed in order from 0
  const ldk = <usize>filters << 2;
  memory.fill(dkernel, 0, <usize>depth * ldk);
  let dzr = dz;
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++, dzr += ldk) {
        let kr = dkernel;
        for (let p = 0; p < kh; p++) {
          const ih = i * sh + p * dh - padTop;
          for (let q = 0; q < kw; q++) {
            const iw = j * sw + q * dw - padLeft, inside = ih >= 0 && ih < h && iw >= 0 && iw < w;
            for (let ch = 0; ch < c; ch++, kr += ldk) {
              const v: f32 = inside ? load<f32>(x_at(x, b, ih, iw, h, w, c) + (<usize>ch << 2)) : 0;
              for (let f = 0; f < filters; f++) {
                const o = <usize>f << 2;
                store<f32>(kr + o, load<f32>(kr + o) + v * load<f32>(dzr + o));
              }
            }
          }
        }
      }
}

/**
 * dx = col2im(dz·kernelᵀ): dx = 0, then each row of dz·kernelᵀ (each element summed over the
 * filters in order from 0) is added onto the positions im2col read it from, rows in order
 */
export function conv2dBackwardInput(dz: usize, kernel: usize, dx: usize, n: i32, h: i32, w: i32, c: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32, oh: i32, ow: i32, filters: i32): void {
  memory.fill(dx, 0, (<usize>n * <usize>h * <usize>w * <usize>c) << 2);
  const m = n * oh * ow, depth = kh * kw * c, k = filters;
  if (m <= 0 || depth <= 0) return;
  const lda = <usize>k << 2, ldc = <usize>depth << 2;
  // rows per block: as many as CONV_BLOCK_FLOATS holds, up to PMC, in whole tiles when possible
  let rows = min(PMC, CONV_BLOCK_FLOATS / depth);
  if (rows >= 4) rows &= ~3;
  if (canPack() && rows >= 1) {
    const bpack = packedB(), apack = packedA(), cblk = convBlock();
    // B = kernelᵀ as gemmNT packs it: column j of B is row j of the kernel; one block when it fits
    const once = depth <= PNC && k <= PKC;
    if (once) packPanels(8, kernel, lda, 4, depth, k, bpack);
    for (let i0 = 0; i0 < m; i0 += rows) {
      const mc = min(rows, m - i0);
      for (let j0 = 0; j0 < depth; j0 += PNC) {
        const nc = min(PNC, depth - j0);
        for (let p0 = 0; p0 < k; p0 += PKC) {
          const kc = min(PKC, k - p0);
          if (!once) packPanels(8, kernel + <usize>j0 * lda + (<usize>p0 << 2), lda, 4, nc, kc, bpack);
          packPanels(4, dz + <usize>i0 * lda + (<usize>p0 << 2), lda, 4, mc, kc, apack);
          packedBlock(apack, bpack, kc, mc, nc, cblk + (<usize>j0 << 2), ldc, 0, p0 > 0, p0 + kc >= k, 0, 0, 0, EPI_NONE, 0, 0, 1);
        }
      }
      col2imRows(cblk, ldc, dx, i0, mc, h, w, c, kh, kw, sh, sw, dh, dw, padTop, padLeft, oh, ow);
    }
    return;
  }
  // direct: each element of a row of dz·kernelᵀ summed over the filters in order, then added on
  let dzr = dz;
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++, dzr += lda)
        for (let p = 0; p < kh; p++) {
          const ih = i * sh + p * dh - padTop;
          for (let q = 0; q < kw; q++) {
            const iw = j * sw + q * dw - padLeft;
            if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
            const d = x_at(dx, b, ih, iw, h, w, c);
            let kr = kernel + <usize>((p * kw + q) * c) * lda;
            for (let ch = 0; ch < c; ch++, kr += lda) {
              let s: f32 = 0;
              for (let f = 0; f < k; f++) s += load<f32>(dzr + (<usize>f << 2)) * load<f32>(kr + (<usize>f << 2));
              const o = <usize>ch << 2;
              store<f32>(d + o, load<f32>(d + o) + s);
            }
          }
        }
}

/** col2im of rows r0 … r0 + count − 1 of the cols matrix, held at cols (row stride ldc bytes), onto dx */
function col2imRows(cols: usize, ldc: usize, dx: usize, r0: i32, count: i32, h: i32, w: i32, c: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32, oh: i32, ow: i32): void {
  const ohw = oh * ow, segment = <usize>c << 2, spanW = (kw - 1) * dw;
  let b = r0 / ohw, i = (r0 - b * ohw) / ow, j = r0 - b * ohw - i * ow;
  let row = cols;
  for (let r = 0; r < count; r++, row += ldc) {
    const iw0 = j * sw - padLeft;
    // a stride-1-contiguous kernel row inside the image: its kw segments are one run of kw·c floats in dx
    const runs = dw == 1 && iw0 >= 0 && iw0 + spanW < w;
    let src = row;
    for (let p = 0; p < kh; p++) {
      const ih = i * sh + p * dh - padTop;
      if (ih < 0 || ih >= h) { src += <usize>kw * segment; continue; }
      if (runs) {
        addInto(x_at(dx, b, ih, iw0, h, w, c), src, kw * c);
        src += <usize>kw * segment;
        continue;
      }
      for (let q = 0; q < kw; q++, src += segment) {
        const iw = iw0 + q * dw;
        if (iw < 0 || iw >= w) continue;
        addInto(x_at(dx, b, ih, iw, h, w, c), src, c);
      }
    }
    if (++j == ow) {
      j = 0;
      if (++i == oh) { i = 0; b++; }
    }
  }
}
