import type { GemmKernels } from '../kernels/gemm.ts';
import type { Heap } from './heap.ts';

/** Plain-TS GEMM twins: the straightforward triple loops, i-k-j ordered so the inner loop is contiguous. */
export function gemmKernels(h: Heap) {
  return {
    gemmNN(a: number, b: number, bias: number, c: number, m: number, k: number, n: number, accumulate: number): void {
      const f = h.f32, A = a >>> 2, B = b >>> 2, C = c >>> 2, BI = bias >>> 2;
      for (let i = 0; i < m; i++) {
        const ci = C + i * n;
        if (!accumulate) for (let j = 0; j < n; j++) f[ci + j] = bias ? f[BI + j] : 0;
        else if (bias) for (let j = 0; j < n; j++) f[ci + j] += f[BI + j];
        for (let p = 0; p < k; p++) {
          const aip = f[A + i * k + p], bp = B + p * n;
          for (let j = 0; j < n; j++) f[ci + j] += aip * f[bp + j];
        }
      }
    },
    gemmTN(a: number, b: number, c: number, m: number, k: number, n: number, accumulate: number): void {
      const f = h.f32, A = a >>> 2, B = b >>> 2, C = c >>> 2;
      if (!accumulate) f.fill(0, C, C + m * n);
      for (let p = 0; p < k; p++) {
        const ap = A + p * m, bp = B + p * n;
        for (let i = 0; i < m; i++) {
          const api = f[ap + i], ci = C + i * n;
          for (let j = 0; j < n; j++) f[ci + j] += api * f[bp + j];
        }
      }
    },
    gemmNT(a: number, b: number, c: number, m: number, k: number, n: number, accumulate: number): void {
      const f = h.f32, A = a >>> 2, B = b >>> 2, C = c >>> 2;
      for (let i = 0; i < m; i++) {
        const ai = A + i * k;
        for (let j = 0; j < n; j++) {
          const bj = B + j * k;
          let s = 0;
          for (let p = 0; p < k; p++) s += f[ai + p] * f[bj + p];
          f[C + i * n + j] = accumulate ? f[C + i * n + j] + s : s;
        }
      }
    },
    /** the twins need no packing buffers */
    gemmScratchBytes(): number {
      return 0;
    },
    gemmScratch(_ptr: number, _bytes: number): void {},
    colSums(x: number, out: number, rows: number, cols: number, accumulate: number): void {
      const f = h.f32, X = x >>> 2, O = out >>> 2;
      if (!accumulate) f.fill(0, O, O + cols);
      for (let r = 0; r < rows; r++) {
        const xr = X + r * cols;
        for (let j = 0; j < cols; j++) f[O + j] += f[xr + j];
      }
    },
  } satisfies GemmKernels;
}
