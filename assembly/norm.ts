// Batch and layer normalization on the [rows, cols] view (cols = channels, the last axis): the
// contract, with its summation orders, is src/backend/kernels/norm.ts; the twin is
// src/backend/js/norm.ts. Sums are float64 in a fixed order (f64x2 lanes keep each column's, or
// each of a row's four partial sums', own order); elementwise work is f32x4 mul/sub/add/div/sqrt,
// never a fused multiply-add (not even in the relaxed build), so both backends agree bit for bit.

// @ts-ignore: decorator
@inline
function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

// @ts-ignore: decorator
@inline
function at8(p: usize, i: i32): usize {
  return p + (<usize>i << 3);
}

/** lanes 0, 1 of a f32x4 as f64x2 */
// @ts-ignore: decorator
@inline
function lo64(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

/** lanes 2, 3 of a f32x4 as f64x2 */
// @ts-ignore: decorator
@inline
function hi64(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3));
}

/** *(f64x2*)p += v, at byte offset 0 */
// @ts-ignore: decorator
@inline
function acc2(p: usize, v: v128): void {
  v128.store(p, f64x2.add(v128.load(p), v));
}

// @ts-ignore: decorator
@inline
function acc1(p: usize, v: f64): void {
  store<f64>(p, load<f64>(p) + v);
}

/** the contract's row total: lanes s01 = (s0, s1), s23 = (s2, s3), each plus its tail part, as (s0 + s1) + (s2 + s3) */
// @ts-ignore: decorator
@inline
function total4(s01: v128, s23: v128, t0: f64, t1: f64, t2: f64): f64 {
  const s0 = f64x2.extract_lane(s01, 0) + t0, s1 = f64x2.extract_lane(s01, 1) + t1;
  const s2 = f64x2.extract_lane(s23, 0) + t2, s3 = f64x2.extract_lane(s23, 1);
  return (s0 + s1) + (s2 + s3);
}

// ---- batch normalization: statistics per column, over rows --------------------------------------

export function batchNormStats(x: usize, mean: usize, variance: usize, work: usize, rows: i32, cols: i32): void {
  const sums = work, squares = work + (<usize>cols << 3), n = <f64>rows;
  memory.fill(work, 0, <usize>cols << 4);
  let p = x;
  for (let r = 0; r < rows; r++) {
    let c = 0;
    for (; c + 4 <= cols; c += 4, p += 16) {
      const v = v128.load(p), a = at8(sums, c);
      acc2(a, lo64(v));
      acc2(a + 16, hi64(v));
    }
    for (; c < cols; c++, p += 4) acc1(at8(sums, c), <f64>load<f32>(p));
  }
  for (let c = 0; c < cols; c++) store<f64>(at8(sums, c), load<f64>(at8(sums, c)) / n);
  p = x;
  for (let r = 0; r < rows; r++) {
    let c = 0;
    for (; c + 4 <= cols; c += 4, p += 16) {
      const v = v128.load(p), m = at8(sums, c), a = at8(squares, c);
      const d0 = f64x2.sub(lo64(v), v128.load(m)), d1 = f64x2.sub(hi64(v), v128.load(m, 16));
      acc2(a, f64x2.mul(d0, d0));
      acc2(a + 16, f64x2.mul(d1, d1));
    }
    for (; c < cols; c++, p += 4) {
      const d = <f64>load<f32>(p) - load<f64>(at8(sums, c));
      acc1(at8(squares, c), d * d);
    }
  }
  for (let c = 0; c < cols; c++) {
    store<f32>(at(mean, c), <f32>load<f64>(at8(sums, c)));
    store<f32>(at(variance, c), <f32>(load<f64>(at8(squares, c)) / n));
  }
}

export function batchNormInvStd(variance: usize, invStd: usize, cols: i32, epsilon: f32): void {
  const ve = f32x4.splat(epsilon), one = f32x4.splat(1);
  let c = 0;
  for (; c + 4 <= cols; c += 4) v128.store(at(invStd, c), f32x4.div(one, f32x4.sqrt(f32x4.add(v128.load(at(variance, c)), ve))));
  for (; c < cols; c++) store<f32>(at(invStd, c), <f32>1 / Mathf.sqrt(load<f32>(at(variance, c)) + epsilon));
}

export function batchNormMovingUpdate(mean: usize, variance: usize, movingMean: usize, movingVariance: usize, cols: i32, momentum: f32, complement: f32): void {
  for (let c = 0; c < cols; c++) {
    store<f32>(at(movingMean, c), load<f32>(at(movingMean, c)) * momentum + load<f32>(at(mean, c)) * complement);
    store<f32>(at(movingVariance, c), load<f32>(at(movingVariance, c)) * momentum + load<f32>(at(variance, c)) * complement);
  }
}

export function batchNormApply(x: usize, y: usize, rows: i32, cols: i32, mean: usize, invStd: usize, gamma: usize, beta: usize, relu: i32): void {
  // relu: keep y where y > 0, else +0 (reluForward's mask; NaN and −0 become +0 as there)
  const zero = f32x4.splat(0), all = i32x4.splat(-1), keepAll = relu ? zero : all;
  let p = x, q = y;
  for (let r = 0; r < rows; r++) {
    let c = 0;
    for (; c + 4 <= cols; c += 4, p += 16, q += 16) {
      const xhat = f32x4.mul(f32x4.sub(v128.load(p), v128.load(at(mean, c))), v128.load(at(invStd, c)));
      const v = f32x4.add(f32x4.mul(xhat, v128.load(at(gamma, c))), v128.load(at(beta, c)));
      v128.store(q, v128.and(v, v128.or(f32x4.gt(v, zero), keepAll)));
    }
    for (; c < cols; c++, p += 4, q += 4) {
      const xhat = (load<f32>(p) - load<f32>(at(mean, c))) * load<f32>(at(invStd, c));
      const v = xhat * load<f32>(at(gamma, c)) + load<f32>(at(beta, c));
      store<f32>(q, relu && !(v > 0) ? 0 : v);
    }
  }
}

export function batchNormFold(w: usize, b: usize, mean: usize, invStd: usize, gamma: usize, beta: usize, wOut: usize, bOut: usize, rows: i32, cols: i32): void {
  for (let c = 0; c < cols; c++) {
    const a = load<f32>(at(gamma, c)) * load<f32>(at(invStd, c)), bias: f32 = b ? load<f32>(at(b, c)) : 0;
    store<f32>(at(bOut, c), (bias - load<f32>(at(mean, c))) * a + load<f32>(at(beta, c)));
  }
  let p = w, q = wOut;
  for (let r = 0; r < rows; r++) {
    let c = 0;
    for (; c + 4 <= cols; c += 4, p += 16, q += 16) v128.store(q, f32x4.mul(v128.load(p), f32x4.mul(v128.load(at(gamma, c)), v128.load(at(invStd, c)))));
    for (; c < cols; c++, p += 4, q += 4) store<f32>(q, load<f32>(p) * (load<f32>(at(gamma, c)) * load<f32>(at(invStd, c))));
  }
}

export function batchNormBackward(x: usize, dy: usize, dx: usize, rows: i32, cols: i32, mean: usize, invStd: usize, gamma: usize,
  dgamma: usize, dbeta: usize, work: usize, batchStats: i32, reluOut: usize): void {
  const sums = work, products = work + (<usize>cols << 3), n = <f64>rows;
  // with a fused ReLU every dy reads as reluOut > 0 ? dy : 0 (reluBackward's rule): a mask from reluOut, or all ones
  const zero = f32x4.splat(0), all = i32x4.splat(-1);
  let o = reluOut;
  const bs = work + (<usize>cols << 4), es = bs + (<usize>cols << 2); // float32 coefficients in the last third
  memory.fill(work, 0, <usize>cols << 4);
  let p = x, g = dy;
  for (let r = 0; r < rows; r++) {
    let c = 0;
    for (; c + 4 <= cols; c += 4, p += 16, g += 16, o += 16) {
      const xhat = f32x4.mul(f32x4.sub(v128.load(p), v128.load(at(mean, c))), v128.load(at(invStd, c)));
      const d = v128.and(v128.load(g), reluOut ? f32x4.gt(v128.load(o), zero) : all), s = at8(sums, c), t = at8(products, c);
      const d0 = lo64(d), d1 = hi64(d);
      acc2(s, d0);
      acc2(s + 16, d1);
      acc2(t, f64x2.mul(d0, lo64(xhat)));
      acc2(t + 16, f64x2.mul(d1, hi64(xhat)));
    }
    for (; c < cols; c++, p += 4, g += 4, o += 4) {
      const xhat = (load<f32>(p) - load<f32>(at(mean, c))) * load<f32>(at(invStd, c)), d = <f64>(reluOut && !(load<f32>(o) > 0) ? 0 : load<f32>(g));
      acc1(at8(sums, c), d);
      acc1(at8(products, c), d * <f64>xhat);
    }
  }
  for (let c = 0; c < cols; c++) {
    const sb = load<f64>(at8(sums, c)), sg = load<f64>(at8(products, c));
    store<f32>(at(dbeta, c), <f32>sb);
    store<f32>(at(dgamma, c), <f32>sg);
    store<f32>(at(bs, c), batchStats ? <f32>(sb / n) : 0);
    store<f32>(at(es, c), batchStats ? <f32>(sg / n) : 0);
  }
  if (!dx) return;
  p = x;
  g = dy;
  o = reluOut;
  let q = dx;
  for (let r = 0; r < rows; r++) {
    let c = 0;
    for (; c + 4 <= cols; c += 4, p += 16, g += 16, q += 16, o += 16) {
      const s = v128.load(at(invStd, c));
      const xhat = f32x4.mul(f32x4.sub(v128.load(p), v128.load(at(mean, c))), s), a = f32x4.mul(v128.load(at(gamma, c)), s);
      const d = v128.and(v128.load(g), reluOut ? f32x4.gt(v128.load(o), zero) : all);
      const t = f32x4.sub(f32x4.sub(d, v128.load(at(bs, c))), f32x4.mul(xhat, v128.load(at(es, c))));
      v128.store(q, f32x4.mul(t, a));
    }
    for (; c < cols; c++, p += 4, g += 4, q += 4, o += 4) {
      const s = load<f32>(at(invStd, c));
      const xhat = (load<f32>(p) - load<f32>(at(mean, c))) * s, a = load<f32>(at(gamma, c)) * s;
      const d = reluOut && !(load<f32>(o) > 0) ? <f32>0 : load<f32>(g);
      store<f32>(q, ((d - load<f32>(at(bs, c))) - xhat * load<f32>(at(es, c))) * a);
    }
  }
}

// ---- layer normalization: statistics per row, over the columns --------------------------------

export function layerNormForward(x: usize, y: usize, rows: i32, cols: i32, gamma: usize, beta: usize, mean: usize, invStd: usize, epsilon: f32): void {
  const n = <f64>cols;
  for (let r = 0; r < rows; r++) {
    const xr = x + (<usize>r * <usize>cols << 2), yr = y + (<usize>r * <usize>cols << 2);
    // the mean: four interleaved float64 partial sums
    let s01 = f64x2.splat(0), s23 = f64x2.splat(0), t0: f64 = 0, t1: f64 = 0, t2: f64 = 0;
    let c = 0;
    for (; c + 4 <= cols; c += 4) {
      const v = v128.load(at(xr, c));
      s01 = f64x2.add(s01, lo64(v));
      s23 = f64x2.add(s23, hi64(v));
    }
    if (c < cols) t0 = <f64>load<f32>(at(xr, c));
    if (c + 1 < cols) t1 = <f64>load<f32>(at(xr, c + 1));
    if (c + 2 < cols) t2 = <f64>load<f32>(at(xr, c + 2));
    const m64 = total4(s01, s23, t0, t1, t2) / n, vm = f64x2.splat(m64);
    // the variance around it
    s01 = f64x2.splat(0);
    s23 = f64x2.splat(0);
    t0 = 0;
    t1 = 0;
    t2 = 0;
    for (c = 0; c + 4 <= cols; c += 4) {
      const v = v128.load(at(xr, c)), d0 = f64x2.sub(lo64(v), vm), d1 = f64x2.sub(hi64(v), vm);
      s01 = f64x2.add(s01, f64x2.mul(d0, d0));
      s23 = f64x2.add(s23, f64x2.mul(d1, d1));
    }
    if (c < cols) t0 = square(<f64>load<f32>(at(xr, c)) - m64);
    if (c + 1 < cols) t1 = square(<f64>load<f32>(at(xr, c + 1)) - m64);
    if (c + 2 < cols) t2 = square(<f64>load<f32>(at(xr, c + 2)) - m64);
    const variance = total4(s01, s23, t0, t1, t2) / n;
    const m = <f32>m64, s = <f32>1 / Mathf.sqrt(<f32>variance + epsilon);
    store<f32>(at(mean, r), m);
    store<f32>(at(invStd, r), s);
    const vmf = f32x4.splat(m), vs = f32x4.splat(s);
    for (c = 0; c + 4 <= cols; c += 4) {
      const xhat = f32x4.mul(f32x4.sub(v128.load(at(xr, c)), vmf), vs);
      v128.store(at(yr, c), f32x4.add(f32x4.mul(xhat, v128.load(at(gamma, c))), v128.load(at(beta, c))));
    }
    for (; c < cols; c++) store<f32>(at(yr, c), ((load<f32>(at(xr, c)) - m) * s) * load<f32>(at(gamma, c)) + load<f32>(at(beta, c)));
  }
}

// @ts-ignore: decorator
@inline
function square(d: f64): f64 {
  return d * d;
}

export function layerNormBackward(x: usize, dy: usize, dx: usize, rows: i32, cols: i32, mean: usize, invStd: usize, gamma: usize,
  dgamma: usize, dbeta: usize, work: usize): void {
  const sums = work, products = work + (<usize>cols << 3), n = <f64>cols;
  memory.fill(work, 0, <usize>cols << 4);
  for (let r = 0; r < rows; r++) {
    const off = <usize>r * <usize>cols << 2, xr = x + off, dr = dy + off;
    const m = load<f32>(at(mean, r)), s = load<f32>(at(invStd, r)), vm = f32x4.splat(m), vs = f32x4.splat(s);
    // dbeta, dgamma: this row's part of the column sums; G = Σ g, H = Σ g·x̂ over the row (four lanes)
    let g01 = f64x2.splat(0), g23 = f64x2.splat(0), h01 = f64x2.splat(0), h23 = f64x2.splat(0);
    let c = 0;
    for (; c + 4 <= cols; c += 4) {
      const xhat = f32x4.mul(f32x4.sub(v128.load(at(xr, c)), vm), vs), d = v128.load(at(dr, c));
      const x0 = lo64(xhat), x1 = hi64(xhat), d0 = lo64(d), d1 = hi64(d), sc = at8(sums, c), pc = at8(products, c);
      acc2(sc, d0);
      acc2(sc + 16, d1);
      acc2(pc, f64x2.mul(d0, x0));
      acc2(pc + 16, f64x2.mul(d1, x1));
      const g = f32x4.mul(d, v128.load(at(gamma, c))), e0 = lo64(g), e1 = hi64(g);
      g01 = f64x2.add(g01, e0);
      g23 = f64x2.add(g23, e1);
      h01 = f64x2.add(h01, f64x2.mul(e0, x0));
      h23 = f64x2.add(h23, f64x2.mul(e1, x1));
    }
    let tg0: f64 = 0, tg1: f64 = 0, tg2: f64 = 0, th0: f64 = 0, th1: f64 = 0, th2: f64 = 0;
    for (let k = 0; c + k < cols; k++) {
      const j = c + k, xhat = (load<f32>(at(xr, j)) - m) * s, d = load<f32>(at(dr, j));
      acc1(at8(sums, j), <f64>d);
      acc1(at8(products, j), <f64>d * <f64>xhat);
      const g = <f64>(d * load<f32>(at(gamma, j))), h = g * <f64>xhat;
      if (k == 0) {
        tg0 = g;
        th0 = h;
      } else if (k == 1) {
        tg1 = g;
        th1 = h;
      } else {
        tg2 = g;
        th2 = h;
      }
    }
    if (!dx) continue;
    const b = <f32>(total4(g01, g23, tg0, tg1, tg2) / n), e = <f32>(total4(h01, h23, th0, th1, th2) / n);
    const vb = f32x4.splat(b), ve = f32x4.splat(e), xd = dx + off;
    for (c = 0; c + 4 <= cols; c += 4) {
      const xhat = f32x4.mul(f32x4.sub(v128.load(at(xr, c)), vm), vs), g = f32x4.mul(v128.load(at(dr, c)), v128.load(at(gamma, c)));
      v128.store(at(xd, c), f32x4.mul(f32x4.sub(f32x4.sub(g, vb), f32x4.mul(xhat, ve)), vs));
    }
    for (; c < cols; c++) {
      const xhat = (load<f32>(at(xr, c)) - m) * s, g = load<f32>(at(dr, c)) * load<f32>(at(gamma, c));
      store<f32>(at(xd, c), ((g - b) - xhat * e) * s);
    }
  }
  for (let c = 0; c < cols; c++) {
    store<f32>(at(dbeta, c), <f32>load<f64>(at8(sums, c)));
    store<f32>(at(dgamma, c), <f32>load<f64>(at8(products, c)));
  }
}
