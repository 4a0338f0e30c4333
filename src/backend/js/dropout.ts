import type { DropoutKernels } from '../kernels/dropout.ts';
import type { Heap } from './heap.ts';
import { streamBits, streamKey } from '../random.ts';

export function dropoutKernels(h: Heap) {
  return {
    dropoutForward(x: number, mask: number, y: number, n: number, seed: number, counter: number, threshold: number, scale: number): void {
      const f = h.f32, X = x >>> 2, M = mask >>> 2, Y = y >>> 2, key = streamKey(seed >>> 0, counter >>> 0);
      for (let i = 0; i < n; i++) {
        const m = streamBits(key, i) >>> 8 >= threshold ? scale : 0;
        f[M + i] = m;
        f[Y + i] = f[X + i] * m;
      }
    },
    /**
     * Dropout with one draw per (o, i) broadcast over `mid`: x is outer×mid×inner, draw (o, i)
     * uses bits index o·inner + i. SpatialDropout2D on NHWC is (N, H·W, C): one draw per sample
     * and channel; mid = 1 is dropoutForward.
     */
    dropoutBroadcastForward(x: number, mask: number, y: number, outer: number, mid: number, inner: number, seed: number, counter: number, threshold: number, scale: number): void {
      const f = h.f32, X = x >>> 2, M = mask >>> 2, Y = y >>> 2, key = streamKey(seed >>> 0, counter >>> 0);
      for (let o = 0; o < outer; o++)
        for (let i = 0; i < inner; i++) {
          const m = streamBits(key, o * inner + i) >>> 8 >= threshold ? scale : 0;
          for (let k = 0; k < mid; k++) {
            const at = (o * mid + k) * inner + i;
            f[M + at] = m;
            f[Y + at] = f[X + at] * m;
          }
        }
    },
  } satisfies DropoutKernels;
}
