/**
 * The recurrent kernels at the benchmark's size, an LSTM(64) over 50 steps × 1 feature at batch 64
 * (and a GRU, resetAfter, at the same size), on one wasm build, beside the GEMM calls they make
 * per step, so that the share of the cells (everything but the GEMMs) can be read off:
 *
 *   npx tsx bench/recurrent-kernels.ts [--relaxed] [--wasm=DIR] [--rounds=7] [--n=64 --steps=50 --features=1 --units=64]
 *
 * DIR holds nnwasm.wasm and nnwasm-relaxed.wasm (default build/). Prints per case the median ms per
 * call (and the minimum), samples per second (n / ms, at the median and the minimum: on a shared
 * machine the minimum is the closer to the kernels' own speed) and the effective GFLOP/s counting
 * the GEMMs' multiply-adds only (2·m·k·n each: the model's FLOPs, the cells not counted). A training
 * step is forward + backward; "GEMMs alone" sums the case's GEMM calls timed one by one.
 */
import { readFileSync } from 'node:fs';
import { createBackend, type Backend, type Tensor } from '../src/index.ts';
import {
  GATES, RNN_RESET_AFTER, recurrentScratchFloats, recurrentTapeFloats, type RecurrentCell,
} from '../src/backend/kernels/recurrent.ts';
import { fill } from './cases.ts';

const arg = (name: string, def: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? def);
const dir = process.argv.find((a) => a.startsWith('--wasm='))?.slice(7) ?? 'build';
const simd = process.argv.includes('--relaxed') ? 'relaxed' : 'baseline';
const rounds = arg('rounds', 7);
const N = arg('n', 64), T = arg('steps', 50), F = arg('features', 1), U = arg('units', 64);

const b: Backend = await createBackend('wasm', { seed: 0, simd, wasm: { baseline: readFileSync(`${dir}/nnwasm.wasm`), relaxed: readFileSync(`${dir}/nnwasm-relaxed.wasm`) } });
const k = b.kernels;
const owned: Tensor[] = [];
/** a tensor of `size` floats filled with deterministic values in [−scale/2, scale/2] */
const t = (size: number, scale = 1) => {
  const v = b.tensor(1, size);
  fill(v.data);
  if (scale !== 1) for (let i = 0; i < size; i++) v.data[i] *= scale;
  owned.push(v);
  return v;
};

/** ms per call: ~200 ms of warm-up (V8 tiers wasm up from Liftoff to TurboFan in the background), calls per turn sized to ~50 ms, `rounds` turns, median and minimum */
function time(fn: () => void): { median: number; min: number } {
  let s = performance.now();
  while (performance.now() - s < 200) fn();
  s = performance.now();
  fn();
  const reps = Math.max(1, Math.round(50 / Math.max(0.005, performance.now() - s)));
  const ms: number[] = [];
  for (let r = 0; r < rounds; r++) {
    s = performance.now();
    for (let j = 0; j < reps; j++) fn();
    ms.push((performance.now() - s) / reps);
  }
  ms.sort((p, q) => p - q);
  return { median: ms[ms.length >> 1], min: ms[0] };
}

/** the GEMMs' FLOPs of one forward and one backward pass (kernels/recurrent.ts's call sequence) */
function flops(cell: RecurrentCell): { forward: number; backward: number } {
  const gu = GATES[cell] * U, rows = T * N;
  const input = 2 * rows * F * gu, recurrent = 2 * rows * U * gu;
  // backward: dh̃ = dZ·Rᵀ per step, dR = HMᵀ·dZ, dKernel = XMᵀ·dZ, dXM = dZ·Wᵀ (the GRU's split products add up to the same)
  return { forward: input + recurrent, backward: 2 * recurrent + 2 * input };
}

const line = (name: string, r: { median: number; min: number }, flop?: number, samples = true) =>
  console.log(`${name.padEnd(40)} ${r.median.toFixed(3).padStart(8)} ms (min ${r.min.toFixed(3)})` +
    (samples ? `  ${Math.round((N / r.median) * 1000).toString().padStart(6)} samples/s (best ${Math.round((N / r.min) * 1000)})` : ''.padEnd(33)) +
    (flop ? `  ${(flop / r.median / 1e6).toFixed(1).padStart(5)} GFLOP/s` : ''));

console.log(`recurrent kernels, wasm ${simd} (${dir}): N=${N} T=${T} F=${F} U=${U}, ${rounds} rounds; GFLOP/s count the GEMMs' FLOPs only`);

for (const cell of ['lstm', 'gru'] as const) {
  const G = GATES[cell], gu = G * U, options = cell === 'gru' ? RNN_RESET_AFTER : 0;
  const x = t(N * T * F), kernel = t(F * gu), rk = t(U * gu, 0.3), bias = t(cell === 'gru' ? 2 * gu : gu, 0.2);
  const y = t(N * U), dy = t(N * U), dx = t(N * T * F), dK = t(F * gu), dR = t(U * gu), dB = t(bias.size);
  const tape = t(recurrentTapeFloats(cell, N, T, F, U)), work = t(recurrentScratchFloats(cell, N, T, F, U));
  const fwd = cell === 'lstm' ? k.lstmForward : k.gruForward, bwd = cell === 'lstm' ? k.lstmBackward : k.gruBackward;
  const forward = () => fwd(x.ptr, 0, kernel.ptr, rk.ptr, bias.ptr, 0, y.ptr, tape.ptr, work.ptr, N, T, F, U, options, 1, 2);
  const backward = () => bwd(x.ptr, 0, kernel.ptr, rk.ptr, 0, tape.ptr, dy.ptr, dx.ptr, dK.ptr, dR.ptr, dB.ptr, work.ptr, N, T, F, U, options, 1, 2);
  const fl = flops(cell);
  const name = cell === 'lstm' ? `LSTM(${U})` : `GRU(${U}) resetAfter`;
  line(`${name} forward`, time(forward), fl.forward);
  line(`${name} forward + backward (train)`, time(() => { forward(); backward(); }), fl.forward + fl.backward);

  // the same GEMM calls on the same buffers, one by one (their FLOPs at their own speed)
  const Z = t(T * N * gu), HM = t(T * N * U), A = t(N * gu), DHM = t(N * U), XM = t(T * N * F);
  const perStepNN = time(() => { for (let s = 0; s < T; s++) k.gemmNN(HM.ptr + 4 * s * N * U, rk.ptr, 0, Z.ptr + 4 * s * N * gu, N, U, gu, 1); });
  const perStepNT = time(() => { for (let s = 0; s < T; s++) k.gemmNT(Z.ptr + 4 * s * N * gu, rk.ptr, DHM.ptr, N, gu, U, 0); });
  // dR: one product over all steps (LSTM), or one per step (GRU, whose backward needs r's gradient first)
  const tn = cell === 'lstm' ? time(() => k.gemmTN(HM.ptr, Z.ptr, dR.ptr, U, T * N, gu, 0))
    : time(() => { for (let s = 0; s < T; s++) k.gemmTN(HM.ptr + 4 * s * N * U, A.ptr, dR.ptr, U, N, gu, s ? 1 : 0); });
  const inputs = time(() => {
    k.gemmNN(XM.ptr, kernel.ptr, bias.ptr, Z.ptr, T * N, F, gu, 0);
    k.gemmTN(XM.ptr, Z.ptr, dK.ptr, F, T * N, gu, 0);
    k.colSums(Z.ptr, dB.ptr, T * N, gu, 0);
    k.gemmNT(Z.ptr, kernel.ptr, XM.ptr, T * N, gu, F, 0);
  });
  const rec = 2 * N * U * gu;
  line(`  ${T} × gemmNN ${N}×${U}×${gu} (forward's)`, perStepNN, T * rec, false);
  line(`  ${T} × gemmNT ${N}×${gu}×${U} (backward's)`, perStepNT, T * rec, false);
  line(cell === 'lstm' ? `  gemmTN ${U}×${T * N}×${gu} (dR)` : `  ${T} × gemmTN ${U}×${N}×${gu} (dR)`, tn, T * rec, false);
  line(`  input side: gemmNN, gemmTN, colSums, gemmNT`, inputs, 4 * T * N * F * gu, false);
  const gemms = { median: perStepNN.median + perStepNT.median + tn.median + inputs.median, min: perStepNN.min + perStepNT.min + tn.min + inputs.min };
  line(`  GEMMs alone (train)`, gemms, fl.forward + fl.backward);
}
for (const v of owned) v.dispose();
