import type { Ptr } from '../kernels.ts';

/**
 * Geometry shared by the image kernels: an n×h×w×c image (NHWC), a window kh×kw (ph×pw for
 * pooling) with strides sh×sw, dilation dh×dw (convolution only) and padding top/left; output
 * pixel (b, i, j) reads input row i·sh + p·dh − padTop and column j·sw + q·dw − padLeft for window
 * position (p, q). The shape math (output size, padding) lives in TS (src/layers/convGeometry.ts).
 *
 * The convolution's data movement: assembly/conv.ts, src/backend/js/conv.ts. Its arithmetic is the
 * GEMM's (cols · kernel, colsᵀ · dY, dY · kernelᵀ); these lay the image out as the GEMM's rows and
 * add the rows' gradients back.
 */
export interface ConvKernels {
  /** cols[(b·oh + i)·ow + j][(p·kw + q)·c + ch] = x at window position (p, q), channel ch; 0 outside the image */
  im2col(x: Ptr, cols: Ptr, n: number, h: number, w: number, c: number, kh: number, kw: number,
    sh: number, sw: number, dh: number, dw: number, padTop: number, padLeft: number, oh: number, ow: number): void;
  /** dx = 0, then every row of cols is added onto the positions im2col read it from, rows in order */
  col2im(cols: Ptr, dx: Ptr, n: number, h: number, w: number, c: number, kh: number, kw: number,
    sh: number, sw: number, dh: number, dw: number, padTop: number, padLeft: number, oh: number, ow: number): void;
}
