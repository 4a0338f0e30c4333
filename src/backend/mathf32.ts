/**
 * float32 log, exp and the standard normal quantile, computed with nothing but + − × ÷, sqrt,
 * floor and bit manipulation, each rounded to float32 (Math.fround after every operation).
 *
 * Why: JS's Math.log/exp and AssemblyScript's differ in the last ulp, so noise built on them would
 * differ between the js and wasm backends. These operations are correctly rounded in both (f64 then
 * fround is exact for + − × ÷ sqrt), so assembly/mathf32.ts, which performs the same operations in
 * the same order in f32, returns the same bits. Accuracy is a few float32 ulps for logf / expf and
 * about 1e-7 for the quantile (test/mathf32.test.ts), which is all random noise needs.
 */
const f = Math.fround;
const scratch = new Float32Array(1);
const scratchBits = new Uint32Array(scratch.buffer);
const bitsOf = (x: number) => ((scratch[0] = x), scratchBits[0]);
const floatOf = (bits: number) => ((scratchBits[0] = bits), scratch[0]);

const SQRT2 = f(Math.SQRT2);
/** ln 2 split so that k · LN2_HI is exact for |k| < 2^15 (LN2_HI has 9 significant bits) */
const LN2_HI = f(0.693359375);
const LN2_LO = f(-2.12194440e-4);
const LOG2E = f(Math.LOG2E);
const [THIRD, FIFTH, SEVENTH, NINTH] = [f(1 / 3), f(1 / 5), f(1 / 7), f(1 / 9)];

/** natural log of a positive, normal float32 x */
export function logf(x: number): number {
  const bits = bitsOf(x);
  let e = (bits >>> 23) - 127;
  let m = floatOf((bits & 0x7fffff) | 0x3f800000); // x = m · 2^e, m in [1, 2)
  if (m > SQRT2) {
    m = f(m * 0.5);
    e += 1;
  }
  // log m = 2 atanh(s) = 2 (s + s³/3 + s⁵/5 + …), s = (m − 1)/(m + 1), |s| ≤ 0.172
  const s = f(f(m - 1) / f(m + 1));
  const s2 = f(s * s);
  const tail = f(s2 * f(THIRD + f(s2 * f(FIFTH + f(s2 * f(SEVENTH + f(s2 * NINTH)))))));
  const twoS = f(2 * s);
  const logm = f(twoS + f(twoS * tail));
  return f(f(e * LN2_HI) + f(logm + f(e * LN2_LO)));
}

const EXP_MAX = f(88); // keeps k ≤ 127, so 2^k is a normal float32
const EXP_MIN = f(-87.3);
const EXP_C = [1 / 5040, 1 / 720, 1 / 120, 1 / 24, 1 / 6, 0.5, 1, 1].map(f);

/** e^x in float32: +Infinity above 88, 0 below −87.3 (callers only need e^x up to saturation) */
export function expf(x: number): number {
  if (x > EXP_MAX) return Infinity;
  if (x < EXP_MIN) return 0;
  // x = k ln 2 + r, |r| ≤ ln2/2; e^x = 2^k · e^r
  const k = Math.floor(f(f(x * LOG2E) + 0.5));
  const r = f(f(x - f(k * LN2_HI)) - f(k * LN2_LO));
  let p = EXP_C[0];
  for (let i = 1; i < EXP_C.length; i++) p = f(f(p * r) + EXP_C[i]);
  return f(p * floatOf((k + 127) << 23));
}

/** a uniform float32 in (0, 1) from the top 23 bits: (2j + 1) / 2^24, exact, symmetric about ½ */
export function uniformOpen(bits: number): number {
  return f((((bits >>> 9) << 1) | 1) * 5.9604644775390625e-8);
}

// Wichura's AS 241 PPND7, the single-precision normal quantile (about 1e-7 relative): unlike
// Acklam's central rational function, whose numerator cancels near its edges in float32, every
// coefficient of a branch has one sign, so float32 evaluation keeps that accuracy.
const A = [5.9109374720e1, 1.5929113202e2, 5.0434271938e1, 3.3871327179].map(f);
const B = [6.7187563600e1, 7.8757757664e1, 1.7895169469e1].map(f);
const C = [1.7023821103e-1, 1.3067284816, 2.7568153900, 1.4234372777].map(f);
const D = [1.2021132975e-1, 7.3700164250e-1].map(f);
const SPLIT = f(0.425);
const CONST1 = f(0.180625);
const CONST2 = f(1.6);

/** Horner's rule in float32: ((c0·x + c1)·x + …) + c_last, then (+ 1) for the denominators */
function horner(c: number[], x: number, plusOne: boolean): number {
  let v = c[0];
  for (let i = 1; i < c.length; i++) v = f(f(v * x) + c[i]);
  return plusOne ? f(f(v * x) + 1) : v;
}

/**
 * Φ⁻¹(u), the standard normal quantile, for u in [2^-24, 1 − 2^-24] (uniformOpen's range: there
 * sqrt(−log u) ≤ 4.08, so PPND7's third branch, for sqrt(−log u) > 5, is never needed)
 */
export function normalQuantile(u: number): number {
  const q = f(u - 0.5);
  if (Math.abs(q) <= SPLIT) {
    const r = f(CONST1 - f(q * q));
    return f(f(q * horner(A, r, false)) / horner(B, r, true));
  }
  const tailP = q < 0 ? u : f(1 - u); // 1 − u is exact for u ≥ ½
  const r = f(f(Math.sqrt(f(-logf(tailP)))) - CONST2);
  const z = f(horner(C, r, false) / horner(D, r, true));
  return q < 0 ? -z : z;
}

/** a standard normal draw from 32 random bits: the quantile of uniformOpen(bits) */
export function normalFromBits(bits: number): number {
  return normalQuantile(uniformOpen(bits));
}

const TANH_SMALL = f(0.0625);
const TANH_C3 = f(-1 / 3);
const TANH_C5 = f(2 / 15);

/** 1 / (1 + e^−x) in float32 (recurrent cells' gates) */
export function sigmoidf(x: number): number {
  return f(1 / f(1 + expf(f(-x))));
}

/**
 * tanh in float32: x + x³(−1/3 + x²·2/15) below |x| = 1/16 (where 1 − e^−2|x| would cancel;
 * the next term is 4e-9 relative there), else sign(x)·(1 − e)/(1 + e) with e = e^−2|x|
 */
export function tanhf(x: number): number {
  const a = Math.abs(x);
  if (a < TANH_SMALL) {
    const x2 = f(x * x);
    return f(x + f(x * f(x2 * f(TANH_C3 + f(x2 * TANH_C5)))));
  }
  const e = expf(f(-2 * a));
  const t = f(f(1 - e) / f(1 + e));
  return x < 0 ? -t : t;
}
