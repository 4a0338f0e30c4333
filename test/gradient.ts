/**
 * The gradient check of test/gradcheck.test.ts (whose header explains the method and the
 * tolerance), shared with the other gradient-check files.
 */
import { expect } from 'vitest';
import { expectClose, maxRelErr, type testRng } from './helpers.ts';

type Rand = ReturnType<typeof testRng>;
export const normals = (rng: Rand, n: number) => Float32Array.from({ length: n }, () => rng.normal());
export const uniforms = (rng: Rand, n: number, lo: number, hi: number) => Float32Array.from({ length: n }, () => rng.uniform(lo, hi));
/** magnitudes in [lo, hi] with random signs: stays ≥ lo away from 0 (the kinks of ReLU and |w|) */
export const awayFromZero = (rng: Rand, n: number, lo: number, hi: number) =>
  Float32Array.from({ length: n }, () => (rng.uniform() < 0.5 ? -1 : 1) * rng.uniform(lo, hi));

export const GRAD_RTOL = 2e-3;

/** central-difference derivative of f with respect to every float32 element of view() */
export function numericGrad(view: () => Float32Array, f: () => number, h: number): Float64Array {
  const n = view().length, g = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x0 = view()[i];
    const xp = Math.fround(x0 + h), xm = Math.fround(x0 - h);
    view()[i] = xp; // `view()` again after every call: memory growth may replace the buffer
    const fp = f();
    view()[i] = xm;
    const fm = f();
    view()[i] = x0;
    g[i] = (fp - fm) / (xp - xm);
  }
  return g;
}

const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));

/** the relative 2-norm error ‖a − n‖ / ‖n‖ */
export function normErr(analytic: ArrayLike<number>, numeric: ArrayLike<number>): number {
  const d = Array.from(numeric, (x, i) => analytic[i] - x);
  return norm(d) / norm(numeric);
}

/** does the analytic gradient pass the check? (used to show the check can fail) */
export function gradOk(analytic: ArrayLike<number>, numeric: ArrayLike<number>): boolean {
  return analytic.length === numeric.length && normErr(analytic, numeric) <= GRAD_RTOL && maxRelErr(analytic, numeric) <= GRAD_RTOL;
}

export function expectGrad(analytic: ArrayLike<number>, numeric: ArrayLike<number>, what: string): void {
  expect(norm(numeric), `${what}: the numeric gradient is trivially zero`).toBeGreaterThan(1e-3);
  const e = normErr(analytic, numeric);
  expect(e, `${what}: ‖analytic − numeric‖ / ‖numeric‖`).toBeLessThanOrEqual(GRAD_RTOL);
  expectClose(analytic, numeric, GRAD_RTOL, `${what} (elementwise)`);
}

/** Σ a_i r_i in float64 */
export function dot(a: ArrayLike<number>, r: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * r[i];
  return s;
}

