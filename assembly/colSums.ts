// colSums (dbiases): column sums of a row-major matrix, the GEMM concern's reduction.

import { ZERO, hsum } from "./simd";

/** out[j] = Σ_r x[r][j] (+ out[j] when accumulate) */
export function colSums(x: usize, out: usize, rows: i32, cols: i32, accumulate: i32): void {
  if (cols <= 0) return;
  const loadC = accumulate != 0;
  const ld = <usize>cols << 2;
  if (cols >= 4) {
    let j = 0;
    for (; j + 16 <= cols; j += 16) {
      let s0 = ZERO, s1 = ZERO, s2 = ZERO, s3 = ZERO;
      let p = x + (<usize>j << 2);
      for (let r = 0; r < rows; r++) {
        s0 = f32x4.add(s0, v128.load(p)); s1 = f32x4.add(s1, v128.load(p, 16));
        s2 = f32x4.add(s2, v128.load(p, 32)); s3 = f32x4.add(s3, v128.load(p, 48));
        p += ld;
      }
      const o = out + (<usize>j << 2);
      if (loadC) {
        s0 = f32x4.add(v128.load(o), s0); s1 = f32x4.add(v128.load(o, 16), s1);
        s2 = f32x4.add(v128.load(o, 32), s2); s3 = f32x4.add(v128.load(o, 48), s3);
      }
      v128.store(o, s0); v128.store(o, s1, 16); v128.store(o, s2, 32); v128.store(o, s3, 48);
    }
    for (; j + 4 <= cols; j += 4) {
      let s0 = ZERO;
      let p = x + (<usize>j << 2);
      for (let r = 0; r < rows; r++) { s0 = f32x4.add(s0, v128.load(p)); p += ld; }
      const o = out + (<usize>j << 2);
      if (loadC) s0 = f32x4.add(v128.load(o), s0);
      v128.store(o, s0);
    }
    for (; j < cols; j++) {
      let s: f32 = 0;
      let p = x + (<usize>j << 2);
      for (let r = 0; r < rows; r++) { s += load<f32>(p); p += ld; }
      const o = out + (<usize>j << 2);
      store<f32>(o, loadC ? load<f32>(o) + s : s);
    }
    return;
  }
  // cols in 1..3: sum the flat array 4 rows at a time (cols vectors), then fold lanes into columns
  let o0: f32 = 0, o1: f32 = 0, o2: f32 = 0;
  let r = 0;
  if (cols == 1) {
    let s0 = ZERO, s1 = ZERO;
    for (; r + 8 <= rows; r += 8) {
      const p = x + (<usize>r << 2);
      s0 = f32x4.add(s0, v128.load(p)); s1 = f32x4.add(s1, v128.load(p, 16));
    }
    o0 = hsum(f32x4.add(s0, s1));
  } else if (cols == 2) {
    let s0 = ZERO, s1 = ZERO;
    for (; r + 4 <= rows; r += 4) {
      const p = x + (<usize>r << 3);
      s0 = f32x4.add(s0, v128.load(p)); s1 = f32x4.add(s1, v128.load(p, 16));
    }
    const s = f32x4.add(s0, s1);
    o0 = f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 2);
    o1 = f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 3);
  } else {
    let s0 = ZERO, s1 = ZERO, s2 = ZERO;
    for (; r + 4 <= rows; r += 4) {
      const p = x + <usize>r * 12;
      s0 = f32x4.add(s0, v128.load(p)); s1 = f32x4.add(s1, v128.load(p, 16)); s2 = f32x4.add(s2, v128.load(p, 32));
    }
    // s0 = [c0 c1 c2 c0], s1 = [c1 c2 c0 c1], s2 = [c2 c0 c1 c2]
    o0 = (f32x4.extract_lane(s0, 0) + f32x4.extract_lane(s0, 3)) + (f32x4.extract_lane(s1, 2) + f32x4.extract_lane(s2, 1));
    o1 = (f32x4.extract_lane(s0, 1) + f32x4.extract_lane(s1, 0)) + (f32x4.extract_lane(s1, 3) + f32x4.extract_lane(s2, 2));
    o2 = (f32x4.extract_lane(s0, 2) + f32x4.extract_lane(s1, 1)) + (f32x4.extract_lane(s2, 0) + f32x4.extract_lane(s2, 3));
  }
  for (; r < rows; r++) {
    const p = x + <usize>r * ld;
    o0 += load<f32>(p);
    if (cols > 1) o1 += load<f32>(p + 4);
    if (cols > 2) o2 += load<f32>(p + 8);
  }
  if (loadC) { o0 = load<f32>(out) + o0; if (cols > 1) o1 = load<f32>(out + 4) + o1; if (cols > 2) o2 = load<f32>(out + 8) + o2; }
  store<f32>(out, o0);
  if (cols > 1) store<f32>(out + 4, o1);
  if (cols > 2) store<f32>(out + 8, o2);
}
