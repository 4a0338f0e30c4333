import type { Ptr } from '../kernels.ts';

/**
 * SELU (for alpha dropout) and tanh: assembly/seluTanh.ts, src/backend/js/seluTanh.ts. The forward
 * passes round an f64 expm1 / tanh once, so the backends may differ there by 1 float32 ulp.
 */
export interface SeluTanhKernels {
  /** SELU: y = λx for x > 0, λα(eˣ − 1) otherwise (λ ≈ 1.0507, α ≈ 1.6733); y may alias x */
  seluForward(x: Ptr, y: Ptr, n: number): void;
  /** dx = dy · (x > 0 ? λ : y + λα), y being the forward output */
  seluBackward(x: Ptr, y: Ptr, dy: Ptr, dx: Ptr, n: number): void;
  /** y = tanh(x); y may alias x */
  tanhForward(x: Ptr, y: Ptr, n: number): void;
  /** dx = dy · (1 − y²), y being the forward output */
  tanhBackward(y: Ptr, dy: Ptr, dx: Ptr, n: number): void;
}
