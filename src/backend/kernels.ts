/**
 * The kernel contract: every numeric loop of nnwasm, listed once, one file per concern in
 * kernels/ (gemm, elementwise, dropout, …). A concern's basename is the same in all three places:
 * its contract here in kernels/<concern>.ts, its AssemblyScript exports in assembly/<concern>.ts
 * (compiled to SIMD WebAssembly), its plain-TS twin in src/backend/js/<concern>.ts. The twin is the
 * oracle in tests and the "pure JS" baseline in benchmarks. TypeScript holds the twins to Kernels
 * exactly (src/backend/js/index.ts); test/contract.test.ts holds both wasm builds' exports to the
 * twins, names and parameter counts.
 *
 * Conventions, shared by both implementations:
 * - Every `Ptr` is a byte offset into the backend's one linear memory. Tensors are float32,
 *   row-major, and start on a 64-byte boundary; index buffers (gatherRows) are int32.
 * - Kernels never allocate. Output may alias input only where a comment says so.
 * - Sparse labels are float32 class indices (one column); one-hot labels are float32 rows.
 *   `oneHot` is 0 or 1. Range checks happen in TypeScript before a kernel ever sees labels.
 * - Reductions that feed reported losses accumulate in float64 and return the raw sum; the
 *   caller divides (the book's means).
 * - The cross-entropies clip predictions to [1e-7, 1 - 1e-7] as the book does.
 */
import type { GemmKernels } from './kernels/gemm.ts';
import type { ElementwiseKernels } from './kernels/elementwise.ts';
import type { DropoutKernels } from './kernels/dropout.ts';
import type { DropoutVariantKernels } from './kernels/dropoutVariants.ts';
import type { SeluTanhKernels } from './kernels/seluTanh.ts';
import type { LossKernels } from './kernels/losses.ts';
import type { OptimKernels } from './kernels/optim.ts';
import type { FusedKernels } from './kernels/fused.ts';
import type { ConvKernels } from './kernels/conv.ts';
import type { PoolKernels } from './kernels/pool.ts';
import type { NormKernels } from './kernels/norm.ts';
import type { RecurrentKernels } from './kernels/recurrent.ts';

export type { GemmKernels, ElementwiseKernels, DropoutKernels, DropoutVariantKernels, SeluTanhKernels, LossKernels, OptimKernels, FusedKernels, ConvKernels, PoolKernels, NormKernels, RecurrentKernels };

export type Ptr = number;

/** Every kernel of every concern: the registry a Backend calls (wasm exports or the js twins). */
export type Kernels = GemmKernels & ElementwiseKernels & DropoutKernels & DropoutVariantKernels & SeluTanhKernels & LossKernels & OptimKernels & FusedKernels
  & ConvKernels & PoolKernels & NormKernels & RecurrentKernels;

export type KernelName = keyof Kernels;
