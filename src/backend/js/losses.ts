import type { LossKernels } from '../kernels/losses.ts';
import type { Heap } from './heap.ts';

const LO = Math.fround(1e-7), HI = Math.fround(1 - 1e-7);
const clip = (p: number) => (p < LO ? LO : p > HI ? HI : p);

/** Losses, their gradients and the accuracy counts. Labels: see Kernels in ../kernels.ts. */
export function lossKernels(h: Heap) {
  const argmax = (at: number, cols: number): number => {
    const f = h.f32;
    let best = 0;
    for (let j = 1; j < cols; j++) if (f[at + j] > f[at + best]) best = j;
    return best;
  };
  /**
   * Σ loss(y_i, t_i) over n elements in order; with weights (≠ 0), each row of `cols` elements
   * summed alone and added times its weight
   */
  const elementLossSum = (loss: (y: number, t: number) => number, y: number, t: number, n: number, cols: number, weights: number): number => {
    const f = h.f32, Y = y >>> 2, T = t >>> 2, W = weights >>> 2;
    let sum = 0;
    if (!weights) {
      for (let i = 0; i < n; i++) sum += loss(f[Y + i], f[T + i]);
      return sum;
    }
    for (let r = 0, at = 0; at < n; r++) {
      let row = 0;
      for (const end = at + cols; at < end; at++) row += loss(f[Y + at], f[T + at]);
      sum += f[W + r] * row;
    }
    return sum;
  };
  /** t at row r, column j: the one-hot value, or 1 where the sparse label names j */
  const target = (L: number, r: number, j: number, cols: number, oneHot: number): number =>
    oneHot ? h.f32[L + r * cols + j] : h.f32[L + r] === j ? 1 : 0;
  return {
    cceLoss(y: number, labels: number, rows: number, cols: number, oneHot: number, weights: number): number {
      const f = h.f32, Y = y >>> 2, L = labels >>> 2;
      let sum = 0;
      for (let r = 0; r < rows; r++) {
        let p: number;
        if (oneHot) {
          p = 0;
          for (let j = 0; j < cols; j++) p += clip(f[Y + r * cols + j]) * f[L + r * cols + j];
        } else p = clip(f[Y + r * cols + f[L + r]]);
        sum -= weights ? h.f32[(weights >>> 2) + r] * Math.log(p) : Math.log(p);
      }
      return sum;
    },
    cceBackward(y: number, labels: number, dx: number, rows: number, cols: number, oneHot: number): void {
      const f = h.f32, Y = y >>> 2, L = labels >>> 2, D = dx >>> 2;
      for (let r = 0; r < rows; r++)
        for (let j = 0; j < cols; j++) {
          const t = target(L, r, j, cols, oneHot);
          f[D + r * cols + j] = Math.fround(-t / f[Y + r * cols + j]) / rows;
        }
    },
    softmaxCceBackward(y: number, labels: number, dx: number, rows: number, cols: number, oneHot: number): void {
      const f = h.f32, Y = y >>> 2, L = labels >>> 2, D = dx >>> 2;
      for (let r = 0; r < rows; r++)
        for (let j = 0; j < cols; j++) {
          const t = target(L, r, j, cols, oneHot);
          f[D + r * cols + j] = Math.fround(f[Y + r * cols + j] - t) / rows;
        }
    },
    bceLoss(y: number, t: number, n: number, cols: number, weights: number): number {
      return elementLossSum((p, ti) => {
        const c = clip(p);
        return -(ti * Math.log(c) + (1 - ti) * Math.log(1 - c));
      }, y, t, n, cols, weights);
    },
    bceBackward(y: number, t: number, dx: number, n: number, scale: number): void {
      scale = Math.fround(scale);
      const f = h.f32, Y = y >>> 2, T = t >>> 2, D = dx >>> 2;
      for (let i = 0; i < n; i++) {
        const p = clip(f[Y + i]), ti = f[T + i];
        f[D + i] = -(ti / p - (1 - ti) / (1 - p)) * scale;
      }
    },
    mseLoss(y: number, t: number, n: number, cols: number, weights: number): number {
      return elementLossSum((p, ti) => (ti - p) ** 2, y, t, n, cols, weights);
    },
    mseBackward(y: number, t: number, dx: number, n: number, scale: number): void {
      scale = Math.fround(scale);
      const f = h.f32, Y = y >>> 2, T = t >>> 2, D = dx >>> 2;
      for (let i = 0; i < n; i++) f[D + i] = -2 * Math.fround(f[T + i] - f[Y + i]) * scale;
    },
    maeLoss(y: number, t: number, n: number, cols: number, weights: number): number {
      return elementLossSum((p, ti) => Math.abs(ti - p), y, t, n, cols, weights);
    },
    maeBackward(y: number, t: number, dx: number, n: number, scale: number): void {
      scale = Math.fround(scale);
      const f = h.f32, Y = y >>> 2, T = t >>> 2, D = dx >>> 2;
      for (let i = 0; i < n; i++) f[D + i] = Math.sign(f[Y + i] - f[T + i]) * scale;
    },
    categoricalCorrect(y: number, labels: number, rows: number, cols: number, oneHot: number): number {
      const f = h.f32, Y = y >>> 2, L = labels >>> 2;
      let correct = 0;
      for (let r = 0; r < rows; r++) {
        const label = oneHot ? argmax(L + r * cols, cols) : f[L + r];
        if (argmax(Y + r * cols, cols) === label) correct++;
      }
      return correct;
    },
    binaryCorrect(y: number, t: number, n: number): number {
      const f = h.f32, Y = y >>> 2, T = t >>> 2;
      let correct = 0;
      for (let i = 0; i < n; i++) if ((f[Y + i] > 0.5 ? 1 : 0) === f[T + i]) correct++;
      return correct;
    },
    binaryCounts(y: number, t: number, n: number, which: number): number {
      const f = h.f32, Y = y >>> 2, T = t >>> 2;
      let c = 0;
      for (let i = 0; i < n; i++) {
        const p = f[Y + i] > 0.5, a = f[T + i] > 0.5;
        if (which === 0 ? p && a : which === 1 ? p : a) c++;
      }
      return c;
    },
    topKCorrect(y: number, labels: number, rows: number, cols: number, k: number, oneHot: number): number {
      const f = h.f32, Y = y >>> 2, L = labels >>> 2;
      let c = 0;
      for (let r = 0; r < rows; r++) {
        const label = oneHot ? argmax(L + r * cols, cols) : f[L + r], score = f[Y + r * cols + label];
        let above = 0;
        for (let j = 0; j < cols; j++) if (f[Y + r * cols + j] > score) above++;
        if (above < k) c++;
      }
      return c;
    },
    regressionCorrect(y: number, t: number, n: number, precision: number): number {
      const f = h.f32, Y = y >>> 2, T = t >>> 2;
      let correct = 0;
      for (let i = 0; i < n; i++) if (Math.abs(Math.fround(f[Y + i] - f[T + i])) < precision) correct++;
      return correct;
    },
  } satisfies LossKernels;
}
