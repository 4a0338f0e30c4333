import type { PoolKernels } from '../kernels/pool.ts';
import type { Heap } from './heap.ts';

const fr = Math.fround;

/**
 * Pooling over NHWC images, twin of assembly/pool.ts. Windows of ph×pw with strides sh×sw and
 * padding top/left (as in conv.ts, dilation 1); padded positions take no part: they never win a
 * max and are not counted in an average (TensorFlow's rule). Sums run in window order (p, then q),
 * gradients are added back output by output in order, so js ≡ wasm exactly.
 */
export function poolKernels(h: Heap) {
  return {
    /** y = the window's max per channel; argmax (int32) = the flat index in x of the first max */
    maxPoolForward(x: number, y: number, argmax: number, n: number, hh: number, w: number, c: number, ph: number, pw: number,
      sh: number, sw: number, padTop: number, padLeft: number, oh: number, ow: number): void {
      const f = h.f32, I = h.i32, X = x >>> 2;
      let o = y >>> 2, a = argmax >>> 2;
      for (let b = 0; b < n; b++)
        for (let i = 0; i < oh; i++)
          for (let j = 0; j < ow; j++)
            for (let ch = 0; ch < c; ch++, o++, a++) {
              let best = -Infinity, at = -1;
              for (let p = 0; p < ph; p++) {
                const ih = i * sh + p - padTop;
                if (ih < 0 || ih >= hh) continue;
                for (let q = 0; q < pw; q++) {
                  const iw = j * sw + q - padLeft;
                  if (iw < 0 || iw >= w) continue;
                  const k = ((b * hh + ih) * w + iw) * c + ch;
                  if (f[X + k] > best || at < 0) (best = f[X + k]), (at = k);
                }
              }
              f[o] = best;
              I[a] = at;
            }
    },

    /** dx = 0, then dx[argmax[e]] += dy[e] for every output e in order */
    maxPoolBackward(dy: number, argmax: number, dx: number, n: number, hh: number, w: number, c: number, _ph: number, _pw: number,
      _sh: number, _sw: number, _padTop: number, _padLeft: number, oh: number, ow: number): void {
      const f = h.f32, I = h.i32, DY = dy >>> 2, A = argmax >>> 2, D = dx >>> 2;
      const inputs = n * hh * w * c, outputs = n * oh * ow * c;
      f.fill(0, D, D + inputs);
      for (let e = 0; e < outputs; e++) f[D + I[A + e]] = fr(f[D + I[A + e]] + f[DY + e]);
    },

    /** y = the mean of the window's positions inside the image, per channel */
    avgPoolForward(x: number, y: number, n: number, hh: number, w: number, c: number, ph: number, pw: number,
      sh: number, sw: number, padTop: number, padLeft: number, oh: number, ow: number): void {
      const f = h.f32, X = x >>> 2;
      let o = y >>> 2;
      for (let b = 0; b < n; b++)
        for (let i = 0; i < oh; i++)
          for (let j = 0; j < ow; j++)
            for (let ch = 0; ch < c; ch++, o++) {
              let sum = 0, count = 0;
              for (let p = 0; p < ph; p++) {
                const ih = i * sh + p - padTop;
                if (ih < 0 || ih >= hh) continue;
                for (let q = 0; q < pw; q++) {
                  const iw = j * sw + q - padLeft;
                  if (iw < 0 || iw >= w) continue;
                  sum = fr(sum + f[X + ((b * hh + ih) * w + iw) * c + ch]);
                  count++;
                }
              }
              f[o] = fr(sum / count);
            }
    },

    /** dx = 0, then each dy / count is added to the positions its output averaged, output by output */
    avgPoolBackward(dy: number, dx: number, n: number, hh: number, w: number, c: number, ph: number, pw: number,
      sh: number, sw: number, padTop: number, padLeft: number, oh: number, ow: number): void {
      const f = h.f32, D = dx >>> 2;
      f.fill(0, D, D + n * hh * w * c);
      let o = dy >>> 2;
      for (let b = 0; b < n; b++)
        for (let i = 0; i < oh; i++)
          for (let j = 0; j < ow; j++)
            for (let ch = 0; ch < c; ch++, o++) {
              const [p0, p1] = [Math.max(0, padTop - i * sh), Math.min(ph, hh + padTop - i * sh)];
              const [q0, q1] = [Math.max(0, padLeft - j * sw), Math.min(pw, w + padLeft - j * sw)];
              const g = fr(f[o] / ((p1 - p0) * (q1 - q0)));
              for (let p = p0; p < p1; p++)
                for (let q = q0; q < q1; q++) {
                  const k = D + ((b * hh + i * sh + p - padTop) * w + j * sw + q - padLeft) * c + ch;
                  f[k] = fr(f[k] + g);
                }
            }
    },

    /** y[b, ch] = the mean over the hw positions of x[b, :, ch], summed in order */
    globalAvgPoolForward(x: number, y: number, n: number, hw: number, c: number): void {
      const f = h.f32, X = x >>> 2, Y = y >>> 2;
      for (let b = 0; b < n; b++)
        for (let ch = 0; ch < c; ch++) {
          let sum = 0;
          for (let s = 0; s < hw; s++) sum = fr(sum + f[X + (b * hw + s) * c + ch]);
          f[Y + b * c + ch] = fr(sum / hw);
        }
    },

    /** dx[b, s, ch] = dy[b, ch] / hw */
    globalAvgPoolBackward(dy: number, dx: number, n: number, hw: number, c: number): void {
      const f = h.f32, DY = dy >>> 2, D = dx >>> 2;
      for (let b = 0; b < n; b++)
        for (let ch = 0; ch < c; ch++) {
          const g = fr(f[DY + b * c + ch] / hw);
          for (let s = 0; s < hw; s++) f[D + (b * hw + s) * c + ch] = g;
        }
    },
  } satisfies PoolKernels;
}
