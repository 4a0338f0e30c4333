import type { OptimKernels } from '../kernels/optim.ts';
import type { Heap } from './heap.ts';

const fr = Math.fround;

/**
 * Regularization terms and the fused optimizer updates. Scalars are rounded to float32 on entry,
 * as WASM's f32 parameters are, and every operation is rounded as float32 arithmetic rounds
 * (f64 then fround is exact for + - * / sqrt), so these twins equal the WASM kernels bit for bit.
 */
export function optimKernels(h: Heap) {
  return {
    regularizationPenalty(w: number, n: number, l1: number, l2: number): number {
      const f = h.f32, W = w >>> 2;
      let abs = 0, sq = 0;
      for (let i = 0; i < n; i++) {
        abs += Math.abs(f[W + i]);
        sq += f[W + i] * f[W + i];
      }
      return fr(l1) * abs + fr(l2) * sq;
    },
    regularizationGrad(w: number, dw: number, n: number, l1: number, l2: number): void {
      const f = h.f32, W = w >>> 2, D = dw >>> 2, L1 = fr(l1), twoL2 = fr(2 * fr(l2));
      for (let i = 0; i < n; i++) {
        const wi = f[W + i];
        f[D + i] = fr(f[D + i] + (wi < 0 ? -L1 : L1)) + fr(twoL2 * wi);
      }
    },
    sgdUpdate(w: number, dw: number, n: number, lr: number): void {
      const f = h.f32, W = w >>> 2, D = dw >>> 2, LR = fr(lr);
      for (let i = 0; i < n; i++) f[W + i] -= fr(LR * f[D + i]);
    },
    sgdMomentumUpdate(w: number, dw: number, m: number, n: number, lr: number, momentum: number): void {
      const f = h.f32, W = w >>> 2, D = dw >>> 2, M = m >>> 2, LR = fr(lr), MO = fr(momentum);
      for (let i = 0; i < n; i++) {
        f[M + i] = fr(MO * f[M + i]) - fr(LR * f[D + i]);
        f[W + i] += f[M + i];
      }
    },
    adagradUpdate(w: number, dw: number, cache: number, n: number, lr: number, eps: number): void {
      const f = h.f32, W = w >>> 2, D = dw >>> 2, C = cache >>> 2, LR = fr(lr), EPS = fr(eps);
      for (let i = 0; i < n; i++) {
        const g = f[D + i];
        f[C + i] += fr(g * g);
        f[W + i] -= fr(fr(LR * g) / fr(fr(Math.sqrt(f[C + i])) + EPS));
      }
    },
    rmspropUpdate(w: number, dw: number, cache: number, n: number, lr: number, eps: number, oneMinusRho: number): void {
      const f = h.f32, W = w >>> 2, D = dw >>> 2, C = cache >>> 2, LR = fr(lr), EPS = fr(eps);
      const keep = fr(oneMinusRho), rho = fr(1 - keep);
      for (let i = 0; i < n; i++) {
        const g = f[D + i];
        f[C + i] = fr(rho * f[C + i]) + fr(keep * fr(g * g));
        f[W + i] -= fr(fr(LR * g) / fr(fr(Math.sqrt(f[C + i])) + EPS));
      }
    },
    adamUpdate(w: number, dw: number, m: number, v: number, n: number, lr: number, oneMinusBeta1: number, oneMinusBeta2: number, eps: number, c1: number, c2: number): void {
      const f = h.f32, W = w >>> 2, D = dw >>> 2, M = m >>> 2, V = v >>> 2, LR = fr(lr), EPS = fr(eps), C1 = fr(c1), C2 = fr(c2);
      const k1 = fr(oneMinusBeta1), k2 = fr(oneMinusBeta2), beta1 = fr(1 - k1), beta2 = fr(1 - k2);
      for (let i = 0; i < n; i++) {
        const g = f[D + i];
        f[M + i] = fr(beta1 * f[M + i]) + fr(k1 * g);
        f[V + i] = fr(beta2 * f[V + i]) + fr(k2 * fr(g * g));
        const mHat = fr(f[M + i] / C1), vHat = fr(f[V + i] / C2);
        f[W + i] -= fr(fr(LR * mHat) / fr(fr(Math.sqrt(vHat)) + EPS));
      }
    },
  } satisfies OptimKernels;
}
