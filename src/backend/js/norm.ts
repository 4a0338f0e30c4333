import type { NormKernels } from '../kernels/norm.ts';
import type { Heap } from './heap.ts';

const fr = Math.fround;

/**
 * Twins of assembly/norm.ts (the contract, with the summation orders, is in kernels/norm.ts).
 * Scalars are rounded to float32 on entry as wasm's f32 parameters are; each float32 operation is
 * a float64 operation rounded by fround (exact for + − × ÷ sqrt) or by the store into the
 * Float32Array; float64 sums run in the contract's order. So these equal the wasm kernels bit for
 * bit.
 */
export function normKernels(h: Heap) {
  /** the float64 scratch: 3·cols doubles at `work` (8-byte aligned) */
  const scratch = (work: number, cols: number) => new Float64Array(h.f32.buffer, work, 3 * cols);

  /** Σ_c values(c) over one row, in the contract's four interleaved float64 partial sums */
  const rowSum = (cols: number, value: (c: number) => number): number => {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, c = 0;
    for (; c + 4 <= cols; c += 4) (s0 += value(c)), (s1 += value(c + 1)), (s2 += value(c + 2)), (s3 += value(c + 3));
    if (c < cols) s0 += value(c++);
    if (c < cols) s1 += value(c++);
    if (c < cols) s2 += value(c++);
    return s0 + s1 + (s2 + s3);
  };

  return {
    batchNormStats(x: number, mean: number, variance: number, work: number, rows: number, cols: number): void {
      const f = h.f32, X = x >>> 2, W = scratch(work, cols), M = mean >>> 2, V = variance >>> 2;
      W.fill(0, 0, 2 * cols);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) W[c] += f[X + r * cols + c];
      for (let c = 0; c < cols; c++) W[c] /= rows;
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < cols; c++) {
          const d = f[X + r * cols + c] - W[c];
          W[cols + c] += d * d;
        }
      for (let c = 0; c < cols; c++) {
        f[M + c] = W[c];
        f[V + c] = W[cols + c] / rows;
      }
    },

    batchNormInvStd(variance: number, invStd: number, cols: number, epsilon: number): void {
      const f = h.f32, V = variance >>> 2, S = invStd >>> 2, eps = fr(epsilon);
      for (let c = 0; c < cols; c++) f[S + c] = 1 / fr(Math.sqrt(fr(f[V + c] + eps)));
    },

    batchNormMovingUpdate(mean: number, variance: number, movingMean: number, movingVariance: number, cols: number, momentum: number, complement: number): void {
      const f = h.f32, M = mean >>> 2, V = variance >>> 2, MM = movingMean >>> 2, MV = movingVariance >>> 2, mo = fr(momentum), co = fr(complement);
      for (let c = 0; c < cols; c++) {
        f[MM + c] = fr(f[MM + c] * mo) + fr(f[M + c] * co);
        f[MV + c] = fr(f[MV + c] * mo) + fr(f[V + c] * co);
      }
    },

    batchNormApply(x: number, y: number, rows: number, cols: number, mean: number, invStd: number, gamma: number, beta: number, relu: number): void {
      const f = h.f32, X = x >>> 2, Y = y >>> 2, M = mean >>> 2, S = invStd >>> 2, G = gamma >>> 2, B = beta >>> 2;
      for (let r = 0, i = 0; r < rows; r++)
        for (let c = 0; c < cols; c++, i++) {
          const v = fr(fr(fr(fr(f[X + i] - f[M + c]) * f[S + c]) * f[G + c]) + f[B + c]);
          f[Y + i] = relu && !(v > 0) ? 0 : v;
        }
    },

    batchNormFold(w: number, b: number, mean: number, invStd: number, gamma: number, beta: number, wOut: number, bOut: number, rows: number, cols: number): void {
      const f = h.f32, W = w >>> 2, WO = wOut >>> 2, M = mean >>> 2, S = invStd >>> 2, G = gamma >>> 2, B = beta >>> 2;
      const a = Float32Array.from({ length: cols }, (_, c) => f[G + c] * f[S + c]);
      for (let c = 0; c < cols; c++) f[(bOut >>> 2) + c] = fr(fr((b ? f[(b >>> 2) + c] : 0) - f[M + c]) * a[c]) + f[B + c];
      for (let i = 0; i < rows * cols; i++) f[WO + i] = f[W + i] * a[i % cols];
    },

    batchNormBackward(x: number, dy: number, dx: number, rows: number, cols: number, mean: number, invStd: number, gamma: number,
      dgamma: number, dbeta: number, work: number, batchStats: number, reluOut: number): void {
      const f = h.f32, X = x >>> 2, DY = dy >>> 2, M = mean >>> 2, S = invStd >>> 2, G = gamma >>> 2, W = scratch(work, cols), R = reluOut >>> 2;
      const grad = (i: number) => (reluOut && !(f[R + i] > 0) ? 0 : f[DY + i]);
      W.fill(0, 0, 2 * cols);
      for (let r = 0, i = 0; r < rows; r++)
        for (let c = 0; c < cols; c++, i++) {
          const xhat = fr(fr(f[X + i] - f[M + c]) * f[S + c]), g = grad(i);
          W[c] += g;
          W[cols + c] += g * xhat;
        }
      // the per-column coefficients b and e, float32, after the float64 sums (kept in f32 views of the scratch's last third)
      const coeff = new Float32Array(h.f32.buffer, work + 16 * cols, 2 * cols);
      for (let c = 0; c < cols; c++) {
        f[(dbeta >>> 2) + c] = W[c];
        f[(dgamma >>> 2) + c] = W[cols + c];
        coeff[c] = batchStats ? W[c] / rows : 0;
        coeff[cols + c] = batchStats ? W[cols + c] / rows : 0;
      }
      if (!dx) return;
      const D = dx >>> 2;
      for (let r = 0, i = 0; r < rows; r++)
        for (let c = 0; c < cols; c++, i++) {
          const xhat = fr(fr(f[X + i] - f[M + c]) * f[S + c]), a = fr(f[G + c] * f[S + c]);
          f[D + i] = fr(fr(grad(i) - coeff[c]) - fr(xhat * coeff[cols + c])) * a;
        }
    },

    layerNormForward(x: number, y: number, rows: number, cols: number, gamma: number, beta: number, mean: number, invStd: number, epsilon: number): void {
      const f = h.f32, G = gamma >>> 2, B = beta >>> 2, eps = fr(epsilon);
      for (let r = 0; r < rows; r++) {
        const X = (x >>> 2) + r * cols, Y = (y >>> 2) + r * cols;
        const m64 = rowSum(cols, (c) => f[X + c]) / cols;
        const variance = rowSum(cols, (c) => (f[X + c] - m64) * (f[X + c] - m64)) / cols;
        const m = fr(m64), s = fr(1 / fr(Math.sqrt(fr(fr(variance) + eps))));
        f[(mean >>> 2) + r] = m;
        f[(invStd >>> 2) + r] = s;
        for (let c = 0; c < cols; c++) f[Y + c] = fr(fr(fr(f[X + c] - m) * s) * f[G + c]) + f[B + c];
      }
    },

    layerNormBackward(x: number, dy: number, dx: number, rows: number, cols: number, mean: number, invStd: number, gamma: number,
      dgamma: number, dbeta: number, work: number): void {
      const f = h.f32, G = gamma >>> 2, W = scratch(work, cols);
      W.fill(0, 0, 2 * cols);
      for (let r = 0; r < rows; r++) {
        const X = (x >>> 2) + r * cols, DY = (dy >>> 2) + r * cols, m = f[(mean >>> 2) + r], s = f[(invStd >>> 2) + r];
        const xhat = (c: number) => fr(fr(f[X + c] - m) * s);
        for (let c = 0; c < cols; c++) {
          W[c] += f[DY + c];
          W[cols + c] += f[DY + c] * xhat(c);
        }
        if (!dx) continue;
        const g = (c: number) => fr(f[DY + c] * f[G + c]);
        const b = fr(rowSum(cols, g) / cols), e = fr(rowSum(cols, (c) => g(c) * xhat(c)) / cols), D = (dx >>> 2) + r * cols;
        for (let c = 0; c < cols; c++) f[D + c] = fr(fr(g(c) - b) - fr(xhat(c) * e)) * s;
      }
      for (let c = 0; c < cols; c++) {
        f[(dbeta >>> 2) + c] = W[c];
        f[(dgamma >>> 2) + c] = W[cols + c];
      }
    },
  } satisfies NormKernels;
}
