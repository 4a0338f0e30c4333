// Pooling over NHWC images (src/backend/js/pool.ts is the twin and states the rules). Channels
// are contiguous, so every window position is visited for four channels at once; each lane does
// the twin's scalar operations in the twin's order: js ≡ wasm exactly.

import { ZERO } from "./simd";

/** the first valid window row and column, and one past the last, of output (i, j) */
// @ts-ignore: decorator
@inline
function span(i: i32, s: i32, pad: i32, size: i32, pool: i32): i64 {
  const lo = max(0, pad - i * s), hi = min(pool, size + pad - i * s);
  return (<i64>lo << 32) | <i64><u32>hi;
}

export function maxPoolForward(x: usize, y: usize, argmax: usize, n: i32, h: i32, w: i32, c: i32, ph: i32, pw: i32,
  sh: i32, sw: i32, padTop: i32, padLeft: i32, oh: i32, ow: i32): void {
  const lane = i32x4(0, 1, 2, 3);
  let o = y, a = argmax;
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++) {
      const ps = span(i, sh, padTop, h, ph), p0 = <i32>(ps >> 32), p1 = <i32>ps;
      for (let j = 0; j < ow; j++) {
        const qs = span(j, sw, padLeft, w, pw), q0 = <i32>(qs >> 32), q1 = <i32>qs;
        // the first valid position: its pixel index (in x, times c) and address
        const first = ((b * h + i * sh + p0 - padTop) * w + j * sw + q0 - padLeft) * c;
        let ch = 0;
        if (p1 - p0 == 2 && q1 - q0 == 2) {
          // a 2×2 window inside the image (MaxPooling2D's default): its four positions in window order
          const k01 = first + c, k10 = first + w * c, k11 = k10 + c;
          for (; ch + 4 <= c; ch += 4, o += 16, a += 16) {
            let best = v128.load(x + (<usize>(first + ch) << 2));
            let at = i32x4.add(i32x4.splat(first + ch), lane);
            let v = v128.load(x + (<usize>(k01 + ch) << 2)), wins = f32x4.gt(v, best);
            best = v128.bitselect(v, best, wins);
            at = v128.bitselect(i32x4.add(i32x4.splat(k01 + ch), lane), at, wins);
            v = v128.load(x + (<usize>(k10 + ch) << 2)); wins = f32x4.gt(v, best);
            best = v128.bitselect(v, best, wins);
            at = v128.bitselect(i32x4.add(i32x4.splat(k10 + ch), lane), at, wins);
            v = v128.load(x + (<usize>(k11 + ch) << 2)); wins = f32x4.gt(v, best);
            best = v128.bitselect(v, best, wins);
            at = v128.bitselect(i32x4.add(i32x4.splat(k11 + ch), lane), at, wins);
            v128.store(o, best);
            v128.store(a, at);
          }
        }
        for (; ch + 4 <= c; ch += 4, o += 16, a += 16) {
          let best = v128.load(x + (<usize>(first + ch) << 2));
          let at = i32x4.add(i32x4.splat(first + ch), lane);
          for (let p = p0; p < p1; p++)
            for (let q = q0; q < q1; q++) {
              if (p == p0 && q == q0) continue;
              const k = ((b * h + i * sh + p - padTop) * w + j * sw + q - padLeft) * c + ch;
              const v = v128.load(x + (<usize>k << 2));
              const wins = f32x4.gt(v, best);
              best = v128.bitselect(v, best, wins);
              at = v128.bitselect(i32x4.add(i32x4.splat(k), lane), at, wins);
            }
          v128.store(o, best);
          v128.store(a, at);
        }
        for (; ch < c; ch++, o += 4, a += 4) {
          let best = load<f32>(x + (<usize>(first + ch) << 2)), at = first + ch;
          for (let p = p0; p < p1; p++)
            for (let q = q0; q < q1; q++) {
              const k = ((b * h + i * sh + p - padTop) * w + j * sw + q - padLeft) * c + ch;
              const v = load<f32>(x + (<usize>k << 2));
              if (v > best) (best = v), (at = k);
            }
          store<f32>(o, best);
          store<i32>(a, at);
        }
      }
    }
}

/**
 * dx = 0, then dx[argmax[e]] += dy[e] for the outputs e in order (argmax as maxPoolForward wrote
 * it for this window). When the windows do not overlap (strides ≥ pool), every input position
 * lies in at most one window and takes at most one add: each window's positions are written once
 * (0 + dy at its max, 0 elsewhere) and the positions no window covers are zeroed, which is the
 * same result in one pass instead of a fill and a scatter.
 */
export function maxPoolBackward(dy: usize, argmax: usize, dx: usize, n: i32, h: i32, w: i32, c: i32, ph: i32, pw: i32,
  sh: i32, sw: i32, padTop: i32, padLeft: i32, oh: i32, ow: i32): void {
  const inputs = <usize>n * <usize>h * <usize>w * <usize>c, outputs = n * oh * ow * c;
  if (sh < ph || sw < pw) {
    memory.fill(dx, 0, inputs << 2);
    for (let e = 0; e < outputs; e++) {
      const d = dx + (<usize>load<i32>(argmax + (<usize>e << 2)) << 2);
      store<f32>(d, load<f32>(d) + load<f32>(dy + (<usize>e << 2)));
    }
    return;
  }
  const pixel = <usize>c << 2, lane = i32x4(0, 1, 2, 3);
  // the positions no window covers: rows outside every window's rows, then columns outside every window's columns
  for (let b = 0; b < n; b++) {
    const image = dx + <usize>(b * h) * <usize>w * pixel, rowBytes = <usize>w * pixel;
    let next = 0; // the first row not yet known to be covered or zeroed
    for (let i = 0; i <= oh; i++) {
      const start = i < oh ? max(0, i * sh - padTop) : h, end = i < oh ? min(h, i * sh - padTop + ph) : h;
      if (start > next) memory.fill(image + <usize>next * rowBytes, 0, <usize>(start - next) * rowBytes);
      // the covered rows' columns outside every window
      for (let ih = max(next, start); ih < end; ih++) {
        const row = image + <usize>ih * rowBytes;
        let col = 0;
        for (let j = 0; j <= ow; j++) {
          const cs = j < ow ? max(0, j * sw - padLeft) : w, ce = j < ow ? min(w, j * sw - padLeft + pw) : w;
          if (cs > col) memory.fill(row + <usize>col * pixel, 0, <usize>(cs - col) * pixel);
          col = max(col, ce);
        }
      }
      next = max(next, end);
    }
  }
  let g = dy, a = argmax;
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++) {
      const ps = span(i, sh, padTop, h, ph), p0 = <i32>(ps >> 32), p1 = <i32>ps;
      for (let j = 0; j < ow; j++, g += pixel, a += pixel) {
        const qs = span(j, sw, padLeft, w, pw), q0 = <i32>(qs >> 32), q1 = <i32>qs;
        if (p1 - p0 == 2 && q1 - q0 == 2 && (c & 3) == 0) {
          // a 2×2 window inside the image: where its max sits, relative to its first position, picks each position's value
          const k = ((b * h + i * sh + p0 - padTop) * w + j * sw + q0 - padLeft) * c, down = <usize>w * pixel;
          const d = dx + (<usize>k << 2), right = i32x4.splat(c), below = i32x4.splat(w * c), diagonal = i32x4.splat(w * c + c);
          for (let ch = 0; ch < c; ch += 4) {
            const o = <usize>ch << 2;
            const rel = i32x4.sub(v128.load(a + o), i32x4.add(i32x4.splat(k + ch), lane));
            const v = f32x4.add(ZERO, v128.load(g + o));
            v128.store(d + o, v128.and(v, i32x4.eq(rel, ZERO)));
            v128.store(d + o + pixel, v128.and(v, i32x4.eq(rel, right)));
            v128.store(d + o + down, v128.and(v, i32x4.eq(rel, below)));
            v128.store(d + o + down + pixel, v128.and(v, i32x4.eq(rel, diagonal)));
          }
          continue;
        }
        for (let p = p0; p < p1; p++)
          for (let q = q0; q < q1; q++) {
            const k = ((b * h + i * sh + p - padTop) * w + j * sw + q - padLeft) * c;
            const d = dx + (<usize>k << 2);
            let ch = 0;
            for (; ch + 4 <= c; ch += 4) {
              const o = <usize>ch << 2;
              const mine = i32x4.eq(v128.load(a + o), i32x4.add(i32x4.splat(k + ch), lane));
              v128.store(d + o, v128.and(f32x4.add(ZERO, v128.load(g + o)), mine));
            }
            for (; ch < c; ch++) {
              const o = <usize>ch << 2;
              store<f32>(d + o, load<i32>(a + o) == k + ch ? <f32>0 + load<f32>(g + o) : 0);
            }
          }
      }
    }
}

export function avgPoolForward(x: usize, y: usize, n: i32, h: i32, w: i32, c: i32, ph: i32, pw: i32,
  sh: i32, sw: i32, padTop: i32, padLeft: i32, oh: i32, ow: i32): void {
  let o = y;
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++) {
      const ps = span(i, sh, padTop, h, ph), p0 = <i32>(ps >> 32), p1 = <i32>ps;
      for (let j = 0; j < ow; j++) {
        const qs = span(j, sw, padLeft, w, pw), q0 = <i32>(qs >> 32), q1 = <i32>qs;
        const count = <f32>((p1 - p0) * (q1 - q0)), vcount = f32x4.splat(count);
        let ch = 0;
        for (; ch + 4 <= c; ch += 4, o += 16) {
          let sum = f32x4.splat(0);
          for (let p = p0; p < p1; p++)
            for (let q = q0; q < q1; q++)
              sum = f32x4.add(sum, v128.load(x + (<usize>(((b * h + i * sh + p - padTop) * w + j * sw + q - padLeft) * c + ch) << 2)));
          v128.store(o, f32x4.div(sum, vcount));
        }
        for (; ch < c; ch++, o += 4) {
          let sum: f32 = 0;
          for (let p = p0; p < p1; p++)
            for (let q = q0; q < q1; q++) sum += load<f32>(x + (<usize>(((b * h + i * sh + p - padTop) * w + j * sw + q - padLeft) * c + ch) << 2));
          store<f32>(o, sum / count);
        }
      }
    }
}

export function avgPoolBackward(dy: usize, dx: usize, n: i32, h: i32, w: i32, c: i32, ph: i32, pw: i32,
  sh: i32, sw: i32, padTop: i32, padLeft: i32, oh: i32, ow: i32): void {
  memory.fill(dx, 0, (<usize>n * <usize>h * <usize>w * <usize>c) << 2);
  let o = dy;
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++) {
      const ps = span(i, sh, padTop, h, ph), p0 = <i32>(ps >> 32), p1 = <i32>ps;
      for (let j = 0; j < ow; j++) {
        const qs = span(j, sw, padLeft, w, pw), q0 = <i32>(qs >> 32), q1 = <i32>qs;
        const count = <f32>((p1 - p0) * (q1 - q0)), vcount = f32x4.splat(count);
        let ch = 0;
        for (; ch + 4 <= c; ch += 4, o += 16) {
          const g = f32x4.div(v128.load(o), vcount);
          for (let p = p0; p < p1; p++)
            for (let q = q0; q < q1; q++) {
              const d = dx + (<usize>(((b * h + i * sh + p - padTop) * w + j * sw + q - padLeft) * c + ch) << 2);
              v128.store(d, f32x4.add(v128.load(d), g));
            }
        }
        for (; ch < c; ch++, o += 4) {
          const g = load<f32>(o) / count;
          for (let p = p0; p < p1; p++)
            for (let q = q0; q < q1; q++) {
              const d = dx + (<usize>(((b * h + i * sh + p - padTop) * w + j * sw + q - padLeft) * c + ch) << 2);
              store<f32>(d, load<f32>(d) + g);
            }
        }
      }
    }
}

export function globalAvgPoolForward(x: usize, y: usize, n: i32, hw: i32, c: i32): void {
  const vhw = f32x4.splat(<f32>hw);
  for (let b = 0; b < n; b++) {
    const xb = x + (<usize>(b * hw * c) << 2), yb = y + (<usize>(b * c) << 2);
    let ch = 0;
    for (; ch + 4 <= c; ch += 4) {
      let sum = f32x4.splat(0);
      for (let s = 0; s < hw; s++) sum = f32x4.add(sum, v128.load(xb + (<usize>(s * c + ch) << 2)));
      v128.store(yb + (<usize>ch << 2), f32x4.div(sum, vhw));
    }
    for (; ch < c; ch++) {
      let sum: f32 = 0;
      for (let s = 0; s < hw; s++) sum += load<f32>(xb + (<usize>(s * c + ch) << 2));
      store<f32>(yb + (<usize>ch << 2), sum / <f32>hw);
    }
  }
}

export function globalAvgPoolBackward(dy: usize, dx: usize, n: i32, hw: i32, c: i32): void {
  const vhw = f32x4.splat(<f32>hw);
  for (let b = 0; b < n; b++) {
    const db = dy + (<usize>(b * c) << 2), xb = dx + (<usize>(b * hw * c) << 2);
    let ch = 0;
    for (; ch + 4 <= c; ch += 4) {
      const g = f32x4.div(v128.load(db + (<usize>ch << 2)), vhw);
      for (let s = 0; s < hw; s++) v128.store(xb + (<usize>(s * c + ch) << 2), g);
    }
    for (; ch < c; ch++) {
      const g = load<f32>(db + (<usize>ch << 2)) / <f32>hw;
      for (let s = 0; s < hw; s++) store<f32>(xb + (<usize>(s * c + ch) << 2), g);
    }
  }
}
