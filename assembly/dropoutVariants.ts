// The dropout family beyond the book's inverted dropout (src/backend/kernels/dropoutVariants.ts):
// scale-down inference, exact-count, Gaussian, alpha, concrete and adaptive (per-unit) dropout, and
// the running moments of Monte Carlo prediction. Random bits are streamBits(streamKey(seed, counter), i)
// as in dropout.ts; normals and the concrete relaxation use mathf32.ts, so every result here equals
// the JS twin (src/backend/js/dropoutVariants.ts) bit for bit. Main loops are f32x4 (lane by lane the
// scalar tails' operations, so the split point changes nothing); selection sampling, where each
// element depends on the one before, is scalar.

import { streamKey, streamBits, mix32x4, streamInputx4, STEP4 } from "./random";
import { logf, expf, uniformOpen, normalFromBits, logfx4, expfx4, uniformOpenx4, normalQuantilex4 } from "./mathf32";

// @ts-ignore: decorator
@inline
function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/** y = x · s; y may alias x */
export function scale(x: usize, y: usize, n: i32, s: f32): void {
  const vs = f32x4.splat(s);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(y, i), f32x4.mul(v128.load(at(x, i)), vs));
  for (; i < n; i++) store<f32>(at(y, i), load<f32>(at(x, i)) * s);
}

/**
 * Exactly `drop` of every row's `cols` units are zeroed, the subset uniform: Knuth's selection
 * sampling drops unit i when floor(bits · remaining / 2^32) < still-to-drop.
 */
export function exactDropoutForward(x: usize, mask: usize, y: usize, rows: i32, cols: i32, seed: u32, counter: u32, drop: i32, keepScale: f32): void {
  const key = streamKey(seed, counter);
  for (let r = 0; r < rows; r++) {
    let needed = <u64>drop;
    const base = r * cols;
    for (let j = 0; j < cols; j++) {
      const i = base + j;
      const remaining = <u64>(cols - j);
      const bits = <u64>streamBits(key, <u32>i);
      let m: f32 = keepScale;
      if ((bits * remaining) >> 32 < needed) {
        m = 0;
        needed--;
      }
      const v = load<f32>(at(x, i)) * m;
      store<f32>(at(mask, i), m);
      store<f32>(at(y, i), v);
    }
  }
}

/** noise = 1 + sigma · N(0, 1) from the bits; y = x · noise (y may alias x) */
export function gaussianDropoutForward(x: usize, noise: usize, y: usize, n: i32, seed: u32, counter: u32, sigma: f32): void {
  const key = streamKey(seed, counter);
  const vsigma = f32x4.splat(sigma), one = f32x4.splat(1), step = i32x4.splat(STEP4);
  let pre = streamInputx4(key, 0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const m = f32x4.add(one, f32x4.mul(vsigma, normalQuantilex4(uniformOpenx4(mix32x4(pre)))));
    const v = f32x4.mul(v128.load(at(x, i)), m);
    v128.store(at(noise, i), m);
    v128.store(at(y, i), v);
    pre = i32x4.add(pre, step);
  }
  for (; i < n; i++) {
    const m: f32 = 1 + sigma * normalFromBits(streamBits(key, <u32>i));
    const v = load<f32>(at(x, i)) * m;
    store<f32>(at(noise, i), m);
    store<f32>(at(y, i), v);
  }
}

/** kept (dropoutForward's rule): y = a·x + b, mask = a; dropped: y = dropped, mask = 0 */
export function alphaDropoutForward(x: usize, mask: usize, y: usize, n: i32, seed: u32, counter: u32, threshold: u32, a: f32, b: f32, dropped: f32): void {
  const key = streamKey(seed, counter);
  const vthr = i32x4.splat(threshold), va = f32x4.splat(a), vb = f32x4.splat(b), vdrop = f32x4.splat(dropped);
  const step = i32x4.splat(STEP4);
  let pre = streamInputx4(key, 0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const keep = i32x4.ge_u(i32x4.shr_u(mix32x4(pre), 8), vthr);
    const kept = f32x4.add(f32x4.mul(va, v128.load(at(x, i))), vb);
    v128.store(at(y, i), v128.bitselect(kept, vdrop, keep));
    v128.store(at(mask, i), v128.and(va, keep));
    pre = i32x4.add(pre, step);
  }
  for (; i < n; i++) {
    const keep = (streamBits(key, <u32>i) >>> 8) >= threshold;
    const v: f32 = keep ? a * load<f32>(at(x, i)) + b : dropped;
    store<f32>(at(mask, i), keep ? a : 0);
    store<f32>(at(y, i), v);
  }
}

/** z = σ((logit + log u − log(1 − u)) · invTemperature); mask = (1 − z) · invKeep; y = x · mask */
export function concreteDropoutForward(x: usize, mask: usize, y: usize, n: i32, seed: u32, counter: u32, logit: f32, invTemperature: f32, invKeep: f32): void {
  const key = streamKey(seed, counter);
  const vlogit = f32x4.splat(logit), vinvT = f32x4.splat(invTemperature), vinvKeep = f32x4.splat(invKeep);
  const one = f32x4.splat(1), step = i32x4.splat(STEP4);
  let pre = streamInputx4(key, 0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const u = uniformOpenx4(mix32x4(pre));
    const s = f32x4.mul(f32x4.add(vlogit, f32x4.sub(logfx4(u), logfx4(f32x4.sub(one, u)))), vinvT);
    const z = f32x4.div(one, f32x4.add(one, expfx4(f32x4.neg(s))));
    const m = f32x4.mul(f32x4.sub(one, z), vinvKeep);
    const v = f32x4.mul(v128.load(at(x, i)), m);
    v128.store(at(mask, i), m);
    v128.store(at(y, i), v);
    pre = i32x4.add(pre, step);
  }
  for (; i < n; i++) {
    const u = uniformOpen(streamBits(key, <u32>i));
    const s = (logit + (logf(u) - logf(1 - u))) * invTemperature;
    const z: f32 = 1 / (1 + expf(-s));
    const m = (<f32>1 - z) * invKeep;
    const v = load<f32>(at(x, i)) * m;
    store<f32>(at(mask, i), m);
    store<f32>(at(y, i), v);
  }
}

/** dinputs = dvalues · mask; returns Σ dvalues · output · (p − z · invTemperature), z = 1 − mask · keep */
export function concreteDropoutBackward(dvalues: usize, mask: usize, output: usize, dinputs: usize, n: i32, p: f32, keep: f32, invTemperature: f32): f64 {
  let sum: f64 = 0;
  for (let i = 0; i < n; i++) {
    const dv = load<f32>(at(dvalues, i)), m = load<f32>(at(mask, i));
    const z: f32 = 1 - m * keep;
    sum += <f64>(dv * load<f32>(at(output, i))) * <f64>(p - z * invTemperature);
    store<f32>(at(dinputs, i), dv * m);
  }
  return sum;
}

/** importance[j] = oneMinusA · importance[j] + a · (Σ_r |x[r][j]|) / rows, sums in row order */
export function adaptiveImportanceUpdate(x: usize, importance: usize, rows: i32, cols: i32, a: f32, oneMinusA: f32): void {
  const vrows = f32x4.splat(<f32>rows), va = f32x4.splat(a), vkeep = f32x4.splat(oneMinusA);
  const fr = <f32>rows;
  let j = 0;
  for (; j + 4 <= cols; j += 4) {
    let s = f32x4.splat(0);
    for (let r = 0; r < rows; r++) s = f32x4.add(s, f32x4.abs(v128.load(at(x, r * cols + j))));
    const imp = v128.load(at(importance, j));
    v128.store(at(importance, j), f32x4.add(f32x4.mul(vkeep, imp), f32x4.mul(va, f32x4.div(s, vrows))));
  }
  for (; j < cols; j++) {
    let s: f32 = 0;
    for (let r = 0; r < rows; r++) s += Mathf.abs(load<f32>(at(x, r * cols + j)));
    store<f32>(at(importance, j), oneMinusA * load<f32>(at(importance, j)) + a * (s / fr));
  }
}

/** rates[j] = rate · (1 − importance[j] / max), thresholds[j] = round(rates[j] · 2^24), scales[j] = 1 / (1 − rates[j]) */
export function adaptiveDropoutRates(importance: usize, rates: usize, thresholds: usize, scales: usize, cols: i32, rate: f32): void {
  let max: f32 = 0;
  for (let j = 0; j < cols; j++) {
    const v = load<f32>(at(importance, j));
    if (v > max) max = v;
  }
  for (let j = 0; j < cols; j++) {
    const r: f32 = max > 0 ? rate * (1 - load<f32>(at(importance, j)) / max) : rate;
    store<f32>(at(rates, j), r);
    store<f32>(at(thresholds, j), <f32>Math.floor(<f64>r * 16777216.0 + 0.5));
    store<f32>(at(scales, j), 1 / (1 - r));
  }
}

/** mask[r][j] = (bits >>> 8) >= thresholds[j] ? scales[j] : 0; y = x · mask (y may alias x) */
export function columnDropoutForward(x: usize, thresholds: usize, scales: usize, mask: usize, y: usize, rows: i32, cols: i32, seed: u32, counter: u32): void {
  const key = streamKey(seed, counter);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const i = base + j;
      const thr = i32x4.trunc_sat_f32x4_u(v128.load(at(thresholds, j)));
      const keep = i32x4.ge_u(i32x4.shr_u(mix32x4(streamInputx4(key, <u32>i)), 8), thr);
      const m = v128.and(v128.load(at(scales, j)), keep);
      const v = f32x4.mul(v128.load(at(x, i)), m);
      v128.store(at(mask, i), m);
      v128.store(at(y, i), v);
    }
    for (; j < cols; j++) {
      const i = base + j;
      const keep = (streamBits(key, <u32>i) >>> 8) >= <u32>load<f32>(at(thresholds, j));
      const m: f32 = keep ? load<f32>(at(scales, j)) : 0;
      const v = load<f32>(at(x, i)) * m;
      store<f32>(at(mask, i), m);
      store<f32>(at(y, i), v);
    }
  }
}

/** Welford step `count` (1-based): d = x − mean; mean += d / count; m2 += d · (x − mean) */
export function momentsUpdate(x: usize, mean: usize, m2: usize, n: i32, count: i32): void {
  const c = <f32>count, vc = f32x4.splat(c);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const xv = v128.load(at(x, i));
    const mv = v128.load(at(mean, i));
    const d = f32x4.sub(xv, mv);
    const m = f32x4.add(mv, f32x4.div(d, vc));
    v128.store(at(mean, i), m);
    v128.store(at(m2, i), f32x4.add(v128.load(at(m2, i)), f32x4.mul(d, f32x4.sub(xv, m))));
  }
  for (; i < n; i++) {
    const xv = load<f32>(at(x, i));
    const d = xv - load<f32>(at(mean, i));
    const m = load<f32>(at(mean, i)) + d / c;
    store<f32>(at(mean, i), m);
    store<f32>(at(m2, i), load<f32>(at(m2, i)) + d * (xv - m));
  }
}

/** std = sqrt(m2 / count); std may alias m2 */
export function momentsStd(m2: usize, std: usize, n: i32, count: i32): void {
  const c = <f32>count, vc = f32x4.splat(c);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(std, i), f32x4.sqrt(f32x4.div(v128.load(at(m2, i)), vc)));
  for (; i < n; i++) store<f32>(at(std, i), Mathf.sqrt(load<f32>(at(m2, i)) / c));
}
