import type { RecurrentKernels } from '../kernels/recurrent.ts';
import type { Heap } from './heap.ts';
import { gemmKernels } from './gemm.ts';
import { elementwiseKernels } from './elementwise.ts';
import { sigmoidf, tanhf } from '../mathf32.ts';

const fr = Math.fround;
const FIFTH = fr(0.2);

/** the activation by code (kernels/recurrent.ts), float32 */
export function activate(code: number, v: number): number {
  switch (code) {
    case 1: return tanhf(v);
    case 2: return sigmoidf(v);
    case 3: return v > 0 ? v : 0;
    case 4: return Math.min(Math.max(fr(fr(FIFTH * v) + 0.5), 0), 1);
    default: return v;
  }
}

/** its derivative, from the activation's output y */
export function activateGrad(code: number, y: number): number {
  switch (code) {
    case 1: return fr(1 - fr(y * y));
    case 2: return fr(y * fr(1 - y));
    case 3: return y > 0 ? 1 : 0;
    case 4: return y > 0 && y < 1 ? FIFTH : 0;
    default: return 1;
  }
}

/**
 * Twins of assembly/recurrent.ts: the contract (equations, tape layout, options) is in
 * kernels/recurrent.ts. The same GEMM calls in the same order as the wasm kernels, through the
 * GEMM twins; cells in float32 (every operation rounded by fround or by the store).
 */
export function recurrentKernels(h: Heap) {
  const g = gemmKernels(h), e = elementwiseKernels(h);

  /** tape offsets in bytes (kernels/recurrent.ts), from the tape's start */
  const layout = (tape: number, n: number, steps: number, features: number, units: number, gates: number) => {
    const rows = steps * n, XM = tape, Z = XM + 4 * rows * features, HM = Z + 4 * rows * gates * units;
    const H = HM + 4 * rows * units, E1 = H + 4 * rows * units, E2 = E1 + 4 * rows * units;
    return { rows, XM, Z, HM, H, E1, E2 };
  };
  const time = (s: number, steps: number, options: number) => (options & 1 ? steps - 1 - s : s);
  const pad = (k: number) => (k + 3) & ~3;

  /** count floats from src to dst, times the mask m when there is one (elementwise's mul) */
  const maskedCopy = (src: number, m: number, dst: number, count: number): void =>
    m ? e.mul(src, m, dst, count) : void h.f32.copyWithin(dst >>> 2, src >>> 2, (src >>> 2) + count);

  /** rows of sequences [N, T, F] ↔ rows in processing order [T·N, F] (the masks are per sequence): XM from x, dx from dXM */
  function reorderRows(from: number, to: number, mask: number, n: number, steps: number, features: number, options: number, toSteps: boolean): void {
    for (let s = 0; s < steps; s++)
      for (let i = 0, t = time(s, steps, options); i < n; i++) {
        const sequence = 4 * (i * steps + t) * features, stepRow = 4 * (s * n + i) * features, m = mask && mask + 4 * i * features;
        if (toSteps) maskedCopy(from + sequence, m, to + stepRow, features);
        else maskedCopy(from + stepRow, m, to + sequence, features);
      }
  }

  /** HM_s = h_{s−1} · m_h, zeros at s = 0 */
  function maskState(H: number, HM: number, recurrentMask: number, s: number, n: number, units: number): void {
    const nu = n * units, dst = HM + 4 * s * nu;
    if (s === 0) h.f32.fill(0, dst >>> 2, (dst >>> 2) + nu);
    else maskedCopy(H + 4 * (s - 1) * nu, recurrentMask, dst, nu);
  }

  /** y from H: every step (returnSequences, y[n, s]) or the last */
  function writeOutput(H: number, y: number, n: number, steps: number, units: number, options: number): void {
    if (!(options & 2)) return maskedCopy(H + 4 * (steps - 1) * n * units, 0, y, n * units);
    for (let s = 0; s < steps; s++) for (let i = 0; i < n; i++) maskedCopy(H + 4 * (s * n + i) * units, 0, y + 4 * (i * steps + s) * units, units);
  }

  /** dh = carry + the output's gradient at step s */
  function addOutputGrad(DH: number, dy: number, s: number, n: number, steps: number, units: number, options: number): void {
    const f = h.f32;
    if (options & 2) {
      for (let i = 0; i < n; i++) for (let u = 0; u < units; u++) f[(DH >>> 2) + i * units + u] += f[(dy >>> 2) + (i * steps + s) * units + u];
    } else if (s === steps - 1) for (let i = 0; i < n * units; i++) f[(DH >>> 2) + i] += f[(dy >>> 2) + i];
  }

  /** DH = DHM · m_h, or DHM · m_h + DH when DH holds the carry's direct path (GRU's z · dh) */
  function carryState(DHM: number, DH: number, recurrentMask: number, addDirect: boolean, count: number): void {
    if (!addDirect) return maskedCopy(DHM, recurrentMask, DH, count);
    const f = h.f32, m = recurrentMask >>> 2;
    for (let i = 0; i < count; i++) f[(DH >>> 2) + i] += recurrentMask ? fr(f[(DHM >>> 2) + i] * f[m + i]) : f[(DHM >>> 2) + i];
  }

  /** after the time loop: dKernel = XMᵀ·dZ, dBias = Σ dZ, dx = (dZ·Wᵀ) back in [N, T, F] with the mask */
  function inputGrads(L: ReturnType<typeof layout>, kernel: number, inputMask: number, dx: number, dKernel: number, dBias: number, DXM: number,
    n: number, steps: number, features: number, gu: number, options: number): void {
    g.gemmTN(L.XM, L.Z, dKernel, features, L.rows, gu, 0);
    if (dBias) g.colSums(L.Z, dBias, L.rows, gu, 0);
    if (!dx) return;
    g.gemmNT(L.Z, kernel, DXM, L.rows, gu, features, 0);
    reorderRows(DXM, dx, inputMask, n, steps, features, options, false);
  }

  /** backward scratch: four [N, U] blocks (dh carry, dc carry, dh̃, spare), the step's [N, G·U] gradients, dXM, GRU's split R and dR */
  const scratch = (work: number, n: number, steps: number, features: number, units: number, gu: number) => {
    const nu = 4 * pad(n * units), DREC = work + 4 * nu, DXM = DREC + 4 * pad(n * gu), SPLIT = DXM + 4 * pad(steps * n * features);
    return { DH: work, DC: work + nu, DHM: work + 2 * nu, SPARE: work + 3 * nu, DREC, DXM, SPLIT, DSPLIT: SPLIT + 4 * pad(units * gu) };
  };

  /** GRU's R [U, 3U] as Rzr [U, 2U] then Rh [U, U] at `to` (and back, `join`) */
  function splitGru(from: number, to: number, units: number, join: boolean): void {
    const f = h.f32;
    for (let r = 0; r < units; r++)
      for (let c = 0; c < 3 * units; c++) {
        const whole = (from >>> 2) + r * 3 * units + c;
        const part = (to >>> 2) + (c < 2 * units ? r * 2 * units + c : 2 * units * units + r * units + c - 2 * units);
        if (join) f[whole] = f[part];
        else f[part] = f[whole];
      }
  }

  return {
    simpleRnnForward(x: number, inputMask: number, kernel: number, recurrentKernel: number, bias: number, recurrentMask: number, y: number, tape: number, work: number,
      n: number, steps: number, features: number, units: number, options: number, activation: number, recurrentActivation: number): void {
      void work, recurrentActivation;
      const f = h.f32, L = layout(tape, n, steps, features, units, 1), nu = n * units;
      reorderRows(x, L.XM, inputMask, n, steps, features, options, true);
      g.gemmNN(L.XM, kernel, bias, L.Z, L.rows, features, units, 0);
      for (let s = 0; s < steps; s++) {
        maskState(L.H, L.HM, recurrentMask, s, n, units);
        const Zs = L.Z + 4 * s * nu;
        g.gemmNN(L.HM + 4 * s * nu, recurrentKernel, 0, Zs, n, units, units, 1);
        for (let i = 0; i < nu; i++) f[(L.H >>> 2) + s * nu + i] = f[(Zs >>> 2) + i] = activate(activation, f[(Zs >>> 2) + i]);
      }
      writeOutput(L.H, y, n, steps, units, options);
    },

    simpleRnnBackward(x: number, inputMask: number, kernel: number, recurrentKernel: number, recurrentMask: number, tape: number, dy: number, dx: number,
      dKernel: number, dRecurrentKernel: number, dBias: number, work: number, n: number, steps: number, features: number, units: number, options: number,
      activation: number, recurrentActivation: number): void {
      void x, recurrentActivation;
      const f = h.f32, L = layout(tape, n, steps, features, units, 1), W = scratch(work, n, steps, features, units, units), nu = n * units;
      f.fill(0, W.DH >>> 2, (W.DH >>> 2) + nu);
      for (let s = steps - 1; s >= 0; s--) {
        addOutputGrad(W.DH, dy, s, n, steps, units, options);
        const Z = (L.Z >>> 2) + s * nu;
        for (let i = 0; i < nu; i++) f[Z + i] = fr(f[(W.DH >>> 2) + i] * activateGrad(activation, f[Z + i]));
        g.gemmNT(L.Z + 4 * s * nu, recurrentKernel, W.DHM, n, units, units, 0);
        carryState(W.DHM, W.DH, recurrentMask, false, nu);
      }
      g.gemmTN(L.HM, L.Z, dRecurrentKernel, units, L.rows, units, 0);
      inputGrads(L, kernel, inputMask, dx, dKernel, dBias, W.DXM, n, steps, features, units, options);
    },

    lstmForward(x: number, inputMask: number, kernel: number, recurrentKernel: number, bias: number, recurrentMask: number, y: number, tape: number, work: number,
      n: number, steps: number, features: number, units: number, options: number, activation: number, recurrentActivation: number): void {
      void work;
      const f = h.f32, L = layout(tape, n, steps, features, units, 4), nu = n * units, U = units;
      reorderRows(x, L.XM, inputMask, n, steps, features, options, true);
      g.gemmNN(L.XM, kernel, bias, L.Z, L.rows, features, 4 * U, 0);
      for (let s = 0; s < steps; s++) {
        maskState(L.H, L.HM, recurrentMask, s, n, U);
        const Zs = L.Z + 16 * s * nu;
        g.gemmNN(L.HM + 4 * s * nu, recurrentKernel, 0, Zs, n, U, 4 * U, 1);
        for (let r = 0; r < n; r++)
          for (let u = 0; u < U; u++) {
            const z = (Zs >>> 2) + r * 4 * U + u, k = s * nu + r * U + u;
            const i = activate(recurrentActivation, f[z]), fg = activate(recurrentActivation, f[z + U]);
            const gg = activate(activation, f[z + 2 * U]), o = activate(recurrentActivation, f[z + 3 * U]);
            const cPrev = s ? f[(L.E1 >>> 2) + k - nu] : 0;
            const c = fr(fr(fg * cPrev) + fr(i * gg)), ac = activate(activation, c);
            f[z] = i, f[z + U] = fg, f[z + 2 * U] = gg, f[z + 3 * U] = o;
            f[(L.E1 >>> 2) + k] = c, f[(L.E2 >>> 2) + k] = ac, f[(L.H >>> 2) + k] = o * ac;
          }
      }
      writeOutput(L.H, y, n, steps, U, options);
    },

    lstmBackward(x: number, inputMask: number, kernel: number, recurrentKernel: number, recurrentMask: number, tape: number, dy: number, dx: number,
      dKernel: number, dRecurrentKernel: number, dBias: number, work: number, n: number, steps: number, features: number, units: number, options: number,
      activation: number, recurrentActivation: number): void {
      void x;
      const f = h.f32, U = units, L = layout(tape, n, steps, features, U, 4), W = scratch(work, n, steps, features, U, 4 * U), nu = n * U;
      f.fill(0, W.DH >>> 2, (W.DH >>> 2) + nu);
      f.fill(0, W.DC >>> 2, (W.DC >>> 2) + nu);
      for (let s = steps - 1; s >= 0; s--) {
        addOutputGrad(W.DH, dy, s, n, steps, U, options);
        for (let r = 0; r < n; r++)
          for (let u = 0; u < U; u++) {
            const z = (L.Z >>> 2) + s * 4 * nu + r * 4 * U + u, k = s * nu + r * U + u, j = r * U + u;
            const i = f[z], fg = f[z + U], gg = f[z + 2 * U], o = f[z + 3 * U], ac = f[(L.E2 >>> 2) + k];
            const cPrev = s ? f[(L.E1 >>> 2) + k - nu] : 0, dh = f[(W.DH >>> 2) + j];
            const dc = fr(f[(W.DC >>> 2) + j] + fr(fr(dh * o) * activateGrad(activation, ac)));
            f[z] = fr(fr(dc * gg) * activateGrad(recurrentActivation, i));
            f[z + U] = fr(fr(dc * cPrev) * activateGrad(recurrentActivation, fg));
            f[z + 2 * U] = fr(fr(dc * i) * activateGrad(activation, gg));
            f[z + 3 * U] = fr(fr(dh * ac) * activateGrad(recurrentActivation, o));
            f[(W.DC >>> 2) + j] = dc * fg;
          }
        g.gemmNT(L.Z + 16 * s * nu, recurrentKernel, W.DHM, n, 4 * U, U, 0);
        carryState(W.DHM, W.DH, recurrentMask, false, nu);
      }
      g.gemmTN(L.HM, L.Z, dRecurrentKernel, U, L.rows, 4 * U, 0);
      inputGrads(L, kernel, inputMask, dx, dKernel, dBias, W.DXM, n, steps, features, 4 * U, options);
    },

    gruForward(x: number, inputMask: number, kernel: number, recurrentKernel: number, bias: number, recurrentMask: number, y: number, tape: number, work: number,
      n: number, steps: number, features: number, units: number, options: number, activation: number, recurrentActivation: number): void {
      const f = h.f32, U = units, L = layout(tape, n, steps, features, U, 3), nu = n * U, after = options & 4;
      const R = work, A = work + 4 * pad(3 * U * U), B = A + 4 * pad(3 * nu);
      reorderRows(x, L.XM, inputMask, n, steps, features, options, true);
      g.gemmNN(L.XM, kernel, bias, L.Z, L.rows, features, 3 * U, 0);
      if (!after) splitGru(recurrentKernel, R, U, false);
      for (let s = 0; s < steps; s++) {
        maskState(L.H, L.HM, recurrentMask, s, n, U);
        const HMs = L.HM + 4 * s * nu, Zs = (L.Z >>> 2) + s * 3 * nu, Es = (L.E1 >>> 2) + s * nu;
        // the recurrent products: [N, 3U] with its bias (after), or [N, 2U] for z and r (before)
        if (after) g.gemmNN(HMs, recurrentKernel, bias ? bias + 12 * U : 0, A, n, U, 3 * U, 0);
        else g.gemmNN(HMs, R, 0, A, n, U, 2 * U, 0);
        const width = after ? 3 * U : 2 * U;
        for (let r = 0; r < n; r++)
          for (let u = 0; u < U; u++) {
            const z = Zs + r * 3 * U + u, a = (A >>> 2) + r * width + u, j = r * U + u;
            const zg = activate(recurrentActivation, fr(f[z] + f[a])), rg = activate(recurrentActivation, fr(f[z + U] + f[a + U]));
            f[z] = zg, f[z + U] = rg;
            if (after) f[Es + j] = f[a + 2 * U];
            else f[Es + j] = fr(rg * f[(HMs >>> 2) + j]);
          }
        if (!after) g.gemmNN(L.E1 + 4 * s * nu, R + 8 * U * U, 0, B, n, U, U, 0);
        for (let r = 0; r < n; r++)
          for (let u = 0; u < U; u++) {
            const z = Zs + r * 3 * U + u, j = r * U + u, zg = f[z], rg = f[z + U];
            const pre = after ? fr(f[z + 2 * U] + fr(rg * f[Es + j])) : fr(f[z + 2 * U] + f[(B >>> 2) + j]);
            const hh = activate(activation, pre), hPrev = s ? f[(L.H >>> 2) + (s - 1) * nu + j] : 0;
            f[z + 2 * U] = hh;
            f[(L.H >>> 2) + s * nu + j] = fr(zg * hPrev) + fr(fr(1 - zg) * hh);
          }
      }
      writeOutput(L.H, y, n, steps, U, options);
    },

    gruBackward(x: number, inputMask: number, kernel: number, recurrentKernel: number, recurrentMask: number, tape: number, dy: number, dx: number,
      dKernel: number, dRecurrentKernel: number, dBias: number, work: number, n: number, steps: number, features: number, units: number, options: number,
      activation: number, recurrentActivation: number): void {
      void x;
      const f = h.f32, U = units, L = layout(tape, n, steps, features, U, 3), W = scratch(work, n, steps, features, U, 3 * U), nu = n * U, after = options & 4;
      const Rzr = W.SPLIT, dRzr = W.DSPLIT, dRh = W.DSPLIT + 8 * U * U;
      if (!after) splitGru(recurrentKernel, Rzr, U, false);
      f.fill(0, W.DH >>> 2, (W.DH >>> 2) + nu);
      for (let s = steps - 1; s >= 0; s--) {
        addOutputGrad(W.DH, dy, s, n, steps, U, options);
        const Zs = (L.Z >>> 2) + s * 3 * nu, Es = (L.E1 >>> 2) + s * nu, HMs = (L.HM >>> 2) + s * nu, first = s === steps - 1 ? 0 : 1;
        const width = after ? 3 * U : 2 * U, DREC = W.DREC >>> 2, DPH = W.DC >>> 2, DRH = W.SPARE >>> 2;
        for (let r = 0; r < n; r++)
          for (let u = 0; u < U; u++) {
            const z = Zs + r * 3 * U + u, j = r * U + u, zg = f[z], hh = f[z + 2 * U], dh = f[(W.DH >>> 2) + j];
            const hPrev = s ? f[(L.H >>> 2) + (s - 1) * nu + j] : 0;
            f[(W.DH >>> 2) + j] = fr(dh * zg); // the direct path of h_{s−1} into h_s; dh is not read again
            f[z] = fr(fr(dh * fr(hPrev - hh)) * activateGrad(recurrentActivation, zg));
            f[z + 2 * U] = fr(fr(dh * fr(1 - zg)) * activateGrad(activation, hh));
            f[DREC + r * width + u] = f[z];
            if (after) f[DREC + r * width + 2 * U + u] = fr(f[z + 2 * U] * f[z + U]);
            else f[DPH + j] = f[z + 2 * U];
          }
        // the reset gate's gradient: through r · mh_h (after), or through (r ⊙ h̃)·R_h (before)
        if (!after) g.gemmNT(W.DC, Rzr + 8 * U * U, W.SPARE, n, U, U, 0);
        for (let r = 0; r < n; r++)
          for (let u = 0; u < U; u++) {
            const z = Zs + r * 3 * U + u, j = r * U + u, rg = f[z + U];
            const dr = after ? fr(f[z + 2 * U] * f[Es + j]) : fr(f[DRH + j] * f[HMs + j]);
            if (!after) f[DRH + j] = fr(f[DRH + j] * rg); // d(r ⊙ h̃)/dh̃ = r, added to dh̃ below
            f[z + U] = f[DREC + r * width + U + u] = fr(dr * activateGrad(recurrentActivation, rg));
          }
        if (after) {
          g.gemmTN(L.HM + 4 * s * nu, W.DREC, dRecurrentKernel, U, n, 3 * U, first);
          if (dBias) g.colSums(W.DREC, dBias + 12 * U, n, 3 * U, first);
          g.gemmNT(W.DREC, recurrentKernel, W.DHM, n, 3 * U, U, 0);
        } else {
          g.gemmTN(L.HM + 4 * s * nu, W.DREC, dRzr, U, n, 2 * U, first);
          g.gemmTN(L.E1 + 4 * s * nu, W.DC, dRh, U, n, U, first);
          g.gemmNT(W.DREC, Rzr, W.DHM, n, 2 * U, U, 0);
          // dh̃ also flows through r ⊙ h̃
          for (let r = 0; r < n; r++)
            for (let u = 0; u < U; u++) f[(W.DHM >>> 2) + r * U + u] += f[DRH + r * U + u];
        }
        carryState(W.DHM, W.DH, recurrentMask, true, nu);
      }
      if (!after) splitGru(dRecurrentKernel, dRzr, U, true);
      inputGrads(L, kernel, inputMask, dx, dKernel, dBias, W.DXM, n, steps, features, 3 * U, options);
    },
  } satisfies RecurrentKernels;
}
