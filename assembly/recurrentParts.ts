// What the recurrent kernels (assembly/recurrent.ts) share: the activations by code, scalar and
// f32x4, with their derivatives from the output; the data movement around the cells (gathering the
// masked inputs in processing order, the masked state, the outputs, the gradient carries); and the
// byte offsets of the tape and the scratch, as src/backend/kernels/recurrent.ts lays them out.

import { gemmTN, gemmNT, colSums } from "./gemm";
import { mul } from "./elementwise";
import { sigmoidf, tanhf, sigmoidfx4, tanhfx4 } from "./mathf32";

export const TANH = 1;
export const SIGMOID = 2;
export const FIFTH: f32 = 0.2;

// @ts-ignore: decorator
@inline
export function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

// @ts-ignore: decorator
@inline
export function pad(k: i32): i32 {
  return (k + 3) & ~3;
}

// ---- the activations by code (0 linear, 1 tanh, 2 sigmoid, 3 relu, 4 TF.js's hard sigmoid clip(0.2·x + 0.5, 0, 1)) --------------

// @ts-ignore: decorator
@inline
export function act1(code: i32, v: f32): f32 {
  if (code == 1) return tanhf(v);
  if (code == 2) return sigmoidf(v);
  if (code == 3) return v > 0 ? v : 0;
  if (code == 4) return Mathf.min(Mathf.max(FIFTH * v + 0.5, 0), 1);
  return v;
}

// @ts-ignore: decorator
@inline
export function act4(code: i32, v: v128): v128 {
  if (code == 1) return tanhfx4(v);
  if (code == 2) return sigmoidfx4(v);
  if (code == 3) return v128.and(v, f32x4.gt(v, f32x4.splat(0)));
  if (code == 4) return f32x4.min(f32x4.max(f32x4.add(f32x4.mul(f32x4.splat(FIFTH), v), f32x4.splat(0.5)), f32x4.splat(0)), f32x4.splat(1));
  return v;
}

/** the derivative from the activation's output y */
// @ts-ignore: decorator
@inline
export function grad1(code: i32, y: f32): f32 {
  if (code == 1) return <f32>1 - y * y;
  if (code == 2) return y * (<f32>1 - y);
  if (code == 3) return y > 0 ? <f32>1 : <f32>0;
  if (code == 4) return y > 0 && y < 1 ? FIFTH : <f32>0;
  return 1;
}

// @ts-ignore: decorator
@inline
export function grad4(code: i32, y: v128): v128 {
  const one = f32x4.splat(1), zero = f32x4.splat(0);
  if (code == 1) return f32x4.sub(one, f32x4.mul(y, y));
  if (code == 2) return f32x4.mul(y, f32x4.sub(one, y));
  if (code == 3) return v128.and(one, f32x4.gt(y, zero));
  if (code == 4) return v128.and(f32x4.splat(FIFTH), v128.and(f32x4.gt(y, zero), f32x4.lt(y, one)));
  return one;
}

// ---- data movement ---------------------------------------------------------------------------------

/** the step t that processing step s reads (goBackwards: reversed) */
// @ts-ignore: decorator
@inline
export function timeOf(s: i32, steps: i32, options: i32): i32 {
  return options & 1 ? steps - 1 - s : s;
}

/** dst[k] = src[k] · m[k] (elementwise's mul), or a copy without a mask, k < count */
export function maskedCopy(src: usize, m: usize, dst: usize, count: i32): void {
  if (m) return mul(src, m, dst, count);
  // memory.copy is a call out of the module in V8: worth it for a state, not for a row of features
  if (count >= 64) return memory.copy(dst, src, <usize>count << 2);
  let k = 0;
  for (; k + 4 <= count; k += 4) v128.store(at(dst, k), v128.load(at(src, k)));
  for (; k < count; k++) store<f32>(at(dst, k), load<f32>(at(src, k)));
}

/** rows of sequences [N, T, F] ↔ rows in processing order [T·N, F] (the masks are per sequence): XM from x, dx from dXM */
export function reorderRows(from: usize, to: usize, mask: usize, n: i32, steps: i32, features: i32, options: i32, toSteps: bool): void {
  for (let s = 0; s < steps; s++) {
    const t = timeOf(s, steps, options);
    for (let i = 0; i < n; i++) {
      const sequence = (i * steps + t) * features, stepRow = (s * n + i) * features, m = mask ? at(mask, i * features) : 0;
      if (toSteps) maskedCopy(at(from, sequence), m, at(to, stepRow), features);
      else maskedCopy(at(from, stepRow), m, at(to, sequence), features);
    }
  }
}

/** HM_s = h_{s−1} · m_h, zeros at s = 0 */
export function maskState(H: usize, HM: usize, recurrentMask: usize, s: i32, n: i32, units: i32): void {
  const nu = n * units, dst = at(HM, s * nu);
  if (s == 0) memory.fill(dst, 0, <usize>nu << 2);
  else maskedCopy(at(H, (s - 1) * nu), recurrentMask, dst, nu);
}

/** y from H: every step (returnSequences, y[n, s]) or the last */
export function writeOutput(H: usize, y: usize, n: i32, steps: i32, units: i32, options: i32): void {
  const nu = n * units;
  if (!(options & 2)) {
    memory.copy(y, at(H, (steps - 1) * nu), <usize>nu << 2);
    return;
  }
  for (let s = 0; s < steps; s++)
    for (let i = 0; i < n; i++) maskedCopy(at(H, (s * n + i) * units), 0, at(y, (i * steps + s) * units), units);
}

/** DH[k] += src[k], k < count */
export function addInto(DH: usize, src: usize, count: i32): void {
  let k = 0;
  for (; k + 4 <= count; k += 4) v128.store(at(DH, k), f32x4.add(v128.load(at(DH, k)), v128.load(at(src, k))));
  for (; k < count; k++) store<f32>(at(DH, k), load<f32>(at(DH, k)) + load<f32>(at(src, k)));
}

/** dh = carry + the output's gradient at step s */
export function addOutputGrad(DH: usize, dy: usize, s: i32, n: i32, steps: i32, units: i32, options: i32): void {
  if (options & 2) {
    for (let i = 0; i < n; i++) addInto(at(DH, i * units), at(dy, (i * steps + s) * units), units);
  } else if (s == steps - 1) addInto(DH, dy, n * units);
}

/** DH = DHM · m_h, or DHM · m_h + DH when addDirect (GRU's z · dh already in DH) */
export function carryState(DHM: usize, DH: usize, recurrentMask: usize, addDirect: bool, count: i32): void {
  if (!addDirect) {
    maskedCopy(DHM, recurrentMask, DH, count);
    return;
  }
  if (!recurrentMask) {
    addInto(DH, DHM, count);
    return;
  }
  const m = recurrentMask;
  let k = 0;
  for (; k + 4 <= count; k += 4)
    v128.store(at(DH, k), f32x4.add(f32x4.mul(v128.load(at(DHM, k)), v128.load(at(m, k))), v128.load(at(DH, k))));
  for (; k < count; k++) store<f32>(at(DH, k), load<f32>(at(DHM, k)) * load<f32>(at(m, k)) + load<f32>(at(DH, k)));
}

/** after the time loop: dKernel = XMᵀ·dZ, dBias = Σ dZ, dx = (dZ·Wᵀ) scattered back to [N, T, F] with the mask */
export function inputGrads(XM: usize, Z: usize, kernel: usize, inputMask: usize, dx: usize, dKernel: usize, dBias: usize, DXM: usize,
  n: i32, steps: i32, features: i32, gu: i32, options: i32): void {
  const rows = steps * n;
  gemmTN(XM, Z, dKernel, features, rows, gu, 0);
  if (dBias) colSums(Z, dBias, rows, gu, 0);
  if (!dx) return;
  gemmNT(Z, kernel, DXM, rows, gu, features, 0);
  reorderRows(DXM, dx, inputMask, n, steps, features, options, false);
}

/** GRU's R [U, 3U] as Rzr [U, 2U] then Rh [U, U] at `to` (and back, `join`) */
export function splitGru(from: usize, to: usize, units: i32, join: bool): void {
  const rowBytes = <usize>units << 2;
  for (let r = 0; r < units; r++) {
    const whole = at(from, r * 3 * units), zr = at(to, r * 2 * units), hh = at(to, 2 * units * units + r * units);
    if (join) {
      memory.copy(whole, zr, rowBytes << 1);
      memory.copy(whole + (rowBytes << 1), hh, rowBytes);
    } else {
      memory.copy(zr, whole, rowBytes << 1);
      memory.copy(hh, whole + (rowBytes << 1), rowBytes);
    }
  }
}

// ---- the tape and the scratch (byte offsets; kernels/recurrent.ts, the twin's layout and scratch) ---

// @ts-ignore: decorator
@inline
export function tapeZ(tape: usize, rows: i32, features: i32): usize {
  return at(tape, rows * features);
}
// @ts-ignore: decorator
@inline
export function tapeHM(tape: usize, rows: i32, features: i32, gates: i32, units: i32): usize {
  return at(tape, rows * (features + gates * units));
}
// @ts-ignore: decorator
@inline
export function tapeH(tape: usize, rows: i32, features: i32, gates: i32, units: i32): usize {
  return at(tape, rows * (features + (gates + 1) * units));
}
// @ts-ignore: decorator
@inline
export function tapeE1(tape: usize, rows: i32, features: i32, gates: i32, units: i32): usize {
  return at(tape, rows * (features + (gates + 2) * units));
}
// @ts-ignore: decorator
@inline
export function tapeE2(tape: usize, rows: i32, features: i32, gates: i32, units: i32): usize {
  return at(tape, rows * (features + (gates + 3) * units));
}

// backward scratch: four [N, U] blocks (dh carry, dc carry, dh̃, spare), the step's [N, G·U]
// gradients (DREC), dXM, GRU's split R and dR
// @ts-ignore: decorator
@inline
export function scratchDREC(work: usize, n: i32, units: i32): usize {
  return at(work, 4 * pad(n * units));
}
// @ts-ignore: decorator
@inline
export function scratchDXM(work: usize, n: i32, units: i32, gu: i32): usize {
  return at(scratchDREC(work, n, units), pad(n * gu));
}
// @ts-ignore: decorator
@inline
export function scratchSPLIT(work: usize, n: i32, steps: i32, features: i32, units: i32, gu: i32): usize {
  return at(scratchDXM(work, n, units, gu), pad(steps * n * features));
}

