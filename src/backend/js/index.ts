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

export type { Heap };

/** keys of T that are no kernel of the contract, each typed `never` so that having one fails to compile */
type NoExtraKernels<T> = { [K in Exclude<keyof T, keyof Kernels>]: never };

/**
 * The registry of plain-TS twins: one object with every kernel of the contract and nothing else.
 * Each concern's factory is typed by its interface (src/backend/kernels/<concern>.ts); the
 * `satisfies` below also refuses a key beyond Kernels, which spreads would slip past TypeScript's
 * excess-property check. test/contract.test.ts holds the wasm exports to this same list.
 */
export function createJsKernels(heap: Heap): Kernels {
  const kernels = {
    ...gemmKernels(heap),
    ...elementwiseKernels(heap),
    ...dropoutKernels(heap),
    ...dropoutVariantKernels(heap),
    ...seluTanhKernels(heap),
    ...lossKernels(heap),
    ...optimKernels(heap),
    ...fusedKernels(heap),
  };
  return kernels satisfies Kernels & NoExtraKernels<typeof kernels>;
}
