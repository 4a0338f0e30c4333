import { streamKey, streamBits, mix32x4, streamInputx4, STEP4 } from "./random";

/**
 * mask[i] = (bits(seed, counter, i) >>> 8) >= threshold ? scale : 0; y = x * mask (y may alias x).
 * bits are those of streamBits(streamKey(seed, counter), i) in src/backend/random.ts.
 * Each element of x is read before mask[i] and y[i] are written, so either may alias x.
 */
export function dropoutForward(x: usize, mask: usize, y: usize, n: i32, seed: u32, counter: u32, threshold: u32, scale: f32): void {
  const key = streamKey(seed, counter);
  const vthr = i32x4.splat(threshold);
  const vscale = f32x4.splat(scale);
  const step = i32x4.splat(STEP4);
  let pre = streamInputx4(key, 0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>i << 2;
    const bits = mix32x4(pre);
    const keep = i32x4.ge_u(i32x4.shr_u(bits, 8), vthr);
    const m = v128.and(vscale, keep);
    const yv = f32x4.mul(v128.load(x + off), m); // x is read before mask or y is written
    v128.store(mask + off, m);
    v128.store(y + off, yv);
    pre = i32x4.add(pre, step);
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    const bits = streamBits(key, <u32>i);
    const m: f32 = (bits >>> 8) >= threshold ? scale : 0;
    const yv = load<f32>(x + off) * m;
    store<f32>(mask + off, m);
    store<f32>(y + off, yv);
  }
}


/**
 * Dropout with one draw per (o, i) broadcast over `mid`: x is outer×mid×inner and draw (o, i) uses
 * the bits of index o·inner + i (SpatialDropout2D on NHWC: (N, H·W, C), one draw per sample and
 * channel). The draws of a row of `inner` are made once, four at a time, then written to every
 * `mid` position; each element of x is read before its mask and y are written.
 */
export function dropoutBroadcastForward(x: usize, mask: usize, y: usize, outer: i32, mid: i32, inner: i32,
  seed: u32, counter: u32, threshold: u32, scale: f32): void {
  const key = streamKey(seed, counter);
  const vthr = i32x4.splat(threshold);
  const vscale = f32x4.splat(scale);
  const rowBytes = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const base = <usize>o * <usize>mid * rowBytes;
    let i = 0;
    for (; i + 4 <= inner; i += 4) {
      const keep = i32x4.ge_u(i32x4.shr_u(mix32x4(streamInputx4(key, <u32>(o * inner + i))), 8), vthr);
      const m = v128.and(vscale, keep);
      for (let k = 0; k < mid; k++) {
        const off = base + <usize>k * rowBytes + (<usize>i << 2);
        const yv = f32x4.mul(v128.load(x + off), m);
        v128.store(mask + off, m);
        v128.store(y + off, yv);
      }
    }
    for (; i < inner; i++) {
      const m: f32 = (streamBits(key, <u32>(o * inner + i)) >>> 8) >= threshold ? scale : 0;
      for (let k = 0; k < mid; k++) {
        const off = base + <usize>k * rowBytes + (<usize>i << 2);
        const yv = load<f32>(x + off) * m;
        store<f32>(mask + off, m);
        store<f32>(y + off, yv);
      }
    }
  }
}
