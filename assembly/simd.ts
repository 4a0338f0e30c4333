// f32x4 building blocks shared by the GEMM files and fused.ts: the multiply-add (fused in the
// relaxed build), a horizontal sum, and the value a GEMM accumulator starts from.
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
