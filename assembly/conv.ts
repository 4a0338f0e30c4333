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

import { canPack, convGeometry, convZero, convTable, convBlock, packedA, packedB, packedLoops, packPanels, packedBlock, A_IM2COL, A_IM2COL_T, PKC, PMC, PNC, CONV_BLOCK_FLOATS } from "./gemmPacked";
import { ConvGeometry, setGeometry, packIm2colRowsPooled } from "./convPacked";
import { gemm_4x8_packed_column, gemm_4x8_packed_column_pool } from "./gemm4x8Packed";
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

/**
 * Inference's Conv2D (+ ReLU) → MaxPooling2D(2×2, stride 2, 'valid') in one pass: y (n × oh/2 ×
 * ow/2 × filters, halves rounded down) = the max over each 2×2 window (window order, the first max
 * winning) of conv2dForward's output, so that output is never written and the pixels no window
 * covers (an odd oh's last row, an odd ow's last column) are never computed. Each convolution
 * value is conv2dForward's: the packed path packs the GEMM's rows window by window
 * (packIm2colRowsPooled), so each 4×8 tile is one window of 8 filters and the micro-kernel pools
 * it in registers; the whole k-sum runs in one block (depth ≤ PMC·PKC/4), as each tile must end
 * complete. Without scratch, or for a deeper window, a direct loop sums each value in the same order.
 */
export function conv2dMaxPoolForward(x: usize, kernel: usize, bias: usize, y: usize, n: i32, h: i32, w: i32, c: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32, oh: i32, ow: i32, filters: i32, relu: i32): void {
  const poh = oh >> 1, pow = ow >> 1, rows = n * poh * pow * 4, depth = kh * kw * c, ldy = <usize>filters << 2;
  if (rows <= 0 || filters <= 0) return;
  if (canPack() && depth <= (PMC * PKC) >> 2) {
    const gp = convGeometry();
    setGeometry(gp, convZero(), x, h, w, c, kh, kw, sh, sw, dh, dw, padTop, padLeft, oh, ow);
    const g = changetype<ConvGeometry>(gp);
    g.poh = poh; g.pow = pow;
    // rows (whole windows) per A block, up to the table's PKC entries; filters per B block
    const mcMax = min(PKC, (PMC * PKC / depth) & ~3), ncMax = min(PNC, (PKC * PNC / depth) & ~7);
    const bpack = packedB(), apack = packedA();
    for (let j0 = 0; j0 < filters; j0 += ncMax) {
      const nc = min(ncMax, filters - j0);
      packPanels(8, kernel + (<usize>j0 << 2), 4, ldy, nc, depth, bpack);
      for (let i0 = 0; i0 < rows; i0 += mcMax) {
        const mc = min(mcMax, rows - i0);
        packIm2colRowsPooled(gp, i0, mc, 0, depth, apack, convZero(), convTable());
        pooledBlock(apack, bpack, depth, mc, nc, y + <usize>(i0 >> 2) * ldy + (<usize>j0 << 2), ldy, bias ? bias + (<usize>j0 << 2) : 0, relu != 0);
      }
    }
    return;
  }
  // direct: each value of each window summed as conv2dForward's direct loop sums it, then ReLU, then the max
  let o = y;
  for (let b = 0; b < n; b++)
    for (let pi = 0; pi < poh; pi++)
      for (let pj = 0; pj < pow; pj++, o += ldy)
        for (let f = 0; f < filters; f++) {
          let best: f32 = 0;
          for (let e = 0; e < 4; e++) {
            const i = 2 * pi + (e >> 1), j = 2 * pj + (e & 1);
            let s: f32 = bias ? load<f32>(bias + (<usize>f << 2)) : 0;
            let kr = kernel + (<usize>f << 2);
            for (let p = 0; p < kh; p++) {
              const ih = i * sh + p * dh - padTop;
              for (let q = 0; q < kw; q++) {
                const iw = j * sw + q * dw - padLeft, inside = ih >= 0 && ih < h && iw >= 0 && iw < w;
                for (let ch = 0; ch < c; ch++, kr += ldy) {
                  const v: f32 = inside ? load<f32>(x_at(x, b, ih, iw, h, w, c) + (<usize>ch << 2)) : 0;
                  s = s + v * load<f32>(kr);
                }
              }
            }
            if (relu) s = s > 0 ? s : 0;
            if (e == 0 || s > best) best = s;
          }
          store<f32>(o + (<usize>f << 2), best);
        }
}

/**
 * conv2dMaxPoolForward's block: the packed A block (mc rows = mc / 4 windows) · the packed B block
 * (nc filters) over the whole depth kc, each window's max (after ReLU when relu) to y's rows
 * (stride ldy bytes); fewer than 8 filters at the edge go through a 4×8 tile in scratch
 */
function pooledBlock(apack: usize, bpack: usize, kc: i32, mc: i32, nc: i32, y: usize, ldy: usize, bb: usize, relu: bool): void {
  const tile = packedA() + <usize>(PMC * PKC * 4), panels = mc >> 2, apStep = <usize>kc << 4;
  for (let j = 0; j < nc; j += 8) {
    const w = min(8, nc - j), bp = bpack + <usize>j * <usize>kc * 4, biasj: usize = bb ? bb + (<usize>j << 2) : 0;
    if (w == 8) {
      gemm_4x8_packed_column_pool(apack, bp, kc, y + (<usize>j << 2), ldy, biasj, relu, panels);
      continue;
    }
    for (let t = 0; t < panels; t++) {
      for (let r = 0; r < 4; r++)
        for (let jj = 0; jj < 8; jj++) store<f32>(tile + <usize>(r * 32 + jj * 4), jj < w && biasj ? load<f32>(biasj + (<usize>jj << 2)) : 0);
      gemm_4x8_packed_column(apack + <usize>t * apStep, bp, kc, tile, 32, 0, true, 1);
      const row = y + <usize>t * ldy + (<usize>j << 2);
      for (let jj = 0; jj < w; jj++) {
        let best: f32 = 0;
        for (let r = 0; r < 4; r++) {
          let v = load<f32>(tile + <usize>(r * 32 + jj * 4));
          if (relu) v = v > 0 ? v : 0;
          if (r == 0 || v > best) best = v;
        }
        store<f32>(row + (<usize>jj << 2), best);
      }
    }
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
