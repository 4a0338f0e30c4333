import type { Ptr } from '../kernels.ts';

/**
 * Recurrent layers (SimpleRNN, LSTM, GRU), forward and backpropagation through time:
 * assembly/recurrent.ts, src/backend/js/recurrent.ts. One call per layer and pass: the time loop
 * runs inside the kernel. Keras's equations and weight layouts (gates concatenated along the last
 * axis: LSTM i, f, c, o; GRU z, r, h), written out in src/layers/recurrent.ts.
 *
 * Shapes (N sequences, T steps, F features, U units, G gates: SimpleRNN 1, LSTM 4, GRU 3):
 * x [N, T, F]; kernel [F, G·U]; recurrentKernel [U, G·U]; bias [G·U] (GRU with resetAfter:
 * [2, G·U], the input bias then the recurrent bias), 0 for none; inputMask [N, F] and
 * recurrentMask [N, U], each 0 (none) or one multiplier per sequence (0 or 1/(1 − rate)) shared by
 * every step and gate; y [N, U], or [N, T, U] with returnSequences (in processing order, as Keras).
 *
 * `options` bits: 1 goBackwards (steps run t = T−1 … 0), 2 returnSequences, 4 resetAfter (GRU).
 * Activation codes (`activation`, `recurrentActivation`): 0 linear, 1 tanh, 2 sigmoid, 3 relu,
 * 4 hardSigmoid (TF.js's and Keras 2's clip(0.2·x + 0.5, 0, 1), TF.js's default recurrent activation;
 * Keras 3 redefined hard_sigmoid as clip(x/6 + 0.5, 0, 1)). tanh and sigmoid are float32 (mathf32's expf), the
 * same operations on both backends.
 *
 * The tape (written by forward, read and then overwritten by backward; recurrentTapeFloats), in
 * processing order s = 0 … T−1, rows s·N + n:
 *   XM [T·N, F]    masked inputs x_t · m_x
 *   Z  [T·N, G·U]  the gates after their nonlinearities (SimpleRNN: h; LSTM: i, f, g, o; GRU: z, r, hh)
 *   HM [T·N, U]    h̃ = h_{s−1} · m_h, the state entering step s, masked (0 at s = 0)
 *   H  [T·N, U]    h_s, the state leaving step s
 *   LSTM: C [T·N, U] c_s and AC [T·N, U] act(c_s); GRU: E [T·N, U] the recurrent part of the
 *   candidate: h̃·R_h + b_h (resetAfter) or r ⊙ h̃ (reset before)
 * `work` is scratch (recurrentScratchFloats), contents unspecified afterwards. Backward overwrites
 * dKernel, dRecurrentKernel and dBias (0: not wanted) and dx (0: not wanted).
 *
 * Every matrix product is the GEMM kernels' (gemmNN / gemmTN / gemmNT) in a fixed sequence, so the
 * backends agree to the GEMM's ~1e-6; cells are float32 elementwise.
 */
export interface RecurrentKernels {
  simpleRnnForward(x: Ptr, inputMask: Ptr, kernel: Ptr, recurrentKernel: Ptr, bias: Ptr, recurrentMask: Ptr, y: Ptr, tape: Ptr, work: Ptr,
    n: number, steps: number, features: number, units: number, options: number, activation: number, recurrentActivation: number): void;
  simpleRnnBackward(x: Ptr, inputMask: Ptr, kernel: Ptr, recurrentKernel: Ptr, recurrentMask: Ptr, tape: Ptr, dy: Ptr, dx: Ptr,
    dKernel: Ptr, dRecurrentKernel: Ptr, dBias: Ptr, work: Ptr, n: number, steps: number, features: number, units: number, options: number,
    activation: number, recurrentActivation: number): void;
  lstmForward(x: Ptr, inputMask: Ptr, kernel: Ptr, recurrentKernel: Ptr, bias: Ptr, recurrentMask: Ptr, y: Ptr, tape: Ptr, work: Ptr,
    n: number, steps: number, features: number, units: number, options: number, activation: number, recurrentActivation: number): void;
  lstmBackward(x: Ptr, inputMask: Ptr, kernel: Ptr, recurrentKernel: Ptr, recurrentMask: Ptr, tape: Ptr, dy: Ptr, dx: Ptr,
    dKernel: Ptr, dRecurrentKernel: Ptr, dBias: Ptr, work: Ptr, n: number, steps: number, features: number, units: number, options: number,
    activation: number, recurrentActivation: number): void;
  gruForward(x: Ptr, inputMask: Ptr, kernel: Ptr, recurrentKernel: Ptr, bias: Ptr, recurrentMask: Ptr, y: Ptr, tape: Ptr, work: Ptr,
    n: number, steps: number, features: number, units: number, options: number, activation: number, recurrentActivation: number): void;
  gruBackward(x: Ptr, inputMask: Ptr, kernel: Ptr, recurrentKernel: Ptr, recurrentMask: Ptr, tape: Ptr, dy: Ptr, dx: Ptr,
    dKernel: Ptr, dRecurrentKernel: Ptr, dBias: Ptr, work: Ptr, n: number, steps: number, features: number, units: number, options: number,
    activation: number, recurrentActivation: number): void;
}

export type RecurrentCell = 'simpleRnn' | 'lstm' | 'gru';
export const GATES: Record<RecurrentCell, number> = { simpleRnn: 1, lstm: 4, gru: 3 };
export const RNN_GO_BACKWARDS = 1, RNN_RETURN_SEQUENCES = 2, RNN_RESET_AFTER = 4;
export const ACTIVATION_CODES = { linear: 0, tanh: 1, sigmoid: 2, relu: 3, hardSigmoid: 4 } as const;
export type RecurrentActivation = keyof typeof ACTIVATION_CODES;

/** floats of the tape for one pass (see above) */
export function recurrentTapeFloats(cell: RecurrentCell, n: number, steps: number, features: number, units: number): number {
  const extra = cell === 'lstm' ? 2 : cell === 'gru' ? 1 : 0;
  return steps * n * (features + (GATES[cell] + 2 + extra) * units);
}

/** floats of scratch forward and backward need (the larger of the two; both stay 16-byte aligned) */
export function recurrentScratchFloats(cell: RecurrentCell, n: number, steps: number, features: number, units: number): number {
  const gu = GATES[cell] * units, pad = (k: number) => (k + 3) & ~3;
  // forward: GRU's R split into its [U, 2U] and [U, U] blocks, two [N, ·] step products
  const forward = cell === 'gru' ? pad(units * gu) + pad(n * gu) + pad(n * units) : 0;
  // backward: dh and dc carries, dh̃, the step's recurrent-side gate gradients, dXM, GRU's split dR
  const backward = 4 * pad(n * units) + pad(n * gu) + pad(steps * n * features) + (cell === 'gru' ? 2 * pad(units * gu) : 0);
  return Math.max(forward, backward);
}
