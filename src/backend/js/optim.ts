import type { Heap } from './heap.ts';

const fr = Math.fround;

/** Regularization terms and the fused optimizer updates, rounding to float32 where WASM does. */
export function optimKernels(h: Heap) {
  return {
    regularizationPenalty(w: number, n: number, l1: number, l2: number): number {
      const f = h.f32, W = w >> 2;
      let abs = 0, sq = 0;
      for (let i = 0; i < n; i++) {
        abs += Math.abs(f[W + i]);
        sq += f[W + i] * f[W + i];
      }
      return l1 * abs + l2 * sq;
    },
    regularizationGrad(w: number, dw: number, n: number, l1: number, l2: number): void {
      const f = h.f32, W = w >> 2, D = dw >> 2, twoL2 = fr(2 * l2);
      for (let i = 0; i < n; i++) {
        const wi = f[W + i];
        f[D + i] = fr(f[D + i] + (wi < 0 ? -l1 : l1)) + fr(twoL2 * wi);
      }
    },
    sgdUpdate(w: number, dw: number, n: number, lr: number): void {
      const f = h.f32, W = w >> 2, D = dw >> 2;
      for (let i = 0; i < n; i++) f[W + i] -= fr(lr * f[D + i]);
    },
    sgdMomentumUpdate(w: number, dw: number, m: number, n: number, lr: number, momentum: number): void {
      const f = h.f32, W = w >> 2, D = dw >> 2, M = m >> 2;
      for (let i = 0; i < n; i++) {
        f[M + i] = fr(momentum * f[M + i]) - fr(lr * f[D + i]);
        f[W + i] += f[M + i];
      }
    },
    adagradUpdate(w: number, dw: number, cache: number, n: number, lr: number, eps: number): void {
      const f = h.f32, W = w >> 2, D = dw >> 2, C = cache >> 2;
      for (let i = 0; i < n; i++) {
        const g = f[D + i];
        f[C + i] += fr(g * g);
        f[W + i] -= fr(fr(lr * g) / fr(fr(Math.sqrt(f[C + i])) + eps));
      }
    },
    rmspropUpdate(w: number, dw: number, cache: number, n: number, lr: number, eps: number, rho: number): void {
      const f = h.f32, W = w >> 2, D = dw >> 2, C = cache >> 2, keep = fr(1 - rho);
      for (let i = 0; i < n; i++) {
        const g = f[D + i];
        f[C + i] = fr(rho * f[C + i]) + fr(keep * fr(g * g));
        f[W + i] -= fr(fr(lr * g) / fr(fr(Math.sqrt(f[C + i])) + eps));
      }
    },
    adamUpdate(w: number, dw: number, m: number, v: number, n: number, lr: number, beta1: number, beta2: number, eps: number, c1: number, c2: number): void {
      const f = h.f32, W = w >> 2, D = dw >> 2, M = m >> 2, V = v >> 2;
      const k1 = fr(1 - beta1), k2 = fr(1 - beta2);
      for (let i = 0; i < n; i++) {
        const g = f[D + i];
        f[M + i] = fr(beta1 * f[M + i]) + fr(k1 * g);
        f[V + i] = fr(beta2 * f[V + i]) + fr(k2 * fr(g * g));
        const mHat = fr(f[M + i] / c1), vHat = fr(f[V + i] / c2);
        f[W + i] -= fr(fr(lr * mHat) / fr(fr(Math.sqrt(vHat)) + eps));
      }
    },
  };
}
