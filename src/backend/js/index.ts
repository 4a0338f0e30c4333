import type { Kernels } from '../kernels.ts';
import type { Heap } from './heap.ts';
import { gemmKernels } from './gemm.ts';
import { elementwiseKernels } from './elementwise.ts';
import { dropoutKernels } from './dropout.ts';
import { dropoutVariantKernels } from './dropoutVariants.ts';
import { seluTanhKernels } from './seluTanh.ts';
import { lossKernels } from './losses.ts';
import { optimKernels } from './optim.ts';
import { fusedKernels } from './fused.ts';
import { convKernels } from './conv.ts';
import { poolKernels } from './pool.ts';

export type { Heap };

/** The registry of plain-TS twins: one object with every kernel of the contract. */
export function createJsKernels(heap: Heap): Kernels {
  return {
    ...gemmKernels(heap),
    ...elementwiseKernels(heap),
    ...dropoutKernels(heap),
    ...dropoutVariantKernels(heap),
    ...seluTanhKernels(heap),
    ...lossKernels(heap),
    ...optimKernels(heap),
    ...fusedKernels(heap),
    ...convKernels(heap),
    ...poolKernels(heap),
  };
}
