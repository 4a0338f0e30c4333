/**
 * src/backend/mathf32.ts: the float32 log, exp and normal quantile behind the dropout family's
 * noise (their js ≡ wasm identity is checked kernel by kernel in dropoutVariants.kernels.test.ts).
 *
 * Bounds: logf and expf within 3e-7 relative of Math.log / Math.exp (observed 1.6e-7 and 9.4e-8,
 * i.e. 1–2 float32 ulps); the quantile within 3e-6 of Φ⁻¹ in z (PPND7 is accurate to about 1e-7
 * relative; the reference Φ below, Numerical Recipes' erfc, to 1.2e-7). The normal draws pass
 * Kolmogorov–Smirnov at the 1% level and their first moments are within 3σ of N(0, 1); the
 * draws are a fixed function of the seed, so these tests cannot flake.
 */
import { describe, expect, it } from 'vitest';
import { expf, logf, normalFromBits, normalQuantile, uniformOpen } from '../src/backend/mathf32.ts';
import { streamBits, streamKey } from '../src/backend/random.ts';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const fromBits = (b: number) => ((u32[0] = b), f32[0]);

/** Φ(x) from Numerical Recipes' erfcc (fractional error < 1.2e-7) */
function Phi(x: number): number {
  const z = Math.abs(x) / Math.SQRT2, t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? 1 - r / 2 : r / 2;
}

describe('logf and expf', () => {
  it('logf is within 3e-7 relative of Math.log over the normal float32 range', () => {
    let worst = 0;
    for (let b = 0x00800000; b < 0x7f800000; b += 4999) {
      const x = fromBits(b), e = Math.abs(logf(x) - Math.log(x)) / Math.abs(Math.log(x));
      if (x !== 1 && e > worst) worst = e;
    }
    expect(worst).toBeLessThanOrEqual(3e-7);
    expect(logf(1)).toBe(0);
    expect(logf(2 ** -24)).toBe(Math.fround(-24 * Math.LN2));
  });

  it('expf is within 3e-7 relative of Math.exp on [−87.3, 88], +Infinity above and 0 below', () => {
    let worst = 0;
    for (let x = -87.3; x <= 88; x += 0.00731) {
      const xf = Math.fround(x), e = Math.abs(expf(xf) - Math.exp(xf)) / Math.exp(xf);
      if (e > worst) worst = e;
    }
    expect(worst).toBeLessThanOrEqual(3e-7);
    expect(expf(0)).toBe(1);
    expect(expf(88.5)).toBe(Infinity);
    expect(expf(-88)).toBe(0);
  });
});

describe('the normal quantile', () => {
  it('is within 3e-6 of Φ⁻¹ in z across (0, 1)', () => {
    let worst = 0;
    for (let j = 0; j < 1 << 23; j += 1013) {
      const u = uniformOpen(j << 9), z = normalQuantile(u);
      const e = Math.abs(Phi(z) - u) / (Math.exp((-z * z) / 2) / Math.sqrt(2 * Math.PI)); // |Δz| ≈ |ΔΦ| / φ(z)
      if (e > worst) worst = e;
    }
    expect(worst).toBeLessThanOrEqual(3e-6);
    expect(normalQuantile(0.5)).toBe(0);
    expect(Math.abs(normalQuantile(Math.fround(0.975)) - 1.959963984540054)).toBeLessThan(1e-6);
  });

  it('is odd about ½ exactly and nondecreasing over every one of its 2^23 inputs', () => {
    let prev = -Infinity, steps = 0;
    for (let j = 0; j < 1 << 23; j++) {
      const u = uniformOpen(j << 9), z = normalQuantile(u);
      if (z < prev) steps++;
      prev = z;
      if ((j & 1023) === 0) expect(normalQuantile(Math.fround(1 - u))).toBe(-z);
    }
    expect(steps, 'decreasing steps').toBe(0);
    expect(normalQuantile(uniformOpen(0))).toBeCloseTo(-5.2947, 3); // the extreme draws: ±5.29σ
  });

  it('uniformOpen gives (2j + 1) / 2^24 from the top 23 bits: inside (0, 1), symmetric', () => {
    expect(uniformOpen(0)).toBe(2 ** -24);
    expect(uniformOpen(0xffffffff)).toBe(1 - 2 ** -24);
    expect(uniformOpen(0x80000000)).toBe(0.5 + 2 ** -24);
    expect(uniformOpen(0x000001ff)).toBe(uniformOpen(0)); // the low 9 bits are not used
  });

  it('10^6 draws of one stream: KS distance to Φ below 1.63/√n (1%), mean, variance and kurtosis within 3σ of 0, 1, 3', () => {
    const n = 1_000_000, key = streamKey(2024, 7), z = new Float64Array(n);
    let s1 = 0, s2 = 0, s4 = 0;
    for (let i = 0; i < n; i++) {
      const v = (z[i] = normalFromBits(streamBits(key, i)));
      (s1 += v), (s2 += v * v), (s4 += v ** 4);
    }
    z.sort();
    let ks = 0;
    for (let i = 0; i < n; i++) {
      const p = Phi(z[i]);
      ks = Math.max(ks, Math.abs(p - i / n), Math.abs(p - (i + 1) / n));
    }
    expect(ks, 'KS distance').toBeLessThan(1.63 / Math.sqrt(n));
    expect(Math.abs(s1 / n), 'mean').toBeLessThan(3 / Math.sqrt(n));
    expect(Math.abs(s2 / n - 1), 'variance').toBeLessThan(3 * Math.sqrt(2 / n));
    expect(Math.abs(s4 / n - 3), 'fourth moment').toBeLessThan(3 * Math.sqrt(96 / n)); // Var(z⁴) = 105 − 9
  });
});
