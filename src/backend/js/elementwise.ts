import type { ElementwiseKernels } from '../kernels/elementwise.ts';
import type { Heap } from './heap.ts';

export function elementwiseKernels(h: Heap) {
  return {
    fill(x: number, n: number, value: number): void {
      h.f32.fill(value, x >>> 2, (x >>> 2) + n);
    },
    copy(src: number, dst: number, n: number): void {
      h.f32.copyWithin(dst >>> 2, src >>> 2, (src >>> 2) + n);
    },
    gatherRows(src: number, idx: number, dst: number, rows: number, cols: number): void {
      const f = h.f32, I = h.i32, S = src >>> 2, D = dst >>> 2, X = idx >>> 2;
      for (let r = 0; r < rows; r++) f.copyWithin(D + r * cols, S + I[X + r] * cols, S + (I[X + r] + 1) * cols);
    },
    countNonFinite(x: number, n: number): number {
      const f = h.f32, X = x >>> 2;
      let bad = 0;
      for (let i = 0; i < n; i++) if (!Number.isFinite(f[X + i])) bad++;
      return bad;
    },
    mul(a: number, b: number, c: number, n: number): void {
      const f = h.f32, A = a >>> 2, B = b >>> 2, C = c >>> 2;
      for (let i = 0; i < n; i++) f[C + i] = f[A + i] * f[B + i];
    },
    scaleRows(x: number, w: number, rows: number, cols: number): void {
      const f = h.f32, X = x >>> 2, W = w >>> 2;
      for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) f[X + r * cols + j] *= f[W + r];
    },
    reluForward(x: number, y: number, n: number): void {
      const f = h.f32, X = x >>> 2, Y = y >>> 2;
      for (let i = 0; i < n; i++) f[Y + i] = f[X + i] > 0 ? f[X + i] : 0;
    },
    reluBackward(x: number, dy: number, dx: number, n: number): void {
      const f = h.f32, X = x >>> 2, DY = dy >>> 2, DX = dx >>> 2;
      for (let i = 0; i < n; i++) f[DX + i] = f[X + i] > 0 ? f[DY + i] : 0;
    },
    sigmoidForward(x: number, y: number, n: number): void {
      const f = h.f32, X = x >>> 2, Y = y >>> 2;
      for (let i = 0; i < n; i++) f[Y + i] = 1 / (1 + Math.exp(-f[X + i]));
    },
    sigmoidBackward(y: number, dy: number, dx: number, n: number): void {
      const f = h.f32, Y = y >>> 2, DY = dy >>> 2, DX = dx >>> 2;
      for (let i = 0; i < n; i++) f[DX + i] = Math.fround(f[DY + i] * Math.fround(1 - f[Y + i])) * f[Y + i];
    },
    softmaxForward(x: number, y: number, rows: number, cols: number): void {
      const f = h.f32;
      for (let r = 0; r < rows; r++) {
        const X = (x >>> 2) + r * cols, Y = (y >>> 2) + r * cols;
        let max = -Infinity;
        for (let j = 0; j < cols; j++) if (f[X + j] > max) max = f[X + j];
        let sum = 0;
        for (let j = 0; j < cols; j++) {
          f[Y + j] = Math.exp(f[X + j] - max);
          sum += f[Y + j];
        }
        const s = Math.fround(sum);
        for (let j = 0; j < cols; j++) f[Y + j] = f[Y + j] / s;
      }
    },
    softmaxBackward(y: number, dy: number, dx: number, rows: number, cols: number): void {
      const f = h.f32;
      for (let r = 0; r < rows; r++) {
        const Y = (y >>> 2) + r * cols, DY = (dy >>> 2) + r * cols, DX = (dx >>> 2) + r * cols;
        let dot = 0;
        for (let j = 0; j < cols; j++) dot += f[DY + j] * f[Y + j];
        const d = Math.fround(dot);
        for (let j = 0; j < cols; j++) f[DX + j] = f[Y + j] * Math.fround(f[DY + j] - d);
      }
    },
  } satisfies ElementwiseKernels;
}
