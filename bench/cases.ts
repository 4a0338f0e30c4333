/** Inputs and GEMM cases shared by bench/run.ts and bench/ab.ts, so both time the same calls on the same data. */
import type { Backend } from '../src/index.ts';

/** deterministic values in [-0.5, 0.5], the same for every engine */
export function fill(d: Float32Array): Float32Array {
  for (let i = 0; i < d.length; i++) d[i] = Math.sin(i * 12.9898) * 0.5;
  return d;
}

export function rand(b: Backend, r: number, c: number) {
  const t = b.tensor(r, c);
  fill(t.data);
  return t;
}

export type GemmForm = 'NN' | 'TN' | 'NT';

/**
 * C (m×n) = A·B + bias (NN), Aᵀ·B (TN) or A·Bᵀ (NT) on one backend, with its operands allocated
 * and filled: `fn` is one call, `C` its output, `dispose` frees the operands.
 */
export function gemmCase(b: Backend, form: GemmForm, m: number, k: number, n: number) {
  const [ar, ac] = form === 'TN' ? [k, m] : [m, k];
  const [br, bc] = form === 'NT' ? [n, k] : [k, n];
  const A = rand(b, ar, ac), B = rand(b, br, bc), C = b.tensor(m, n), bias = rand(b, 1, n), kr = b.kernels;
  const fn = form === 'NN' ? () => kr.gemmNN(A.ptr, B.ptr, bias.ptr, C.ptr, m, k, n, 0)
    : form === 'TN' ? () => kr.gemmTN(A.ptr, B.ptr, C.ptr, m, k, n, 0) : () => kr.gemmNT(A.ptr, B.ptr, C.ptr, m, k, n, 0);
  return { fn, C, dispose: () => { for (const t of [A, B, C, bias]) t.dispose(); } };
}
