import type { Kernels } from '../src/index.ts';

/**
 * The "dropout family" kernels: src/backend/kernels/dropoutVariants.ts and seluTanh.ts.
 * test/dropoutVariants.kernels.test.ts compares each of them between the backends (and checks it
 * covered this whole list); the contract test of test/backends.test.ts counts them as covered from
 * there.
 */
export const DROPOUT_FAMILY_KERNELS: readonly (keyof Kernels)[] = [
  'scale', 'exactDropoutForward', 'gaussianDropoutForward', 'alphaDropoutForward', 'concreteDropoutForward', 'concreteDropoutBackward',
  'adaptiveImportanceUpdate', 'adaptiveDropoutRates', 'columnDropoutForward', 'momentsUpdate', 'momentsStd',
  'seluForward', 'seluBackward', 'tanhForward', 'tanhBackward',
];
