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
import { normKernels } from './norm.ts';
import { recurrentKernels } from './recurrent.ts';

export type { Heap };

/**
 * T's own type where T is a kernel of the contract with the contract's parameter count, `never`
 * elsewhere: a key beyond Kernels, or a twin that takes fewer parameters than its signature
 * (which TypeScript would otherwise accept), then fails to compile.
 */
type ExactKernels<T> = {
  [K in keyof T]: K extends keyof Kernels
    ? T[K] extends (...args: infer P) => unknown ? (P['length'] extends Parameters<Kernels[K]>['length'] ? T[K] : never) : never
    : never;
};

/**
 * The registry of plain-TS twins: one object with every kernel of the contract and nothing else.
 * Each concern's factory checks its object against its interface (src/backend/kernels/<concern>.ts)
 * with `satisfies`, which keeps the twins' own parameter lists; the `satisfies` here then refuses
 * a key beyond Kernels, which spreads would slip past TypeScript's excess-property check, and a
 * kernel short of parameters. test/contract.test.ts holds the wasm exports to this same list.
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
    ...convKernels(heap),
    ...poolKernels(heap),
    ...normKernels(heap),
    ...recurrentKernels(heap),
  };
  return kernels satisfies Kernels & ExactKernels<typeof kernels>;
}
