// Memory, elementwise and row-wise kernels. f32x4 main loops, scalar tails.
// Transcendentals: f64 Math.exp, rounded once to f32 (mirrors the JS twin's Math.fround(f64 math)).

const ZERO: v128 = f32x4(0, 0, 0, 0);

/** x[0..n) = value */
export function fill(x: usize, n: i32, value: f32): void {
  const v = f32x4.splat(value);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const p = x + (<usize>i << 2);
    v128.store(p, v); v128.store(p, v, 16); v128.store(p, v, 32); v128.store(p, v, 48);
  }
  for (; i + 4 <= n; i += 4) v128.store(x + (<usize>i << 2), v);
  for (; i < n; i++) store<f32>(x + (<usize>i << 2), value);
}

/** dst[0..n) = src[0..n) */
export function copy(src: usize, dst: usize, n: i32): void {
  if (n > 0) memory.copy(dst, src, <usize>n << 2);
}

/** dst row r = src row idx[r] (idx int32), rows of cols floats */
export function gatherRows(src: usize, idx: usize, dst: usize, rows: i32, cols: i32): void {
  if (cols <= 0) return;
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const s = load<i32>(idx + (<usize>r << 2));
    memory.copy(dst + <usize>r * rowBytes, src + <usize>s * rowBytes, rowBytes);
  }
}

/** number of NaN or ±Infinity among x[0..n) (exponent bits all ones) */
export function countNonFinite(x: usize, n: i32): i32 {
  const em = i32x4.splat(0x7f800000);
  let cnt = i32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.and(v128.load(x + (<usize>i << 2)), em);
    cnt = i32x4.sub(cnt, i32x4.eq(v, em)); // eq lanes are -1
  }
  let total = i32x4.extract_lane(cnt, 0) + i32x4.extract_lane(cnt, 1) + i32x4.extract_lane(cnt, 2) + i32x4.extract_lane(cnt, 3);
  for (; i < n; i++) {
    if ((load<u32>(x + (<usize>i << 2)) & 0x7f800000) == 0x7f800000) total++;
  }
  return total;
}

/** c = a * b (c may alias a or b) */
export function mul(a: usize, b: usize, c: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(c + o, f32x4.mul(v128.load(a + o), v128.load(b + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(c + o, load<f32>(a + o) * load<f32>(b + o));
  }
}

/** row r of x (cols floats) times w[r]; a weighted loss's gradient (Model's sampleWeight) */
export function scaleRows(x: usize, w: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const s = f32x4.splat(load<f32>(w + (<usize>r << 2)));
    const row = x + <usize>r * (<usize>cols << 2);
    let j = 0;
    for (; j + 4 <= cols; j += 4) v128.store(row + (<usize>j << 2), f32x4.mul(v128.load(row + (<usize>j << 2)), s));
    for (; j < cols; j++) store<f32>(row + (<usize>j << 2), load<f32>(row + (<usize>j << 2)) * f32x4.extract_lane(s, 0));
  }
}

// ---- activations ------------------------------------------------------------------------------

/** y = x > 0 ? x : 0 (NaN and -0 give +0); y may alias x */
export function reluForward(x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(x + o);
    v128.store(y + o, v128.and(v, f32x4.gt(v, ZERO)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    store<f32>(y + o, v > 0 ? v : 0);
  }
}

/** dx = x > 0 ? dy : 0 */
export function reluBackward(x: usize, dy: usize, dx: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, v128.and(v128.load(dy + o), f32x4.gt(v128.load(x + o), ZERO)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, load<f32>(x + o) > 0 ? load<f32>(dy + o) : 0);
  }
}

/** y = 1 / (1 + exp(-x)), in f64, rounded once */
export function sigmoidForward(x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const v = <f64>load<f32>(x + o);
    store<f32>(y + o, <f32>(1.0 / (1.0 + Math.exp(-v))));
  }
}

/** dx = dy * (1 - y) * y */
export function sigmoidBackward(y: usize, dy: usize, dx: usize, n: i32): void {
  const one = f32x4.splat(1);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const yv = v128.load(y + o);
    v128.store(dx + o, f32x4.mul(f32x4.mul(v128.load(dy + o), f32x4.sub(one, yv)), yv));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const yv = load<f32>(y + o);
    store<f32>(dx + o, load<f32>(dy + o) * (1 - yv) * yv);
  }
}

/** row max as `if (x > m) m = x` from -Infinity (NaN never wins), f32x4.pmax keeps that rule per lane */
// @ts-ignore: decorator
@inline
function rowMax(p: usize, cols: i32): f32 {
  let m: f32 = -Infinity;
  let j = 0;
  if (cols >= 8) {
    let v0 = f32x4.splat(-Infinity), v1 = v0;
    for (; j + 8 <= cols; j += 8) {
      const q = p + (<usize>j << 2);
      v0 = f32x4.pmax(v0, v128.load(q));
      v1 = f32x4.pmax(v1, v128.load(q, 16));
    }
    v0 = f32x4.pmax(v0, v1);
    const x0 = f32x4.extract_lane(v0, 0), x1 = f32x4.extract_lane(v0, 1);
    const x2 = f32x4.extract_lane(v0, 2), x3 = f32x4.extract_lane(v0, 3);
    if (x0 > m) m = x0;
    if (x1 > m) m = x1;
    if (x2 > m) m = x2;
    if (x3 > m) m = x3;
  }
  for (; j < cols; j++) {
    const x = load<f32>(p + (<usize>j << 2));
    if (x > m) m = x;
  }
  return m;
}

/** row softmax: e = fround(exp(x - max)) (x - max and exp in f64), s = fround(Σ e) (sum in f64), y = e / s (f32) */
export function softmaxForward(x: usize, y: usize, rows: i32, cols: i32): void {
  if (cols <= 0) return;
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const xp = x + <usize>r * rowBytes;
    const yp = y + <usize>r * rowBytes;
    const mx = <f64>rowMax(xp, cols);
    let s: f64 = 0;
    for (let j = 0; j < cols; j++) {
      const o = <usize>j << 2;
      const e = <f32>Math.exp(<f64>load<f32>(xp + o) - mx);
      store<f32>(yp + o, e);
      s += <f64>e;
    }
    const sf = <f32>s;
    const vs = f32x4.splat(sf);
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const q = yp + (<usize>j << 2);
      v128.store(q, f32x4.div(v128.load(q), vs));
    }
    for (; j < cols; j++) {
      const q = yp + (<usize>j << 2);
      store<f32>(q, load<f32>(q) / sf);
    }
  }
}

/** dx_i = y_i * (dy_i - d) per row, d = fround(Σ_j dy_j y_j) with the dot in f64 */
export function softmaxBackward(y: usize, dy: usize, dx: usize, rows: i32, cols: i32): void {
  if (cols <= 0) return;
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const yp = y + <usize>r * rowBytes;
    const gp = dy + <usize>r * rowBytes;
    const dp = dx + <usize>r * rowBytes;
    let dot: f64 = 0;
    for (let j = 0; j < cols; j++) {
      const o = <usize>j << 2;
      dot += <f64>load<f32>(gp + o) * <f64>load<f32>(yp + o);
    }
    const d = <f32>dot;
    const vd = f32x4.splat(d);
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const o = <usize>j << 2;
      v128.store(dp + o, f32x4.mul(v128.load(yp + o), f32x4.sub(v128.load(gp + o), vd)));
    }
    for (; j < cols; j++) {
      const o = <usize>j << 2;
      store<f32>(dp + o, load<f32>(yp + o) * (load<f32>(gp + o) - d));
    }
  }
}
