// The packed GEMM path (BLIS / XNNPACK style): B packed into 8-column panels [p][8], A into 4-row
// panels [p][4], both in the backend's scratch (gemmScratch); one 4×8 micro-kernel
// (gemm4x8Packed.ts) serves all three forms, the packing routines absorb the transpositions. Each
// element still accumulates over p in order, starting from (C or 0) + bias, so the result is the
// same as the splat tiles'.

import { init1 } from "./simd";
import { gemm_4x8_packed_column } from "./gemm4x8Packed";
import { EPI_NONE, epilogueBlock } from "./gemmEpilogue";

/** k block: an A panel (4 KB) and a B panel (8 KB) sit in L1 while a tile accumulates */
const PKC = 256;
/** rows of A per packed block (64 KB, L2) */
const PMC = 64;
/** columns of B per packed block (512 KB, L2) */
const PNC = 512;
/** bytes of scratch the packed path needs: B block, A block, one edge tile */
const GEMM_SCRATCH_BYTES: i32 = (PKC * PNC + PMC * PKC + 64) * 4;
/** below this many rows of C (or columns), packing costs more than it saves */
export const PACK_MIN_M = 16;

// The packing scratch: per-instance configuration, not per-call state. gemmScratch sets it once,
// when the backend is created (src/backend/backend.ts); every GEMM call after only reads it and
// leaves nothing behind in it between calls, so calls stay independent of one another.
let scratch: usize = 0;
let scratchBytes: usize = 0;

/** the scratch block the packed path uses (TS allocates it once per backend); 0 disables packing */
export function gemmScratch(ptr: usize, bytes: i32): void {
  scratch = ptr;
  scratchBytes = <usize>max(bytes, 0);
}

/** bytes of scratch the packed GEMM path wants */
export function gemmScratchBytes(): i32 {
  return GEMM_SCRATCH_BYTES;
}

// @ts-ignore: decorator
@inline
export function canPack(): bool {
  return scratch != 0 && scratchBytes >= <usize>GEMM_SCRATCH_BYTES;
}

/** 4×4 transpose of rows x0..x3 into columns, stored at d, d + s, d + 2s, d + 3s */
// @ts-ignore: decorator
@inline
function storeT4(d: usize, s: usize, x0: v128, x1: v128, x2: v128, x3: v128): void {
  const u0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5), u1 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);
  const u2 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7), u3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
  v128.store(d, v128.shuffle<f32>(u0, u1, 0, 1, 4, 5));
  v128.store(d + s, v128.shuffle<f32>(u0, u1, 2, 3, 6, 7));
  v128.store(d + 2 * s, v128.shuffle<f32>(u2, u3, 0, 1, 4, 5));
  v128.store(d + 3 * s, v128.shuffle<f32>(u2, u3, 2, 3, 6, 7));
}

/**
 * M(x, p) at m + x·xs + p·ps, x < count, p < kc -> panels of W consecutive x laid out [p][W],
 * zero-padded. A packs with W = 4 (x = its rows), B with W = 8 (x = its columns); W (4 or 8) is a
 * literal at both call sites, so its tests fold away and the vector paths need no inner loop.
 */
// @ts-ignore: decorator
@inline
function packPanels(W: i32, m: usize, xs: usize, ps: usize, count: i32, kc: i32, dst: usize): void {
  const panelRow = <usize>W << 2;
  for (let x = 0; x < count; x += W) {
    const w = min(W, count - x);
    const src = m + <usize>x * xs;
    if (w == W && xs == 4) {
      // the panel's W values sit side by side for each p: copy vectors
      let s = src, d = dst;
      for (let p = 0; p < kc; p++) {
        v128.store(d, v128.load(s));
        if (W == 8) v128.store(d, v128.load(s, 16), 16);
        s += ps; d += panelRow;
      }
    } else if (w == W && ps == 4) {
      // each x runs along p in memory (A of gemmNN, B of gemmNT): transpose 4×4 blocks
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const r0 = src + (<usize>p << 2), d = dst + <usize>p * panelRow;
        storeT4(d, panelRow, v128.load(r0), v128.load(r0 + xs), v128.load(r0 + 2 * xs), v128.load(r0 + 3 * xs));
        if (W == 8) {
          const r4 = r0 + 4 * xs;
          storeT4(d + 16, panelRow, v128.load(r4), v128.load(r4 + xs), v128.load(r4 + 2 * xs), v128.load(r4 + 3 * xs));
        }
      }
      for (; p < kc; p++) {
        const d = dst + <usize>p * panelRow, s = src + (<usize>p << 2);
        for (let v = 0; v < W; v++) store<f32>(d + (<usize>v << 2), load<f32>(s + <usize>v * xs));
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const d = dst + <usize>p * panelRow, s = src + <usize>p * ps;
        for (let v = 0; v < W; v++) store<f32>(d + (<usize>v << 2), v < w ? load<f32>(s + <usize>v * xs) : 0);
      }
    }
    dst += <usize>kc * panelRow;
  }
}

/**
 * C (+)= A·B (+ bias) through packed panels; A(i, p) at a + i·rsa + p·csa, B(p, j) at
 * b + p·rsb + j·csb, C row-major m×n. Needs canPack(). Then the epilogue `epi` (gemmEpilogue.ts;
 * EPI_NONE for a plain GEMM, with key, threshold and scale unused) on each column of tiles once
 * its k-sum is complete, while it is still in L1.
 */
export function gemmPacked(a: usize, rsa: usize, csa: usize, b: usize, rsb: usize, csb: usize, bias: usize, c: usize, m: i32, k: i32, n: i32, accumulate: i32,
  epi: i32, key: u32, threshold: u32, scale: f32): void {
  const ldc = <usize>n << 2;
  const bpack = scratch, apack = scratch + <usize>(PKC * PNC * 4), tile = apack + <usize>(PMC * PKC * 4);
  for (let j0 = 0; j0 < n; j0 += PNC) {
    const nc = min(PNC, n - j0);
    for (let p0 = 0; p0 < k; p0 += PKC) {
      const kc = min(PKC, k - p0);
      const loadC = accumulate != 0 || p0 > 0;
      const last = p0 + kc >= k;
      const bb: usize = p0 == 0 && bias ? bias + (<usize>j0 << 2) : 0;
      packPanels(8, b + <usize>p0 * rsb + <usize>j0 * csb, csb, rsb, nc, kc, bpack);
      for (let i0 = 0; i0 < m; i0 += PMC) {
        const mc = min(PMC, m - i0);
        packPanels(4, a + <usize>i0 * rsa + <usize>p0 * csa, rsa, csa, mc, kc, apack);
        for (let j = 0; j < nc; j += 8) {
          const w = min(8, nc - j);
          const bp = bpack + <usize>j * <usize>kc * 4;
          const biasj: usize = bb ? bb + (<usize>j << 2) : 0;
          const full = w == 8 ? mc >> 2 : 0;
          if (full) {
            const cp = c + <usize>i0 * ldc + (<usize>(j0 + j) << 2);
            gemm_4x8_packed_column(apack, bp, kc, cp, ldc, biasj, loadC, full);
            if (last && epi != EPI_NONE) epilogueBlock(cp, ldc, i0, full << 2, j0 + j, 8, n, epi, key, threshold, scale);
          }
          // edge tiles (under 4 rows or 8 columns): through a 4×8 tile in scratch, initialized as init4 would
          for (let i = full << 2; i < mc; i += 4) {
            const h = min(4, mc - i);
            const ap = apack + <usize>i * <usize>kc * 4;
            const cp = c + <usize>(i0 + i) * ldc + (<usize>(j0 + j) << 2);
            for (let r = 0; r < 4; r++) {
              for (let jj = 0; jj < 8; jj++) {
                let v: f32 = 0;
                if (r < h && jj < w) v = init1(cp + <usize>r * ldc + (<usize>jj << 2), biasj ? biasj + (<usize>jj << 2) : 0, loadC);
                store<f32>(tile + <usize>(r * 32 + jj * 4), v);
              }
            }
            gemm_4x8_packed_column(ap, bp, kc, tile, 32, 0, true, 1);
            for (let r = 0; r < h; r++)
              for (let jj = 0; jj < w; jj++) store<f32>(cp + <usize>r * ldc + (<usize>jj << 2), load<f32>(tile + <usize>(r * 32 + jj * 4)));
            if (last && epi != EPI_NONE) epilogueBlock(cp, ldc, i0 + i, h, j0 + j, w, n, epi, key, threshold, scale);
          }
        }
      }
    }
  }
}
