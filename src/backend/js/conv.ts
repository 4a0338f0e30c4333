import type { ConvKernels } from '../kernels/conv.ts';
import type { Heap } from './heap.ts';

const fr = Math.fround;

/**
 * The convolution's data movement, twin of assembly/conv.ts. The arithmetic of a convolution is
 * the GEMM's (cols · kernel, colsᵀ · dY, dY · kernelᵀ); these kernels only lay the image out as
 * the GEMM's rows (im2col) and add the rows' gradients back onto the image (col2im), both in a
 * fixed order, so js ≡ wasm exactly.
 *
 * Geometry (NHWC image n×h×w×c, window kh×kw, strides sh×sw, dilation dh×dw, padding top/left,
 * output oh×ow): output pixel (b, i, j) reads input (b, i·sh + p·dh − padTop, j·sw + q·dw −
 * padLeft, :) for window position (p, q); positions outside the image read zeros.
 */
export function convKernels(h: Heap) {
  return {
    im2col(x: number, cols: number, n: number, hh: number, w: number, c: number, kh: number, kw: number,
      sh: number, sw: number, dh: number, dw: number, padTop: number, padLeft: number, oh: number, ow: number): void {
      const f = h.f32, X = x >>> 2, K = kh * kw * c;
      let row = cols >>> 2;
      for (let b = 0; b < n; b++)
        for (let i = 0; i < oh; i++)
          for (let j = 0; j < ow; j++, row += K)
            for (let p = 0; p < kh; p++) {
              const ih = i * sh + p * dh - padTop;
              for (let q = 0; q < kw; q++) {
                const iw = j * sw + q * dw - padLeft, at = row + (p * kw + q) * c;
                if (ih < 0 || ih >= hh || iw < 0 || iw >= w) f.fill(0, at, at + c);
                else f.copyWithin(at, X + ((b * hh + ih) * w + iw) * c, X + ((b * hh + ih) * w + iw + 1) * c);
              }
            }
    },

    col2im(cols: number, dx: number, n: number, hh: number, w: number, c: number, kh: number, kw: number,
      sh: number, sw: number, dh: number, dw: number, padTop: number, padLeft: number, oh: number, ow: number): void {
      const f = h.f32, D = dx >>> 2, K = kh * kw * c;
      f.fill(0, D, D + n * hh * w * c);
      let row = cols >>> 2;
      for (let b = 0; b < n; b++)
        for (let i = 0; i < oh; i++)
          for (let j = 0; j < ow; j++, row += K)
            for (let p = 0; p < kh; p++) {
              const ih = i * sh + p * dh - padTop;
              if (ih < 0 || ih >= hh) continue;
              for (let q = 0; q < kw; q++) {
                const iw = j * sw + q * dw - padLeft;
                if (iw < 0 || iw >= w) continue;
                const src = row + (p * kw + q) * c, dst = D + ((b * hh + ih) * w + iw) * c;
                for (let ch = 0; ch < c; ch++) f[dst + ch] = fr(f[dst + ch] + f[src + ch]);
              }
            }
    },
  } satisfies ConvKernels;
}
