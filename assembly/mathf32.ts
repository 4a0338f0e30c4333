// float32 log, exp and normal quantile: a bit-exact mirror of src/backend/mathf32.ts (the same
// operations in the same order, all in f32; + − × ÷ sqrt floor are correctly rounded on both sides,
// while Math.log/exp are not the same functions in JS and AssemblyScript). No FMA anywhere.

const SQRT2: f32 = 1.4142135623730951;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
const LOG2E: f32 = 1.4426950408889634;
const THIRD: f32 = 1.0 / 3.0;
const FIFTH: f32 = 1.0 / 5.0;
const SEVENTH: f32 = 1.0 / 7.0;
const NINTH: f32 = 1.0 / 9.0;

/** natural log of a positive, normal f32 */
export function logf(x: f32): f32 {
  const bits = reinterpret<u32>(x);
  let e = <i32>(bits >>> 23) - 127;
  let m = reinterpret<f32>((bits & 0x7fffff) | 0x3f800000);
  if (m > SQRT2) {
    m = m * 0.5;
    e += 1;
  }
  const s = (m - 1) / (m + 1);
  const s2 = s * s;
  const tail = s2 * (THIRD + s2 * (FIFTH + s2 * (SEVENTH + s2 * NINTH)));
  const twoS: f32 = 2 * s;
  const logm = twoS + twoS * tail;
  const ef = <f32>e;
  return ef * LN2_HI + (logm + ef * LN2_LO);
}

const EXP_MAX: f32 = 88;
const EXP_MIN: f32 = -87.3;
const E7: f32 = 1.0 / 5040.0;
const E6: f32 = 1.0 / 720.0;
const E5: f32 = 1.0 / 120.0;
const E4: f32 = 1.0 / 24.0;
const E3: f32 = 1.0 / 6.0;

/** e^x in f32: +Infinity above 88, 0 below −87.3 */
export function expf(x: f32): f32 {
  if (x > EXP_MAX) return Infinity;
  if (x < EXP_MIN) return 0;
  const k = Mathf.floor(x * LOG2E + 0.5);
  const r = (x - k * LN2_HI) - k * LN2_LO;
  let p = E7;
  p = p * r + E6;
  p = p * r + E5;
  p = p * r + E4;
  p = p * r + E3;
  p = p * r + 0.5;
  p = p * r + 1;
  p = p * r + 1;
  return p * reinterpret<f32>(<u32>(<i32>k + 127) << 23);
}

/** uniform f32 in (0, 1): (2j + 1) / 2^24 from the top 23 bits */
// @ts-ignore: decorator
@inline
export function uniformOpen(bits: u32): f32 {
  return <f32>(((bits >>> 9) << 1) | 1) * 5.9604644775390625e-8;
}

// Wichura's AS 241 PPND7 (single precision): every coefficient of a branch has one sign
const A3: f32 = 5.9109374720e1, A2: f32 = 1.5929113202e2, A1: f32 = 5.0434271938e1, A0: f32 = 3.3871327179;
const B3: f32 = 6.7187563600e1, B2: f32 = 7.8757757664e1, B1: f32 = 1.7895169469e1;
const C3: f32 = 1.7023821103e-1, C2: f32 = 1.3067284816, C1: f32 = 2.7568153900, C0: f32 = 1.4234372777;
const D2: f32 = 1.2021132975e-1, D1: f32 = 7.3700164250e-1;
const SPLIT: f32 = 0.425;
const CONST1: f32 = 0.180625;
const CONST2: f32 = 1.6;

/** Φ⁻¹(u) for u in [2^-24, 1 − 2^-24] */
export function normalQuantile(u: f32): f32 {
  const q = u - 0.5;
  if (Mathf.abs(q) <= SPLIT) {
    const r = CONST1 - q * q;
    let num = A3;
    num = num * r + A2;
    num = num * r + A1;
    num = num * r + A0;
    let den = B3;
    den = den * r + B2;
    den = den * r + B1;
    den = den * r + 1;
    return (q * num) / den;
  }
  const tailP: f32 = q < 0 ? u : 1 - u;
  const r = Mathf.sqrt(-logf(tailP)) - CONST2;
  let num = C3;
  num = num * r + C2;
  num = num * r + C1;
  num = num * r + C0;
  let den = D2;
  den = den * r + D1;
  den = den * r + 1;
  const z = num / den;
  return q < 0 ? -z : z;
}

/** a standard normal draw from 32 random bits */
// @ts-ignore: decorator
@inline
export function normalFromBits(bits: u32): f32 {
  return normalQuantile(uniformOpen(bits));
}

// ---- four lanes at once: the same operations lane by lane (both branches computed and selected),
// so every lane equals the scalar function above bit for bit
//
// Their constants come from a table in static memory, not from v128.const: V8 (x64) materializes a
// v128.const in three instructions (movq imm64, vmovq, vpunpcklqdq) at every use inside a loop, a
// splat of a constant included (binaryen folds it to a v128.const), while a load is one instruction
// or folds into the arithmetic as a memory operand. binaryen cannot fold a load, so it stays.

const TANH_SMALL: f32 = 0.0625;
const TANH_C3: f32 = -1.0 / 3.0;
const TANH_C5: f32 = 2.0 / 15.0;
/** 2^23 + 127: k + 127 in the low mantissa bits of k + MAGIC_127 for an integer k in [−127, 2^23 − 128) */
const MAGIC_127: f32 = 8388735;

/** one f32x4 splat per row, by index (C_…) */
const XC: usize = memory.data<f32>([
  LOG2E, LOG2E, LOG2E, LOG2E,
  0.5, 0.5, 0.5, 0.5,
  LN2_HI, LN2_HI, LN2_HI, LN2_HI,
  LN2_LO, LN2_LO, LN2_LO, LN2_LO,
  E7, E7, E7, E7,
  E6, E6, E6, E6,
  E5, E5, E5, E5,
  E4, E4, E4, E4,
  E3, E3, E3, E3,
  1, 1, 1, 1,
  MAGIC_127, MAGIC_127, MAGIC_127, MAGIC_127,
  EXP_MAX, EXP_MAX, EXP_MAX, EXP_MAX,
  Infinity, Infinity, Infinity, Infinity,
  EXP_MIN, EXP_MIN, EXP_MIN, EXP_MIN,
  TANH_C3, TANH_C3, TANH_C3, TANH_C3,
  TANH_C5, TANH_C5, TANH_C5, TANH_C5,
  TANH_SMALL, TANH_SMALL, TANH_SMALL, TANH_SMALL,
  -2, -2, -2, -2,
], 16);
const C_LOG2E = 0, C_HALF = 1, C_LN2_HI = 2, C_LN2_LO = 3, C_E7 = 4, C_E6 = 5, C_E5 = 6, C_E4 = 7, C_E3 = 8, C_ONE = 9;
const C_MAGIC = 10, C_EXP_MAX = 11, C_INF = 12, C_EXP_MIN = 13, C_TANH_C3 = 14, C_TANH_C5 = 15, C_TANH_SMALL = 16, C_MINUS_TWO = 17;
/** the sign bit and the rest, per lane */
const XM: usize = memory.data<u32>([0x80000000, 0x80000000, 0x80000000, 0x80000000, 0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff], 16);

// @ts-ignore: decorator
@inline
function xc(i: i32): v128 {
  return v128.load(XC + (<usize>i << 4));
}

/** −x (flips the sign bit, as f32x4.neg) */
// @ts-ignore: decorator
@inline
function negx4(x: v128): v128 {
  return v128.xor(x, v128.load(XM));
}

/** |x| (clears the sign bit, as f32x4.abs) */
// @ts-ignore: decorator
@inline
function absx4(x: v128): v128 {
  return v128.and(x, v128.load(XM, 16));
}

/** logf on four positive, normal lanes */
// @ts-ignore: decorator
@inline
export function logfx4(x: v128): v128 {
  let e = i32x4.sub(i32x4.shr_u(x, 23), i32x4.splat(127));
  let m = v128.or(v128.and(x, i32x4.splat(0x7fffff)), i32x4.splat(0x3f800000));
  const big = f32x4.gt(m, f32x4.splat(SQRT2));
  m = v128.bitselect(f32x4.mul(m, f32x4.splat(0.5)), m, big);
  e = i32x4.sub(e, big); // big lanes are −1: e + 1
  const one = f32x4.splat(1);
  const s = f32x4.div(f32x4.sub(m, one), f32x4.add(m, one));
  const s2 = f32x4.mul(s, s);
  let t = f32x4.add(f32x4.splat(SEVENTH), f32x4.mul(s2, f32x4.splat(NINTH)));
  t = f32x4.add(f32x4.splat(FIFTH), f32x4.mul(s2, t));
  t = f32x4.add(f32x4.splat(THIRD), f32x4.mul(s2, t));
  const tail = f32x4.mul(s2, t);
  const twoS = f32x4.mul(f32x4.splat(2), s);
  const logm = f32x4.add(twoS, f32x4.mul(twoS, tail));
  const ef = f32x4.convert_i32x4_s(e);
  return f32x4.add(f32x4.mul(ef, f32x4.splat(LN2_HI)), f32x4.add(logm, f32x4.mul(ef, f32x4.splat(LN2_LO))));
}

/** expf on four lanes */
// @ts-ignore: decorator
@inline
export function expfx4(x: v128): v128 {
  const k = f32x4.floor(f32x4.add(f32x4.mul(x, xc(C_LOG2E)), xc(C_HALF)));
  const r = f32x4.sub(f32x4.sub(x, f32x4.mul(k, xc(C_LN2_HI))), f32x4.mul(k, xc(C_LN2_LO)));
  let p = xc(C_E7);
  p = f32x4.add(f32x4.mul(p, r), xc(C_E6));
  p = f32x4.add(f32x4.mul(p, r), xc(C_E5));
  p = f32x4.add(f32x4.mul(p, r), xc(C_E4));
  p = f32x4.add(f32x4.mul(p, r), xc(C_E3));
  p = f32x4.add(f32x4.mul(p, r), xc(C_HALF));
  p = f32x4.add(f32x4.mul(p, r), xc(C_ONE));
  p = f32x4.add(f32x4.mul(p, r), xc(C_ONE));
  // 2^k = (k + 127) << 23 as bits: k + 127 lands in the low mantissa bits of k + MAGIC_127 (exact:
  // k is an integer in [−126, 127] on the lanes the selects below keep) and the shift moves it into
  // the exponent; the scalar's <i32>k + 127 without a float → int conversion (long on x64)
  const scale = i32x4.shl(f32x4.add(k, xc(C_MAGIC)), 23);
  let v = f32x4.mul(p, scale);
  v = v128.bitselect(xc(C_INF), v, f32x4.gt(x, xc(C_EXP_MAX)));
  return v128.andnot(v, f32x4.lt(x, xc(C_EXP_MIN))); // 0 where x < EXP_MIN
}

/** uniformOpen on four lanes of bits */
// @ts-ignore: decorator
@inline
export function uniformOpenx4(bits: v128): v128 {
  const j = v128.or(i32x4.shl(i32x4.shr_u(bits, 9), 1), i32x4.splat(1));
  return f32x4.mul(f32x4.convert_i32x4_u(j), f32x4.splat(5.9604644775390625e-8));
}

/** normalQuantile on four lanes */
// @ts-ignore: decorator
@inline
export function normalQuantilex4(u: v128): v128 {
  const q = f32x4.sub(u, f32x4.splat(0.5));
  // the central branch
  const r = f32x4.sub(f32x4.splat(CONST1), f32x4.mul(q, q));
  let num = f32x4.splat(A3);
  num = f32x4.add(f32x4.mul(num, r), f32x4.splat(A2));
  num = f32x4.add(f32x4.mul(num, r), f32x4.splat(A1));
  num = f32x4.add(f32x4.mul(num, r), f32x4.splat(A0));
  let den = f32x4.splat(B3);
  den = f32x4.add(f32x4.mul(den, r), f32x4.splat(B2));
  den = f32x4.add(f32x4.mul(den, r), f32x4.splat(B1));
  den = f32x4.add(f32x4.mul(den, r), f32x4.splat(1));
  const central = f32x4.div(f32x4.mul(q, num), den);
  // the tails
  const lower = f32x4.lt(q, f32x4.splat(0));
  const tailP = v128.bitselect(u, f32x4.sub(f32x4.splat(1), u), lower);
  const t = f32x4.sub(f32x4.sqrt(f32x4.neg(logfx4(tailP))), f32x4.splat(CONST2));
  let tn = f32x4.splat(C3);
  tn = f32x4.add(f32x4.mul(tn, t), f32x4.splat(C2));
  tn = f32x4.add(f32x4.mul(tn, t), f32x4.splat(C1));
  tn = f32x4.add(f32x4.mul(tn, t), f32x4.splat(C0));
  let td = f32x4.splat(D2);
  td = f32x4.add(f32x4.mul(td, t), f32x4.splat(D1));
  td = f32x4.add(f32x4.mul(td, t), f32x4.splat(1));
  const z = f32x4.div(tn, td);
  const tail = v128.bitselect(f32x4.neg(z), z, lower);
  return v128.bitselect(central, tail, f32x4.le(f32x4.abs(q), f32x4.splat(SPLIT)));
}

// ---- sigmoid and tanh (recurrent cells' gates): the same f32 operations as src/backend/mathf32.ts

/** 1 / (1 + e^−x) */
// @ts-ignore: decorator
@inline
export function sigmoidf(x: f32): f32 {
  return <f32>1 / (<f32>1 + expf(-x));
}

/** tanh: x + x³(−1/3 + x²·2/15) below |x| = 1/16, else sign(x)·(1 − e)/(1 + e) with e = e^−2|x| */
// @ts-ignore: decorator
@inline
export function tanhf(x: f32): f32 {
  const a = Mathf.abs(x);
  if (a < TANH_SMALL) {
    const x2 = x * x;
    return x + x * (x2 * (TANH_C3 + x2 * TANH_C5));
  }
  const e = expf(<f32>-2 * a);
  const t = (<f32>1 - e) / (<f32>1 + e);
  return x < 0 ? -t : t;
}

/** sigmoidf on four lanes */
// @ts-ignore: decorator
@inline
export function sigmoidfx4(x: v128): v128 {
  const one = xc(C_ONE);
  return f32x4.div(one, f32x4.add(one, expfx4(negx4(x))));
}

/** tanhf on four lanes: both branches computed, the small-|x| series and the sign selected lane by lane */
// @ts-ignore: decorator
@inline
export function tanhfx4(x: v128): v128 {
  const a = absx4(x);
  const x2 = f32x4.mul(x, x);
  const series = f32x4.add(x, f32x4.mul(x, f32x4.mul(x2, f32x4.add(xc(C_TANH_C3), f32x4.mul(x2, xc(C_TANH_C5))))));
  const one = xc(C_ONE);
  const e = expfx4(f32x4.mul(xc(C_MINUS_TWO), a));
  const t = f32x4.div(f32x4.sub(one, e), f32x4.add(one, e));
  // −t where x < 0: t ≥ 0 here (e ≤ 1), and x's sign bit is set exactly where x < 0 (−0 and a NaN
  // with the bit set take the series branch or stay NaN)
  const signed = v128.xor(t, v128.and(x, v128.load(XM)));
  return v128.bitselect(series, signed, f32x4.lt(a, xc(C_TANH_SMALL)));
}
