import type { FusedKernels } from '../kernels/fused.ts';
import type { Heap } from './heap.ts';
import { streamBits, streamKey } from '../random.ts';
import { gemmKernels } from './gemm.ts';

/**
 * Plain-TS twins of the fused chain kernels (assembly/fused.ts): each is the composition of the
 * unfused twins it replaces (gemmNN, reluForward, dropoutForward, mul, reluBackward, colSums,
 * gemmTN, gemmNT), written out so the intermediate never needs a buffer of its own.
 */
export function fusedKernels(h: Heap) {
  const g = gemmKernels(h);
  /** ReLU then the dropout mask over y[0..m·n), in place (element index i as dropoutForward's) */
  const reluDropout = (y: number, size: number, seed: number, counter: number, threshold: number, scale: number) => {
    const f = h.f32, Y = y >>> 2, drop = threshold !== 0 || Math.fround(scale) !== 1;
    const key = streamKey(seed >>> 0, counter >>> 0), s = Math.fround(scale);
    for (let i = 0; i < size; i++) {
      const v = f[Y + i] > 0 ? f[Y + i] : 0;
      f[Y + i] = drop ? v * (streamBits(key, i) >>> 8 >= threshold ? s : 0) : v;
    }
  };
  return {
    denseReluForward(x: number, w: number, bias: number, y: number, m: number, k: number, n: number, seed: number, counter: number, threshold: number, scale: number): void {
      g.gemmNN(x, w, bias, y, m, k, n, 0);
      reluDropout(y, m * n, seed, counter, threshold, scale);
    },
    reluDropoutGate(y: number, dy: number, dz: number, db: number, rows: number, cols: number, scale: number): void {
      const f = h.f32, Y = y >>> 2, DY = dy >>> 2, DZ = dz >>> 2, DB = db >>> 2, s = Math.fround(scale);
      f.fill(0, DB, DB + cols);
      for (let r = 0; r < rows; r++)
        for (let j = 0; j < cols; j++) {
          const i = r * cols + j;
          const v = f[Y + i] > 0 ? Math.fround(f[DY + i] * s) : 0;
          f[DZ + i] = v;
          f[DB + j] += v;
        }
    },
    denseChainForward(x: number, w1: number, b1: number, hid: number, w2: number, b2: number, z: number, m: number, k: number, hd: number, n: number,
      seed: number, counter: number, threshold: number, scale: number, _scratch: number): void {
      g.gemmNN(x, w1, b1, hid, m, k, hd, 0);
      reluDropout(hid, m * hd, seed, counter, threshold, scale);
      g.gemmNN(hid, w2, b2, z, m, hd, n, 0);
    },
    denseChainBackward(x: number, hid: number, w2: number, dz: number, dw1: number, db1: number, dw2: number, dh1: number, m: number, k: number, hd: number, n: number,
      scale: number, _scratch: number): void {
      const f = h.f32, H = hid >>> 2, W2 = w2 >>> 2, DZ = dz >>> 2, X = x >>> 2, s = Math.fround(scale);
      const D1 = dw1 >>> 2, B1 = db1 >>> 2, G = dh1 >>> 2;
      g.gemmTN(hid, dz, dw2, hd, m, n, 0);
      f.fill(0, D1, D1 + k * hd);
      f.fill(0, B1, B1 + hd);
      for (let r = 0; r < m; r++)
        for (let j = 0; j < hd; j++) {
          let dh = 0;
          for (let c = 0; c < n; c++) dh += f[DZ + r * n + c] * f[W2 + j * n + c];
          const v = f[H + r * hd + j] > 0 ? Math.fround(Math.fround(dh) * s) : 0;
          if (dh1) f[G + r * hd + j] = v;
          for (let p = 0; p < k; p++) f[D1 + p * hd + j] += f[X + r * k + p] * v;
          f[B1 + j] += v;
        }
    },
  } satisfies FusedKernels;
}
