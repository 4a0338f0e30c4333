// The packed GEMM path (BLIS / XNNPACK style): B packed into 8-column panels [p][8], A into 4-row
// panels [p][4], both in the backend's scratch (gemmScratch); one 4×8 micro-kernel
// (gemm4x8Packed.ts) serves all three forms, the packing routines absorb the transpositions. Each
// element still accumulates over p in order, starting from (C or 0) + bias, so the result is the
// same as the splat tiles'. The convolutions (conv.ts) run the same loops with A packed straight
// from an image (convPacked.ts), and use the scratch's tail for their geometry, table and C block.

import { init1, storeT4 } from "./simd";
import { gemm_4x8_packed_column, gemm_4x8_packed_column_relu } from "./gemm4x8Packed";
import { EPI_NONE, EPI_RELU, epilogueBlock } from "./gemmEpilogue";
import { packIm2colRows, packIm2colCols, im2colTTable } from "./convPacked";

/** k block: an A panel (4 KB) and a B panel (8 KB) sit in L1 while a tile accumulates */
export const PKC = 256;
/** rows of A per packed block (64 KB, L2) */
export const PMC = 64;
/** columns of B per packed block (512 KB, L2) */
export const PNC = 512;
/** floats of C a convolution's input gradient computes per block before adding it onto the image (convPacked.ts) */
export const CONV_BLOCK_FLOATS = 32768;
/** the table of output pixels (convPacked.ts): 16 bytes for each of up to PKC pixels (or PMC rows) */
const CONV_TABLE_BYTES: i32 = PKC * 16;
/**
 * bytes of scratch the packed path needs: B block, A block, one edge tile (64 floats), then for the
 * convolutions (convPacked.ts) a geometry record (64 bytes), 16 zero bytes (padded to 32), the
 * output pixels' table and a block of C
 */
const GEMM_SCRATCH_BYTES: i32 = (PKC * PNC + PMC * PKC + 64) * 4 + 96 + CONV_TABLE_BYTES + CONV_BLOCK_FLOATS * 4;
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

/** the packed B block (PKC × PNC floats), at the start of the scratch */
// @ts-ignore: decorator
@inline
export function packedB(): usize {
  return scratch;
}
/** the packed A block (PMC × PKC floats) */
// @ts-ignore: decorator
@inline
export function packedA(): usize {
  return scratch + <usize>(PKC * PNC * 4);
}

/** the convolutions' part of the scratch (convPacked.ts): their geometry record (64 bytes), 16 zero bytes, the table, a block of C */
// @ts-ignore: decorator
@inline
export function convGeometry(): usize {
  return scratch + <usize>((PKC * PNC + PMC * PKC + 64) * 4);
}
// @ts-ignore: decorator
@inline
export function convZero(): usize {
  return convGeometry() + 64;
}
// @ts-ignore: decorator
@inline
export function convTable(): usize {
  return convGeometry() + 96;
}
// @ts-ignore: decorator
@inline
export function convBlock(): usize {
  return convTable() + <usize>CONV_TABLE_BYTES;
}

/**
 * M(x, p) at m + x·xs + p·ps, x < count, p < kc -> panels of W consecutive x laid out [p][W],
 * zero-padded. A packs with W = 4 (x = its rows), B with W = 8 (x = its columns); W (4 or 8) is a
 * literal at both call sites, so its tests fold away and the vector paths need no inner loop.
 */
// @ts-ignore: decorator
@inline
export function packPanels(W: i32, m: usize, xs: usize, ps: usize, count: i32, kc: i32, dst: usize): void {
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
  packedLoops(A_STRIDED, a, rsa, csa, b, rsb, csb, bias, c, m, k, n, accumulate, epi, key, threshold, scale);
}

/** where gemmPacked's A comes from: strided memory, or an image through the convolution's geometry (convPacked.ts) */
export const A_STRIDED: i32 = 0;
/** A = the im2col matrix of the image described at `a` (a ConvGeometry): rows are output pixels */
export const A_IM2COL: i32 = 1;
/** A = the im2col matrix's transpose: rows are its columns (kernel position, channel) */
export const A_IM2COL_T: i32 = 2;

/**
 * gemmPacked's loops, with A read as ASRC says (a literal at each call site, so the choice folds
 * away): packPanels for strided A, convPacked.ts's packers for an image's im2col matrix (then `a`
 * is the address of its ConvGeometry and rsa, csa are unused).
 */
// @ts-ignore: decorator
@inline
export function packedLoops(ASRC: i32, a: usize, rsa: usize, csa: usize, b: usize, rsb: usize, csb: usize, bias: usize, c: usize, m: i32, k: i32, n: i32, accumulate: i32,
  epi: i32, key: u32, threshold: u32, scale: f32): void {
  const ldc = <usize>n << 2;
  const bpack = packedB(), apack = packedA();
  for (let j0 = 0; j0 < n; j0 += PNC) {
    const nc = min(PNC, n - j0);
    for (let p0 = 0; p0 < k; p0 += PKC) {
      const kc = min(PKC, k - p0);
      const loadC = accumulate != 0 || p0 > 0;
      const last = p0 + kc >= k;
      const bb: usize = p0 == 0 && bias ? bias + (<usize>j0 << 2) : 0;
      packPanels(8, b + <usize>p0 * rsb + <usize>j0 * csb, csb, rsb, nc, kc, bpack);
      const inside = ASRC == A_IM2COL_T ? im2colTTable(a, p0, kc, convTable()) : false;
      for (let i0 = 0; i0 < m; i0 += PMC) {
        const mc = min(PMC, m - i0);
        if (ASRC == A_STRIDED) packPanels(4, a + <usize>i0 * rsa + <usize>p0 * csa, rsa, csa, mc, kc, apack);
        else if (ASRC == A_IM2COL) packIm2colRows(a, i0, mc, p0, kc, apack, convZero(), convTable());
        else packIm2colCols(a, convTable(), inside, i0, mc, kc, apack, convZero());
        packedBlock(apack, bpack, kc, mc, nc, c + <usize>i0 * ldc + (<usize>j0 << 2), ldc, bb, loadC, last, i0, j0, n, epi, key, threshold, scale);
      }
    }
  }
}

/**
 * One block of the packed GEMM: C[0..mc, 0..nc) at c (row stride ldc) (+)= the packed A block
 * (mc rows, [p][4] panels) · the packed B block (nc columns, [p][8] panels) over kc, starting from
 * (C when loadC, else 0) + bias (at bb, 0 for none). When `last` (the k-sum is complete) the
 * epilogue runs on each column of tiles; (i0, j0) is the block's place in the n-column output.
 */
export function packedBlock(apack: usize, bpack: usize, kc: i32, mc: i32, nc: i32, c: usize, ldc: usize, bb: usize, loadC: bool, last: bool,
  i0: i32, j0: i32, n: i32, epi: i32, key: u32, threshold: u32, scale: f32): void {
  const tile = packedA() + <usize>(PMC * PKC * 4);
  for (let j = 0; j < nc; j += 8) {
    const w = min(8, nc - j);
    const bp = bpack + <usize>j * <usize>kc * 4;
    const biasj: usize = bb ? bb + (<usize>j << 2) : 0;
    const full = w == 8 ? mc >> 2 : 0;
    if (full) {
      const cp = c + (<usize>j << 2);
      // ReLU alone is applied in registers; the dropout mask (it needs each element's index) after the column is stored
      if (last && epi == EPI_RELU) gemm_4x8_packed_column_relu(apack, bp, kc, cp, ldc, biasj, loadC, full);
      else {
        gemm_4x8_packed_column(apack, bp, kc, cp, ldc, biasj, loadC, full);
        if (last && epi != EPI_NONE) epilogueBlock(cp, ldc, i0, full << 2, j0 + j, 8, n, epi, key, threshold, scale);
      }
    }
    // edge tiles (under 4 rows or 8 columns): through a 4×8 tile in scratch, initialized as init4 would
    for (let i = full << 2; i < mc; i += 4) {
      const h = min(4, mc - i);
      const ap = apack + <usize>i * <usize>kc * 4;
      const cp = c + <usize>i * ldc + (<usize>j << 2);
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
