// f32x4 building blocks shared by the GEMM files and fused.ts: the multiply-add (fused in the
// relaxed build), a horizontal sum, the value a GEMM accumulator starts from, and the 4×4
// transpose the packing routines use.
//
// In the relaxed build (ASC_FEATURE_RELAXED_SIMD) vector accumulations use f32x4.relaxed_madd
// (fused where the hardware has FMA); the baseline build uses mul + add and is deterministic.

export const ZERO: v128 = f32x4(0, 0, 0, 0);

/** c + a·b, fused in the relaxed build */
// @ts-ignore: decorator
@inline
export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_madd(a, b, c);
  } else {
    return f32x4.add(f32x4.mul(a, b), c);
  }
}

// @ts-ignore: decorator
@inline
export function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/** initial accumulator, as the twin: C + bias, C, bias or 0 */
// @ts-ignore: decorator
@inline
export function init4(c: usize, bias: usize, loadC: bool): v128 {
  if (!loadC) return bias ? v128.load(bias) : ZERO;
  const v = v128.load(c);
  return bias ? f32x4.add(v, v128.load(bias)) : v;
}

// @ts-ignore: decorator
@inline
export function init1(c: usize, bias: usize, loadC: bool): f32 {
  if (!loadC) return bias ? load<f32>(bias) : 0;
  const v = load<f32>(c);
  return bias ? v + load<f32>(bias) : v;
}

/** 4×4 transpose of rows x0..x3 into columns, stored at d, d + s, d + 2s, d + 3s */
// @ts-ignore: decorator
@inline
export function storeT4(d: usize, s: usize, x0: v128, x1: v128, x2: v128, x3: v128): void {
  const u0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5), u1 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);
  const u2 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7), u3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
  v128.store(d, v128.shuffle<f32>(u0, u1, 0, 1, 4, 5));
  v128.store(d + s, v128.shuffle<f32>(u0, u1, 2, 3, 6, 7));
  v128.store(d + 2 * s, v128.shuffle<f32>(u2, u3, 0, 1, 4, 5));
  v128.store(d + 3 * s, v128.shuffle<f32>(u2, u3, 2, 3, 6, 7));
}

