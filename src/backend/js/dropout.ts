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
  } satisfies DropoutKernels;
}
