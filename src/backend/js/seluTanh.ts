import type { SeluTanhKernels } from '../kernels/seluTanh.ts';
import type { Heap } from './heap.ts';

const fr = Math.fround;
const LAMBDA = 1.0507009873554804934193349852946;
const ALPHA = 1.6732632423543772848170429916717;
const LAMBDA_ALPHA = LAMBDA * ALPHA;

/** Twins of assembly/seluTanh.ts: forward in f64 rounded once (Math's expm1/tanh may differ from
 * AssemblyScript's in the last f64 ulp); backward in float32, bit-exact given the same output. */
export function seluTanhKernels(h: Heap) {
  return {
    seluForward(x: number, y: number, n: number): void {
      const f = h.f32, X = x >>> 2, Y = y >>> 2;
      for (let i = 0; i < n; i++) {
        const v = f[X + i];
        f[Y + i] = v > 0 ? LAMBDA * v : LAMBDA_ALPHA * Math.expm1(v);
      }
    },
    seluBackward(x: number, y: number, dy: number, dx: number, n: number): void {
      const f = h.f32, X = x >>> 2, Y = y >>> 2, DY = dy >>> 2, DX = dx >>> 2, l = fr(LAMBDA), la = fr(LAMBDA_ALPHA);
      for (let i = 0; i < n; i++) f[DX + i] = f[DY + i] * (f[X + i] > 0 ? l : fr(f[Y + i] + la));
    },
    tanhForward(x: number, y: number, n: number): void {
      const f = h.f32, X = x >>> 2, Y = y >>> 2;
      for (let i = 0; i < n; i++) f[Y + i] = Math.tanh(f[X + i]);
    },
    tanhBackward(y: number, dy: number, dx: number, n: number): void {
      const f = h.f32, Y = y >>> 2, DY = dy >>> 2, DX = dx >>> 2;
      for (let i = 0; i < n; i++) f[DX + i] = f[DY + i] * fr(1 - fr(f[Y + i] * f[Y + i]));
    },
  } satisfies SeluTanhKernels;
}
