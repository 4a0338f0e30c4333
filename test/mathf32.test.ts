/**
 * src/backend/mathf32.ts: the float32 log, exp and normal quantile behind the dropout family's
 * noise (their js ≡ wasm identity is checked kernel by kernel in dropoutVariants.kernels.test.ts).
 *
 * Bounds: logf and expf within 3e-7 relative of Math.log / Math.exp (observed 1.6e-7 and 9.4e-8,
 * i.e. 1–2 float32 ulps); the quantile within 3e-6 of Φ⁻¹ in z (PPND7 is accurate to about 1e-7
 * relative; the reference Φ below, Numerical Recipes' erfc, to 1.2e-7). The normal draws pass
 * Kolmogorov–Smirnov at the 1% level and their first moments are within 3σ of N(0, 1); the
 * draws are a fixed function of the seed, so these tests cannot flake.
 *
 * sigmoidf and tanhf (the recurrent cells' gates) are mirrored by assembly/mathf32.ts, scalar and
 * four lanes at once; the builds export kernels only, so a small module compiled here from that
 * file exports both forms, and their bits are compared with these over a sweep of float32 inputs.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expf, logf, normalFromBits, normalQuantile, sigmoidf, tanhf, uniformOpen } from '../src/backend/mathf32.ts';
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

/** assembly/mathf32.ts's sigmoidf / tanhf (which 0, 1) mapped over n floats at src into dst, scalar or in f32x4 lanes */
const ENTRY = `import { sigmoidf, tanhf, sigmoidfx4, tanhfx4 } from "../../../assembly/mathf32";
export function scalar(src: usize, dst: usize, n: i32, which: i32): void {
  for (let i = 0; i < n; i++) {
    const x = load<f32>(src + (<usize>i << 2));
    store<f32>(dst + (<usize>i << 2), which ? tanhf(x) : sigmoidf(x));
  }
}
export function lanes(src: usize, dst: usize, n: i32, which: i32): void {
  for (let i = 0; i + 4 <= n; i += 4) {
    const x = v128.load(src + (<usize>i << 2));
    v128.store(dst + (<usize>i << 2), which ? tanhfx4(x) : sigmoidfx4(x));
  }
}
export function heapBase(): usize { return __heap_base; }
`;

describe('sigmoidf and tanhf', () => {
  /** float32 inputs: ±0, subnormals, the ±1/16 branch boundary and its neighbours, ±88 / ±87.3, huge, ±Infinity, NaN, and sweeps */
  function inputs(): Float32Array {
    const v: number[] = [0, -0, 2 ** -149, 2 ** -140, 1e-30, 2 ** -126, 1e-10, 1e-7, 1e-3, 0.03, 0.0625, 1 / 8, 0.5, 1, 2, 9.01, 10, 20, 30, 43.6, 43.7,
      44, 87.3, 87.4, 88, 88.1, 89, 100, 1e10, 3.4e38, Infinity];
    for (const b of [0x3d800000 - 2, 0x3d800000 - 1, 0x3d800000 + 1, 0x3d800000 + 2]) v.push(fromBits(b)); // around 1/16
    for (const x of [...v]) v.push(-x);
    v.push(NaN);
    for (let x = -25; x <= 25; x += 0.0009765625 * 3.1) v.push(x); // the gates' working range, densely
    for (let b = 0; b < 0x80000000; b += 2999) v.push(fromBits(b), fromBits(b | 0x80000000)); // every binade, both signs
    while (v.length % 4) v.push(0.25);
    return Float32Array.from(v);
  }

  it('the TS ones: sigmoid within 2e-7 relative of 1 / (1 + e^−x) down to 1e-30, tanh within 5e-7 of Math.tanh (observed 1.4e-7, 3.9e-7 just above 1/16)', () => {
    let sig = 0, th = 0;
    for (const x of inputs()) {
      if (Number.isNaN(x)) continue;
      const s = 1 / (1 + Math.exp(-x)), t = Math.tanh(x);
      if (s > 1e-30) sig = Math.max(sig, Math.abs(sigmoidf(x) - s) / s);
      if (t !== 0) th = Math.max(th, Math.abs(tanhf(x) - t) / Math.abs(t));
    }
    expect(sig).toBeLessThanOrEqual(2e-7);
    expect(th).toBeLessThanOrEqual(5e-7);
    expect([sigmoidf(0), sigmoidf(100), sigmoidf(-100), tanhf(100), tanhf(-100)]).toEqual([0.5, 1, 0, 1, -1]);
  });

  it("assembly/mathf32.ts's, scalar and in four lanes, equal them bit for bit", () => {
    const root = fileURLToPath(new URL('..', import.meta.url)), dir = `${root}test/.tmp/mathf32-${process.pid}/`;
    mkdirSync(dir, { recursive: true });
    try {
      writeFileSync(`${dir}entry.ts`, ENTRY);
      // from its own folder: in the repository's root asc would apply asconfig.json (and write build/nnwasm.wat)
      execFileSync(process.execPath, [`${root}node_modules/assemblyscript/bin/asc.js`, `${dir}entry.ts`, '--runtime', 'stub', '--enable', 'simd', '-O3', '--outFile', `${dir}mathf32.wasm`], { cwd: dir });
      const wasm = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(`${dir}mathf32.wasm`)), { env: { abort() {} } }).exports as {
        memory: WebAssembly.Memory; heapBase(): number; scalar(src: number, dst: number, n: number, which: number): void; lanes(src: number, dst: number, n: number, which: number): void;
      };
      const x = inputs(), n = x.length, src = (wasm.heapBase() + 15) & ~15, dst = src + 4 * n;
      wasm.memory.grow(Math.ceil((dst + 4 * n) / 65536));
      new Float32Array(wasm.memory.buffer, src, n).set(x);
      for (const [which, name, ts] of [[0, 'sigmoidf', sigmoidf], [1, 'tanhf', tanhf]] as const) {
        const want = Float32Array.from(x, ts), wantBits = new Uint32Array(want.buffer);
        for (const form of ['scalar', 'lanes'] as const) {
          wasm[form](src, dst, n, which);
          const got = new Float32Array(wasm.memory.buffer, dst, n), gotBits = new Uint32Array(wasm.memory.buffer, dst, n);
          const bad: string[] = [];
          for (let i = 0; i < n && bad.length < 5; i++)
            if (Number.isNaN(want[i]) ? !Number.isNaN(got[i]) : gotBits[i] !== wantBits[i]) bad.push(`${name}(${x[i]}): ts ${want[i]}, wasm ${got[i]}`);
          expect(bad, `${name} ${form}`).toEqual([]);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
