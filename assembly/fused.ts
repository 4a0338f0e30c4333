// Fused layer chains (src/fusion.ts plans them): Dense → ReLU → Dropout as one pass forward and one
// backward. Every value equals the unfused kernels' (gemmNN, reluForward, dropoutForward, mul,
// reluBackward, colSums, gemmTN, gemmNT) operation for operation: the same products summed in the
// same order, vector lanes where the unfused kernel has vector lanes. The baseline build therefore
// gives the same bits fused or not (up to the sign of zeros); the relaxed build fuses the same
// multiply-adds in both.

import { madd, hsum } from "./simd";
import { gemmNNRelu, colSums } from "./gemm";
import { ROWS_MIN_N } from "./gemmSmallK";
import { streamKey, streamBits, mix32x4, streamInputx4, STEP4 } from "./random";

const ZERO: v128 = f32x4(0, 0, 0, 0);

/**
 * y = dropout(relu(x·w + bias)): x m×k, w k×n, bias n; the mask as dropoutForward(seed, counter,
 * threshold, scale) draws it (threshold 0 and scale 1: ReLU only). The ReLU and the mask run in
 * the GEMM's epilogue while each tile is in L1.
 */
export function denseReluForward(x: usize, w: usize, bias: usize, y: usize, m: i32, k: i32, n: i32, seed: u32, counter: u32, threshold: u32, scale: f32): void {
  gemmNNRelu(x, w, bias, y, m, k, n, streamKey(seed, counter), threshold, scale);
}

/**
 * The backward of ReLU → Dropout given the chain's output y: dz = y > 0 ? dy · scale : 0 and
 * db = Σ_rows dz (overwritten), in one pass. y > 0 exactly where the ReLU passed and the mask
 * kept, so this equals mul(dy, mask) then reluBackward then colSums. dz may alias dy.
 * Fewer than 4 columns: colSums sums those in its own order, so db comes from colSums itself.
 */
export function reluDropoutGate(y: usize, dy: usize, dz: usize, db: usize, rows: i32, cols: i32, scale: f32): void {
  if (cols <= 0) return;
  const narrow = cols < 4;
  const c4 = cols & ~3;
  const vs = f32x4.splat(scale);
  memory.fill(db, 0, <usize>cols << 2);
  const ld = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const o = <usize>r * ld;
    let j = 0;
    for (; j < c4; j += 4) {
      const q = <usize>j << 2;
      const g = v128.and(f32x4.mul(v128.load(dy + o + q), vs), f32x4.gt(v128.load(y + o + q), ZERO));
      v128.store(dz + o + q, g);
      v128.store(db + q, f32x4.add(v128.load(db + q), g));
    }
    for (; j < cols; j++) {
      const q = <usize>j << 2;
      const g: f32 = load<f32>(y + o + q) > 0 ? load<f32>(dy + o + q) * scale : 0;
      store<f32>(dz + o + q, g);
      if (!narrow) store<f32>(db + q, load<f32>(db + q) + g);
    }
  }
  if (narrow) colSums(dz, db, rows, cols, 0);
}

// ================================================================================================
// Dense(k→hd) → ReLU → Dropout → Dense(hd→n) for k ≤ 4, n ≤ 3, hd ≥ 8 (the book's spiral models):
// one pass over the hidden activations forward, one backward. scratch: 12·hd floats.
//
// The small operands a row needs (b1, the rows of w1, the columns of w2, and in backward the
// accumulators of dw2, dw1, db1) are interleaved in scratch as one panel of 4-column chunks, so
// the inner loop reads one sequential stream beside the hidden row. Separate arrays with the
// hidden row's stride (hd·4 bytes) can sit at an unlucky distance modulo 4 KiB from it, where
// every load waits on a store it only seems to depend on ("4K aliasing"): up to 1.7× slower,
// depending on where the arena happened to place the tensors.
// ================================================================================================

/** forward panel, chunk c = j/4 for j < hd & ~3: [b1 | w1 row 0 .. K-1 | w2 column 0 .. N-1], 16 bytes each */
function packForward(w1: usize, b1: usize, w2: usize, hd: i32, k: i32, n: i32, panel: usize): void {
  const ldh = <usize>hd << 2;
  let d = panel;
  for (let j = 0; j < (hd & ~3); j += 4) {
    const o = <usize>j << 2;
    v128.store(d, v128.load(b1 + o));
    d += 16;
    for (let p = 0; p < k; p++) { v128.store(d, v128.load(w1 + <usize>p * ldh + o)); d += 16; }
    for (let c = 0; c < n; c++) {
      for (let l = 0; l < 4; l++) store<f32>(d + (<usize>l << 2), load<f32>(w2 + ((<usize>(j + l) * <usize>n + <usize>c) << 2)));
      d += 16;
    }
  }
}

/** per row: h = dropout(relu(b1 + Σ_p x_p w1[p])), z = b2 + h·w2 (K, N literal at each call site) */
// @ts-ignore: decorator
@inline
function chainForwardRows(K: i32, N: i32, x: usize, w1: usize, b1: usize, h: usize, w2: usize, panel: usize, b2: usize, z: usize, m: i32, hd: i32, key: u32, threshold: u32, scale: f32, drop: bool): void {
  const ldh = <usize>hd << 2;
  const S: usize = (1 + K + N) << 4; // panel bytes per chunk
  // the unfused gemmNN's vector span: k = 1 (and k = 2 from ROWS_MIN_N columns) streams 8 columns
  // at a time (nnSmallKRows), otherwise gemmSmallK uses 8 + 4
  const hv = K == 1 || (K == 2 && hd >= ROWS_MIN_N) ? hd & ~7 : hd & ~3;
  const h4 = hd & ~3; // nn_n1..3 (z) vectorize over p < hd & ~3
  const vthr1 = i32x4.splat(<i32>threshold - 1), vscale = f32x4.splat(scale), step = i32x4.splat(STEP4);
  for (let r = 0; r < m; r++) {
    const xr = x + <usize>r * (<usize>K << 2), hr = h + <usize>r * ldh;
    const x0 = load<f32>(xr), x1: f32 = K > 1 ? load<f32>(xr, 4) : 0, x2: f32 = K > 2 ? load<f32>(xr, 8) : 0, x3: f32 = K > 3 ? load<f32>(xr, 12) : 0;
    const s0 = f32x4.splat(x0), s1 = f32x4.splat(x1), s2 = f32x4.splat(x2), s3 = f32x4.splat(x3);
    let a0 = ZERO, a1 = ZERO, a2 = ZERO;
    let pre = streamInputx4(key, <u32>(r * hd));
    let q = panel;
    let j = 0;
    for (; j < hv; j += 4) {
      let v = v128.load(q); // gemmSmallK's order: b1, then + x_p w1[p] for p = 0 ..
      v = madd(s0, v128.load(q + 16), v);
      if (K > 1) v = madd(s1, v128.load(q + 32), v);
      if (K > 2) v = madd(s2, v128.load(q + 48), v);
      if (K > 3) v = madd(s3, v128.load(q + 64), v);
      v = f32x4.pmax(ZERO, v); // = (v > 0 ? v : +0), reluForward's values
      if (drop) {
        // (bits >>> 8) >= threshold, both below 2^24: a signed compare against threshold - 1
        const keep = i32x4.gt_s(i32x4.shr_u(mix32x4(pre), 8), vthr1);
        v = f32x4.mul(v, v128.and(vscale, keep));
        pre = i32x4.add(pre, step);
      }
      v128.store(hr + (<usize>j << 2), v);
      const w = q + ((1 + <usize>K) << 4);
      a0 = madd(v, v128.load(w), a0);
      if (N > 1) a1 = madd(v, v128.load(w + 16), a1);
      if (N > 2) a2 = madd(v, v128.load(w + 32), a2);
      q += S;
    }
    for (; j < hd; j++) {
      const o = <usize>j << 2;
      let v: f32 = 0;
      v += load<f32>(b1 + o);
      v += x0 * load<f32>(w1 + o);
      if (K > 1) v += x1 * load<f32>(w1 + ldh + o);
      if (K > 2) v += x2 * load<f32>(w1 + 2 * ldh + o);
      if (K > 3) v += x3 * load<f32>(w1 + 3 * ldh + o);
      v = v > 0 ? v : 0;
      if (drop) v = v * ((streamBits(key, <u32>(r * hd + j)) >>> 8) >= threshold ? scale : 0);
      store<f32>(hr + o, v);
    }
    // nn_n*'s scalar tail over p in [h4, hd), then b2 + (hsum + tail)
    if (hv < h4) {
      // nnSmallKRows stored [hv, h4) through its scalar loop; those still join z through vector lanes
      const v = v128.load(hr + (<usize>hv << 2)), w = panel + <usize>(hv >> 2) * S + ((1 + <usize>K) << 4);
      a0 = madd(v, v128.load(w), a0);
      if (N > 1) a1 = madd(v, v128.load(w + 16), a1);
      if (N > 2) a2 = madd(v, v128.load(w + 32), a2);
    }
    let t0: f32 = 0, t1: f32 = 0, t2: f32 = 0;
    for (let p = h4; p < hd; p++) {
      const v = load<f32>(hr + (<usize>p << 2)), w = w2 + <usize>p * (<usize>N << 2);
      t0 += v * load<f32>(w);
      if (N > 1) t1 += v * load<f32>(w, 4);
      if (N > 2) t2 += v * load<f32>(w, 8);
    }
    const zr = z + <usize>r * (<usize>N << 2);
    store<f32>(zr, load<f32>(b2) + (hsum(a0) + t0));
    if (N > 1) store<f32>(zr, load<f32>(b2, 4) + (hsum(a1) + t1), 4);
    if (N > 2) store<f32>(zr, load<f32>(b2, 8) + (hsum(a2) + t2), 8);
  }
}

// @ts-ignore: decorator
@inline
function chainForwardK(K: i32, n: i32, x: usize, w1: usize, b1: usize, h: usize, w2: usize, panel: usize, b2: usize, z: usize, m: i32, hd: i32, key: u32, threshold: u32, scale: f32, drop: bool): void {
  if (n == 1) chainForwardRows(K, 1, x, w1, b1, h, w2, panel, b2, z, m, hd, key, threshold, scale, drop);
  else if (n == 2) chainForwardRows(K, 2, x, w1, b1, h, w2, panel, b2, z, m, hd, key, threshold, scale, drop);
  else chainForwardRows(K, 3, x, w1, b1, h, w2, panel, b2, z, m, hd, key, threshold, scale, drop);
}

/**
 * h = dropout(relu(x·w1 + b1)), z = h·w2 + b2 in one pass over the rows; x m×k (k ≤ 4), w1 k×hd,
 * w2 hd×n (n ≤ 3), hd ≥ 8; the mask as dropoutForward(seed, counter, threshold, scale) draws it
 * (threshold 0, scale 1: no dropout). scratch: 12·hd floats.
 */
export function denseChainForward(x: usize, w1: usize, b1: usize, h: usize, w2: usize, b2: usize, z: usize, m: i32, k: i32, hd: i32, n: i32,
  seed: u32, counter: u32, threshold: u32, scale: f32, scratch: usize): void {
  assert(k >= 1 && k <= 4 && n >= 1 && n <= 3 && hd >= 8, "denseChainForward: shapes out of range");
  packForward(w1, b1, w2, hd, k, n, scratch);
  const key = streamKey(seed, counter);
  const drop = threshold != 0 || scale != 1;
  if (drop) {
    if (k == 1) chainForwardK(1, n, x, w1, b1, h, w2, scratch, b2, z, m, hd, key, threshold, scale, true);
    else if (k == 2) chainForwardK(2, n, x, w1, b1, h, w2, scratch, b2, z, m, hd, key, threshold, scale, true);
    else if (k == 3) chainForwardK(3, n, x, w1, b1, h, w2, scratch, b2, z, m, hd, key, threshold, scale, true);
    else chainForwardK(4, n, x, w1, b1, h, w2, scratch, b2, z, m, hd, key, threshold, scale, true);
  } else {
    if (k == 1) chainForwardK(1, n, x, w1, b1, h, w2, scratch, b2, z, m, hd, key, threshold, scale, false);
    else if (k == 2) chainForwardK(2, n, x, w1, b1, h, w2, scratch, b2, z, m, hd, key, threshold, scale, false);
    else if (k == 3) chainForwardK(3, n, x, w1, b1, h, w2, scratch, b2, z, m, hd, key, threshold, scale, false);
    else chainForwardK(4, n, x, w1, b1, h, w2, scratch, b2, z, m, hd, key, threshold, scale, false);
  }
}

// backward panel, chunk c = j/4 for j < hd & ~3: [w2 column 0 .. N-1 | dw2 column accumulators 0 .. N-1 |
// dw1 row accumulators 0 .. K-1 | db1 accumulator], 16 bytes each; columns j >= hd & ~3 accumulate in place

/** one row's scalar tail, j in [h4, hd): the unfused kernels' scalar loops, accumulating into dw1, db1, dw2 in place */
// @ts-ignore: decorator
@inline
function backwardTail(K: i32, N: i32, r: i32, x: usize, h: usize, w2: usize, dz: usize, dw1: usize, db1: usize, dw2: usize, dh1: usize, hd: i32, scale: f32): void {
  const ldh = <usize>hd << 2;
  const xr = x + <usize>r * (<usize>K << 2), hr = h + <usize>r * ldh, dzr = dz + <usize>r * (<usize>N << 2);
  const x0 = load<f32>(xr), x1: f32 = K > 1 ? load<f32>(xr, 4) : 0, x2: f32 = K > 2 ? load<f32>(xr, 8) : 0, x3: f32 = K > 3 ? load<f32>(xr, 12) : 0;
  const d0 = load<f32>(dzr), d1: f32 = N > 1 ? load<f32>(dzr, 4) : 0, d2: f32 = N > 2 ? load<f32>(dzr, 8) : 0;
  const gr = dh1 ? dh1 + <usize>r * ldh : 0;
  for (let j = hd & ~3; j < hd; j++) {
    const o = <usize>j << 2, w = w2 + <usize>j * (<usize>N << 2), a = dw2 + <usize>j * (<usize>N << 2);
    const hs = load<f32>(hr + o);
    let dh: f32 = 0;
    dh += d0 * load<f32>(w);
    if (N > 1) dh += d1 * load<f32>(w, 4);
    if (N > 2) dh += d2 * load<f32>(w, 8);
    const g: f32 = hs > 0 ? dh * scale : 0;
    if (gr) store<f32>(gr + o, g);
    store<f32>(a, load<f32>(a) + hs * d0);
    if (N > 1) store<f32>(a, load<f32>(a, 4) + hs * d1, 4);
    if (N > 2) store<f32>(a, load<f32>(a, 8) + hs * d2, 8);
    store<f32>(dw1 + o, load<f32>(dw1 + o) + x0 * g);
    if (K > 1) store<f32>(dw1 + ldh + o, load<f32>(dw1 + ldh + o) + x1 * g);
    if (K > 2) store<f32>(dw1 + 2 * ldh + o, load<f32>(dw1 + 2 * ldh + o) + x2 * g);
    if (K > 3) store<f32>(dw1 + 3 * ldh + o, load<f32>(dw1 + 3 * ldh + o) + x3 * g);
    store<f32>(db1 + o, load<f32>(db1 + o) + g);
  }
}

/** the vector chunks of rows [r, r + R) (R = 1 or 2), row r's products added before row r + 1's */
// @ts-ignore: decorator
@inline
function backwardChunks(K: i32, N: i32, R: i32, r: i32, x: usize, h: usize, dz: usize, panel: usize, dh1: usize, hd: i32, scale: f32): void {
  const ldh = <usize>hd << 2, h4 = hd & ~3;
  const S: usize = (2 * N + K + 1) << 4; // panel bytes per chunk
  const A2: usize = <usize>N << 4, A1: usize = (2 * <usize>N) << 4, AB: usize = (2 * <usize>N + <usize>K) << 4;
  const vscale = f32x4.splat(scale);
  const xa = x + <usize>r * (<usize>K << 2), xb = xa + (<usize>K << 2);
  const ha = h + <usize>r * ldh, hb = ha + ldh;
  const za = dz + <usize>r * (<usize>N << 2), zb = za + (<usize>N << 2);
  const sa0 = v128.load32_splat(xa), sa1 = K > 1 ? v128.load32_splat(xa, 4) : ZERO, sa2 = K > 2 ? v128.load32_splat(xa, 8) : ZERO, sa3 = K > 3 ? v128.load32_splat(xa, 12) : ZERO;
  const ea0 = v128.load32_splat(za), ea1 = N > 1 ? v128.load32_splat(za, 4) : ZERO, ea2 = N > 2 ? v128.load32_splat(za, 8) : ZERO;
  const sb0 = R > 1 ? v128.load32_splat(xb) : ZERO, sb1 = R > 1 && K > 1 ? v128.load32_splat(xb, 4) : ZERO;
  const sb2 = R > 1 && K > 2 ? v128.load32_splat(xb, 8) : ZERO, sb3 = R > 1 && K > 3 ? v128.load32_splat(xb, 12) : ZERO;
  const eb0 = R > 1 ? v128.load32_splat(zb) : ZERO, eb1 = R > 1 && N > 1 ? v128.load32_splat(zb, 4) : ZERO, eb2 = R > 1 && N > 2 ? v128.load32_splat(zb, 8) : ZERO;
  const ga: usize = dh1 ? dh1 + <usize>r * ldh : 0, gb: usize = dh1 ? ga + ldh : 0;
  let q = panel;
  for (let j = 0; j < h4; j += 4) {
    const o = <usize>j << 2;
    // dh = dz·w2ᵀ as gemmSmallK (NT) sums it, then the gate as mul → reluBackward
    const w0 = v128.load(q), w1 = N > 1 ? v128.load(q + 16) : ZERO, w2 = N > 2 ? v128.load(q + 32) : ZERO;
    const hva = v128.load(ha + o);
    let da = madd(ea0, w0, ZERO);
    if (N > 1) da = madd(ea1, w1, da);
    if (N > 2) da = madd(ea2, w2, da);
    const gva = v128.and(f32x4.mul(da, vscale), f32x4.gt(hva, ZERO));
    if (ga) v128.store(ga + o, gva);
    // dw2 += hᵀ dz as tn_smalln, dw1 += xᵀ g as the splat tiles, db1 += g as colSums; row r first
    if (R > 1) {
      const hvb = v128.load(hb + o);
      let db = madd(eb0, w0, ZERO);
      if (N > 1) db = madd(eb1, w1, db);
      if (N > 2) db = madd(eb2, w2, db);
      const gvb = v128.and(f32x4.mul(db, vscale), f32x4.gt(hvb, ZERO));
      if (gb) v128.store(gb + o, gvb);
      v128.store(q + A2, madd(hvb, eb0, madd(hva, ea0, v128.load(q + A2))));
      if (N > 1) v128.store(q + A2 + 16, madd(hvb, eb1, madd(hva, ea1, v128.load(q + A2 + 16))));
      if (N > 2) v128.store(q + A2 + 32, madd(hvb, eb2, madd(hva, ea2, v128.load(q + A2 + 32))));
      v128.store(q + A1, madd(sb0, gvb, madd(sa0, gva, v128.load(q + A1))));
      if (K > 1) v128.store(q + A1 + 16, madd(sb1, gvb, madd(sa1, gva, v128.load(q + A1 + 16))));
      if (K > 2) v128.store(q + A1 + 32, madd(sb2, gvb, madd(sa2, gva, v128.load(q + A1 + 32))));
      if (K > 3) v128.store(q + A1 + 48, madd(sb3, gvb, madd(sa3, gva, v128.load(q + A1 + 48))));
      v128.store(q + AB, f32x4.add(f32x4.add(v128.load(q + AB), gva), gvb));
    } else {
      v128.store(q + A2, madd(hva, ea0, v128.load(q + A2)));
      if (N > 1) v128.store(q + A2 + 16, madd(hva, ea1, v128.load(q + A2 + 16)));
      if (N > 2) v128.store(q + A2 + 32, madd(hva, ea2, v128.load(q + A2 + 32)));
      v128.store(q + A1, madd(sa0, gva, v128.load(q + A1)));
      if (K > 1) v128.store(q + A1 + 16, madd(sa1, gva, v128.load(q + A1 + 16)));
      if (K > 2) v128.store(q + A1 + 32, madd(sa2, gva, v128.load(q + A1 + 32)));
      if (K > 3) v128.store(q + A1 + 48, madd(sa3, gva, v128.load(q + A1 + 48)));
      v128.store(q + AB, f32x4.add(v128.load(q + AB), gva));
    }
    q += S;
  }
}

/** rows in pairs, so each accumulator is loaded and stored once per pair; scalar tails row by row */
// @ts-ignore: decorator
@inline
function chainBackwardRows(K: i32, N: i32, x: usize, h: usize, w2: usize, dz: usize, dw1: usize, db1: usize, dw2: usize, panel: usize, dh1: usize, m: i32, hd: i32, scale: f32): void {
  const tail = (hd & 3) != 0;
  let r = 0;
  for (; r + 2 <= m; r += 2) {
    backwardChunks(K, N, 2, r, x, h, dz, panel, dh1, hd, scale);
    if (tail) {
      backwardTail(K, N, r, x, h, w2, dz, dw1, db1, dw2, dh1, hd, scale);
      backwardTail(K, N, r + 1, x, h, w2, dz, dw1, db1, dw2, dh1, hd, scale);
    }
  }
  if (r < m) {
    backwardChunks(K, N, 1, r, x, h, dz, panel, dh1, hd, scale);
    if (tail) backwardTail(K, N, r, x, h, w2, dz, dw1, db1, dw2, dh1, hd, scale);
  }
}

// @ts-ignore: decorator
@inline
function chainBackwardK(K: i32, n: i32, x: usize, h: usize, w2: usize, dz: usize, dw1: usize, db1: usize, dw2: usize, panel: usize, dh1: usize, m: i32, hd: i32, scale: f32): void {
  if (n == 1) chainBackwardRows(K, 1, x, h, w2, dz, dw1, db1, dw2, panel, dh1, m, hd, scale);
  else if (n == 2) chainBackwardRows(K, 2, x, h, w2, dz, dw1, db1, dw2, panel, dh1, m, hd, scale);
  else chainBackwardRows(K, 3, x, h, w2, dz, dw1, db1, dw2, panel, dh1, m, hd, scale);
}

/**
 * The backward of denseChainForward in one pass over the rows, given dz (m×n, the gradient at z):
 * dw2 = hᵀ·dz, g = relu/dropout gate of dz·w2ᵀ, dw1 = xᵀ·g, db1 = Σ_rows g (all overwritten);
 * g is stored into dh1 when dh1 != 0 (for dx = g·w1ᵀ). db2 is colSums(dz), left to the caller.
 * scratch: 12·hd floats.
 */
export function denseChainBackward(x: usize, h: usize, w2: usize, dz: usize, dw1: usize, db1: usize, dw2: usize, dh1: usize, m: i32, k: i32, hd: i32, n: i32,
  scale: f32, scratch: usize): void {
  assert(k >= 1 && k <= 4 && n >= 1 && n <= 3 && hd >= 8, "denseChainBackward: shapes out of range");
  const h4 = hd & ~3, S: usize = <usize>(2 * n + k + 1) << 4, ldh = <usize>hd << 2;
  // the panel: w2's columns, zeroed accumulators; the scalar-tail columns accumulate in place
  memory.fill(scratch, 0, <usize>(h4 >> 2) * S);
  for (let j = 0; j < h4; j += 4)
    for (let c = 0; c < n; c++)
      for (let l = 0; l < 4; l++) store<f32>(scratch + <usize>(j >> 2) * S + (<usize>c << 4) + (<usize>l << 2), load<f32>(w2 + ((<usize>(j + l) * <usize>n + <usize>c) << 2)));
  memory.fill(dw2, 0, (<usize>hd * <usize>n) << 2);
  memory.fill(dw1, 0, (<usize>hd * <usize>k) << 2);
  memory.fill(db1, 0, <usize>hd << 2);
  if (k == 1) chainBackwardK(1, n, x, h, w2, dz, dw1, db1, dw2, scratch, dh1, m, hd, scale);
  else if (k == 2) chainBackwardK(2, n, x, h, w2, dz, dw1, db1, dw2, scratch, dh1, m, hd, scale);
  else if (k == 3) chainBackwardK(3, n, x, h, w2, dz, dw1, db1, dw2, scratch, dh1, m, hd, scale);
  else chainBackwardK(4, n, x, h, w2, dz, dw1, db1, dw2, scratch, dh1, m, hd, scale);
  // the panel's accumulators out: dw2[j][c], dw1[p][j], db1[j]
  for (let j = 0; j < h4; j += 4) {
    const q = scratch + <usize>(j >> 2) * S, o = <usize>j << 2;
    for (let c = 0; c < n; c++)
      for (let l = 0; l < 4; l++) store<f32>(dw2 + ((<usize>(j + l) * <usize>n + <usize>c) << 2), load<f32>(q + (<usize>(n + c) << 4) + (<usize>l << 2)));
    for (let p = 0; p < k; p++) v128.store(dw1 + <usize>p * ldh + o, v128.load(q + (<usize>(2 * n + p) << 4)));
    v128.store(db1 + o, v128.load(q + (<usize>(2 * n + k) << 4)));
  }
}
