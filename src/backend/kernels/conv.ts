import type { Ptr } from '../kernels.ts';

/**
 * Geometry shared by the image kernels: an n×h×w×c image (NHWC), a window kh×kw (ph×pw for
 * pooling) with strides sh×sw, dilation dh×dw (convolution only) and padding top/left; output
 * pixel (b, i, j) reads input row i·sh + p·dh − padTop and column j·sw + q·dw − padLeft for window
 * position (p, q). The shape math (output size, padding) lives in TS (src/layers/convGeometry.ts).
 *
 * The convolution: assembly/conv.ts, src/backend/js/conv.ts. Its arithmetic is the GEMM's, on the
 * image's im2col matrix cols (one row per output pixel (b, i, j), kh·kw·c columns): Y = cols ·
 * kernel, dKernel = colsᵀ · dY, dX = col2im(dY · kernelᵀ). im2col and col2im lay that matrix out
 * and add its gradient back; conv2dForward, conv2dBackwardKernel and conv2dBackwardInput compute
 * the three products without writing it (the wasm build packs its GEMM panels from the image), with
 * the GEMM's rules: each element summed over k in order, from the bias or 0.
 */
export interface ConvKernels {
  /** cols[(b·oh + i)·ow + j][(p·kw + q)·c + ch] = x at window position (p, q), channel ch; 0 outside the image */
  im2col(x: Ptr, cols: Ptr, n: number, h: number, w: number, c: number, kh: number, kw: number,
    sh: number, sw: number, dh: number, dw: number, padTop: number, padLeft: number, oh: number, ow: number): void;
  /** dx = 0, then every row of cols is added onto the positions im2col read it from, rows in order */
  col2im(cols: Ptr, dx: Ptr, n: number, h: number, w: number, c: number, kh: number, kw: number,
    sh: number, sw: number, dh: number, dw: number, padTop: number, padLeft: number, oh: number, ow: number): void;
  /** y = cols · kernel (+ bias when bias != 0), then ReLU when relu != 0; kernel kh·kw·c × filters (HWIO), y rows × filters */
  conv2dForward(x: Ptr, kernel: Ptr, bias: Ptr, y: Ptr, n: number, h: number, w: number, c: number, kh: number, kw: number,
    sh: number, sw: number, dh: number, dw: number, padTop: number, padLeft: number, oh: number, ow: number, filters: number, relu: number): void;
  /**
   * Inference's Conv2D (+ ReLU) → MaxPooling2D(2×2, strides 2, 'valid') in one pass: y (n ×
   * ⌊oh/2⌋ × ⌊ow/2⌋ × filters) = the max of each 2×2 window (row-major window order, the first max
   * winning, as maxPoolForward) of what conv2dForward would write, each value summed as it sums
   * it; the full-resolution output is never written (src/inferencePlan.ts plans it)
   */
  conv2dMaxPoolForward(x: Ptr, kernel: Ptr, bias: Ptr, y: Ptr, n: number, h: number, w: number, c: number, kh: number, kw: number,
    sh: number, sw: number, dh: number, dw: number, padTop: number, padLeft: number, oh: number, ow: number, filters: number, relu: number): void;
  /** dkernel = colsᵀ · dz (dz rows × filters) */
  conv2dBackwardKernel(x: Ptr, dz: Ptr, dkernel: Ptr, n: number, h: number, w: number, c: number, kh: number, kw: number,
    sh: number, sw: number, dh: number, dw: number, padTop: number, padLeft: number, oh: number, ow: number, filters: number): void;
  /** dx = col2im(dz · kernelᵀ): dx = 0, then each row of dz · kernelᵀ added onto the positions im2col read it from, rows in order */
  conv2dBackwardInput(dz: Ptr, kernel: Ptr, dx: Ptr, n: number, h: number, w: number, c: number, kh: number, kw: number,
    sh: number, sw: number, dh: number, dw: number, padTop: number, padLeft: number, oh: number, ow: number, filters: number): void;
}
