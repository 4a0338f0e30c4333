// The convolution's data movement (src/backend/js/conv.ts is the twin and states the geometry).
// The arithmetic is the GEMM's: a convolution is cols · kernel, its gradients colsᵀ · dY and
// dY · kernelᵀ. These kernels lay an NHWC image out as the GEMM's rows (im2col) and add the rows'
// gradients back onto the image (col2im). Channels are contiguous in NHWC, so each window position
// moves c floats at once; col2im adds them with f32x4 lanes in the twin's order: js ≡ wasm exactly.

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
