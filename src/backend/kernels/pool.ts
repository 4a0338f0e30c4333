import type { Ptr } from '../kernels.ts';

/** Pooling over NHWC images (geometry as in kernels/conv.ts, dilation 1): assembly/pool.ts, src/backend/js/pool.ts. */
export interface PoolKernels {
  /** y = the max of the window's positions inside the image; argmax (int32) = x's flat index of the first max (row-major window order) */
  maxPoolForward(x: Ptr, y: Ptr, argmax: Ptr, n: number, h: number, w: number, c: number, ph: number, pw: number,
    sh: number, sw: number, padTop: number, padLeft: number, oh: number, ow: number): void;
  /**
   * dx (n×h×w×c) = 0, then dx[argmax[e]] += dy[e] for the outputs e (n×oh×ow×c) in order, argmax as
   * maxPoolForward wrote it for the same window (the wasm build uses the window to write each
   * input position once when windows do not overlap)
   */
  maxPoolBackward(dy: Ptr, argmax: Ptr, dx: Ptr, n: number, h: number, w: number, c: number, ph: number, pw: number,
    sh: number, sw: number, padTop: number, padLeft: number, oh: number, ow: number): void;
  /** y = the mean of the window's positions inside the image (padding is not counted), summed in window order */
  avgPoolForward(x: Ptr, y: Ptr, n: number, h: number, w: number, c: number, ph: number, pw: number,
    sh: number, sw: number, padTop: number, padLeft: number, oh: number, ow: number): void;
  /** dx = 0, then each dy / count is added to the positions its output averaged, outputs in order */
  avgPoolBackward(dy: Ptr, dx: Ptr, n: number, h: number, w: number, c: number, ph: number, pw: number,
    sh: number, sw: number, padTop: number, padLeft: number, oh: number, ow: number): void;
  /** y[b, ch] = Σ_s x[b, s, ch] / hw (s over the hw positions, in order) */
  globalAvgPoolForward(x: Ptr, y: Ptr, n: number, hw: number, c: number): void;
  /** dx[b, s, ch] = dy[b, ch] / hw */
  globalAvgPoolBackward(dy: Ptr, dx: Ptr, n: number, hw: number, c: number): void;
}
