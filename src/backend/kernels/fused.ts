import type { Ptr } from '../kernels.ts';

/**
 * Fused chains (planned by src/fusion.ts): Dense → ReLU → Dropout in one pass each way;
 * assembly/fused.ts, src/backend/js/fused.ts. Each equals the unfused kernels it replaces,
 * operation for operation; the dropout arguments are dropoutForward's (threshold 0 and scale 1:
 * no dropout).
 */
export interface FusedKernels {
  /** y = dropout(relu(x·w + bias)); x m×k, w k×n: gemmNN with ReLU and the mask in its epilogue */
  denseReluForward(x: Ptr, w: Ptr, bias: Ptr, y: Ptr, m: number, k: number, n: number, seed: number, counter: number, threshold: number, scale: number): void;
  /**
   * Backward of ReLU → Dropout from the chain's output y: dz = y > 0 ? dy · scale : 0 and
   * db = Σ_rows dz (overwritten; the Dense layer's dbiases), one pass. dz may alias dy.
   */
  reluDropoutGate(y: Ptr, dy: Ptr, dz: Ptr, db: Ptr, rows: number, cols: number, scale: number): void;
  /**
   * Dense(k→hd) → ReLU → Dropout → Dense(hd→n) forward in one pass over the rows, for k ≤ 4,
   * n ≤ 3, hd ≥ 8: h = dropout(relu(x·w1 + b1)) (m×hd), z = h·w2 + b2 (m×n). scratch: 12·hd floats.
   */
  denseChainForward(x: Ptr, w1: Ptr, b1: Ptr, h: Ptr, w2: Ptr, b2: Ptr, z: Ptr, m: number, k: number, hd: number, n: number,
    seed: number, counter: number, threshold: number, scale: number, scratch: Ptr): void;
  /**
   * Its backward in one pass, given dz = ∂loss/∂z (m×n): dw2 = hᵀ·dz; g = (dz·w2ᵀ) gated as
   * reluDropoutGate; dw1 = xᵀ·g; db1 = Σ_rows g (all overwritten); g into dh1 unless dh1 = 0.
   * db2 = colSums(dz) is left to the caller. scratch: 12·hd floats.
   */
  denseChainBackward(x: Ptr, h: Ptr, w2: Ptr, dz: Ptr, dw1: Ptr, db1: Ptr, dw2: Ptr, dh1: Ptr, m: number, k: number, hd: number, n: number,
    scale: number, scratch: Ptr): void;
}
