import type { ConvKernels } from '../kernels/conv.ts';
import type { Heap } from './heap.ts';

const fr = Math.fround;

/**
 * The convolution, twin of assembly/conv.ts. The arithmetic of a convolution is the GEMM's on the
 * im2col matrix cols (cols · kernel, colsᵀ · dY, dY · kernelᵀ): im2col lays the image out as the
 * GEMM's rows and col2im adds the rows' gradients back onto the image, both in a fixed order, so
 * js ≡ wasm exactly. conv2dForward, conv2dBackwardKernel and conv2dBackwardInput are the three
 * products with cols read from the image as it goes (0 outside it): the gemmNN, gemmTN and gemmNT
 * twins' loops (src/backend/js/gemm.ts) element for element, so each equals im2col followed by that
 * twin (and col2im) bit for bit, and wasm within the GEMM's rules.
 *
 * Geometry (NHWC image n×h×w×c, window kh×kw, strides sh×sw, dilation dh×dw, padding top/left,
 * output oh×ow): output pixel (b, i, j) reads input (b, i·sh + p·dh − padTop, j·sw + q·dw −
 * padLeft, :) for window position (p, q); positions outside the image read zeros.
 */
export function convKernels(h: Heap) {
  /** the float index in f32 of image pixel (b, ih, iw), or -1 outside the image */
  const pixel = (X: number, b: number, hh: number, w: number, c: number, ih: number, iw: number) =>
    ih < 0 || ih >= hh || iw < 0 || iw >= w ? -1 : X + ((b * hh + ih) * w + iw) * c;
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

    conv2dForward(x: number, kernel: number, bias: number, y: number, n: number, hh: number, w: number, c: number, kh: number, kw: number,
      sh: number, sw: number, dh: number, dw: number, padTop: number, padLeft: number, oh: number, ow: number, filters: number, relu: number): void {
      const f = h.f32, X = x >>> 2, KR = kernel >>> 2, BI = bias >>> 2;
      let ci = y >>> 2;
      for (let b = 0; b < n; b++)
        for (let i = 0; i < oh; i++)
          for (let j = 0; j < ow; j++, ci += filters) {
            // gemmNN's row: bias (or 0), then += a·B[p] for each column p of cols in order
            for (let t = 0; t < filters; t++) f[ci + t] = bias ? f[BI + t] : 0;
            let bp = KR;
            for (let p = 0; p < kh; p++)
              for (let q = 0; q < kw; q++) {
                const at = pixel(X, b, hh, w, c, i * sh + p * dh - padTop, j * sw + q * dw - padLeft);
                for (let ch = 0; ch < c; ch++, bp += filters) {
                  const a = at < 0 ? 0 : f[at + ch];
                  for (let t = 0; t < filters; t++) f[ci + t] += a * f[bp + t];
                }
              }
            if (relu) for (let t = 0; t < filters; t++) f[ci + t] = f[ci + t] > 0 ? f[ci + t] : 0;
          }
    },

    conv2dMaxPoolForward(x: number, kernel: number, bias: number, y: number, n: number, hh: number, w: number, c: number, kh: number, kw: number,
      sh: number, sw: number, dh: number, dw: number, padTop: number, padLeft: number, oh: number, ow: number, filters: number, relu: number): void {
      const f = h.f32, X = x >>> 2, KR = kernel >>> 2, BI = bias >>> 2, poh = oh >> 1, pow = ow >> 1;
      let o = y >>> 2;
      for (let b = 0; b < n; b++)
        for (let pi = 0; pi < poh; pi++)
          for (let pj = 0; pj < pow; pj++, o += filters)
            for (let t = 0; t < filters; t++) {
              let best = 0;
              // the window's four outputs in row-major order, each conv2dForward's element (a float32 after every add), ReLU, then maxPoolForward's rule
              for (let e = 0; e < 4; e++) {
                const i = 2 * pi + (e >> 1), j = 2 * pj + (e & 1);
                let s = bias ? f[BI + t] : 0, bp = KR + t;
                for (let p = 0; p < kh; p++)
                  for (let q = 0; q < kw; q++) {
                    const at = pixel(X, b, hh, w, c, i * sh + p * dh - padTop, j * sw + q * dw - padLeft);
                    for (let ch = 0; ch < c; ch++, bp += filters) s = fr(s + (at < 0 ? 0 : f[at + ch]) * f[bp]);
                  }
                if (relu) s = s > 0 ? s : 0;
                if (e === 0 || s > best) best = s;
              }
              f[o + t] = best;
            }
    },

    conv2dBackwardKernel(x: number, dz: number, dkernel: number, n: number, hh: number, w: number, c: number, kh: number, kw: number,
      sh: number, sw: number, dh: number, dw: number, padTop: number, padLeft: number, oh: number, ow: number, filters: number): void {
      const f = h.f32, X = x >>> 2, C = dkernel >>> 2;
      f.fill(0, C, C + kh * kw * c * filters);
      // gemmTN's loops: p over the rows of cols (output pixels), i over its columns
      let bp = dz >>> 2;
      for (let b = 0; b < n; b++)
        for (let i = 0; i < oh; i++)
          for (let j = 0; j < ow; j++, bp += filters) {
            let ci = C;
            for (let p = 0; p < kh; p++)
              for (let q = 0; q < kw; q++) {
                const at = pixel(X, b, hh, w, c, i * sh + p * dh - padTop, j * sw + q * dw - padLeft);
                for (let ch = 0; ch < c; ch++, ci += filters) {
                  const a = at < 0 ? 0 : f[at + ch];
                  for (let t = 0; t < filters; t++) f[ci + t] += a * f[bp + t];
                }
              }
          }
    },

    conv2dBackwardInput(dz: number, kernel: number, dx: number, n: number, hh: number, w: number, c: number, kh: number, kw: number,
      sh: number, sw: number, dh: number, dw: number, padTop: number, padLeft: number, oh: number, ow: number, filters: number): void {
      const f = h.f32, D = dx >>> 2, KR = kernel >>> 2;
      f.fill(0, D, D + n * hh * w * c);
      let ai = dz >>> 2;
      for (let b = 0; b < n; b++)
        for (let i = 0; i < oh; i++)
          for (let j = 0; j < ow; j++, ai += filters)
            for (let p = 0; p < kh; p++)
              for (let q = 0; q < kw; q++) {
                const at = pixel(D, b, hh, w, c, i * sh + p * dh - padTop, j * sw + q * dw - padLeft);
                if (at < 0) continue;
                for (let ch = 0; ch < c; ch++) {
                  // gemmNT's element (a float64 sum, stored as float32), then col2im's add
                  const bj = KR + ((p * kw + q) * c + ch) * filters;
                  let s = 0;
                  for (let t = 0; t < filters; t++) s += f[ai + t] * f[bj + t];
                  f[at + ch] = fr(f[at + ch] + fr(s));
                }
              }
    },
  } satisfies ConvKernels;
}
