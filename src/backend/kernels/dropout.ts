import type { Ptr } from '../kernels.ts';

/** Standard (inverted) dropout: assembly/dropout.ts, src/backend/js/dropout.ts. */
export interface DropoutKernels {
  /**
   * Draws the mask from the counter-based RNG (see dropoutBits in src/backend/random.ts):
   * mask[i] = (bits(seed, counter, i) >>> 8) >= threshold ? scale : 0, y = x * mask.
   * threshold = round(rate · 2^24), scale = fround(1 / (1 - rate)). y may alias x.
   */
  dropoutForward(x: Ptr, mask: Ptr, y: Ptr, n: number, seed: number, counter: number, threshold: number, scale: number): void;
}
