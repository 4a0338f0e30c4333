import type { Ptr } from '../kernels.ts';

/** Standard (inverted) dropout: assembly/dropout.ts, src/backend/js/dropout.ts. */
export interface DropoutKernels {
  /**
   * Draws the mask from the counter-based RNG (see dropoutBits in src/backend/random.ts):
   * mask[i] = (bits(seed, counter, i) >>> 8) >= threshold ? scale : 0, y = x * mask.
   * threshold = round(rate · 2^24), scale = fround(1 / (1 - rate)). y may alias x.
   */
  dropoutForward(x: Ptr, mask: Ptr, y: Ptr, n: number, seed: number, counter: number, threshold: number, scale: number): void;
  /**
   * dropoutForward with one draw per (o, i) broadcast over `mid`: x is outer×mid×inner, the draw of
   * (o, i) uses the bits of index o·inner + i (SpatialDropout2D on NHWC: outer N, mid H·W, inner C).
   */
  dropoutBroadcastForward(x: Ptr, mask: Ptr, y: Ptr, outer: number, mid: number, inner: number, seed: number, counter: number, threshold: number, scale: number): void;
}
