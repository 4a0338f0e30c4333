import type { Ptr } from '../kernels.ts';

/**
 * The dropout family beyond dropoutForward, and Monte Carlo prediction's moments:
 * assembly/dropoutVariants.ts, src/backend/js/dropoutVariants.ts.
 *
 * Noise is a function of (seed, counter, index) through streamBits, as dropoutForward's; "bits_i"
 * below is streamBits(streamKey(seed, counter), i). Normals and the concrete relaxation use
 * src/backend/mathf32.ts (float32 log / exp / normal quantile from + − × ÷ sqrt only), so every
 * kernel here agrees bit for bit between backends.
 */
export interface DropoutVariantKernels {
  /** y = x · s (scale-down dropout at inference: x · keep probability); y may alias x */
  scale(x: Ptr, y: Ptr, n: number, s: number): void;
  /**
   * Exact-count dropout: in every row of `cols`, exactly `drop` units get mask 0 and the others
   * `keepScale`; the dropped subset is uniform (Knuth's selection sampling: unit j is dropped when
   * floor(bits_i · (cols − j) / 2^32) < the number still to drop). y = x · mask. cols ≤ 2^21.
   */
  exactDropoutForward(x: Ptr, mask: Ptr, y: Ptr, rows: number, cols: number, seed: number, counter: number, drop: number, keepScale: number): void;
  /** Gaussian dropout: noise[i] = 1 + sigma · Φ⁻¹(uniformOpen(bits_i)) (mathf32.ts), y = x · noise */
  gaussianDropoutForward(x: Ptr, noise: Ptr, y: Ptr, n: number, seed: number, counter: number, sigma: number): void;
  /**
   * Alpha dropout: kept by dropoutForward's rule ((bits_i >>> 8) ≥ threshold): y = a·x + b, mask = a;
   * dropped: y = dropped (a·α′ + b), mask = 0. So dinputs = dvalues · mask.
   */
  alphaDropoutForward(x: Ptr, mask: Ptr, y: Ptr, n: number, seed: number, counter: number, threshold: number, a: number, b: number, dropped: number): void;
  /**
   * Concrete dropout (relaxed Bernoulli): u = uniformOpen(bits_i),
   * z = 1 / (1 + expf(−(logit + (logf(u) − logf(1 − u))) · invTemperature)), mask = (1 − z) · invKeep, y = x · mask.
   */
  concreteDropoutForward(x: Ptr, mask: Ptr, y: Ptr, n: number, seed: number, counter: number, logit: number, invTemperature: number, invKeep: number): void;
  /**
   * dinputs = dvalues · mask, and returns Σ dvalues · output · (p − z · invTemperature) in float64
   * with z = 1 − mask · keep: ∂(Σ dvalues · output)/∂logit (see LayerConcreteDropout).
   */
  concreteDropoutBackward(dvalues: Ptr, mask: Ptr, output: Ptr, dinputs: Ptr, n: number, p: number, keep: number, invTemperature: number): number;
  /** importance[j] = oneMinusA · importance[j] + a · (Σ_r |x[r][j]|) / rows (column sums in float32, row order) */
  adaptiveImportanceUpdate(x: Ptr, importance: Ptr, rows: number, cols: number, a: number, oneMinusA: number): void;
  /**
   * rates[j] = rate · (1 − importance[j] / max_j importance) (rate everywhere when the max is 0);
   * thresholds[j] = floor(rates[j] · 2^24 + 0.5) and scales[j] = 1 / (1 − rates[j]), as float32
   */
  adaptiveDropoutRates(importance: Ptr, rates: Ptr, thresholds: Ptr, scales: Ptr, cols: number, rate: number): void;
  /** per-column dropout: mask[r][j] = (bits_i >>> 8) ≥ thresholds[j] ? scales[j] : 0, y = x · mask */
  columnDropoutForward(x: Ptr, thresholds: Ptr, scales: Ptr, mask: Ptr, y: Ptr, rows: number, cols: number, seed: number, counter: number): void;
  /** Welford step `count` (1-based) of Monte Carlo prediction: d = x − mean; mean += d / count; m2 += d · (x − mean) */
  momentsUpdate(x: Ptr, mean: Ptr, m2: Ptr, n: number, count: number): void;
  /** std = sqrt(m2 / count), the population standard deviation over `count` passes; std may alias m2 */
  momentsStd(m2: Ptr, std: Ptr, n: number, count: number): void;
}
