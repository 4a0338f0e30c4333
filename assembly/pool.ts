// Pooling over NHWC images (src/backend/js/pool.ts is the twin and states the rules). Channels
// are contiguous, so every window position is visited for four channels at once; each lane does
// the twin's scalar operations in the twin's order: js ≡ wasm exactly.

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

export function maxPoolBackward(dy: usize, argmax: usize, dx: usize, outputs: i32, inputs: i32): void {
  memory.fill(dx, 0, <usize>inputs << 2);
  for (let e = 0; e < outputs; e++) {
    const d = dx + (<usize>load<i32>(argmax + (<usize>e << 2)) << 2);
    store<f32>(d, load<f32>(d) + load<f32>(dy + (<usize>e << 2)));
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
