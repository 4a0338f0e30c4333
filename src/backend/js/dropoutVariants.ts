import type { DropoutVariantKernels } from '../kernels/dropoutVariants.ts';
import type { Heap } from './heap.ts';
import { streamBits, streamKey } from '../random.ts';
import { expf, logf, normalFromBits, uniformOpen } from '../mathf32.ts';

const fr = Math.fround;

/**
 * Twins of assembly/dropoutVariants.ts: every operation rounded as float32 arithmetic rounds, in the
 * same order, and normals / the concrete relaxation from mathf32.ts, so the masks, noise and outputs
 * equal the WASM kernels' bit for bit.
 */
export function dropoutVariantKernels(h: Heap) {
  return {
    scale(x: number, y: number, n: number, s: number): void {
      const f = h.f32, X = x >>> 2, Y = y >>> 2, S = fr(s);
      for (let i = 0; i < n; i++) f[Y + i] = f[X + i] * S;
    },
    exactDropoutForward(x: number, mask: number, y: number, rows: number, cols: number, seed: number, counter: number, drop: number, keepScale: number): void {
      const f = h.f32, X = x >>> 2, M = mask >>> 2, Y = y >>> 2, key = streamKey(seed >>> 0, counter >>> 0), scale = fr(keepScale);
      for (let r = 0; r < rows; r++) {
        let needed = drop;
        for (let j = 0; j < cols; j++) {
          const i = r * cols + j;
          // bits · remaining < 2^53 while cols ≤ 2^21 (the layer checks), so this floor is exact
          const drawn = Math.floor((streamBits(key, i) * (cols - j)) / 4294967296) < needed;
          const m = drawn ? 0 : scale;
          if (drawn) needed--;
          const v = f[X + i] * m;
          f[M + i] = m;
          f[Y + i] = v;
        }
      }
    },
    gaussianDropoutForward(x: number, noise: number, y: number, n: number, seed: number, counter: number, sigma: number): void {
      const f = h.f32, X = x >>> 2, N = noise >>> 2, Y = y >>> 2, key = streamKey(seed >>> 0, counter >>> 0), s = fr(sigma);
      for (let i = 0; i < n; i++) {
        const m = fr(1 + fr(s * normalFromBits(streamBits(key, i))));
        const v = f[X + i] * m;
        f[N + i] = m;
        f[Y + i] = v;
      }
    },
    alphaDropoutForward(x: number, mask: number, y: number, n: number, seed: number, counter: number, threshold: number, a: number, b: number, dropped: number): void {
      const f = h.f32, X = x >>> 2, M = mask >>> 2, Y = y >>> 2, key = streamKey(seed >>> 0, counter >>> 0);
      const A = fr(a), B = fr(b), DROPPED = fr(dropped);
      for (let i = 0; i < n; i++) {
        const keep = streamBits(key, i) >>> 8 >= threshold;
        const v = keep ? fr(fr(A * f[X + i]) + B) : DROPPED;
        f[M + i] = keep ? A : 0;
        f[Y + i] = v;
      }
    },
    concreteDropoutForward(x: number, mask: number, y: number, n: number, seed: number, counter: number, logit: number, invTemperature: number, invKeep: number): void {
      const f = h.f32, X = x >>> 2, M = mask >>> 2, Y = y >>> 2, key = streamKey(seed >>> 0, counter >>> 0);
      const L = fr(logit), T = fr(invTemperature), K = fr(invKeep);
      for (let i = 0; i < n; i++) {
        const u = uniformOpen(streamBits(key, i));
        const s = fr(fr(L + fr(logf(u) - logf(fr(1 - u)))) * T);
        const z = fr(1 / fr(1 + expf(-s)));
        const m = fr(fr(1 - z) * K);
        const v = f[X + i] * m;
        f[M + i] = m;
        f[Y + i] = v;
      }
    },
    concreteDropoutBackward(dvalues: number, mask: number, output: number, dinputs: number, n: number, p: number, keep: number, invTemperature: number): number {
      const f = h.f32, DV = dvalues >>> 2, M = mask >>> 2, O = output >>> 2, DX = dinputs >>> 2;
      const P = fr(p), KEEP = fr(keep), T = fr(invTemperature);
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const dv = f[DV + i], m = f[M + i];
        const z = fr(1 - fr(m * KEEP));
        sum += fr(dv * f[O + i]) * fr(P - fr(z * T));
        f[DX + i] = dv * m;
      }
      return sum;
    },
    adaptiveImportanceUpdate(x: number, importance: number, rows: number, cols: number, a: number, oneMinusA: number): void {
      const f = h.f32, X = x >>> 2, I = importance >>> 2, A = fr(a), KEEP = fr(oneMinusA);
      for (let j = 0; j < cols; j++) {
        let s = 0;
        for (let r = 0; r < rows; r++) s = fr(s + Math.abs(f[X + r * cols + j]));
        f[I + j] = fr(KEEP * f[I + j]) + fr(A * fr(s / rows));
      }
    },
    adaptiveDropoutRates(importance: number, rates: number, thresholds: number, scales: number, cols: number, rate: number): void {
      const f = h.f32, I = importance >>> 2, R = rates >>> 2, T = thresholds >>> 2, S = scales >>> 2, RATE = fr(rate);
      let max = 0;
      for (let j = 0; j < cols; j++) if (f[I + j] > max) max = f[I + j];
      for (let j = 0; j < cols; j++) {
        const r = max > 0 ? fr(RATE * fr(1 - fr(f[I + j] / max))) : RATE;
        f[R + j] = r;
        f[T + j] = Math.floor(r * 16777216 + 0.5);
        f[S + j] = 1 / fr(1 - r);
      }
    },
    columnDropoutForward(x: number, thresholds: number, scales: number, mask: number, y: number, rows: number, cols: number, seed: number, counter: number): void {
      const f = h.f32, X = x >>> 2, T = thresholds >>> 2, S = scales >>> 2, M = mask >>> 2, Y = y >>> 2, key = streamKey(seed >>> 0, counter >>> 0);
      for (let r = 0; r < rows; r++)
        for (let j = 0; j < cols; j++) {
          const i = r * cols + j;
          const m = streamBits(key, i) >>> 8 >= f[T + j] ? f[S + j] : 0;
          const v = f[X + i] * m;
          f[M + i] = m;
          f[Y + i] = v;
        }
    },
    momentsUpdate(x: number, mean: number, m2: number, n: number, count: number): void {
      const f = h.f32, X = x >>> 2, MEAN = mean >>> 2, M2 = m2 >>> 2;
      for (let i = 0; i < n; i++) {
        const xv = f[X + i];
        const d = fr(xv - f[MEAN + i]);
        const m = fr(f[MEAN + i] + fr(d / count));
        f[MEAN + i] = m;
        f[M2 + i] = f[M2 + i] + fr(d * fr(xv - m));
      }
    },
    momentsStd(m2: number, std: number, n: number, count: number): void {
      const f = h.f32, M2 = m2 >>> 2, S = std >>> 2;
      for (let i = 0; i < n; i++) f[S + i] = Math.sqrt(fr(f[M2 + i] / count));
    },
  } satisfies DropoutVariantKernels;
}
