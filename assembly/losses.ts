// Losses (float64 sums), their gradients, and accuracy counts.
// Rounding follows the JS twin (src/backend/js/losses.ts) step by step: the cross-entropies clip
// predictions to [fround(1e-7), fround(1 - 1e-7)]; f64 where the twin computes in doubles.

const LO: f64 = <f64><f32>1e-7;
const HI: f64 = <f64><f32>(1 - 1e-7);

/** p < LO ? LO : p > HI ? HI : p (NaN passes through) */
// @ts-ignore: decorator
@inline
function clip(p: f64): f64 {
  return p < LO ? LO : p > HI ? HI : p;
}

// @ts-ignore: decorator
@inline
function ld(p: usize, i: i32): f32 {
  return load<f32>(p + (<usize>i << 2));
}

/** row r's weight (f64 of the f32), or 1 without weights (Model's sampleWeight / classWeight) */
// @ts-ignore: decorator
@inline
function weight(weights: usize, r: i32): f64 {
  return weights ? <f64>ld(weights, r) : 1;
}

/**
 * Σ_rows w_r · -log(clip(p_true)); sparse labels are float class indices, one-hot rows otherwise;
 * weights = 0: every w_r = 1
 */
export function cceLoss(y: usize, labels: usize, rows: i32, cols: i32, oneHot: i32, weights: usize): f64 {
  let s: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let p: f64;
    if (oneHot) {
      p = 0;
      for (let j = 0; j < cols; j++) p += clip(<f64>ld(y, base + j)) * <f64>ld(labels, base + j);
    } else {
      p = clip(<f64>ld(y, base + <i32>ld(labels, r)));
    }
    s -= weights ? weight(weights, r) * Math.log(p) : Math.log(p);
  }
  return s;
}

/** t for column j of a row: the one-hot value at `at`, or 1 where a sparse `label` names j */
// @ts-ignore: decorator
@inline
function target(labels: usize, at: i32, j: i32, label: f32, oneHot: i32): f32 {
  return oneHot ? ld(labels, at) : label == <f32>j ? 1 : 0;
}

/** dx = fround(-t / y) / rows */
export function cceBackward(y: usize, labels: usize, dx: usize, rows: i32, cols: i32, oneHot: i32): void {
  const nr = <f32>rows;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const label = oneHot ? <f32>0 : ld(labels, r);
    for (let j = 0; j < cols; j++) {
      const t = target(labels, base + j, j, label, oneHot);
      store<f32>(dx + (<usize>(base + j) << 2), (-t / ld(y, base + j)) / nr);
    }
  }
}

/** fused Softmax + CCE: dx = fround(y - t) / rows */
export function softmaxCceBackward(y: usize, labels: usize, dx: usize, rows: i32, cols: i32, oneHot: i32): void {
  const nr = <f32>rows;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const label = oneHot ? <f32>0 : ld(labels, r);
    for (let j = 0; j < cols; j++) {
      const t = target(labels, base + j, j, label, oneHot);
      store<f32>(dx + (<usize>(base + j) << 2), (ld(y, base + j) - t) / nr);
    }
  }
}

const BCE = 0, SQUARED = 1, ABSOLUTE = 2;

/** one element's loss: -(t log(clip y) + (1-t) log(1 - clip y)), (t - y)² or |t - y| */
// @ts-ignore: decorator
@inline
function elementLoss(kind: i32, y: usize, t: usize, i: i32): f64 {
  const yi = <f64>ld(y, i), ti = <f64>ld(t, i);
  if (kind == BCE) {
    const p = clip(yi);
    return -(ti * Math.log(p) + (1 - ti) * Math.log(1 - p));
  }
  const d = ti - yi;
  return kind == SQUARED ? d * d : Math.abs(d);
}

/**
 * Σ over n elements in order; with weights, each row of `cols` elements sums on its own and adds
 * w_r times its sum (a sample's loss weighted, as Keras's sample_weight)
 */
// @ts-ignore: decorator
@inline
function elementLossSum(kind: i32, y: usize, t: usize, n: i32, cols: i32, weights: usize): f64 {
  let s: f64 = 0;
  if (!weights) {
    for (let i = 0; i < n; i++) s += elementLoss(kind, y, t, i);
    return s;
  }
  for (let r = 0, at = 0; at < n; r++) {
    let row: f64 = 0;
    for (const end = at + cols; at < end; at++) row += elementLoss(kind, y, t, at);
    s += weight(weights, r) * row;
  }
  return s;
}

/** Σ -(t log(clip y) + (1-t) log(1 - clip y)), rows weighted when weights ≠ 0 */
export function bceLoss(y: usize, t: usize, n: i32, cols: i32, weights: usize): f64 {
  return elementLossSum(BCE, y, t, n, cols, weights);
}

/** Σ (t - y)², rows weighted when weights ≠ 0 */
export function mseLoss(y: usize, t: usize, n: i32, cols: i32, weights: usize): f64 {
  return elementLossSum(SQUARED, y, t, n, cols, weights);
}

/** Σ |t - y|, rows weighted when weights ≠ 0 */
export function maeLoss(y: usize, t: usize, n: i32, cols: i32, weights: usize): f64 {
  return elementLossSum(ABSOLUTE, y, t, n, cols, weights);
}

/** dx = -(t / clip y - (1-t) / (1 - clip y)) * scale, in f64, rounded once */
export function bceBackward(y: usize, t: usize, dx: usize, n: i32, scale: f32): void {
  const sc = <f64>scale;
  for (let i = 0; i < n; i++) {
    const p = clip(<f64>ld(y, i));
    const ti = <f64>ld(t, i);
    store<f32>(dx + (<usize>i << 2), <f32>(-(ti / p - (1 - ti) / (1 - p)) * sc));
  }
}

/** dx = -2 · fround(t - y) · scale (f64, rounded once) */
export function mseBackward(y: usize, t: usize, dx: usize, n: i32, scale: f32): void {
  const sc = <f64>scale;
  for (let i = 0; i < n; i++) {
    const d = <f64>(ld(t, i) - ld(y, i));
    store<f32>(dx + (<usize>i << 2), <f32>(-2 * d * sc));
  }
}

/** dx = sign(t - y) * scale, sign as Math.sign (sign(±0) = ±0, NaN stays NaN) */
export function maeBackward(y: usize, t: usize, dx: usize, n: i32, scale: f32): void {
  const sc = <f64>scale;
  for (let i = 0; i < n; i++) {
    const d = <f64>ld(y, i) - <f64>ld(t, i);
    const sg: f64 = d > 0 ? 1.0 : d < 0 ? -1.0 : d;
    store<f32>(dx + (<usize>i << 2), <f32>(sg * sc));
  }
}

/** index of the first maximum of a row (`if (v > best)`; a NaN never wins after element 0) */
// @ts-ignore: decorator
@inline
function argmax(p: usize, cols: i32): i32 {
  let best = load<f32>(p);
  let bi = 0;
  for (let j = 1; j < cols; j++) {
    const v = load<f32>(p + (<usize>j << 2));
    if (v > best) { best = v; bi = j; }
  }
  return bi;
}

/** rows where argmax(y[r]) == label (argmax of t[r] when one-hot); sparse labels compare as floats */
export function categoricalCorrect(y: usize, labels: usize, rows: i32, cols: i32, oneHot: i32): i32 {
  let c = 0;
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const pred = argmax(y + <usize>r * rowBytes, cols);
    if (oneHot) {
      if (pred == argmax(labels + <usize>r * rowBytes, cols)) c++;
    } else {
      if (<f32>pred == ld(labels, r)) c++;
    }
  }
  return c;
}

/** elements where (y > 0.5 ? 1 : 0) == t */
export function binaryCorrect(y: usize, t: usize, n: i32): i32 {
  let c = 0;
  for (let i = 0; i < n; i++) {
    const p: f32 = ld(y, i) > 0.5 ? 1 : 0;
    if (p == ld(t, i)) c++;
  }
  return c;
}

/**
 * A binary confusion count at threshold 0.5: which 0 counts y > 0.5 and t > 0.5 (true positives),
 * 1 counts y > 0.5 (predicted positives), 2 counts t > 0.5 (actual positives): precision = 0 / 1,
 * recall = 0 / 2
 */
export function binaryCounts(y: usize, t: usize, n: i32, which: i32): i32 {
  let c = 0;
  for (let i = 0; i < n; i++) {
    const p = ld(y, i) > 0.5, a = ld(t, i) > 0.5;
    if (which == 0 ? p && a : which == 1 ? p : a) c++;
  }
  return c;
}

/** rows whose class (sparse index, or the one-hot row's argmax) scores among the k highest: fewer than k scores above it */
export function topKCorrect(y: usize, labels: usize, rows: i32, cols: i32, k: i32, oneHot: i32): i32 {
  let c = 0;
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const row = y + <usize>r * rowBytes;
    const label = oneHot ? argmax(labels + <usize>r * rowBytes, cols) : <i32>ld(labels, r);
    const score = load<f32>(row + (<usize>label << 2));
    let above = 0;
    for (let j = 0; j < cols; j++) if (load<f32>(row + (<usize>j << 2)) > score) above++;
    if (above < k) c++;
  }
  return c;
}

/** elements where |fround(y - t)| < precision */
export function regressionCorrect(y: usize, t: usize, n: i32, precision: f32): i32 {
  let c = 0;
  for (let i = 0; i < n; i++) {
    if (Mathf.abs(ld(y, i) - ld(t, i)) < precision) c++;
  }
  return c;
}
