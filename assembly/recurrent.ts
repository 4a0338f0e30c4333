// Recurrent layers (SimpleRNN, LSTM, GRU), forward and backpropagation through time, one call per
// layer and pass. The contract (equations, tape layout, options bits, activation codes) is
// src/backend/kernels/recurrent.ts; the twin, src/backend/js/recurrent.ts, is the semantic
// reference: the same GEMM calls (this module's gemmNN / gemmTN / gemmNT / colSums) in the same
// order, and cells that perform the same f32 operations in the same order.
//
// Cells (the per-step elementwise passes) run in f32x4 lanes over units, a scalar tail for
// units % 4; plain mul/add/sub/div, never a fused multiply-add (not in the relaxed build either),
// so a cell's lanes equal the twin's float32 values given the same inputs. The activation codes are
// runtime arguments: each cell is an @inline body instantiated by small wrapper functions, once with
// the hot codes as constants (tanh / sigmoid: the code tests fold away, the loop is branch-free)
// and once with the codes as variables (loop-invariant tests per 4-lane block).
//
// h_{−1} and c_{−1} are zero: the cells read them from HM_0, the tape's block of zeros for the
// state entering step 0 (h̃_0 = 0), so the first step needs no branch.

import { gemmNN, gemmTN, gemmNT, colSums } from "./gemm";
import {
  TANH, SIGMOID, at, pad, act1, act4, grad1, grad4,
  reorderRows, maskState, writeOutput, addInto, addOutputGrad, carryState, inputGrads, splitGru,
  tapeZ, tapeHM, tapeH, tapeE1, tapeE2, scratchDREC, scratchDXM, scratchSPLIT,
} from "./recurrentParts";

// ---- SimpleRNN --------------------------------------------------------------------------------------

/** H_s = Z_s = act(Z_s) */
// @ts-ignore: decorator
@inline
function rnnCellForwardBody(Zs: usize, Hs: usize, count: i32, act: i32): void {
  let k = 0;
  for (; k + 4 <= count; k += 4) {
    const h = act4(act, v128.load(at(Zs, k)));
    v128.store(at(Zs, k), h);
    v128.store(at(Hs, k), h);
  }
  for (; k < count; k++) {
    const h = act1(act, load<f32>(at(Zs, k)));
    store<f32>(at(Zs, k), h);
    store<f32>(at(Hs, k), h);
  }
}

function rnnCellForwardTanh(Zs: usize, Hs: usize, count: i32): void {
  rnnCellForwardBody(Zs, Hs, count, TANH);
}

function rnnCellForwardAny(Zs: usize, Hs: usize, count: i32, act: i32): void {
  rnnCellForwardBody(Zs, Hs, count, act);
}

/** Z_s = dh · act'(h) */
// @ts-ignore: decorator
@inline
function rnnCellBackwardBody(Zs: usize, DH: usize, count: i32, act: i32): void {
  let k = 0;
  for (; k + 4 <= count; k += 4)
    v128.store(at(Zs, k), f32x4.mul(v128.load(at(DH, k)), grad4(act, v128.load(at(Zs, k)))));
  for (; k < count; k++) store<f32>(at(Zs, k), load<f32>(at(DH, k)) * grad1(act, load<f32>(at(Zs, k))));
}

function rnnCellBackwardTanh(Zs: usize, DH: usize, count: i32): void {
  rnnCellBackwardBody(Zs, DH, count, TANH);
}

function rnnCellBackwardAny(Zs: usize, DH: usize, count: i32, act: i32): void {
  rnnCellBackwardBody(Zs, DH, count, act);
}

export function simpleRnnForward(x: usize, inputMask: usize, kernel: usize, recurrentKernel: usize, bias: usize, recurrentMask: usize, y: usize,
  tape: usize, work: usize, n: i32, steps: i32, features: i32, units: i32, options: i32, activation: i32, recurrentActivation: i32): void {
  if (n <= 0 || steps <= 0 || units <= 0) return;
  const rows = steps * n, nu = n * units;
  const XM = tape, Z = tapeZ(tape, rows, features), HM = tapeHM(tape, rows, features, 1, units), H = tapeH(tape, rows, features, 1, units);
  reorderRows(x, XM, inputMask, n, steps, features, options, true);
  gemmNN(XM, kernel, bias, Z, rows, features, units, 0);
  for (let s = 0; s < steps; s++) {
    maskState(H, HM, recurrentMask, s, n, units);
    const Zs = at(Z, s * nu);
    gemmNN(at(HM, s * nu), recurrentKernel, 0, Zs, n, units, units, 1);
    if (activation == TANH) rnnCellForwardTanh(Zs, at(H, s * nu), nu);
    else rnnCellForwardAny(Zs, at(H, s * nu), nu, activation);
  }
  writeOutput(H, y, n, steps, units, options);
}

export function simpleRnnBackward(x: usize, inputMask: usize, kernel: usize, recurrentKernel: usize, recurrentMask: usize, tape: usize, dy: usize,
  dx: usize, dKernel: usize, dRecurrentKernel: usize, dBias: usize, work: usize, n: i32, steps: i32, features: i32, units: i32, options: i32,
  activation: i32, recurrentActivation: i32): void {
  if (n <= 0 || steps <= 0 || units <= 0) return;
  const rows = steps * n, nu = n * units;
  const XM = tape, Z = tapeZ(tape, rows, features), HM = tapeHM(tape, rows, features, 1, units);
  const DH = work, DHM = at(work, 2 * pad(nu)), DXM = scratchDXM(work, n, units, units);
  memory.fill(DH, 0, <usize>nu << 2);
  for (let s = steps - 1; s >= 0; s--) {
    addOutputGrad(DH, dy, s, n, steps, units, options);
    const Zs = at(Z, s * nu);
    if (activation == TANH) rnnCellBackwardTanh(Zs, DH, nu);
    else rnnCellBackwardAny(Zs, DH, nu, activation);
    gemmNT(Zs, recurrentKernel, DHM, n, units, units, 0);
    carryState(DHM, DH, recurrentMask, false, nu);
  }
  gemmTN(HM, Z, dRecurrentKernel, units, rows, units, 0);
  inputGrads(XM, Z, kernel, inputMask, dx, dKernel, dBias, DXM, n, steps, features, units, options);
}

// ---- LSTM -------------------------------------------------------------------------------------------

/**
 * one step: the gates i, f, g, o of Z_s through their nonlinearities (stored back), c = f·c_{s−1} +
 * i·g, act(c), h = o·act(c); cPrev is C_{s−1} (HM_0's zeros at s = 0)
 */
// @ts-ignore: decorator
@inline
function lstmCellForwardBody(Zs: usize, cPrev: usize, Cs: usize, ACs: usize, Hs: usize, n: i32, U: i32, act: i32, ract: i32): void {
  const uB = <usize>U << 2;
  for (let r = 0; r < n; r++) {
    const zr = at(Zs, r * 4 * U), j0 = r * U;
    let u = 0;
    for (; u + 4 <= U; u += 4) {
      const z = at(zr, u), j = j0 + u;
      const i = act4(ract, v128.load(z)), fg = act4(ract, v128.load(z + uB));
      const gg = act4(act, v128.load(z + 2 * uB)), o = act4(ract, v128.load(z + 3 * uB));
      const c = f32x4.add(f32x4.mul(fg, v128.load(at(cPrev, j))), f32x4.mul(i, gg));
      const ac = act4(act, c);
      v128.store(z, i);
      v128.store(z + uB, fg);
      v128.store(z + 2 * uB, gg);
      v128.store(z + 3 * uB, o);
      v128.store(at(Cs, j), c);
      v128.store(at(ACs, j), ac);
      v128.store(at(Hs, j), f32x4.mul(o, ac));
    }
    for (; u < U; u++) {
      const z = at(zr, u), j = j0 + u;
      const i = act1(ract, load<f32>(z)), fg = act1(ract, load<f32>(z + uB));
      const gg = act1(act, load<f32>(z + 2 * uB)), o = act1(ract, load<f32>(z + 3 * uB));
      const c = fg * load<f32>(at(cPrev, j)) + i * gg;
      const ac = act1(act, c);
      store<f32>(z, i);
      store<f32>(z + uB, fg);
      store<f32>(z + 2 * uB, gg);
      store<f32>(z + 3 * uB, o);
      store<f32>(at(Cs, j), c);
      store<f32>(at(ACs, j), ac);
      store<f32>(at(Hs, j), o * ac);
    }
  }
}

function lstmCellForwardHot(Zs: usize, cPrev: usize, Cs: usize, ACs: usize, Hs: usize, n: i32, U: i32): void {
  lstmCellForwardBody(Zs, cPrev, Cs, ACs, Hs, n, U, TANH, SIGMOID);
}

function lstmCellForwardAny(Zs: usize, cPrev: usize, Cs: usize, ACs: usize, Hs: usize, n: i32, U: i32, act: i32, ract: i32): void {
  lstmCellForwardBody(Zs, cPrev, Cs, ACs, Hs, n, U, act, ract);
}

/** one step back: the gates' gradients over Z_s (in place), the dc carry; DH holds dh */
// @ts-ignore: decorator
@inline
function lstmCellBackwardBody(Zs: usize, cPrev: usize, ACs: usize, DH: usize, DC: usize, n: i32, U: i32, act: i32, ract: i32): void {
  const uB = <usize>U << 2;
  for (let r = 0; r < n; r++) {
    const zr = at(Zs, r * 4 * U), j0 = r * U;
    let u = 0;
    for (; u + 4 <= U; u += 4) {
      const z = at(zr, u), j = j0 + u;
      const i = v128.load(z), fg = v128.load(z + uB), gg = v128.load(z + 2 * uB), o = v128.load(z + 3 * uB);
      const ac = v128.load(at(ACs, j)), cp = v128.load(at(cPrev, j)), dh = v128.load(at(DH, j));
      const dc = f32x4.add(v128.load(at(DC, j)), f32x4.mul(f32x4.mul(dh, o), grad4(act, ac)));
      v128.store(z, f32x4.mul(f32x4.mul(dc, gg), grad4(ract, i)));
      v128.store(z + uB, f32x4.mul(f32x4.mul(dc, cp), grad4(ract, fg)));
      v128.store(z + 2 * uB, f32x4.mul(f32x4.mul(dc, i), grad4(act, gg)));
      v128.store(z + 3 * uB, f32x4.mul(f32x4.mul(dh, ac), grad4(ract, o)));
      v128.store(at(DC, j), f32x4.mul(dc, fg));
    }
    for (; u < U; u++) {
      const z = at(zr, u), j = j0 + u;
      const i = load<f32>(z), fg = load<f32>(z + uB), gg = load<f32>(z + 2 * uB), o = load<f32>(z + 3 * uB);
      const ac = load<f32>(at(ACs, j)), cp = load<f32>(at(cPrev, j)), dh = load<f32>(at(DH, j));
      const dc = load<f32>(at(DC, j)) + (dh * o) * grad1(act, ac);
      store<f32>(z, (dc * gg) * grad1(ract, i));
      store<f32>(z + uB, (dc * cp) * grad1(ract, fg));
      store<f32>(z + 2 * uB, (dc * i) * grad1(act, gg));
      store<f32>(z + 3 * uB, (dh * ac) * grad1(ract, o));
      store<f32>(at(DC, j), dc * fg);
    }
  }
}

function lstmCellBackwardHot(Zs: usize, cPrev: usize, ACs: usize, DH: usize, DC: usize, n: i32, U: i32): void {
  lstmCellBackwardBody(Zs, cPrev, ACs, DH, DC, n, U, TANH, SIGMOID);
}

function lstmCellBackwardAny(Zs: usize, cPrev: usize, ACs: usize, DH: usize, DC: usize, n: i32, U: i32, act: i32, ract: i32): void {
  lstmCellBackwardBody(Zs, cPrev, ACs, DH, DC, n, U, act, ract);
}

export function lstmForward(x: usize, inputMask: usize, kernel: usize, recurrentKernel: usize, bias: usize, recurrentMask: usize, y: usize,
  tape: usize, work: usize, n: i32, steps: i32, features: i32, units: i32, options: i32, activation: i32, recurrentActivation: i32): void {
  if (n <= 0 || steps <= 0 || units <= 0) return;
  const U = units, rows = steps * n, nu = n * U, hot = activation == TANH && recurrentActivation == SIGMOID;
  const XM = tape, Z = tapeZ(tape, rows, features), HM = tapeHM(tape, rows, features, 4, U), H = tapeH(tape, rows, features, 4, U);
  const C = tapeE1(tape, rows, features, 4, U), AC = tapeE2(tape, rows, features, 4, U);
  reorderRows(x, XM, inputMask, n, steps, features, options, true);
  gemmNN(XM, kernel, bias, Z, rows, features, 4 * U, 0);
  for (let s = 0; s < steps; s++) {
    maskState(H, HM, recurrentMask, s, n, U);
    const Zs = at(Z, s * 4 * nu), cPrev = s ? at(C, (s - 1) * nu) : HM;
    gemmNN(at(HM, s * nu), recurrentKernel, 0, Zs, n, U, 4 * U, 1);
    if (hot) lstmCellForwardHot(Zs, cPrev, at(C, s * nu), at(AC, s * nu), at(H, s * nu), n, U);
    else lstmCellForwardAny(Zs, cPrev, at(C, s * nu), at(AC, s * nu), at(H, s * nu), n, U, activation, recurrentActivation);
  }
  writeOutput(H, y, n, steps, U, options);
}

export function lstmBackward(x: usize, inputMask: usize, kernel: usize, recurrentKernel: usize, recurrentMask: usize, tape: usize, dy: usize,
  dx: usize, dKernel: usize, dRecurrentKernel: usize, dBias: usize, work: usize, n: i32, steps: i32, features: i32, units: i32, options: i32,
  activation: i32, recurrentActivation: i32): void {
  if (n <= 0 || steps <= 0 || units <= 0) return;
  const U = units, rows = steps * n, nu = n * U, hot = activation == TANH && recurrentActivation == SIGMOID;
  const XM = tape, Z = tapeZ(tape, rows, features), HM = tapeHM(tape, rows, features, 4, U);
  const C = tapeE1(tape, rows, features, 4, U), AC = tapeE2(tape, rows, features, 4, U);
  const DH = work, DC = at(work, pad(nu)), DHM = at(work, 2 * pad(nu)), DXM = scratchDXM(work, n, U, 4 * U);
  memory.fill(DH, 0, <usize>nu << 2);
  memory.fill(DC, 0, <usize>nu << 2);
  for (let s = steps - 1; s >= 0; s--) {
    addOutputGrad(DH, dy, s, n, steps, U, options);
    const Zs = at(Z, s * 4 * nu), cPrev = s ? at(C, (s - 1) * nu) : HM;
    if (hot) lstmCellBackwardHot(Zs, cPrev, at(AC, s * nu), DH, DC, n, U);
    else lstmCellBackwardAny(Zs, cPrev, at(AC, s * nu), DH, DC, n, U, activation, recurrentActivation);
    gemmNT(Zs, recurrentKernel, DHM, n, 4 * U, U, 0);
    carryState(DHM, DH, recurrentMask, false, nu);
  }
  gemmTN(HM, Z, dRecurrentKernel, U, rows, 4 * U, 0);
  inputGrads(XM, Z, kernel, inputMask, dx, dKernel, dBias, DXM, n, steps, features, 4 * U, options);
}

// ---- GRU --------------------------------------------------------------------------------------------

/**
 * the update and reset gates from Z_s (input side) + A (recurrent side, row width `width`), stored
 * back into Z_s; E_s = A's candidate part (resetAfter) or r ⊙ h̃ (reset before)
 */
// @ts-ignore: decorator
@inline
function gruGatesBody(Zs: usize, A: usize, width: i32, Es: usize, HMs: usize, n: i32, U: i32, ract: i32, after: bool): void {
  const uB = <usize>U << 2;
  for (let r = 0; r < n; r++) {
    const zr = at(Zs, r * 3 * U), ar = at(A, r * width), j0 = r * U;
    let u = 0;
    for (; u + 4 <= U; u += 4) {
      const z = at(zr, u), a = at(ar, u), j = j0 + u;
      const zg = act4(ract, f32x4.add(v128.load(z), v128.load(a)));
      const rg = act4(ract, f32x4.add(v128.load(z + uB), v128.load(a + uB)));
      v128.store(z, zg);
      v128.store(z + uB, rg);
      v128.store(at(Es, j), after ? v128.load(a + 2 * uB) : f32x4.mul(rg, v128.load(at(HMs, j))));
    }
    for (; u < U; u++) {
      const z = at(zr, u), a = at(ar, u), j = j0 + u;
      const zg = act1(ract, load<f32>(z) + load<f32>(a));
      const rg = act1(ract, load<f32>(z + uB) + load<f32>(a + uB));
      store<f32>(z, zg);
      store<f32>(z + uB, rg);
      store<f32>(at(Es, j), after ? load<f32>(a + 2 * uB) : rg * load<f32>(at(HMs, j)));
    }
  }
}

function gruGates(Zs: usize, A: usize, Es: usize, HMs: usize, n: i32, U: i32, ract: i32, after: bool): void {
  if (ract == SIGMOID) {
    if (after) gruGatesBody(Zs, A, 3 * U, Es, HMs, n, U, SIGMOID, true);
    else gruGatesBody(Zs, A, 2 * U, Es, HMs, n, U, SIGMOID, false);
  } else {
    if (after) gruGatesBody(Zs, A, 3 * U, Es, HMs, n, U, ract, true);
    else gruGatesBody(Zs, A, 2 * U, Es, HMs, n, U, ract, false);
  }
}

/** the candidate hh = act(Z's h part + r·E (after) or + B (before)) into Z_s, h_s = z·h_{s−1} + (1 − z)·hh */
// @ts-ignore: decorator
@inline
function gruCandidateBody(Zs: usize, Es: usize, B: usize, hPrev: usize, Hs: usize, n: i32, U: i32, act: i32, after: bool): void {
  const uB = <usize>U << 2;
  const one = f32x4.splat(1);
  for (let r = 0; r < n; r++) {
    const zr = at(Zs, r * 3 * U), j0 = r * U;
    let u = 0;
    for (; u + 4 <= U; u += 4) {
      const z = at(zr, u), j = j0 + u, zg = v128.load(z), rg = v128.load(z + uB);
      const pre = after
        ? f32x4.add(v128.load(z + 2 * uB), f32x4.mul(rg, v128.load(at(Es, j))))
        : f32x4.add(v128.load(z + 2 * uB), v128.load(at(B, j)));
      const hh = act4(act, pre);
      v128.store(z + 2 * uB, hh);
      v128.store(at(Hs, j), f32x4.add(f32x4.mul(zg, v128.load(at(hPrev, j))), f32x4.mul(f32x4.sub(one, zg), hh)));
    }
    for (; u < U; u++) {
      const z = at(zr, u), j = j0 + u, zg = load<f32>(z), rg = load<f32>(z + uB);
      const pre = after ? load<f32>(z + 2 * uB) + rg * load<f32>(at(Es, j)) : load<f32>(z + 2 * uB) + load<f32>(at(B, j));
      const hh = act1(act, pre);
      store<f32>(z + 2 * uB, hh);
      store<f32>(at(Hs, j), zg * load<f32>(at(hPrev, j)) + (<f32>1 - zg) * hh);
    }
  }
}

function gruCandidate(Zs: usize, Es: usize, B: usize, hPrev: usize, Hs: usize, n: i32, U: i32, act: i32, after: bool): void {
  if (act == TANH) {
    if (after) gruCandidateBody(Zs, Es, B, hPrev, Hs, n, U, TANH, true);
    else gruCandidateBody(Zs, Es, B, hPrev, Hs, n, U, TANH, false);
  } else {
    if (after) gruCandidateBody(Zs, Es, B, hPrev, Hs, n, U, act, true);
    else gruCandidateBody(Zs, Es, B, hPrev, Hs, n, U, act, false);
  }
}

/**
 * backward, first pass: DH = dh·z (the direct path), dz and dhh into Z_s, DREC's z part (and its
 * candidate part dhh·r, resetAfter), or DPH = dhh (reset before)
 */
// @ts-ignore: decorator
@inline
function gruBackUpdateBody(Zs: usize, hPrev: usize, DH: usize, DREC: usize, width: i32, DPH: usize, n: i32, U: i32, act: i32, ract: i32, after: bool): void {
  const uB = <usize>U << 2;
  const one = f32x4.splat(1);
  for (let r = 0; r < n; r++) {
    const zr = at(Zs, r * 3 * U), dr = at(DREC, r * width), j0 = r * U;
    let u = 0;
    for (; u + 4 <= U; u += 4) {
      const z = at(zr, u), j = j0 + u, d = at(dr, u);
      const zg = v128.load(z), hh = v128.load(z + 2 * uB), dh = v128.load(at(DH, j)), hp = v128.load(at(hPrev, j));
      v128.store(at(DH, j), f32x4.mul(dh, zg));
      const dz = f32x4.mul(f32x4.mul(dh, f32x4.sub(hp, hh)), grad4(ract, zg));
      const dhh = f32x4.mul(f32x4.mul(dh, f32x4.sub(one, zg)), grad4(act, hh));
      v128.store(z, dz);
      v128.store(z + 2 * uB, dhh);
      v128.store(d, dz);
      if (after) v128.store(d + 2 * uB, f32x4.mul(dhh, v128.load(z + uB)));
      else v128.store(at(DPH, j), dhh);
    }
    for (; u < U; u++) {
      const z = at(zr, u), j = j0 + u, d = at(dr, u);
      const zg = load<f32>(z), hh = load<f32>(z + 2 * uB), dh = load<f32>(at(DH, j)), hp = load<f32>(at(hPrev, j));
      store<f32>(at(DH, j), dh * zg);
      const dz = (dh * (hp - hh)) * grad1(ract, zg);
      const dhh = (dh * (<f32>1 - zg)) * grad1(act, hh);
      store<f32>(z, dz);
      store<f32>(z + 2 * uB, dhh);
      store<f32>(d, dz);
      if (after) store<f32>(d + 2 * uB, dhh * load<f32>(z + uB));
      else store<f32>(at(DPH, j), dhh);
    }
  }
}

function gruBackUpdate(Zs: usize, hPrev: usize, DH: usize, DREC: usize, DPH: usize, n: i32, U: i32, act: i32, ract: i32, after: bool): void {
  if (act == TANH && ract == SIGMOID) {
    if (after) gruBackUpdateBody(Zs, hPrev, DH, DREC, 3 * U, DPH, n, U, TANH, SIGMOID, true);
    else gruBackUpdateBody(Zs, hPrev, DH, DREC, 2 * U, DPH, n, U, TANH, SIGMOID, false);
  } else {
    if (after) gruBackUpdateBody(Zs, hPrev, DH, DREC, 3 * U, DPH, n, U, act, ract, true);
    else gruBackUpdateBody(Zs, hPrev, DH, DREC, 2 * U, DPH, n, U, act, ract, false);
  }
}

/**
 * backward, second pass: the reset gate's gradient into Z_s and DREC, through r·E (resetAfter) or
 * through (r ⊙ h̃)·R_h (before: DRH holds its gradient, then times r, dh̃'s share)
 */
// @ts-ignore: decorator
@inline
function gruBackResetBody(Zs: usize, Es: usize, HMs: usize, DRH: usize, DREC: usize, width: i32, n: i32, U: i32, ract: i32, after: bool): void {
  const uB = <usize>U << 2;
  for (let r = 0; r < n; r++) {
    const zr = at(Zs, r * 3 * U), dr = at(DREC, r * width), j0 = r * U;
    let u = 0;
    for (; u + 4 <= U; u += 4) {
      const z = at(zr, u), j = j0 + u, rg = v128.load(z + uB);
      let d: v128;
      if (after) d = f32x4.mul(v128.load(z + 2 * uB), v128.load(at(Es, j)));
      else {
        const drh = v128.load(at(DRH, j));
        d = f32x4.mul(drh, v128.load(at(HMs, j)));
        v128.store(at(DRH, j), f32x4.mul(drh, rg));
      }
      const g = f32x4.mul(d, grad4(ract, rg));
      v128.store(z + uB, g);
      v128.store(at(dr, u) + uB, g);
    }
    for (; u < U; u++) {
      const z = at(zr, u), j = j0 + u, rg = load<f32>(z + uB);
      let d: f32;
      if (after) d = load<f32>(z + 2 * uB) * load<f32>(at(Es, j));
      else {
        const drh = load<f32>(at(DRH, j));
        d = drh * load<f32>(at(HMs, j));
        store<f32>(at(DRH, j), drh * rg);
      }
      const g = d * grad1(ract, rg);
      store<f32>(z + uB, g);
      store<f32>(at(dr, u) + uB, g);
    }
  }
}

function gruBackReset(Zs: usize, Es: usize, HMs: usize, DRH: usize, DREC: usize, n: i32, U: i32, ract: i32, after: bool): void {
  if (ract == SIGMOID) {
    if (after) gruBackResetBody(Zs, Es, HMs, DRH, DREC, 3 * U, n, U, SIGMOID, true);
    else gruBackResetBody(Zs, Es, HMs, DRH, DREC, 2 * U, n, U, SIGMOID, false);
  } else {
    if (after) gruBackResetBody(Zs, Es, HMs, DRH, DREC, 3 * U, n, U, ract, true);
    else gruBackResetBody(Zs, Es, HMs, DRH, DREC, 2 * U, n, U, ract, false);
  }
}

export function gruForward(x: usize, inputMask: usize, kernel: usize, recurrentKernel: usize, bias: usize, recurrentMask: usize, y: usize,
  tape: usize, work: usize, n: i32, steps: i32, features: i32, units: i32, options: i32, activation: i32, recurrentActivation: i32): void {
  if (n <= 0 || steps <= 0 || units <= 0) return;
  const U = units, rows = steps * n, nu = n * U, after = (options & 4) != 0;
  const XM = tape, Z = tapeZ(tape, rows, features), HM = tapeHM(tape, rows, features, 3, U), H = tapeH(tape, rows, features, 3, U);
  const E = tapeE1(tape, rows, features, 3, U);
  const R = work, A = at(work, pad(3 * U * U)), B = at(A, pad(3 * nu));
  reorderRows(x, XM, inputMask, n, steps, features, options, true);
  gemmNN(XM, kernel, bias, Z, rows, features, 3 * U, 0);
  if (!after) splitGru(recurrentKernel, R, U, false);
  for (let s = 0; s < steps; s++) {
    maskState(H, HM, recurrentMask, s, n, U);
    const HMs = at(HM, s * nu), Zs = at(Z, s * 3 * nu), Es = at(E, s * nu), hPrev = s ? at(H, (s - 1) * nu) : HM;
    // the recurrent products: [N, 3U] with its bias (after), or [N, 2U] for z and r (before)
    if (after) gemmNN(HMs, recurrentKernel, bias ? at(bias, 3 * U) : 0, A, n, U, 3 * U, 0);
    else gemmNN(HMs, R, 0, A, n, U, 2 * U, 0);
    gruGates(Zs, A, Es, HMs, n, U, recurrentActivation, after);
    if (!after) gemmNN(Es, at(R, 2 * U * U), 0, B, n, U, U, 0);
    gruCandidate(Zs, Es, B, hPrev, at(H, s * nu), n, U, activation, after);
  }
  writeOutput(H, y, n, steps, U, options);
}

export function gruBackward(x: usize, inputMask: usize, kernel: usize, recurrentKernel: usize, recurrentMask: usize, tape: usize, dy: usize,
  dx: usize, dKernel: usize, dRecurrentKernel: usize, dBias: usize, work: usize, n: i32, steps: i32, features: i32, units: i32, options: i32,
  activation: i32, recurrentActivation: i32): void {
  if (n <= 0 || steps <= 0 || units <= 0) return;
  const U = units, rows = steps * n, nu = n * U, gu = 3 * U, after = (options & 4) != 0;
  const XM = tape, Z = tapeZ(tape, rows, features), HM = tapeHM(tape, rows, features, 3, U), H = tapeH(tape, rows, features, 3, U);
  const E = tapeE1(tape, rows, features, 3, U);
  const DH = work, DPH = at(work, pad(nu)), DHM = at(work, 2 * pad(nu)), DRH = at(work, 3 * pad(nu));
  const DREC = scratchDREC(work, n, U), DXM = scratchDXM(work, n, U, gu);
  const Rzr = scratchSPLIT(work, n, steps, features, U, gu), dRzr = at(Rzr, pad(U * gu)), dRh = at(dRzr, 2 * U * U);
  if (!after) splitGru(recurrentKernel, Rzr, U, false);
  memory.fill(DH, 0, <usize>nu << 2);
  for (let s = steps - 1; s >= 0; s--) {
    addOutputGrad(DH, dy, s, n, steps, U, options);
    const Zs = at(Z, s * 3 * nu), Es = at(E, s * nu), HMs = at(HM, s * nu), first = s == steps - 1 ? 0 : 1;
    const hPrev = s ? at(H, (s - 1) * nu) : HM;
    gruBackUpdate(Zs, hPrev, DH, DREC, DPH, n, U, activation, recurrentActivation, after);
    // the reset gate's gradient: through r · E (after), or through (r ⊙ h̃)·R_h (before)
    if (!after) gemmNT(DPH, at(Rzr, 2 * U * U), DRH, n, U, U, 0);
    gruBackReset(Zs, Es, HMs, DRH, DREC, n, U, recurrentActivation, after);
    if (after) {
      gemmTN(HMs, DREC, dRecurrentKernel, U, n, 3 * U, first);
      if (dBias) colSums(DREC, at(dBias, 3 * U), n, 3 * U, first);
      gemmNT(DREC, recurrentKernel, DHM, n, 3 * U, U, 0);
    } else {
      gemmTN(HMs, DREC, dRzr, U, n, 2 * U, first);
      gemmTN(Es, DPH, dRh, U, n, U, first);
      gemmNT(DREC, Rzr, DHM, n, 2 * U, U, 0);
      // dh̃ also flows through r ⊙ h̃
      addInto(DHM, DRH, nu);
    }
    carryState(DHM, DH, recurrentMask, true, nu);
  }
  if (!after) splitGru(dRecurrentKernel, dRzr, U, true);
  inputGrads(XM, Z, kernel, inputMask, dx, dKernel, dBias, DXM, n, steps, features, gu, options);
}
